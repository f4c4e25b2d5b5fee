//! Reading registry records back as plain records (for the upsert's comparison and for exports).

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::values::{Value, bind_all, flag, parse_date, parse_opt_date};
use super::{DbError, DbResult, ReadOptions, Scope};
use crate::domain::codes::{CitizenId, CreditCode, Phone, RegionCode};
use crate::domain::dataset::{
    CoverageRecord, Dataset, InstructorRecord, OrgRecord, PartyOrgRecord, PositionRecord,
    PositionTarget, StationRecord, UnitRecord,
};
use crate::domain::model::{Formation, OrgKind, OrgStatus, PartyOrgKind, StationRole, UnitKind};

fn bad(what: &str, value: &str) -> DbError {
    DbError::Inconsistent(format!("数据库中的{what} “{value}” 无效"))
}

fn code<T>(what: &str, value: String, parse: impl Fn(&str) -> Option<T>) -> DbResult<T> {
    parse(&value).ok_or_else(|| bad(what, &value))
}

pub(super) async fn units(conn: &mut AnyConnection) -> DbResult<Vec<UnitRecord>> {
    let rows = sqlx::query(
        "SELECT name, kind, region_code, carries_party_building FROM units ORDER BY id",
    )
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(UnitRecord {
                name: r.try_get(0)?,
                kind: code("单位类别", r.try_get(1)?, UnitKind::from_code)?,
                region: code("区划", r.try_get(2)?, |s| RegionCode::parse(s).ok())?,
                carries_party_building: r.try_get::<i64, _>(3)? != 0,
            })
        })
        .collect()
}

pub(super) async fn unit_ids(conn: &mut AnyConnection) -> DbResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT name, id FROM units")
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Parameters per `IN (…)` list: far below every backend's limit on bound parameters.
const KEYS_PER_QUERY: usize = 500;

/// Distinct text keys, sorted, as bind values for [`rows_in`].
pub(super) fn text_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<Value> {
    let set: BTreeSet<&str> = keys.into_iter().collect();
    set.into_iter().map(Value::text).collect()
}

/// Distinct integer keys, sorted, as bind values for [`rows_in`].
pub(super) fn int_keys(keys: impl IntoIterator<Item = i64>) -> Vec<Value> {
    let set: BTreeSet<i64> = keys.into_iter().collect();
    set.into_iter().map(Value::int).collect()
}

/// The rows of `select` (a query ending in `WHERE <column>`) whose column is one of `keys`:
/// the rows a write touches, looked up by key in batches, instead of a whole table read.
pub(super) async fn rows_in(
    conn: &mut AnyConnection,
    select: &str,
    keys: &[Value],
) -> DbResult<Vec<AnyRow>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("{select} IN ({})", params.join(", "));
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql.as_str())), chunk)
            .fetch_all(&mut *conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// `credit code → id` of the given orgs that exist.
/// (`codes`: from [`text_keys`]; keys are made before the call, as an iterator of borrowed
/// records held across the query would not be `Send`.)
pub(super) async fn org_ids_for(
    conn: &mut AnyConnection,
    codes: &[Value],
) -> DbResult<HashMap<String, i64>> {
    let rows = rows_in(
        conn,
        "SELECT credit_code, id FROM social_orgs WHERE credit_code",
        codes,
    )
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// `id → credit code` of the given orgs.
pub(super) async fn org_codes_for(
    conn: &mut AnyConnection,
    ids: &[Value],
) -> DbResult<HashMap<i64, String>> {
    let rows = rows_in(
        conn,
        "SELECT id, credit_code FROM social_orgs WHERE id",
        ids,
    )
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// `name → id` of the given party orgs that exist.
pub(super) async fn party_org_ids_for(
    conn: &mut AnyConnection,
    names: &[Value],
) -> DbResult<HashMap<String, i64>> {
    let rows = rows_in(conn, "SELECT name, id FROM party_orgs WHERE name", names).await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// The stored records of the given orgs (those that exist).
pub(super) async fn orgs_for(
    conn: &mut AnyConnection,
    codes: &[Value],
) -> DbResult<Vec<OrgRecord>> {
    let select = format!(
        "SELECT {ORG_SELECT} FROM social_orgs o LEFT JOIN units u ON u.id = o.supervising_unit_id \
         WHERE o.credit_code"
    );
    let rows = rows_in(conn, &select, codes).await?;
    rows.iter().map(org_from_row).collect()
}

/// The columns of an org's key facts ([`org_key_from_row`]).
const ORG_KEY_SELECT: &str = "SELECT credit_code, name, region_code, registered_on, terminated_on, counts_on FROM social_orgs";

fn org_key_from_row(r: &AnyRow) -> DbResult<super::registry::OrgKey> {
    Ok(super::registry::OrgKey {
        credit_code: r.try_get(0)?,
        name: r.try_get(1)?,
        region: code("区划", r.try_get(2)?, |s| RegionCode::parse(s).ok())?,
        registered_on: parse_date(&r.try_get::<String, _>(3)?)?,
        terminated_on: parse_opt_date(r.try_get(4)?)?,
        counts_on: parse_opt_date(r.try_get(5)?)?,
    })
}

/// Runs `handle` on each org's key facts as the rows arrive.
pub(super) async fn each_org_key(
    conn: &mut AnyConnection,
    mut handle: impl FnMut(super::registry::OrgKey) + Send,
) -> DbResult<()> {
    use futures_util::TryStreamExt;
    let mut rows = sqlx::query(ORG_KEY_SELECT).fetch(conn);
    while let Some(r) = rows.try_next().await? {
        handle(org_key_from_row(&r)?);
    }
    Ok(())
}

/// The key facts of the orgs whose credit code or name is one of `words` (a form's references).
pub(super) async fn org_keys_named(
    conn: &mut AnyConnection,
    words: &[Value],
) -> DbResult<Vec<super::registry::OrgKey>> {
    let mut out: HashMap<String, super::registry::OrgKey> = HashMap::new();
    for column in ["credit_code", "name"] {
        let select = format!("{ORG_KEY_SELECT} WHERE {column}");
        for r in rows_in(conn, &select, words).await? {
            let key = org_key_from_row(&r)?;
            out.insert(key.credit_code.clone(), key);
        }
    }
    Ok(out.into_values().collect())
}

/// Columns for [`org_from_row`], with `o` the social org and `u` its supervising unit.
pub(super) const ORG_SELECT: &str = "o.credit_code, o.name, o.kind, o.region_code, u.name, \
    o.registered_on, o.status, o.terminated_on, o.address, o.legal_representative, o.staff_count, \
    o.member_count, o.formal_members, o.probationary_members, o.charter_party_building, \
    o.charter_core_values, o.counts_on";

pub(super) fn org_from_row(r: &AnyRow) -> DbResult<OrgRecord> {
    Ok(OrgRecord {
        credit_code: code("信用代码", r.try_get(0)?, |s| CreditCode::parse(s).ok())?,
        name: r.try_get(1)?,
        kind: code("类型", r.try_get(2)?, OrgKind::from_code)?,
        region: code("区划", r.try_get(3)?, |s| RegionCode::parse(s).ok())?,
        supervising_unit: r.try_get(4)?,
        registered_on: parse_date(&r.try_get::<String, _>(5)?)?,
        status: code("登记状态", r.try_get(6)?, OrgStatus::from_code)?,
        terminated_on: parse_opt_date(r.try_get(7)?)?,
        address: r.try_get(8)?,
        legal_representative: r.try_get(9)?,
        staff_count: r.try_get(10)?,
        member_count: r.try_get(11)?,
        formal_members: r.try_get(12)?,
        probationary_members: r.try_get(13)?,
        charter_party_building: flag(r.try_get(14)?),
        charter_core_values: flag(r.try_get(15)?),
        counts_on: parse_opt_date(r.try_get(16)?)?,
    })
}

pub(super) async fn orgs(conn: &mut AnyConnection, scope: &Scope) -> DbResult<Vec<OrgRecord>> {
    let sql = format!(
        "SELECT {ORG_SELECT} FROM social_orgs o LEFT JOIN units u ON u.id = o.supervising_unit_id \
         WHERE {} ORDER BY o.credit_code",
        scope.org_condition("o")
    );
    let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
        .fetch_all(conn)
        .await?;
    rows.iter().map(org_from_row).collect()
}

/// The changed fields of an org as (before, after) JSON objects, for the change log.
pub(super) fn org_diff(old: &OrgRecord, new: &OrgRecord) -> (String, String) {
    let a = org_fields(old);
    let b = org_fields(new);
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    for ((k, va), (_, vb)) in a.into_iter().zip(b) {
        if va != vb {
            before.insert(k.to_string(), va.into());
            after.insert(k.to_string(), vb.into());
        }
    }
    (
        serde_json::Value::Object(before).to_string(),
        serde_json::Value::Object(after).to_string(),
    )
}

fn org_fields(o: &OrgRecord) -> Vec<(&'static str, String)> {
    let d = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let n = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let b = |b: Option<bool>| {
        b.map(|b| if b { "是" } else { "否" }.to_string())
            .unwrap_or_default()
    };
    vec![
        ("名称", o.name.clone()),
        ("类型", o.kind.label().to_string()),
        ("登记管理机关区划", o.region.as_str().to_string()),
        (
            "业务主管单位",
            o.supervising_unit.clone().unwrap_or_default(),
        ),
        ("成立登记日期", o.registered_on.to_string()),
        ("登记状态", o.status.label().to_string()),
        ("注销撤销日期", d(o.terminated_on)),
        ("住所", o.address.clone().unwrap_or_default()),
        (
            "法定代表人",
            o.legal_representative.clone().unwrap_or_default(),
        ),
        ("从业人员数", n(o.staff_count)),
        ("会员数", n(o.member_count)),
        ("正式党员数", o.formal_members.to_string()),
        ("预备党员数", n(o.probationary_members)),
        ("党建入章", b(o.charter_party_building)),
        ("核心价值观入章", b(o.charter_core_values)),
        ("填报日期", d(o.counts_on)),
    ]
}

pub(super) struct LinkRow {
    pub id: i64,
    pub party_org_id: i64,
    pub org_id: i64,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// The coverage links of the given party orgs, in the order they were made.
pub(super) async fn link_rows_for(
    conn: &mut AnyConnection,
    party_org_ids: &[Value],
) -> DbResult<Vec<LinkRow>> {
    let rows = rows_in(
        conn,
        "SELECT id, party_org_id, org_id, valid_from, valid_to FROM coverage_links WHERE party_org_id",
        party_org_ids,
    )
    .await?;
    let mut out = rows
        .iter()
        .map(|r| {
            Ok(LinkRow {
                id: r.try_get(0)?,
                party_org_id: r.try_get(1)?,
                org_id: r.try_get(2)?,
                from: parse_date(&r.try_get::<String, _>(3)?)?,
                to: parse_opt_date(r.try_get(4)?)?,
            })
        })
        .collect::<DbResult<Vec<_>>>()?;
    out.sort_by_key(|l| l.id);
    Ok(out)
}

/// The stored fields of the given party orgs (those that exist), without their coverage.
pub(super) async fn party_org_fields_for(
    conn: &mut AnyConnection,
    names: &[Value],
) -> DbResult<Vec<PartyOrgRecord>> {
    let rows = rows_in(
        conn,
        "SELECT name, kind, formation, parent_name, founded_on, dissolved_on, member_count, secretary \
         FROM party_orgs WHERE name",
        names,
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PartyOrgRecord {
                name: r.try_get(0)?,
                kind: code("组织类别", r.try_get(1)?, PartyOrgKind::from_code)?,
                formation: code("组建方式", r.try_get(2)?, Formation::from_code)?,
                parent: r.try_get(3)?,
                founded_on: parse_date(&r.try_get::<String, _>(4)?)?,
                dissolved_on: parse_opt_date(r.try_get(5)?)?,
                covers: Vec::new(),
                covers_exact: false,
                member_count: r.try_get(6)?,
                secretary: r.try_get(7)?,
            })
        })
        .collect()
}

/// A party org's current coverage, as a workbook lists it: its open links; for a dissolved
/// party org with none, the links that ended last, which are the ones it had when it was
/// dissolved. Its row thus still names the orgs it covered (覆盖社会组织 is required), and the
/// exported workbook imports again.
fn keep_current_links(list: &mut Vec<CoverageRecord>, dissolved: bool) {
    let last = if list.iter().any(|c| c.to.is_none()) || !dissolved {
        None
    } else {
        list.iter().filter_map(|c| c.to).max()
    };
    list.retain(|c| c.to == last);
}

pub(super) async fn party_orgs(
    conn: &mut AnyConnection,
    scope: &Scope,
    options: ReadOptions,
) -> DbResult<Vec<PartyOrgRecord>> {
    // Within a region scope, a party org is in scope when it covers (or covered) an org there.
    let links_sql = format!(
        "SELECT l.party_org_id, o.credit_code, l.valid_from, l.valid_to FROM coverage_links l \
         JOIN social_orgs o ON o.id = l.org_id WHERE {} ORDER BY l.party_org_id, o.credit_code, l.valid_from",
        scope.org_condition("o")
    );
    let links: Vec<(i64, String, String, Option<String>)> =
        sqlx::query_as(AssertSqlSafe(links_sql.as_str()))
            .fetch_all(&mut *conn)
            .await?;
    let mut covers: HashMap<i64, Vec<CoverageRecord>> = HashMap::new();
    for (pid, credit_code, from, to) in links {
        covers.entry(pid).or_default().push(CoverageRecord {
            credit_code: code("信用代码", credit_code, |s| CreditCode::parse(s).ok())?,
            from: parse_date(&from)?,
            to: parse_opt_date(to)?,
        });
    }
    let rows = sqlx::query(
        "SELECT id, name, kind, formation, parent_name, founded_on, dissolved_on, member_count, secretary \
         FROM party_orgs ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        let dissolved_on = parse_opt_date(r.try_get(6)?)?;
        let mut links = covers.remove(&id).unwrap_or_default();
        if options.open_links_only {
            keep_current_links(&mut links, dissolved_on.is_some());
        }
        if links.is_empty() && *scope != Scope::City {
            continue;
        }
        out.push(PartyOrgRecord {
            name: r.try_get(1)?,
            kind: code("组织类别", r.try_get(2)?, PartyOrgKind::from_code)?,
            formation: code("组建方式", r.try_get(3)?, Formation::from_code)?,
            parent: r.try_get(4)?,
            founded_on: parse_date(&r.try_get::<String, _>(5)?)?,
            dissolved_on,
            // A read of the registry has every link with its own dates (unless asked for the
            // current ones only).
            covers_exact: !options.open_links_only,
            covers: links,
            member_count: r.try_get(7)?,
            secretary: r.try_get(8)?,
        });
    }
    Ok(out)
}

pub(super) struct InstructorRow {
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub role: String,
}

/// The upsert key of an instructor: citizen ID, else name and home unit.
pub(super) fn instructor_key(citizen_id: Option<&str>, name: &str, home_unit_id: i64) -> String {
    match citizen_id {
        Some(id) => format!("id:{id}"),
        None => format!("name:{name}\u{1f}{home_unit_id}"),
    }
}

/// The stored instructors with the given citizen IDs, and those without an ID with one of the
/// names (`lookup`: from [`person_lookup`]), by upsert key ([`instructor_key`]).
pub(super) async fn instructor_keys_for(
    conn: &mut AnyConnection,
    (ids, names): &(Vec<Value>, Vec<Value>),
) -> DbResult<HashMap<String, InstructorRow>> {
    const SELECT: &str = "SELECT id, name, citizen_id, phone, home_unit_id, role FROM instructors";
    let mut rows = rows_in(conn, &format!("{SELECT} WHERE citizen_id"), ids).await?;
    rows.extend(
        rows_in(
            conn,
            &format!("{SELECT} WHERE citizen_id IS NULL AND name"),
            names,
        )
        .await?,
    );
    rows.iter()
        .map(|r| {
            let cid: Option<String> = r.try_get(2)?;
            let name: String = r.try_get(1)?;
            let unit: i64 = r.try_get(4)?;
            Ok((
                instructor_key(cid.as_deref(), &name, unit),
                InstructorRow {
                    id: r.try_get(0)?,
                    name,
                    phone: r.try_get(3)?,
                    role: r.try_get(5)?,
                },
            ))
        })
        .collect()
}

type StationKey = (i64, i64, NaiveDate);

/// The stored stations of the given instructors, by their upsert key.
pub(super) async fn station_keys_for(
    conn: &mut AnyConnection,
    instructor_ids: &[Value],
) -> DbResult<HashMap<StationKey, (i64, Option<NaiveDate>)>> {
    let rows = rows_in(
        conn,
        "SELECT id, instructor_id, org_id, valid_from, valid_to FROM stations WHERE instructor_id",
        instructor_ids,
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                (
                    r.try_get(1)?,
                    r.try_get(2)?,
                    parse_date(&r.try_get::<String, _>(3)?)?,
                ),
                (r.try_get(0)?, parse_opt_date(r.try_get(4)?)?),
            ))
        })
        .collect()
}

/// The upsert key of a person: citizen ID, else the name (a documented heuristic).
pub(super) fn person_key(citizen_id: Option<&str>, name: &str) -> String {
    match citizen_id {
        Some(id) => format!("id:{id}"),
        None => format!("name:{name}"),
    }
}

/// The keys [`person_keys_for`] (and [`instructor_keys_for`]) look persons up by: their citizen IDs, and the names of those
/// without one.
pub(super) fn person_lookup<'a>(
    persons: impl IntoIterator<Item = (Option<&'a str>, &'a str)>,
) -> (Vec<Value>, Vec<Value>) {
    let (with_id, without): (Vec<_>, Vec<_>) =
        persons.into_iter().partition(|(cid, _)| cid.is_some());
    (
        text_keys(with_id.iter().filter_map(|(cid, _)| *cid)),
        text_keys(without.iter().map(|(_, name)| *name)),
    )
}

/// `person key → id` of the stored persons with the given keys ([`person_key`]): those with
/// one of the citizen IDs, and those without an ID with one of the names.
/// (`ids`, `names`: from [`person_lookup`].)
pub(super) async fn person_keys_for(
    conn: &mut AnyConnection,
    (ids, names): &(Vec<Value>, Vec<Value>),
) -> DbResult<HashMap<String, i64>> {
    let mut rows = rows_in(
        conn,
        "SELECT id, name, citizen_id FROM persons WHERE citizen_id",
        ids,
    )
    .await?;
    rows.extend(
        rows_in(
            conn,
            "SELECT id, name, citizen_id FROM persons WHERE citizen_id IS NULL AND name",
            names,
        )
        .await?,
    );
    rows.iter()
        .map(|r| {
            let cid: Option<String> = r.try_get(2)?;
            let name: String = r.try_get(1)?;
            Ok((person_key(cid.as_deref(), &name), r.try_get(0)?))
        })
        .collect()
}

type PositionKey = (i64, Option<i64>, Option<i64>, String, NaiveDate);

/// The stored positions of the given persons, by their upsert key.
pub(super) async fn position_keys_for(
    conn: &mut AnyConnection,
    person_ids: &[Value],
) -> DbResult<HashMap<PositionKey, (i64, Option<NaiveDate>)>> {
    let rows = rows_in(
        conn,
        "SELECT id, person_id, org_id, party_org_id, title, valid_from, valid_to FROM positions \
         WHERE person_id",
        person_ids,
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                (
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    parse_date(&r.try_get::<String, _>(5)?)?,
                ),
                (r.try_get(0)?, parse_opt_date(r.try_get(6)?)?),
            ))
        })
        .collect()
}

async fn instructors(conn: &mut AnyConnection, scope: &Scope) -> DbResult<Vec<InstructorRecord>> {
    let sql = format!(
        "SELECT i.id, i.name, i.citizen_id, i.phone, u.name, i.role, o.credit_code, s.valid_from, s.valid_to \
         FROM instructors i JOIN units u ON u.id = i.home_unit_id \
         JOIN stations s ON s.instructor_id = i.id JOIN social_orgs o ON o.id = s.org_id \
         WHERE {} ORDER BY i.id, s.valid_from, s.valid_to, o.credit_code",
        scope.org_condition("o")
    );
    let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
        .fetch_all(conn)
        .await?;
    let mut out: Vec<InstructorRecord> = Vec::new();
    let mut last_id = None;
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        let station = StationRecord {
            credit_code: code("信用代码", r.try_get(6)?, |s| CreditCode::parse(s).ok())?,
            from: parse_date(&r.try_get::<String, _>(7)?)?,
            to: parse_opt_date(r.try_get(8)?)?,
        };
        match out.last_mut() {
            Some(last) if last_id == Some(id) => last.stations.push(station),
            _ => {
                let cid: Option<String> = r.try_get(2)?;
                let phone: Option<String> = r.try_get(3)?;
                out.push(InstructorRecord {
                    name: r.try_get(1)?,
                    citizen_id: cid
                        .map(|c| code("身份证号", c, |s| CitizenId::parse(s).ok()))
                        .transpose()?,
                    phone: phone
                        .map(|p| code("手机号", p, |s| Phone::parse(s).ok()))
                        .transpose()?,
                    home_unit: r.try_get(4)?,
                    role: code("角色", r.try_get(5)?, StationRole::from_code)?,
                    stations: vec![station],
                    stations_exact: true,
                });
                last_id = Some(id);
            }
        }
    }
    Ok(out)
}

async fn positions(conn: &mut AnyConnection, scope: &Scope) -> DbResult<Vec<PositionRecord>> {
    let sql = format!(
        "SELECT pe.name, pe.citizen_id, pe.is_party_member, o.credit_code, po.name, p.title, p.valid_from, p.valid_to \
         FROM positions p JOIN persons pe ON pe.id = p.person_id \
         LEFT JOIN social_orgs o ON o.id = p.org_id LEFT JOIN party_orgs po ON po.id = p.party_org_id \
         WHERE p.party_org_id IS NOT NULL OR ({}) ORDER BY p.id",
        scope.org_condition("o")
    );
    let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let cid: Option<String> = r.try_get(1)?;
            let org: Option<String> = r.try_get(3)?;
            let party: Option<String> = r.try_get(4)?;
            let target = match (org, party) {
                (Some(c), _) => {
                    PositionTarget::Org(code("信用代码", c, |s| CreditCode::parse(s).ok())?)
                }
                (None, Some(p)) => PositionTarget::PartyOrg(p),
                (None, None) => return Err(DbError::Inconsistent("任职缺少任职组织".into())),
            };
            Ok(PositionRecord {
                name: r.try_get(0)?,
                citizen_id: cid
                    .map(|c| code("身份证号", c, |s| CitizenId::parse(s).ok()))
                    .transpose()?,
                is_party_member: flag(r.try_get(2)?),
                target,
                title: r.try_get(5)?,
                from: parse_date(&r.try_get::<String, _>(6)?)?,
                to: parse_opt_date(r.try_get(7)?)?,
            })
        })
        .collect()
}

pub(super) async fn dataset(
    conn: &mut AnyConnection,
    scope: &Scope,
    options: ReadOptions,
) -> DbResult<Dataset> {
    Ok(Dataset {
        units: units(conn).await?,
        orgs: orgs(conn, scope).await?,
        party_orgs: party_orgs(conn, scope, options).await?,
        instructors: instructors(conn, scope).await?,
        positions: positions(conn, scope).await?,
        campaigns: Vec::new(),
        census: Vec::new(),
        party_links: Vec::new(),
        instructor_stations: Vec::new(),
    })
}

/// One org as a record, if in scope.
pub(super) async fn org(
    conn: &mut AnyConnection,
    scope: &Scope,
    credit_code: &str,
) -> DbResult<Option<OrgRecord>> {
    let sql = format!(
        "SELECT {ORG_SELECT} FROM social_orgs o LEFT JOIN units u ON u.id = o.supervising_unit_id \
         WHERE o.credit_code = $1 AND {}",
        scope.org_condition("o")
    );
    let row = sqlx::query(AssertSqlSafe(sql.as_str()))
        .bind(credit_code.to_string())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(org_from_row).transpose()
}
