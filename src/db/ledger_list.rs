//! The ledger as the pages read it at any size: a page of items filtered and sorted in SQL with
//! its count, the figures of the dashboard (one pass), the tallies of the responsibility list
//! and the battle map (grouped in SQL), and the burn-down (items open at each date, from the
//! items grouped by the dates they were raised and ended). Nothing here reads every item into
//! memory: a city of a million orgs with a census open has a million items.

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use sqlx::Row;

use super::values::{Value, bind_all};
use super::{Db, DbError, DbResult, LedgerItem, Scope};
use crate::domain::ledger::{ItemKind, ItemState};

/// Which states a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StateFilter {
    All,
    /// Not yet closed or cancelled (the task list's default).
    #[default]
    Active,
    Only(ItemState),
}

/// Whose items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersonFilter {
    /// Items without a responsible person.
    Nobody,
    /// The items of this user name.
    User(String),
}

/// The task list's filters; every `None` / `false` does not filter.
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub kind: Option<ItemKind>,
    pub state: StateFilter,
    /// The region code of the item's org (its own region).
    pub region: Option<String>,
    /// The responsible unit's name.
    pub unit: Option<String>,
    pub person: Option<PersonFilter>,
    /// Active and past the deadline.
    pub overdue: bool,
    /// Active, not yet overdue, due within this many days.
    pub due_within: Option<i64>,
    /// Active with the closing condition met by the data.
    pub closable: bool,
    /// Words in the subject's name or code.
    pub words: Option<String>,
    /// Leaves out the census items (四清未完成: one per org without a confirmed return, so
    /// many that the battle map sums them per unit instead of showing each).
    pub without_census: bool,
}

/// The task list's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LedgerSort {
    /// The deadline, soonest first (items without one last).
    #[default]
    Deadline,
    Raised,
    Kind,
    Subject,
}

impl LedgerSort {
    pub fn parse(s: &str) -> Option<LedgerSort> {
        Some(match s {
            "deadline" => LedgerSort::Deadline,
            "raised" => LedgerSort::Raised,
            "kind" => LedgerSort::Kind,
            "subject" => LedgerSort::Subject,
            _ => return None,
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            LedgerSort::Deadline => "deadline",
            LedgerSort::Raised => "raised",
            LedgerSort::Kind => "kind",
            LedgerSort::Subject => "subject",
        }
    }
}

/// Which rows of a sorted list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub sort: LedgerSort,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

const ACTIVE: &str = "i.state IN ('open', 'in_progress', 'submitted')";

/// The items of a scope: those of its orgs, and of the party orgs covering one of them.
pub(super) fn item_scope(scope: &Scope) -> String {
    if scope.is_city() {
        return "1 = 1".to_string();
    }
    // A party org's items (few) are looked up one by one; the orgs' items by the set of orgs.
    format!(
        "(i.org_id IN (SELECT o.id FROM social_orgs o WHERE {c}) OR (i.party_org_id IS NOT NULL AND \
         EXISTS (SELECT 1 FROM coverage_links l JOIN social_orgs o ON o.id = l.org_id \
         WHERE l.party_org_id = i.party_org_id AND {c})))",
        c = scope.org_condition("o")
    )
}

/// [`item_scope`] for a query that joins the item's org as `so` ([`ITEM_JOINS`]): the org's
/// scope tested on the joined row (a region compared as an expression), so that a page read
/// from an index tests its few rows instead of first hashing every org of the scope (a county
/// of 200,000 orgs: 250 ms for 20 items on PostgreSQL at a million, now a few).
pub(super) fn item_scope_on_row(scope: &Scope) -> String {
    if scope.is_city() {
        return "1 = 1".to_string();
    }
    let row = scope
        .org_condition("so")
        .replace("so.region_code IN", "(so.region_code || '') IN");
    format!(
        "({row} OR (i.party_org_id IS NOT NULL AND \
         EXISTS (SELECT 1 FROM coverage_links l JOIN social_orgs o ON o.id = l.org_id \
         WHERE l.party_org_id = i.party_org_id AND {c})))",
        c = scope.org_condition("o")
    )
}

/// The columns of a listed item, with the joins they need (`FROM ledger_items i` + these).
pub(super) const ITEM_COLUMNS: &str = "i.id, i.kind, i.subject, i.subject_name, u.name, \
     us.username, i.gap, i.raised_on, i.deadline, i.state, i.condition_met, i.evidence, \
     i.org_id, so.region_code, i.campaign_id";
pub(super) const ITEM_JOINS: &str = " LEFT JOIN units u ON u.id = i.responsible_unit_id \
     LEFT JOIN users us ON us.id = i.responsible_user_id \
     LEFT JOIN social_orgs so ON so.id = i.org_id";

/// A row of [`ITEM_COLUMNS`] as an item (overdue as of `today`).
pub(super) fn item_of(r: &sqlx::any::AnyRow, today: &str) -> DbResult<LedgerItem> {
    let kind: String = r.try_get(1)?;
    let state: String = r.try_get(9)?;
    let state = ItemState::from_code(&state)
        .ok_or_else(|| DbError::Inconsistent(format!("事项状态 {state}")))?;
    let deadline: Option<String> = r.try_get(8)?;
    Ok(LedgerItem {
        id: r.try_get(0)?,
        kind: ItemKind::from_code(&kind)
            .ok_or_else(|| DbError::Inconsistent(format!("事项类型 {kind}")))?,
        subject: r.try_get(2)?,
        subject_name: r.try_get(3)?,
        responsible_unit: r.try_get(4)?,
        responsible_user: r.try_get(5)?,
        gap: r.try_get(6)?,
        raised_on: r.try_get(7)?,
        overdue: state.is_active() && deadline.as_deref().is_some_and(|d| d < today),
        deadline,
        state,
        condition_met: r.try_get::<i64, _>(10)? != 0,
        evidence: r.try_get(11)?,
        org_id: r.try_get(12)?,
        region: r.try_get(13)?,
        campaign_id: r.try_get(14)?,
    })
}

impl LedgerFilter {
    /// SQL conditions on `ledger_items i` (with `so`, the item's org) and their values, bound
    /// from `$2` on (`$1` is today).
    fn conditions(&self, today: NaiveDate) -> (String, Vec<Value>) {
        let mut c: Vec<String> = Vec::new();
        let mut values = Vec::new();
        let mut bind = |c: &mut Vec<String>, sql: &str, v: Value| {
            values.push(v);
            c.push(sql.replace("$?", &format!("${}", values.len() + 1)));
        };
        if let Some(k) = self.kind {
            bind(&mut c, "i.kind = $?", Value::text(k.code()));
        }
        match self.state {
            StateFilter::All => {}
            StateFilter::Active => c.push(ACTIVE.into()),
            StateFilter::Only(s) => bind(&mut c, "i.state = $?", Value::text(s.code())),
        }
        if let Some(r) = &self.region {
            bind(&mut c, "so.region_code = $?", Value::text(r.clone()));
        }
        if let Some(u) = &self.unit {
            bind(
                &mut c,
                "i.responsible_unit_id IN (SELECT id FROM units WHERE name = $?)",
                Value::text(u.clone()),
            );
        }
        match &self.person {
            None => {}
            Some(PersonFilter::Nobody) => c.push("i.responsible_user_id IS NULL".into()),
            Some(PersonFilter::User(name)) => bind(
                &mut c,
                "i.responsible_user_id IN (SELECT id FROM users WHERE username = $?)",
                Value::text(name.clone()),
            ),
        }
        if self.overdue {
            c.push(format!("{ACTIVE} AND i.deadline < $1"));
        }
        if let Some(days) = self.due_within {
            let until = (today + chrono::Duration::days(days.clamp(0, 3650))).to_string();
            bind(
                &mut c,
                &format!("{ACTIVE} AND i.deadline >= $1 AND i.deadline <= $?"),
                Value::text(until),
            );
        }
        if self.closable {
            c.push(format!("{ACTIVE} AND i.condition_met = 1"));
        }
        if self.without_census {
            c.push("i.kind <> 'census_missing'".into());
        }
        if let Some(w) = self
            .words
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            let pattern = format!("%{}%", w.replace(['\\', '%', '_'], ""));
            bind(
                &mut c,
                "(i.subject_name LIKE $? OR UPPER(i.subject) LIKE UPPER($?))",
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
}

/// The dashboard's figures of the ledger, in one pass over the items in scope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LedgerSummary {
    pub mine: i64,
    pub open: i64,
    pub in_progress: i64,
    pub submitted: i64,
    pub due_soon: i64,
    pub overdue: i64,
    pub closable: i64,
}

/// What items are tallied by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyBy {
    /// Responsible unit and person (the responsibility list).
    UnitPerson,
    /// Responsible unit and kind (the battle map).
    UnitKind,
    /// The region of the item's org (None: a party org's item).
    Region,
}

/// Items of one group, by state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub unit: Option<String>,
    /// The region code (a tally by region).
    pub region: Option<String>,
    pub person: Option<String>,
    /// The item kind (for a tally by kind; None otherwise).
    pub kind: Option<ItemKind>,
    /// Every item but the cancelled ones.
    pub total: i64,
    pub closed: i64,
    pub active: i64,
    pub overdue: i64,
}

impl Db {
    /// A page of the items matching the filter, sorted, and how many match.
    pub async fn ledger_page(
        &self,
        scope: &Scope,
        today: NaiveDate,
        filter: &LedgerFilter,
        window: Window,
    ) -> DbResult<(Vec<LedgerItem>, i64)> {
        let Window {
            sort,
            descending,
            offset,
            limit,
        } = window;
        let (conditions, values) = filter.conditions(today);
        let dir = if descending { "DESC" } else { "ASC" };
        let order = match sort {
            // Items without a deadline after those with one, either way.
            LedgerSort::Deadline => format!("i.deadline {dir} NULLS LAST, i.id {dir}"),
            LedgerSort::Raised => format!("i.raised_on {dir}, i.id {dir}"),
            LedgerSort::Kind => format!("i.kind {dir}, i.deadline {dir}, i.id {dir}"),
            LedgerSort::Subject => format!("i.subject_name {dir}, i.id {dir}"),
        };
        let scope_sql = item_scope(scope);
        let mut all = vec![Value::text(today.to_string())];
        all.extend(values);
        let n = all.len();
        // By deadline, the page is the first rows of the deadline index that pass the filter;
        // an index on the state would be chosen for "active" and then every active item sorted
        // (a million with a census open), so the state is compared as an expression there.
        let page_conditions = if sort == LedgerSort::Deadline {
            conditions.replace(
                ACTIVE,
                "(i.state || '') IN ('open', 'in_progress', 'submitted')",
            )
        } else {
            conditions.clone()
        };
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM ledger_items i{ITEM_JOINS} \
             WHERE {} AND {page_conditions} ORDER BY {order} LIMIT ${} OFFSET ${}",
            item_scope_on_row(scope),
            n + 1,
            n + 2
        );
        let mut paged = all.clone();
        paged.push(Value::int(limit.clamp(0, 100_000)));
        paged.push(Value::int(offset.max(0)));
        let today_text = today.to_string();
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &paged)
            .fetch_all(self.pool())
            .await?;
        let items = rows
            .iter()
            .map(|r| item_of(r, &today_text))
            .collect::<DbResult<Vec<_>>>()?;
        // The org is joined only for a filter by its region.
        let org_join = if filter.region.is_some() {
            " LEFT JOIN social_orgs so ON so.id = i.org_id"
        } else {
            ""
        };
        let count_sql = format!(
            "SELECT COUNT(*) FROM ledger_items i{org_join} WHERE {scope_sql} AND {conditions}"
        );
        let pool = self.pool().clone();
        let total: i64 = self
            .derived(
                format!("ledger-count|{scope:?}|{today}|{filter:?}"),
                async move {
                    Ok(bind_all(sqlx::query(sqlx::AssertSqlSafe(count_sql)), &all)
                        .fetch_one(&pool)
                        .await?
                        .try_get::<i64, _>(0)?)
                },
            )
            .await?;
        Ok((items, total))
    }

    /// Runs `handle` on every item matching the filter in the list's order (an export), as
    /// the rows arrive.
    pub async fn each_ledger_item(
        &self,
        scope: &Scope,
        today: NaiveDate,
        filter: &LedgerFilter,
        mut handle: impl FnMut(LedgerItem) + Send,
    ) -> DbResult<()> {
        let (conditions, values) = filter.conditions(today);
        let mut all = vec![Value::text(today.to_string())];
        all.extend(values);
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM ledger_items i{ITEM_JOINS} WHERE {} AND {conditions} \
             ORDER BY CASE WHEN i.deadline IS NULL THEN 1 ELSE 0 END, i.deadline, i.id",
            item_scope(scope)
        );
        let today_text = today.to_string();
        let mut conn = self.pool().acquire().await?;
        let mut rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &all).fetch(&mut *conn);
        while let Some(r) = rows.try_next().await? {
            handle(item_of(&r, &today_text)?);
        }
        Ok(())
    }

    /// The dashboard's ledger figures for a user in a scope.
    pub async fn ledger_summary(
        &self,
        scope: &Scope,
        today: NaiveDate,
        user_id: i64,
        soon: NaiveDate,
    ) -> DbResult<LedgerSummary> {
        self.derived(
            format!("ledger-summary|{scope:?}|{today}|{user_id}|{soon}"),
            self.ledger_summary_now(scope, today, user_id, soon),
        )
        .await
    }

    async fn ledger_summary_now(
        &self,
        scope: &Scope,
        today: NaiveDate,
        user_id: i64,
        soon: NaiveDate,
    ) -> DbResult<LedgerSummary> {
        let sql = format!(
            "SELECT \
             SUM(CASE WHEN i.responsible_user_id = $2 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN i.state = 'open' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN i.state = 'in_progress' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN i.state = 'submitted' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN i.deadline >= $1 AND i.deadline <= $3 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN i.deadline < $1 THEN 1 ELSE 0 END), \
             SUM(CASE WHEN i.condition_met = 1 THEN 1 ELSE 0 END) \
             FROM ledger_items i WHERE {ACTIVE} AND {}",
            item_scope(scope)
        );
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(today.to_string())
            .bind(user_id)
            .bind(soon.to_string())
            .fetch_one(self.pool())
            .await?;
        let n = |i: usize| -> DbResult<i64> { Ok(r.try_get::<Option<i64>, _>(i)?.unwrap_or(0)) };
        Ok(LedgerSummary {
            mine: n(0)?,
            open: n(1)?,
            in_progress: n(2)?,
            submitted: n(3)?,
            due_soon: n(4)?,
            overdue: n(5)?,
            closable: n(6)?,
        })
    }

    /// The items of a scope matching the filter, tallied (`by`), the cancelled ones left out.
    /// The battle map's tiles: the first `limit` items of a list, kept until the ledger or
    /// the registry changes (a wall is looked at far more often than the ledger moves; a
    /// county's 600 most urgent items take a scan of its items on PostgreSQL).
    pub async fn ledger_wall(
        &self,
        scope: &Scope,
        today: NaiveDate,
        filter: &LedgerFilter,
        window: Window,
    ) -> DbResult<Vec<LedgerItem>> {
        self.derived(
            format!("ledger-wall|{scope:?}|{today}|{filter:?}|{window:?}"),
            async { Ok(self.ledger_page(scope, today, filter, window).await?.0) },
        )
        .await
    }

    pub async fn ledger_tallies(
        &self,
        scope: &Scope,
        today: NaiveDate,
        filter: &LedgerFilter,
        by: TallyBy,
    ) -> DbResult<Vec<Tally>> {
        self.derived(
            format!("ledger-tallies|{scope:?}|{today}|{filter:?}|{by:?}"),
            self.ledger_tallies_now(scope, today, filter, by),
        )
        .await
    }

    async fn ledger_tallies_now(
        &self,
        scope: &Scope,
        today: NaiveDate,
        filter: &LedgerFilter,
        by: TallyBy,
    ) -> DbResult<Vec<Tally>> {
        let (conditions, values) = filter.conditions(today);
        // Grouped by ids (an index-only pass over a million items), named afterwards.
        let (first, second) = match by {
            TallyBy::UnitPerson => (
                "CAST(i.responsible_unit_id AS TEXT)",
                "CAST(i.responsible_user_id AS TEXT)",
            ),
            TallyBy::UnitKind => ("CAST(i.responsible_unit_id AS TEXT)", "i.kind"),
            TallyBy::Region => ("so.region_code", "CAST(NULL AS TEXT)"),
        };
        let org_join = if by == TallyBy::Region || filter.region.is_some() {
            " LEFT JOIN social_orgs so ON so.id = i.org_id"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {first}, {second}, COUNT(*), \
             SUM(CASE WHEN i.state = 'closed' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN {ACTIVE} THEN 1 ELSE 0 END), \
             SUM(CASE WHEN {ACTIVE} AND i.deadline < $1 THEN 1 ELSE 0 END) \
             FROM ledger_items i{org_join} \
             WHERE i.state <> 'cancelled' AND {} AND {conditions} GROUP BY {first}, {second}",
            item_scope(scope)
        );
        let mut all = vec![Value::text(today.to_string())];
        all.extend(values);
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &all)
            .fetch_all(self.pool())
            .await?;
        let units: std::collections::HashMap<String, String> =
            sqlx::query_as::<_, (i64, String)>("SELECT id, name FROM units")
                .fetch_all(self.pool())
                .await?
                .into_iter()
                .map(|(id, name)| (id.to_string(), name))
                .collect();
        let users: std::collections::HashMap<String, String> = if by == TallyBy::UnitPerson {
            sqlx::query_as::<_, (i64, String)>("SELECT id, username FROM users")
                .fetch_all(self.pool())
                .await?
                .into_iter()
                .map(|(id, name)| (id.to_string(), name))
                .collect()
        } else {
            Default::default()
        };
        rows.iter()
            .map(|r| {
                let first: Option<String> = r.try_get(0)?;
                let second: Option<String> = r.try_get(1)?;
                let n = |i: usize| -> DbResult<i64> {
                    Ok(r.try_get::<Option<i64>, _>(i)?.unwrap_or(0))
                };
                let unit = |id: Option<String>| id.and_then(|id| units.get(&id).cloned());
                let (unit, region) = match by {
                    TallyBy::Region => (None, first),
                    _ => (unit(first), None),
                };
                Ok(Tally {
                    unit,
                    region,
                    kind: match by {
                        TallyBy::UnitKind => second.as_deref().and_then(ItemKind::from_code),
                        _ => None,
                    },
                    person: match by {
                        TallyBy::UnitPerson => second.and_then(|id| users.get(&id).cloned()),
                        _ => None,
                    },
                    total: n(2)?,
                    closed: n(3)?,
                    active: n(4)?,
                    overdue: n(5)?,
                })
            })
            .collect()
    }

    /// How many items of the scope were open (raised, not yet closed or cancelled) at the end
    /// of each date: the items grouped by the day they were raised and the day they ended,
    /// then summed per date.
    pub async fn ledger_open_at(
        &self,
        scope: &Scope,
        filter: &LedgerFilter,
        today: NaiveDate,
        dates: &[NaiveDate],
    ) -> DbResult<Vec<i64>> {
        self.derived(
            format!("ledger-open|{scope:?}|{filter:?}|{today}|{dates:?}"),
            self.ledger_open_at_now(scope, filter, today, dates),
        )
        .await
    }

    async fn ledger_open_at_now(
        &self,
        scope: &Scope,
        filter: &LedgerFilter,
        today: NaiveDate,
        dates: &[NaiveDate],
    ) -> DbResult<Vec<i64>> {
        let (conditions, values) = filter.conditions(today);
        let sql = format!(
            "SELECT i.raised_on, i.ended_on, COUNT(*) FROM ledger_items i \
             LEFT JOIN social_orgs so ON so.id = i.org_id \
             WHERE {} AND {conditions} GROUP BY i.raised_on, i.ended_on",
            item_scope(scope)
        );
        let mut all = vec![Value::text(today.to_string())];
        all.extend(values);
        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), &all)
            .fetch_all(self.pool())
            .await?;
        let mut out = vec![0; dates.len()];
        for r in &rows {
            let raised: String = r.try_get(0)?;
            let ended: Option<String> = r.try_get(1)?;
            let n: i64 = r.try_get(2)?;
            for (i, d) in dates.iter().enumerate() {
                let d = d.to_string();
                if raised <= d && ended.as_ref().is_none_or(|e| *e > d) {
                    out[i] += n;
                }
            }
        }
        Ok(out)
    }

    /// The task list's choices: the responsible units that have items, and the persons that
    /// have items in the scope.
    pub async fn ledger_choices(&self, scope: &Scope) -> DbResult<(Vec<String>, Vec<String>)> {
        let c = item_scope(scope);
        // Units are reference data every reader sees: those with any item, whoever's.
        let mut units: Vec<String> = sqlx::query_scalar(
            "SELECT u.name FROM units u WHERE EXISTS \
             (SELECT 1 FROM ledger_items i WHERE i.responsible_unit_id = u.id)",
        )
        .fetch_all(self.pool())
        .await?;
        let places = self.unit_places().await?;
        units.sort_by_cached_key(|u| places.of(u));
        let persons: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT us.username FROM users us WHERE EXISTS \
             (SELECT 1 FROM ledger_items i WHERE i.responsible_user_id = us.id AND {c}) ORDER BY us.username"
        )))
        .fetch_all(self.pool())
        .await?;
        Ok((units, persons))
    }
}
