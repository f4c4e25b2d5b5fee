//! The ledger's detection (`spec/domain.md` §5.1): the items the data calls for, raised once per
//! kind and subject, their texts kept up with the data, and the closing condition of every active
//! item marked; a registry write leaves it pending in its own transaction until it has run.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::Row;

use super::orgs::{Facts, facts_cte};
use super::values::{Value, insert_rows};
use super::{Db, DbError, DbResult, Population, RuleTable, Scope};
use crate::domain::ledger::{ItemKind, add_months};
use crate::domain::model::{OperatingState, OrgStatus};
use crate::domain::rules::Rule;
use crate::domain::sources::{self, Now, OrgFacts, Policy};

/// An item the data calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Candidate {
    kind: ItemKind,
    org_id: Option<i64>,
    party_org_id: Option<i64>,
    subject: String,
    subject_name: String,
    unit_id: Option<i64>,
    gap: String,
    /// A deadline of its own (census: the campaign's end), instead of the rule table's.
    deadline: Option<NaiveDate>,
    /// The census campaign a census_missing item waits for.
    campaign_id: Option<i64>,
}

/// The setting a registry write leaves until the ledger detection has run after it.
const DETECTION_PENDING: &str = "ledger.detection_pending";

/// Marks the detection pending, inside a write's transaction (the mark is a fresh value each
/// time, so that a detection that read an older one does not clear it).
pub(super) async fn mark_detection_pending(conn: &mut sqlx::AnyConnection) -> DbResult<()> {
    let mark = crate::auth::random_token(16);
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(DETECTION_PENDING)
    .bind(mark)
    .execute(conn)
    .await?;
    Ok(())
}

/// What a detection run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DetectSummary {
    pub raised: usize,
    /// Active items whose text (or census campaign) was brought up to the data.
    pub updated: usize,
    /// Active items whose closing condition the data now satisfies.
    pub closable: usize,
}

/// An active item as detection compares it: (id, kind, subject, state, gap, deadline,
/// campaign).
type ActiveItem = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
);

/// An org as detection streams it: who it is (for the item) and what the data says of it.
struct OrgRow {
    id: i64,
    code: String,
    name: String,
    unit: Option<i64>,
    facts: OrgFacts,
}

impl Db {
    /// The ledger's start date (setting `ledger.start_date`).
    pub async fn ledger_start(&self) -> DbResult<NaiveDate> {
        let v = self.setting("ledger.start_date").await?.unwrap_or_default();
        NaiveDate::parse_from_str(&v, "%Y-%m-%d")
            .map_err(|_| DbError::Inconsistent(format!("台账起始日期设置无效：{v}")))
    }

    /// Runs `handle` on the facts of each org as the rows arrive (a city of a million orgs is
    /// never held as a list).
    async fn each_org_facts(
        &self,
        scope: &Scope,
        today: NaiveDate,
        own_min: i64,
        population: Population,
        census: &HashMap<i64, (OperatingState, NaiveDate)>,
        mut handle: impl FnMut(OrgRow) + Send,
    ) -> DbResult<()> {
        let sql = format!(
            "{} SELECT f.id, f.credit_code, f.name, f.status, f.registered_on, f.formal_members, f.covered, \
             f.own_covered, f.stationed, f.responsible_unit_id FROM facts f",
            facts_cte(
                scope,
                Facts {
                    population,
                    with_unit: true,
                    one_org: false,
                    regions: None,
                    org_columns: true,
                }
            )
        );
        let mut conn = self.pool().acquire().await?;
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(today.to_string())
            .bind(own_min)
            .fetch(&mut *conn);
        while let Some(r) = rows.try_next().await? {
            let id: i64 = r.try_get(0)?;
            let status: String = r.try_get(3)?;
            let registered: String = r.try_get(4)?;
            let facts = OrgFacts {
                formal: r.try_get(5)?,
                covered: r.try_get::<i64, _>(6)? == 1,
                own: r.try_get::<i64, _>(7)? == 1,
                stationed: r.try_get::<i64, _>(8)? == 1,
                status: OrgStatus::from_code(&status).ok_or_else(|| {
                    DbError::Inconsistent(format!("社会组织 {id} 的状态无效：{status}"))
                })?,
                registered_on: NaiveDate::parse_from_str(&registered, "%Y-%m-%d").map_err(
                    |_| {
                        DbError::Inconsistent(format!("社会组织 {id} 的登记日期无效：{registered}"))
                    },
                )?,
                census: census.get(&id).copied(),
            };
            handle(OrgRow {
                id,
                code: r.try_get(1)?,
                name: r.try_get(2)?,
                unit: r.try_get(9)?,
                facts,
            });
        }
        Ok(())
    }

    /// Party orgs over the limits as of `today`: (id, name, in-scope orgs covered, members,
    /// the responsible unit most of its orgs have).
    async fn oversized(
        &self,
        scope: &Scope,
        today: NaiveDate,
        max_orgs: i64,
        max_members: i64,
    ) -> DbResult<Vec<Candidate>> {
        let d = today.to_string();
        let sql = format!(
            "SELECT p.id, p.name, p.kind, COALESCE(p.member_count, 0), \
             (SELECT COUNT(*) FROM coverage_links l JOIN social_orgs o ON o.id = l.org_id \
              WHERE l.party_org_id = p.id AND l.valid_from <= $1 AND (l.valid_to IS NULL OR $1 < l.valid_to) \
              AND o.registered_on <= $1 AND (o.terminated_on IS NULL OR $1 < o.terminated_on)) \
             FROM party_orgs p WHERE p.founded_on <= $1 AND (p.dissolved_on IS NULL OR $1 < p.dissolved_on) \
             AND p.kind IN ('branch', 'joint_branch') AND ({}) ",
            if scope.is_city() {
                "1 = 1".to_string()
            } else {
                format!(
                    "p.id IN (SELECT l.party_org_id FROM coverage_links l JOIN social_orgs o ON o.id = l.org_id WHERE {})",
                    scope.org_condition("o")
                )
            }
        );
        type Tuple = (i64, String, String, i64, i64);
        let all: Vec<Tuple> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(d)
            .fetch_all(self.pool())
            .await?;
        // The responsible unit (the one most of its covered orgs have) only for the few over the
        // limits: computing it for every party org costs seconds at scale.
        let mut rows = Vec::new();
        for (id, name, kind, members, orgs) in all {
            if (kind == "joint_branch" && orgs > max_orgs) || members > max_members {
                let unit: Option<i64> = sqlx::query_scalar(
                    "SELECT ru.unit_id FROM coverage_links l JOIN org_responsible_units ru ON ru.org_id = l.org_id \
                     WHERE l.party_org_id = $1 AND ru.unit_id IS NOT NULL GROUP BY ru.unit_id \
                     ORDER BY COUNT(*) DESC, ru.unit_id LIMIT 1",
                )
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
                rows.push((id, name, kind, members, orgs, unit));
            }
        }
        let mut out = Vec::new();
        for (id, name, kind, members, orgs, unit) in rows {
            let mut gaps = Vec::new();
            if kind == "joint_branch" && orgs > max_orgs {
                gaps.push(format!("联合党支部覆盖 {orgs} 个单位，超过 {max_orgs} 个"));
            }
            if members > max_members {
                gaps.push(format!("党员 {members} 名，超过 {max_members} 名"));
            }
            if !gaps.is_empty() {
                out.push(Candidate {
                    kind: ItemKind::RectifyOversizedJoint,
                    org_id: None,
                    party_org_id: Some(id),
                    subject: name.clone(),
                    subject_name: name,
                    unit_id: unit,
                    gap: gaps.join("；"),
                    deadline: None,
                    campaign_id: None,
                });
            }
        }
        Ok(out)
    }

    /// Every item the data calls for as of `today` within the scope (§5.1).
    async fn candidates(
        &self,
        scope: &Scope,
        today: NaiveDate,
        rules: &RuleTable,
    ) -> DbResult<Vec<Candidate>> {
        let policy = Policy {
            own_min: rules.int(Rule::OwnOrgMinFormalMembers)?,
            ledger_start: self.ledger_start().await?,
        };
        let census = self.census_states(today).await?;
        let sync_months =
            u32::try_from(rules.int(Rule::DeadlineSyncWithRegistration)?).unwrap_or(0);
        let mut out = Vec::new();
        self.each_org_facts(
            scope,
            today,
            policy.own_min,
            Population::InScope,
            &census,
            |o| {
                for (kind, gap) in sources::org_items(&o.facts, &policy) {
                    // 同步建立: the time limit runs from the registration, not from the day the
                    // item was raised.
                    let deadline = (kind == ItemKind::SyncWithRegistration)
                        .then(|| add_months(o.facts.registered_on, sync_months));
                    out.push(Candidate {
                        kind,
                        org_id: Some(o.id),
                        party_org_id: None,
                        subject: o.code.clone(),
                        subject_name: o.name.clone(),
                        unit_id: o.unit,
                        gap,
                        deadline,
                        campaign_id: None,
                    });
                }
            },
        )
        .await?;
        for m in self.missing_returns(scope, today).await? {
            out.push(Candidate {
                kind: ItemKind::CensusMissing,
                org_id: Some(m.org_id),
                party_org_id: None,
                subject: m.code,
                subject_name: m.name,
                unit_id: m.unit,
                gap: format!("“{}”摸排表未填报或未确认", m.campaign_name),
                deadline: Some(m.end_date),
                campaign_id: Some(m.campaign_id),
            });
        }
        let max_orgs = rules.int(Rule::MaxOrgsPerJointBranch)?;
        let max_members = rules.int(Rule::MaxMembersPerBranch)?;
        out.extend(self.oversized(scope, today, max_orgs, max_members).await?);
        Ok(out)
    }

    /// Raises the items the data calls for, never duplicating an active item of the same kind
    /// and subject, and marks active items whose closing condition the data now satisfies.
    pub async fn detect(
        &self,
        scope: &Scope,
        actor: &str,
        today: NaiveDate,
    ) -> DbResult<DetectSummary> {
        // A detection of the whole city catches up what a write left pending (the value read now:
        // a write committed while this runs leaves its own mark).
        let pending = if scope.is_city() {
            self.setting(DETECTION_PENDING).await?
        } else {
            None
        };
        let rules = RuleTable::load(self, today).await?;
        let candidates = self.candidates(scope, today, &rules).await?;
        let active: Vec<ActiveItem> = sqlx::query_as(
            "SELECT id, kind, subject, state, gap, deadline, campaign_id FROM ledger_items \
             WHERE state NOT IN ('closed', 'cancelled')",
        )
        .fetch_all(self.pool())
        .await?;
        let existing: HashMap<(String, String), &ActiveItem> = active
            .iter()
            .map(|a| ((a.1.clone(), a.2.clone()), a))
            .collect();
        // One candidate per kind and subject: the first, but for the census the latest campaign
        // the org has not returned (the campaigns come in reference-date order).
        let mut chosen: HashMap<(String, String), &Candidate> = HashMap::new();
        let mut order = Vec::new();
        for c in &candidates {
            let key = (c.kind.code().to_string(), c.subject.clone());
            match chosen.get(&key) {
                None => {
                    order.push(key.clone());
                    chosen.insert(key, c);
                }
                Some(_) if c.kind == ItemKind::CensusMissing => {
                    chosen.insert(key, c);
                }
                Some(_) => {}
            }
        }
        let mut summary = DetectSummary::default();
        let now = self.clock.now_text();
        let mut rows = Vec::new();
        // Active items whose text (or, for the census, whose campaign) the data has moved on
        // from: (id, state, old text, new text, deadline, campaign).
        let mut updates = Vec::new();
        for key in &order {
            let c = chosen[key];
            if let Some(a) = existing.get(key) {
                let campaign_moved = c.kind == ItemKind::CensusMissing && a.6 != c.campaign_id;
                if a.4 != c.gap || campaign_moved {
                    let deadline = if campaign_moved {
                        c.deadline.map(|d| d.to_string())
                    } else {
                        a.5.clone()
                    };
                    let campaign = if campaign_moved { c.campaign_id } else { a.6 };
                    updates.push((
                        a.0,
                        a.3.clone(),
                        a.4.clone(),
                        c.gap.clone(),
                        deadline,
                        campaign,
                    ));
                }
                continue;
            }
            let deadline = match (c.deadline, c.kind.deadline_rule()) {
                (Some(d), _) => Some(d.to_string()),
                (None, Some(rule)) => Some(
                    add_months(today, u32::try_from(rules.int(rule)?).unwrap_or(0)).to_string(),
                ),
                (None, None) => None,
            };
            rows.push(vec![
                Value::text(c.kind.code()),
                Value::opt_int(c.org_id),
                Value::opt_int(c.party_org_id),
                Value::text(&c.subject),
                Value::text(&c.subject_name),
                Value::opt_int(c.unit_id),
                Value::text(&c.gap),
                Value::date(today),
                Value::Text(deadline),
                Value::text("open"),
                Value::int(0),
                Value::text(actor),
                Value::text(&now),
                Value::opt_int(c.campaign_id),
            ]);
        }
        summary.raised = rows.len();
        // Items in batches, then one 'raise' history row each, in one transaction.
        let mut tx = self.write_tx().await?;
        let columns = [
            "kind",
            "org_id",
            "party_org_id",
            "subject",
            "subject_name",
            "responsible_unit_id",
            "gap",
            "raised_on",
            "deadline",
            "state",
            "condition_met",
            "created_by",
            "updated_at",
            "campaign_id",
        ];
        insert_rows(&mut tx, self.backend(), "ledger_items", &columns, &rows).await?;
        // Texts that quote the data follow it; the history keeps what they said.
        for (id, state, old, new, deadline, campaign) in &updates {
            sqlx::query(
                "UPDATE ledger_items SET gap = $1, deadline = $2, campaign_id = $3, updated_at = $4 \
                 WHERE id = $5",
            )
            .bind(new.clone())
            .bind(deadline.clone())
            .bind(*campaign)
            .bind(now.clone())
            .bind(*id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO ledger_history (item_id, at, actor, action, from_state, to_state, comment) \
                 VALUES ($1, $2, $3, 'update', $4, $4, $5)",
            )
            .bind(*id)
            .bind(now.clone())
            .bind(actor.to_string())
            .bind(state.clone())
            .bind(format!("原为：{old}"))
            .execute(&mut *tx)
            .await?;
        }
        summary.updated = updates.len();
        if !rows.is_empty() {
            let new_items: Vec<(i64, String)> = sqlx::query_as(
                "SELECT i.id, i.gap FROM ledger_items i WHERE NOT EXISTS \
                 (SELECT 1 FROM ledger_history h WHERE h.item_id = i.id) ORDER BY i.id",
            )
            .fetch_all(&mut *tx)
            .await?;
            let history: Vec<Vec<Value>> = new_items
                .into_iter()
                .map(|(id, gap)| {
                    vec![
                        Value::int(id),
                        Value::text(&now),
                        Value::text(actor),
                        Value::text("raise"),
                        Value::Text(None),
                        Value::text("open"),
                        Value::Text(Some(gap)),
                    ]
                })
                .collect();
            let columns = [
                "item_id",
                "at",
                "actor",
                "action",
                "from_state",
                "to_state",
                "comment",
            ];
            insert_rows(
                &mut tx,
                self.backend(),
                "ledger_history",
                &columns,
                &history,
            )
            .await?;
        }
        super::derived::raise(&mut tx, "ledger").await?;
        tx.commit().await?;
        summary.closable = self
            .mark_conditions(scope, today, &rules, &candidates)
            .await?;
        if let Some(mark) = pending {
            sqlx::query("DELETE FROM settings WHERE key = $1 AND value = $2")
                .bind(DETECTION_PENDING)
                .bind(mark)
                .execute(self.pool())
                .await?;
        }
        Ok(summary)
    }

    /// Whether a write committed since the last detection of the whole city (a crash, or a
    /// kill, between a write and its detection): the next start runs it.
    pub async fn detection_pending(&self) -> DbResult<bool> {
        Ok(self.setting(DETECTION_PENDING).await?.is_some())
    }

    /// Sets `condition_met` on every active item in scope from the data as of `today`; returns
    /// how many are closable.
    async fn mark_conditions(
        &self,
        scope: &Scope,
        today: NaiveDate,
        rules: &RuleTable,
        candidates: &[Candidate],
    ) -> DbResult<usize> {
        let own_min = rules.int(Rule::OwnOrgMinFormalMembers)?;
        let items = self.ledger_items(scope, today).await?;
        // The facts of the orgs with an active item only.
        let wanted: HashSet<i64> = items
            .iter()
            .filter(|i| i.state.is_active())
            .filter_map(|i| i.org_id)
            .collect();
        let census = self.census_states(today).await?;
        let mut facts: HashMap<i64, OrgFacts> = HashMap::new();
        self.each_org_facts(scope, today, own_min, Population::All, &census, |o| {
            if wanted.contains(&o.id) {
                facts.insert(o.id, o.facts);
            }
        })
        .await?;
        let oversized: HashSet<&str> = candidates
            .iter()
            .filter(|c| c.kind == ItemKind::RectifyOversizedJoint)
            .map(|c| c.subject.as_str())
            .collect();
        let confirmed = self.confirmed_returns().await?;
        let mut tx = self.write_tx().await?;
        let mut closable = 0;
        for item in items.iter().filter(|i| i.state.is_active()) {
            let now = Now {
                org: item.org_id.and_then(|id| facts.get(&id)),
                return_confirmed: match (item.campaign_id, item.org_id) {
                    (Some(c), Some(o)) => confirmed.contains(&(c, o)),
                    _ => false,
                },
                still_oversized: oversized.contains(item.subject.as_str()),
            };
            let met = sources::satisfied(item.kind, &now);
            if met {
                closable += 1;
            }
            if met != item.condition_met {
                sqlx::query("UPDATE ledger_items SET condition_met = $1 WHERE id = $2")
                    .bind(i64::from(met))
                    .bind(item.id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        super::derived::raise(&mut tx, "ledger").await?;
        tx.commit().await?;
        Ok(closable)
    }
}
