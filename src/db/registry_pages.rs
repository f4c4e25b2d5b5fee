//! The party-org and instructor lists a page at a time, filtered and sorted in SQL within the
//! actor's scope (a province has hundreds of thousands of each): a party org or an instructor
//! is in scope when it covers (or is stationed in) an org in scope, as on every page.

use chrono::NaiveDate;
use sqlx::Row;

use super::lists::{InstructorRow, PartyOrgRow};
use super::values::{Value, bind_all};
use super::{Db, DbResult, Scope};

/// A count kept until the registry changes: its key among the derived results, its SQL.
struct Counted {
    key: String,
    sql: String,
}

/// Which rows of a sorted list: the sort key (one of the list's), the direction, the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rows<'a> {
    pub sort: &'a str,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

/// The party-org list's filters; every `None` / `false` does not filter.
#[derive(Debug, Clone, Default)]
pub struct PartyOrgFilter {
    /// One party org (a detail page).
    pub id: Option<i64>,
    /// The party org of this name.
    pub name: Option<String>,
    /// Words in the name.
    pub q: Option<String>,
    /// A party-org kind's code.
    pub kind: Option<String>,
    /// own | joint.
    pub formation: Option<String>,
    /// Covering (now) an org of these regions.
    pub regions: Option<Vec<String>>,
    /// Founded by and not dissolved at this date.
    pub active_on: Option<NaiveDate>,
    /// Over the limits of a branch as of `today` (a joint branch covering more orgs, or a branch
    /// with more members, than the rules allow): (today, most orgs, most members).
    pub oversized: Option<(NaiveDate, i64, i64)>,
}

/// The instructor list's filters.
#[derive(Debug, Clone, Default)]
pub struct InstructorFilter {
    /// One instructor (a detail page).
    pub id: Option<i64>,
    /// Words in the name.
    pub q: Option<String>,
    pub home_unit: Option<i64>,
    /// instructor | liaison.
    pub role: Option<String>,
    /// With a station in force at this date.
    pub stationed_on: Option<NaiveDate>,
    /// With (true) or without (false) orgs in care now.
    pub in_care: Option<bool>,
}

/// The party orgs of a scope: as a set (`IN`, for counting all of them) or per party org
/// (`EXISTS`, for a page read in sort order, which stops after the page).
fn party_scope(scope: &Scope, per_row: bool) -> String {
    if scope.is_city() {
        return "1 = 1".into();
    }
    if per_row {
        return format!(
            "EXISTS (SELECT 1 FROM coverage_links l JOIN social_orgs o ON o.id = l.org_id \
             WHERE l.party_org_id = p.id AND {})",
            scope.org_condition("o")
        );
    }
    format!(
        "p.id IN (SELECT l.party_org_id FROM coverage_links l JOIN social_orgs o ON o.id = l.org_id WHERE {})",
        scope.org_condition("o")
    )
}

/// The instructors of a scope, as a set or per instructor (see [`party_scope`]).
fn instructor_scope_as(scope: &Scope, per_row: bool) -> String {
    if scope.is_city() {
        return "1 = 1".into();
    }
    if per_row {
        return format!(
            "EXISTS (SELECT 1 FROM stations s JOIN social_orgs o ON o.id = s.org_id \
             WHERE s.instructor_id = i.id AND {})",
            scope.org_condition("o")
        );
    }
    format!(
        "i.id IN (SELECT s.instructor_id FROM stations s JOIN social_orgs o ON o.id = s.org_id WHERE {})",
        scope.org_condition("o")
    )
}

pub(super) fn instructor_scope(scope: &Scope) -> String {
    instructor_scope_as(scope, false)
}

fn words(q: &Option<String>) -> Option<String> {
    q.as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| format!("%{}%", w.replace(['\\', '%', '_'], "")))
}

/// `$?` replaced by the next placeholder number.
struct Binder {
    conditions: Vec<String>,
    values: Vec<Value>,
}

impl Binder {
    fn new() -> Binder {
        Binder {
            conditions: Vec::new(),
            values: Vec::new(),
        }
    }

    fn bind(&mut self, sql: &str, v: Value) {
        self.values.push(v);
        self.conditions
            .push(sql.replace("$?", &format!("${}", self.values.len())));
    }

    fn push(&mut self, sql: impl Into<String>) {
        self.conditions.push(sql.into());
    }

    fn sql(&self) -> String {
        if self.conditions.is_empty() {
            "1 = 1".into()
        } else {
            self.conditions.join(" AND ")
        }
    }
}

const COVERING_NOW: &str =
    "(SELECT COUNT(*) FROM coverage_links l WHERE l.party_org_id = p.id AND l.valid_to IS NULL)";

impl Db {
    /// A page of party orgs and how many match. Sorts: name (the collation's order), founded,
    /// dissolved, members.
    pub async fn party_org_page(
        &self,
        scope: &Scope,
        f: &PartyOrgFilter,
        rows: Rows<'_>,
    ) -> DbResult<(Vec<PartyOrgRow>, i64)> {
        let mut b = Binder::new();
        if let Some(id) = f.id {
            b.bind("p.id = $?", Value::int(id));
        }
        if let Some(name) = &f.name {
            b.bind("p.name = $?", Value::text(name.clone()));
        }
        if let Some(w) = words(&f.q) {
            b.bind("p.name LIKE $?", Value::text(w));
        }
        if let Some(k) = &f.kind {
            b.bind("p.kind = $?", Value::text(k.clone()));
        }
        if let Some(x) = &f.formation {
            b.bind("p.formation = $?", Value::text(x.clone()));
        }
        if let Some(regions) = &f.regions {
            let list: Vec<String> = regions
                .iter()
                .filter(|r| r.len() == 6 && r.bytes().all(|c| c.is_ascii_digit()))
                .map(|r| format!("'{r}'"))
                .collect();
            b.push(if list.is_empty() {
                "1 = 0".to_string()
            } else {
                format!(
                    "p.id IN (SELECT l.party_org_id FROM coverage_links l JOIN social_orgs o ON o.id = l.org_id \
                     WHERE l.valid_to IS NULL AND o.region_code IN ({}))",
                    list.join(", ")
                )
            });
        }
        if let Some(d) = f.active_on {
            b.bind(
                "p.founded_on <= $? AND (p.dissolved_on IS NULL OR p.dissolved_on > $?)",
                Value::date(d),
            );
        }
        if let Some((today, max_orgs, max_members)) = f.oversized {
            b.bind(
                &format!(
                    "p.kind IN ('branch', 'joint_branch') AND p.founded_on <= $? AND \
                     (p.dissolved_on IS NULL OR p.dissolved_on > $?) AND \
                     ((p.kind = 'joint_branch' AND {COVERING_NOW} > {max_orgs}) \
                      OR COALESCE(p.member_count, 0) > {max_members})"
                ),
                Value::date(today),
            );
        }
        let dir = if rows.descending { "DESC" } else { "ASC" };
        let order = match rows.sort {
            "founded" => format!("p.founded_on {dir}, p.sort_key {dir}, p.id {dir}"),
            "dissolved" => format!("p.dissolved_on {dir} NULLS LAST, p.sort_key {dir}, p.id {dir}"),
            "members" => {
                format!("COALESCE(p.member_count, 0) {dir}, p.sort_key {dir}, p.id {dir}")
            }
            _ => format!("p.sort_key {dir}, p.id {dir}"),
        };
        let conditions = b.sql();
        let n = b.values.len();
        let sql = format!(
            "SELECT p.id, p.name, p.kind, p.formation, p.parent_name, p.founded_on, p.dissolved_on, \
             p.member_count, p.secretary, {COVERING_NOW} \
             FROM party_orgs p WHERE {} AND {conditions} ORDER BY {order} LIMIT ${} OFFSET ${}",
            party_scope(scope, true),
            n + 1,
            n + 2
        );
        // Counted over the set (kept until the registry changes: at a province a county's
        // party orgs take a scan of its orgs' links).
        let count_sql = format!(
            "SELECT COUNT(*) FROM party_orgs p WHERE {} AND {conditions}",
            party_scope(scope, false)
        );
        let counted = Counted {
            key: format!("party-org-count|{scope:?}|{f:?}"),
            sql: count_sql,
        };
        self.page_and_count(&sql, &b.values, rows, counted, |r| {
            Ok(PartyOrgRow {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                kind: r.try_get(2)?,
                formation: r.try_get(3)?,
                parent: r.try_get(4)?,
                founded_on: r.try_get(5)?,
                dissolved_on: r.try_get(6)?,
                member_count: r.try_get(7)?,
                secretary: r.try_get(8)?,
                covering: r.try_get(9)?,
            })
        })
        .await
    }

    /// A page of instructors and how many match. Sorts: name, home unit, orgs in care.
    pub async fn instructor_page(
        &self,
        scope: &Scope,
        f: &InstructorFilter,
        rows: Rows<'_>,
    ) -> DbResult<(Vec<InstructorRow>, i64)> {
        let mut b = Binder::new();
        if let Some(id) = f.id {
            b.bind("i.id = $?", Value::int(id));
        }
        if let Some(w) = words(&f.q) {
            b.bind("i.name LIKE $?", Value::text(w));
        }
        if let Some(u) = f.home_unit {
            b.bind("i.home_unit_id = $?", Value::int(u));
        }
        if let Some(r) = &f.role {
            b.bind("i.role = $?", Value::text(r.clone()));
        }
        if let Some(d) = f.stationed_on {
            b.bind(
                "EXISTS (SELECT 1 FROM stations s WHERE s.instructor_id = i.id AND s.valid_from <= $? \
                 AND (s.valid_to IS NULL OR s.valid_to > $?))",
                Value::date(d),
            );
        }
        match f.in_care {
            Some(true) => b.push(
                "EXISTS (SELECT 1 FROM stations s WHERE s.instructor_id = i.id AND s.valid_to IS NULL)",
            ),
            Some(false) => b.push(
                "NOT EXISTS (SELECT 1 FROM stations s WHERE s.instructor_id = i.id AND s.valid_to IS NULL)",
            ),
            None => {}
        }
        let care =
            "(SELECT COUNT(*) FROM stations s WHERE s.instructor_id = i.id AND s.valid_to IS NULL)";
        let dir = if rows.descending { "DESC" } else { "ASC" };
        let order = match rows.sort {
            "unit" => format!("u.name {dir}, i.sort_key {dir}, i.id {dir}"),
            "care" => format!("{care} {dir}, i.sort_key {dir}, i.id {dir}"),
            _ => format!("i.sort_key {dir}, i.id {dir}"),
        };
        let conditions = b.sql();
        let n = b.values.len();
        let sql = format!(
            "SELECT i.id, i.name, i.citizen_id, i.phone, u.name, i.role, {care} \
             FROM instructors i JOIN units u ON u.id = i.home_unit_id WHERE {} AND {conditions} \
             ORDER BY {order} LIMIT ${} OFFSET ${}",
            instructor_scope_as(scope, true),
            n + 1,
            n + 2
        );
        let count_sql = format!(
            "SELECT COUNT(*) FROM instructors i WHERE {} AND {conditions}",
            instructor_scope_as(scope, false)
        );
        let counted = Counted {
            key: format!("instructor-count|{scope:?}|{f:?}"),
            sql: count_sql,
        };
        self.page_and_count(&sql, &b.values, rows, counted, |r| {
            Ok(InstructorRow {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                citizen_id: r.try_get(2)?,
                phone: r.try_get(3)?,
                home_unit: r.try_get(4)?,
                role: r.try_get(5)?,
                stationed: r.try_get(6)?,
            })
        })
        .await
    }

    /// A page (`sql` with the filter's `values`, then the limit and the offset bound after them)
    /// and the total (`counted`, kept until the registry changes).
    async fn page_and_count<T>(
        &self,
        sql: &str,
        values: &[Value],
        rows: Rows<'_>,
        counted: Counted,
        row: impl Fn(&sqlx::any::AnyRow) -> DbResult<T>,
    ) -> DbResult<(Vec<T>, i64)> {
        let mut paged = values.to_vec();
        paged.push(Value::int(rows.limit.clamp(0, 2_000_000)));
        paged.push(Value::int(rows.offset.max(0)));
        let found = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql.to_string())), &paged)
            .fetch_all(self.pool())
            .await?;
        let items = found.iter().map(row).collect::<DbResult<Vec<_>>>()?;
        let pool = self.pool().clone();
        let values = values.to_vec();
        let Counted { key, sql } = counted;
        let total: i64 = self
            .derived(key, async move {
                Ok(bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &values)
                    .fetch_one(&pool)
                    .await?
                    .try_get::<i64, _>(0)?)
            })
            .await?;
        Ok((items, total))
    }

    /// The links of some party orgs (`coverage_links`, key `party_org_id`) or stations of some
    /// instructors (`stations`, key `instructor_id`) to the orgs in scope, by owner: (credit
    /// code, from, to), oldest first. `table` and `key` are constants.
    pub async fn links_of(
        &self,
        scope: &Scope,
        table: &str,
        key: &str,
        ids: &[i64],
    ) -> DbResult<std::collections::HashMap<i64, Vec<(String, String, Option<String>)>>> {
        let mut out: std::collections::HashMap<i64, Vec<_>> = std::collections::HashMap::new();
        for chunk in ids.chunks(500) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let rows: Vec<(i64, String, String, Option<String>)> =
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    // (CROSS JOIN: SQLite reads the page's links first, not a county's orgs.)
                    "SELECT x.{key}, o.credit_code, x.valid_from, x.valid_to FROM {table} x \
                     CROSS JOIN social_orgs o WHERE o.id = x.org_id AND x.{key} IN ({list}) AND {} \
                     ORDER BY x.{key}, x.valid_from, o.credit_code",
                    scope.org_condition("o")
                )))
                .fetch_all(self.pool())
                .await?;
            for (owner, code, from, to) in rows {
                out.entry(owner).or_default().push((code, from, to));
            }
        }
        Ok(out)
    }
}
