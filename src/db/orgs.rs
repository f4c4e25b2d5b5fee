//! The coverage facts of each social org as of a date — the one code path behind every coverage
//! count and every drill-down list — and the org list and detail built on them.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::values::{Value, bind_all, parse_date, parse_opt_date};
use super::{Db, DbError, DbResult, Scope};
use crate::domain::codes::RegionCode;
use crate::domain::coverage::Counts;
use crate::domain::model::{OrgKind, OrgStatus};

/// Which organizations the facts cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Population {
    /// Orgs in scope at the date (`statistics.md` §1): registered by then, not yet terminated.
    InScope,
    /// Every org of the registry, with its coverage state at the date.
    All,
}

/// What a facts query needs beyond the coverage flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Facts<'a> {
    pub population: Population,
    /// Derive each org's responsible unit (a join; only when grouped, filtered or shown by it).
    pub with_unit: bool,
    /// Restrict to the one org whose credit code is bound as `$3` (a detail page).
    pub one_org: bool,
    /// Only orgs of these regions (a list filtered by region).
    pub regions: Option<&'a [RegionCode]>,
    /// Give each org's credit code, name, registration and termination dates (a join of the org
    /// rows, which counting does without).
    pub org_columns: bool,
}

/// The per-org facts as a SQL common table expression named `facts`. `$1` is the date (ISO
/// text) and `$2` the formal-member threshold for an own organization. Each org's state at D is
/// the one of its coverage spans (`domain::spans`, kept by `db::spans`) that contains D: in
/// scope (`statistics.md` §1), covered by an active link from an active party org and whether
/// one of them is an own formation (§2), stationed. The org's region, kind, status and formal
/// members come with the span, so counting reads the spans alone; the org row is joined only
/// for its name, code and dates, or for a scope that needs it.
pub(super) fn facts_cte(scope: &Scope, facts: Facts<'_>) -> String {
    format!("WITH facts AS ({}) ", facts_select(scope, facts))
}

/// The SELECT behind [`facts_cte`], for a statement that needs it under another name.
fn facts_select(scope: &Scope, facts: Facts<'_>) -> String {
    // valid_to of an org's last span is '9999-12-31', never NULL (migration 0007).
    let mut conditions = vec!["s.valid_from <= $1 AND $1 < s.valid_to".to_string()];
    if facts.population == Population::InScope {
        conditions.push("s.in_scope = 1".into());
    }
    if let Some(codes) = facts.regions {
        conditions.push(region_condition("s", codes));
    }
    // A county's scope is its regions, which the span carries; other scopes look at the org.
    let mut join_org = facts.org_columns || facts.one_org;
    match scope {
        Scope::City => {}
        Scope::Regions(codes) => conditions.push(region_condition("s", codes)),
        _ => {
            join_org = true;
            conditions.push(scope.org_condition("o"));
        }
    }
    if facts.one_org {
        conditions.push("o.credit_code = $3".into());
    }
    let (org_columns, org_join) = if join_org {
        (
            "o.name, o.registered_on, o.terminated_on, ",
            " JOIN social_orgs o ON o.id = s.org_id",
        )
    } else {
        ("", "")
    };
    // The responsible unit as of D, from the span's region and supervising unit (the rule of
    // the view org_responsible_units, applied to the attributes in force then).
    let (unit_column, unit_join) = if facts.with_unit {
        (
            "CASE WHEN su.carries_party_building = 1 THEN su.id ELSE rc.unit_id END",
            " LEFT JOIN units su ON su.id = s.supervising_unit_id \
             LEFT JOIN region_committees rc ON rc.region_code = s.region_code",
        )
    } else {
        ("CAST(NULL AS BIGINT)", "")
    };
    format!(
        "SELECT s.org_id AS id, s.credit_code, {org_columns}s.kind, s.region_code, s.status, s.supervising_unit_id, \
         s.formal_members, {unit_column} AS responsible_unit_id, s.covered, s.own_covered, s.stationed \
         FROM coverage_spans s{org_join}{unit_join} WHERE {}",
        conditions.join(" AND ")
    )
}

/// `alias.region_code IN (…)`; region codes are validated six-digit strings, safe to inline.
fn region_condition(alias: &str, codes: &[RegionCode]) -> String {
    if codes.is_empty() {
        return "1 = 0".into();
    }
    let list: Vec<String> = codes.iter().map(|c| format!("'{}'", c.as_str())).collect();
    format!("{alias}.region_code IN ({})", list.join(", "))
}

/// How coverage counts are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Region,
    ResponsibleUnit,
    Kind,
    /// The supervising unit (业务主管单位) at the date; None for directly registered orgs.
    SupervisingUnit,
}

/// One group's counts; `key` is the region code, the responsible unit's id as text, or the kind
/// code (None for orgs without a resolvable responsible unit).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupCounts {
    pub key: Option<String>,
    pub counts: Counts,
}

/// Filters of the org list; every `Option` left `None` does not filter.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    /// The date of the coverage state; with `in_scope_only`, also of the population.
    pub as_of: Option<NaiveDate>,
    /// Only orgs in scope at `as_of` (the drill-down of a count); otherwise the whole registry.
    pub in_scope_only: bool,
    /// Orgs of these regions (a region and its descendants, resolved by the caller).
    pub regions: Option<Vec<RegionCode>>,
    pub kind: Option<OrgKind>,
    pub status: Option<OrgStatus>,
    /// Responsible unit id; `Some(None)` asks for orgs whose responsible unit cannot be resolved.
    pub responsible_unit: Option<Option<i64>>,
    pub covered: Option<bool>,
    pub own_covered: Option<bool>,
    pub work_covered: Option<bool>,
    pub abnormal: Option<bool>,
    pub should_establish_own: Option<bool>,
    pub should_establish_none: Option<bool>,
    /// Text search in name and credit code.
    pub q: Option<String>,
    /// The orgs a cross-appointment figure counts (statistics.md §4), as of `as_of`.
    pub cross: Option<super::cross::Cross>,
    pub sort: OrgSort,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// Sort keys of the org list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OrgSort {
    #[default]
    CreditCode,
    Name,
    RegisteredOn,
    Region,
}

/// One org in a list, with its coverage state at the list's date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgListItem {
    pub credit_code: String,
    pub name: String,
    pub kind: OrgKind,
    pub region: String,
    pub status: OrgStatus,
    pub registered_on: NaiveDate,
    pub terminated_on: Option<NaiveDate>,
    pub formal_members: i64,
    pub responsible_unit: Option<String>,
    pub covered: bool,
    pub own_covered: bool,
    pub work_covered: bool,
}

pub(super) const WORK: &str = "(f.covered = 1 OR f.stationed = 1)";

/// A yes/no filter: `yes` when true, `no` when false. Both are written out (rather than
/// `NOT yes`) so that equality on a 0/1 flag can use the spans' region index.
fn flag_condition(out: &mut Vec<String>, value: Option<bool>, yes: &str, no: &str) {
    if let Some(v) = value {
        out.push(if v { yes } else { no }.to_string());
    }
}

impl OrgFilter {
    /// SQL conditions on `facts f` and the values they bind from `$3` on.
    fn conditions(&self) -> (String, Vec<Value>) {
        let mut c = Vec::new();
        let mut values = Vec::new();
        let mut bind = |c: &mut Vec<String>, sql: &str, v: Value| {
            values.push(v);
            c.push(sql.replace("$?", &format!("${}", values.len() + 2)));
        };
        if let Some(regions) = &self.regions {
            let list: Vec<String> = regions
                .iter()
                .map(|r| format!("'{}'", r.as_str()))
                .collect();
            c.push(if list.is_empty() {
                "1 = 0".to_string()
            } else {
                format!("f.region_code IN ({})", list.join(", "))
            });
        }
        if let Some(kind) = self.kind {
            bind(&mut c, "f.kind = $?", Value::text(kind.code()));
        }
        if let Some(status) = self.status {
            bind(&mut c, "f.status = $?", Value::text(status.code()));
        }
        match self.responsible_unit {
            Some(Some(id)) => bind(&mut c, "f.responsible_unit_id = $?", Value::int(id)),
            Some(None) => c.push("f.responsible_unit_id IS NULL".into()),
            None => {}
        }
        flag_condition(&mut c, self.covered, "f.covered = 1", "f.covered = 0");
        flag_condition(
            &mut c,
            self.own_covered,
            "f.own_covered = 1",
            "f.own_covered = 0",
        );
        flag_condition(
            &mut c,
            self.work_covered,
            WORK,
            "(f.covered = 0 AND f.stationed = 0)",
        );
        flag_condition(
            &mut c,
            self.abnormal,
            "f.status = 'abnormal'",
            "f.status <> 'abnormal'",
        );
        flag_condition(
            &mut c,
            self.should_establish_own,
            "(f.formal_members >= $2 AND f.own_covered = 0)",
            "(f.formal_members < $2 OR f.own_covered = 1)",
        );
        flag_condition(
            &mut c,
            self.should_establish_none,
            "(f.formal_members >= $2 AND f.covered = 0)",
            "(f.formal_members < $2 OR f.covered = 1)",
        );
        if let Some(x) = self.cross {
            c.push(super::cross::cross_condition(x));
        }
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let pattern = format!("%{}%", q.replace(['\\', '%', '_'], ""));
            // One value, bound once, used twice ("$?" stands for the same index in both places).
            bind(
                &mut c,
                "(f.name LIKE $? OR f.credit_code LIKE UPPER($?))",
                Value::text(pattern),
            );
        }
        let sql = if c.is_empty() {
            "1 = 1".to_string()
        } else {
            c.join(" AND ")
        };
        (sql, values)
    }

    pub(super) fn order_by(&self) -> String {
        let key = match self.sort {
            OrgSort::CreditCode => "f.credit_code",
            OrgSort::Name => "f.name",
            OrgSort::RegisteredOn => "f.registered_on",
            OrgSort::Region => "f.region_code",
        };
        let dir = if self.descending { "DESC" } else { "ASC" };
        format!("{key} {dir}, f.credit_code {dir}")
    }
}

pub(super) fn item_from_row(r: &AnyRow) -> DbResult<OrgListItem> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    Ok(OrgListItem {
        credit_code: r.try_get("credit_code")?,
        name: r.try_get("name")?,
        kind: OrgKind::from_code(&kind)
            .ok_or_else(|| DbError::Inconsistent(format!("类型 {kind}")))?,
        region: r.try_get("region_code")?,
        status: OrgStatus::from_code(&status)
            .ok_or_else(|| DbError::Inconsistent(format!("状态 {status}")))?,
        registered_on: parse_date(&r.try_get::<String, _>("registered_on")?)?,
        terminated_on: parse_opt_date(r.try_get("terminated_on")?)?,
        formal_members: r.try_get("formal_members")?,
        responsible_unit: r.try_get("responsible_unit")?,
        covered: r.try_get::<i64, _>("covered")? == 1,
        own_covered: r.try_get::<i64, _>("own_covered")? == 1,
        work_covered: r.try_get::<i64, _>("work_covered")? == 1,
    })
}

impl Db {
    /// Coverage counts as of a date, grouped. Counts of parent regions are summed by the caller
    /// from these rows, so a total always equals the sum of its parts.
    pub async fn coverage_counts(
        &self,
        scope: &Scope,
        as_of: NaiveDate,
        own_min: i64,
        grouping: Grouping,
    ) -> DbResult<Vec<GroupCounts>> {
        if let Some(mut counts) = self
            .counts_in_memory(scope, &[as_of], &[own_min], Some(grouping))
            .await?
        {
            return Ok(counts.pop().unwrap_or_default());
        }
        self.coverage_counts_in_sql(scope, as_of, own_min, grouping)
            .await
    }

    /// The total coverage counts of the scope as of each date (`own_min[i]` the threshold in
    /// force at `dates[i]`): the dashboard's trend, one pass over the spans in memory when they
    /// are kept, else a query per date.
    pub async fn coverage_totals(
        &self,
        scope: &Scope,
        dates: &[NaiveDate],
        own_min: &[i64],
    ) -> DbResult<Vec<Counts>> {
        if let Some(counts) = self.counts_in_memory(scope, dates, own_min, None).await? {
            return Ok(counts.iter().map(|g| super::span_cache::total(g)).collect());
        }
        let mut out = Vec::with_capacity(dates.len());
        for (d, m) in dates.iter().zip(own_min) {
            let groups = self
                .coverage_counts_in_sql(scope, *d, *m, Grouping::Kind)
                .await?;
            out.push(super::span_cache::total(&groups));
        }
        Ok(out)
    }

    /// [`Db::coverage_counts`] by a query over `coverage_spans`: the definition the spans in
    /// memory must meet (the tests compare them), and the command line's way.
    pub async fn coverage_counts_in_sql(
        &self,
        scope: &Scope,
        as_of: NaiveDate,
        own_min: i64,
        grouping: Grouping,
    ) -> DbResult<Vec<GroupCounts>> {
        let key = match grouping {
            Grouping::Region => "f.region_code",
            Grouping::ResponsibleUnit => "CAST(f.responsible_unit_id AS TEXT)",
            Grouping::Kind => "f.kind",
            Grouping::SupervisingUnit => "CAST(f.supervising_unit_id AS TEXT)",
        };
        let sql = format!(
            "{cte} SELECT {key} AS k, COUNT(*), \
             SUM(CASE WHEN f.status = 'abnormal' THEN 1 ELSE 0 END), SUM(f.covered), SUM(f.own_covered), \
             SUM(CASE WHEN {WORK} THEN 1 ELSE 0 END), \
             SUM(CASE WHEN f.formal_members >= $2 AND f.own_covered = 0 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN f.formal_members >= $2 AND f.covered = 0 THEN 1 ELSE 0 END) \
             FROM facts f GROUP BY {key}",
            cte = facts_cte(
                scope,
                Facts {
                    population: Population::InScope,
                    with_unit: grouping == Grouping::ResponsibleUnit,
                    one_org: false,
                    regions: None,
                    org_columns: false,
                }
            ),
        );
        let rows = sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind(as_of.to_string())
            .bind(own_min)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(GroupCounts {
                    key: r.try_get(0)?,
                    counts: Counts {
                        in_scope: r.try_get(1)?,
                        abnormal: r.try_get(2)?,
                        covered: r.try_get(3)?,
                        own_covered: r.try_get(4)?,
                        work_covered: r.try_get(5)?,
                        should_establish_own: r.try_get(6)?,
                        should_establish_none: r.try_get(7)?,
                    },
                })
            })
            .collect()
    }

    /// A page of orgs matching the filter, and the total count, from the same facts as the
    /// coverage counts.
    pub async fn list_orgs(
        &self,
        scope: &Scope,
        filter: &OrgFilter,
        own_min: i64,
        today: NaiveDate,
    ) -> DbResult<(Vec<OrgListItem>, i64)> {
        let as_of = filter.as_of.unwrap_or(today);
        let population = if filter.in_scope_only {
            Population::InScope
        } else {
            Population::All
        };
        if population == Population::All
            && filter.as_of.is_none()
            && filter.sort == OrgSort::CreditCode
            && filter.conditions().0 == "1 = 1"
        {
            return self.registry_page(scope, filter, today).await;
        }
        // The responsible unit is joined into the facts only when the list is filtered by it;
        // otherwise it is looked up for the page's rows alone, after the limit.
        let by_unit = filter.responsible_unit.is_some();
        let facts = |org_columns| Facts {
            population,
            with_unit: by_unit,
            one_org: false,
            regions: filter.regions.as_deref(),
            org_columns,
        };
        let (conditions, values) = filter.conditions();
        let mut all = vec![Value::text(as_of.to_string()), Value::int(own_min)];
        all.extend(values);
        let n = all.len();
        // One statement: the page (the facts of the matching orgs, sorted, limited; the
        // responsible unit looked up for its rows only) and the total, counted over the same
        // facts without the org rows unless the filter reads them (a county's uncovered orgs
        // are then one index range of the spans). The two CTEs have different names so that
        // neither is materialized; a window count over the page's facts would materialize
        // every matching row with all its columns, at twice the cost.
        // The org rows' own columns (name, dates) are needed before the limit only when the
        // filter or the sort reads them; otherwise the page is chosen from the spans alone (a
        // county's uncovered orgs sorted by credit code) and only its rows read the orgs.
        let text_search = filter.q.as_deref().is_some_and(|q| !q.trim().is_empty());
        let early = text_search || matches!(filter.sort, OrgSort::Name | OrgSort::RegisteredOn);
        let (org_select, org_join) = if early {
            ("f.name, f.registered_on, f.terminated_on, ", "")
        } else {
            ("", " JOIN social_orgs o ON o.id = p.id")
        };
        let sql = format!(
            "WITH facts AS ({page_facts}), counted AS ({count_facts}) \
             SELECT p.*, {late_columns}(SELECT un.name FROM units un WHERE un.id = COALESCE(\
             (SELECT su.id FROM units su WHERE su.id = p.supervising_unit_id AND su.carries_party_building = 1), \
             (SELECT rc.unit_id FROM region_committees rc WHERE rc.region_code = p.region_code))) AS responsible_unit, \
             (SELECT COUNT(*) FROM counted f WHERE {conditions}) AS total_count \
             FROM (SELECT f.id, f.credit_code, {org_select}f.kind, f.supervising_unit_id, \
             f.region_code, f.status, f.formal_members, f.covered, f.own_covered, \
             CASE WHEN {WORK} THEN 1 ELSE 0 END AS work_covered \
             FROM facts f WHERE {conditions} ORDER BY {order} LIMIT ${} OFFSET ${}) p{org_join} ORDER BY {outer}",
            n + 1,
            n + 2,
            late_columns = if early {
                ""
            } else {
                "o.name, o.registered_on, o.terminated_on, "
            },
            page_facts = facts_select(scope, facts(early)),
            count_facts = facts_select(scope, facts(text_search)),
            order = filter.order_by(),
            outer = filter.order_by().replace("f.", "p."),
        );
        let limit = filter.limit.clamp(0, 100_000);
        let offset = filter.offset.max(0);
        let mut paged = all.clone();
        paged.push(Value::int(limit));
        paged.push(Value::int(offset));
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql.as_str())), &paged)
            .fetch_all(self.pool())
            .await?;
        let items = rows
            .iter()
            .map(item_from_row)
            .collect::<DbResult<Vec<_>>>()?;
        let total: i64 = match rows.first() {
            Some(r) => r.try_get("total_count")?,
            // A page past the end (or limit 0): count alone.
            None if offset > 0 || limit == 0 => {
                let count_sql = format!(
                    "WITH counted AS ({}) SELECT COUNT(*) FROM counted f WHERE {conditions}",
                    facts_select(scope, facts(true))
                );
                bind_all(sqlx::query(AssertSqlSafe(count_sql.as_str())), &all)
                    .fetch_one(self.pool())
                    .await?
                    .try_get(0)?
            }
            None => 0,
        };
        Ok((items, total))
    }
}

impl Db {
    /// The registry's list as it opens (every org in scope, today's state, by credit code):
    /// the page read in key order from the orgs' index, each with its span of today by key
    /// (one span of every org contains any date), and the total the orgs in scope — instead of
    /// sorting every span of today (a million at a province).
    async fn registry_page(
        &self,
        scope: &Scope,
        filter: &OrgFilter,
        today: NaiveDate,
    ) -> DbResult<(Vec<OrgListItem>, i64)> {
        let dir = if filter.descending { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT o.id, o.credit_code, o.name, o.registered_on, o.terminated_on, s.kind, \
             s.region_code, s.status, s.formal_members, s.covered, s.own_covered, \
             CASE WHEN s.covered = 1 OR s.stationed = 1 THEN 1 ELSE 0 END AS work_covered, \
             (SELECT un.name FROM units un WHERE un.id = COALESCE(\
             (SELECT su.id FROM units su WHERE su.id = s.supervising_unit_id AND su.carries_party_building = 1), \
             (SELECT rc.unit_id FROM region_committees rc WHERE rc.region_code = s.region_code))) AS responsible_unit \
             FROM social_orgs o JOIN coverage_spans s ON s.org_id = o.id \
             AND s.valid_from <= $1 AND $1 < s.valid_to \
             WHERE {} ORDER BY o.credit_code {dir} LIMIT $2 OFFSET $3",
            // A county's orgs too are read in key order (the region compared as an expression,
            // so that no planner reads the county's every org by region and sorts them).
            scope
                .org_condition("o")
                .replace("o.region_code IN", "(o.region_code || '') IN")
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(today.to_string())
            .bind(filter.limit.clamp(0, 100_000))
            .bind(filter.offset.max(0))
            .fetch_all(self.pool())
            .await?;
        let items = rows
            .iter()
            .map(item_from_row)
            .collect::<DbResult<Vec<_>>>()?;
        Ok((items, self.org_count(scope).await?))
    }
}
