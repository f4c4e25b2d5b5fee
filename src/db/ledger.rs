//! The work ledger's data: items listed within a scope, one item, transitions with their
//! history, assignment, attachments and manual items. Detection is in `ledger_detect`.

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use serde::Serialize;

use super::{Db, DbError, DbResult, Scope};
use crate::domain::ledger::{ItemKind, ItemState};

/// One ledger item as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerItem {
    pub id: i64,
    pub kind: ItemKind,
    pub subject: String,
    pub subject_name: String,
    pub responsible_unit: Option<String>,
    pub responsible_user: Option<String>,
    pub gap: String,
    pub raised_on: String,
    pub deadline: Option<String>,
    pub state: ItemState,
    pub overdue: bool,
    pub condition_met: bool,
    pub evidence: Option<String>,
    pub org_id: Option<i64>,
    pub region: Option<String>,
    /// The census campaign of a census_missing item.
    pub campaign_id: Option<i64>,
}

/// A transition to record: the item, from → to, the action's code, who, the comment, and the
/// evidence text when submitting.
#[derive(Debug, Clone, Copy)]
pub struct Transition<'a> {
    pub item_id: i64,
    pub from: ItemState,
    pub to: ItemState,
    pub action: crate::domain::ledger::Action,
    pub actor: &'a str,
    pub comment: &'a str,
    pub evidence: Option<&'a str>,
}

/// One history row of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub comment: String,
}

impl Db {
    /// Every item whose subject is in scope (party-org items: a covered org in scope), ordered by
    /// responsible unit, deadline, kind and subject.
    pub async fn ledger_items(&self, scope: &Scope, today: NaiveDate) -> DbResult<Vec<LedgerItem>> {
        self.ledger_items_where(scope, today, None).await
    }

    /// One item, if it is in the scope.
    pub async fn ledger_item(
        &self,
        scope: &Scope,
        id: i64,
        today: NaiveDate,
    ) -> DbResult<Option<LedgerItem>> {
        Ok(self
            .ledger_items_where(scope, today, Some(id))
            .await?
            .into_iter()
            .next())
    }

    async fn ledger_items_where(
        &self,
        scope: &Scope,
        today: NaiveDate,
        id: Option<i64>,
    ) -> DbResult<Vec<LedgerItem>> {
        use super::ledger_list::{ITEM_COLUMNS, ITEM_JOINS, item_of, item_scope_on_row};
        let sql = format!(
            "SELECT {ITEM_COLUMNS} FROM ledger_items i{ITEM_JOINS} \
             WHERE {} AND {one} ORDER BY u.name, i.deadline, i.kind, i.subject",
            item_scope_on_row(scope),
            // (An id is an integer: inlined safely.)
            one = id.map_or("1 = 1".to_string(), |id| format!("i.id = {id}"))
        );
        let today = today.to_string();
        // Decoded as the rows arrive (a city of a million orgs has tens of thousands of items).
        let mut conn = self.pool().acquire().await?;
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *conn);
        let mut out = Vec::new();
        while let Some(r) = rows.try_next().await? {
            out.push(item_of(&r, &today)?);
        }
        Ok(out)
    }

    /// Writes a transition and its history row; refused when the item is no longer in the
    /// state the transition starts from (someone else acted first).
    pub async fn ledger_transition(&self, t: &Transition<'_>) -> DbResult<()> {
        let Transition {
            item_id,
            from,
            to,
            action,
            actor,
            comment,
            evidence,
        } = *t;
        let mut tx = self.write_tx().await?;
        let now = self.clock.now_text();
        let updated = sqlx::query(
            "UPDATE ledger_items SET state = $1, evidence = COALESCE($2, evidence), updated_at = $3, \
             ended_on = $6 WHERE id = $4 AND state = $5",
        )
        .bind(to.code())
        .bind(evidence.map(str::to_string))
        .bind(now.clone())
        .bind(item_id)
        .bind(from.code())
        // The day (in Beijing) the item ended, for the burn-down; none while it is active.
        .bind((!to.is_active()).then(|| self.clock.today().to_string()))
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(DbError::Stale("事项状态已被他人更改，请刷新后重试".into()));
        }
        sqlx::query(
            "INSERT INTO ledger_history (item_id, at, actor, action, from_state, to_state, comment) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(item_id)
        .bind(now)
        .bind(actor.to_string())
        .bind(action.code())
        .bind(from.code())
        .bind(to.code())
        .bind(comment.to_string())
        .execute(&mut *tx)
        .await?;
        super::derived::raise(&mut tx, "ledger").await?;
        tx.commit().await?;
        Ok(())
    }

    /// An item's history, oldest first.
    pub async fn ledger_history(&self, item_id: i64) -> DbResult<Vec<HistoryEntry>> {
        type Tuple = (String, String, String, Option<String>, String, String);
        let rows: Vec<Tuple> = sqlx::query_as(
            "SELECT at, actor, action, from_state, to_state, comment FROM ledger_history WHERE item_id = $1 ORDER BY id",
        )
        .bind(item_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(at, actor, action, from_state, to_state, comment)| HistoryEntry {
                    at,
                    actor,
                    action,
                    from_state,
                    to_state,
                    comment,
                },
            )
            .collect())
    }
}

impl Db {
    /// Assigns the responsible person (a user, or nobody) of an item and records it in the
    /// item's history (the state does not change).
    pub async fn ledger_assign(
        &self,
        item: &LedgerItem,
        user: Option<(i64, &str)>,
        actor: &str,
    ) -> DbResult<()> {
        let mut tx = self.write_tx().await?;
        let now = self.clock.now_text();
        sqlx::query(
            "UPDATE ledger_items SET responsible_user_id = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(user.map(|(id, _)| id))
        .bind(now.clone())
        .bind(item.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO ledger_history (item_id, at, actor, action, from_state, to_state, comment) \
             VALUES ($1, $2, $3, 'assign', $4, $4, $5)",
        )
        .bind(item.id)
        .bind(now)
        .bind(actor.to_string())
        .bind(item.state.code())
        .bind(match user {
            Some((_, name)) => format!("责任人：{name}"),
            None => "取消责任人".to_string(),
        })
        .execute(&mut *tx)
        .await?;
        super::derived::raise(&mut tx, "ledger").await?;
        tx.commit().await?;
        Ok(())
    }

    /// The users who can be the responsible person of a unit's items: the city admins for the
    /// city committee, the county admins of its region for a county committee, and the users
    /// scoped to the unit itself (departments, industry committees). Disabled users are left out.
    pub async fn unit_users(&self, unit_name: &str) -> DbResult<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT u.id, u.username FROM users u JOIN units un ON un.name = $1 \
             WHERE u.disabled = 0 AND ((un.kind = 'city_committee' AND u.role = 'city_admin') \
             OR (un.kind = 'county_committee' AND u.role = 'county_admin' AND u.scope_region = un.region_code) \
             OR u.scope_unit_id = un.id) ORDER BY u.username",
        )
        .bind(unit_name.to_string())
        .fetch_all(self.pool())
        .await?)
    }
}

/// An evidence file of an item (without its content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: String,
    pub at: String,
}

impl Db {
    /// Stores an evidence file (its type and size were checked by the caller).
    pub async fn add_attachment(
        &self,
        item_id: i64,
        file_name: &str,
        content_type: &str,
        content: &[u8],
        by: &str,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO ledger_attachments (item_id, file_name, content_type, size, content, uploaded_by, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(item_id)
        .bind(file_name.to_string())
        .bind(content_type.to_string())
        .bind(content.len() as i64)
        .bind(content.to_vec())
        .bind(by.to_string())
        .bind(self.clock.now_text())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The evidence files of an item.
    pub async fn attachments(&self, item_id: i64) -> DbResult<Vec<Attachment>> {
        type Tuple = (i64, String, String, i64, String, String);
        let rows: Vec<Tuple> = sqlx::query_as(
            "SELECT id, file_name, content_type, size, uploaded_by, at FROM ledger_attachments WHERE item_id = $1 ORDER BY id",
        )
        .bind(item_id)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, file_name, content_type, size, uploaded_by, at)| Attachment {
                    id,
                    file_name,
                    content_type,
                    size,
                    uploaded_by,
                    at,
                },
            )
            .collect())
    }

    /// One evidence file of an item: (name, content type, content).
    pub async fn attachment(
        &self,
        item_id: i64,
        id: i64,
    ) -> DbResult<Option<(String, String, Vec<u8>)>> {
        Ok(sqlx::query_as("SELECT file_name, content_type, content FROM ledger_attachments WHERE item_id = $1 AND id = $2")
            .bind(item_id)
            .bind(id)
            .fetch_optional(self.pool())
            .await?)
    }
}

/// An item created by hand: its kind (supervision or manual), subject (a credit code or a
/// party org's name), the gap in words and an optional deadline.
#[derive(Debug, Clone, Copy)]
pub struct ManualItem<'a> {
    pub kind: ItemKind,
    pub subject: &'a str,
    pub gap: &'a str,
    pub deadline: Option<NaiveDate>,
}

impl Db {
    /// Creates an item by hand (督办事项 or 其他) about an org (credit code) or a party org (name)
    /// within the scope; `None` when no such subject is in scope.
    pub async fn add_manual_item(
        &self,
        scope: &Scope,
        item: &ManualItem<'_>,
        actor: &str,
        today: NaiveDate,
    ) -> DbResult<Option<i64>> {
        let org: Option<(i64, String, String, Option<i64>)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT o.id, o.credit_code, o.name, ru.unit_id FROM social_orgs o \
             JOIN org_responsible_units ru ON ru.org_id = o.id WHERE o.credit_code = $1 AND {}",
                scope.org_condition("o")
            )))
            .bind(item.subject.to_string())
            .fetch_optional(self.pool())
            .await?;
        let ManualItem {
            kind,
            subject,
            gap,
            deadline,
        } = *item;
        let (org_id, party_id, subject, name, unit) = match org {
            Some((id, code, name, unit)) => (Some(id), None, code, name, unit),
            None => {
                let one = super::PartyOrgFilter {
                    name: Some(subject.to_string()),
                    ..Default::default()
                };
                let rows = super::Rows {
                    sort: "name",
                    descending: false,
                    offset: 0,
                    limit: 1,
                };
                let party = self.party_org_page(scope, &one, rows).await?.0.pop();
                match party {
                    Some(p) => (None, Some(p.id), p.name.clone(), p.name, None),
                    None => return Ok(None),
                }
            }
        };
        let now = self.clock.now_text();
        let mut tx = self.write_tx().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO ledger_items (kind, org_id, party_org_id, subject, subject_name, responsible_unit_id, gap, \
             raised_on, deadline, state, condition_met, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', 0, $10, $11) RETURNING id",
        )
        .bind(kind.code())
        .bind(org_id)
        .bind(party_id)
        .bind(subject)
        .bind(name)
        .bind(unit)
        .bind(gap.to_string())
        .bind(today.to_string())
        .bind(deadline.map(|d| d.to_string()))
        .bind(actor.to_string())
        .bind(now.clone())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO ledger_history (item_id, at, actor, action, from_state, to_state, comment) \
             VALUES ($1, $2, $3, 'raise', NULL, 'open', $4)",
        )
        .bind(id)
        .bind(now)
        .bind(actor.to_string())
        .bind(gap.to_string())
        .execute(&mut *tx)
        .await?;
        super::derived::raise(&mut tx, "ledger").await?;
        tx.commit().await?;
        Ok(Some(id))
    }
}
