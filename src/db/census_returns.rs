//! A census campaign's returns: the orgs of a campaign in scope a page at a time with their
//! returns, one return, and their writes — filled, confirmed, imported from a workbook — each
//! with its history row and the pending detection in the write's transaction.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::census::*;
use super::{Db, DbError, DbResult, Scope, spans};
use crate::domain::census::ReturnState;

impl Db {
    /// A page of the campaign's orgs in scope with their returns, by credit code, and the total.
    pub async fn campaign_returns(
        &self,
        scope: &Scope,
        c: &Campaign,
        filter: &ReturnFilter,
    ) -> DbResult<(Vec<ReturnRow>, i64)> {
        let mut conditions = vec![self.campaign_orgs(c).await?, scope.org_condition("o")];
        if filter.confirmable_only {
            conditions.push(confirmable(scope));
        }
        match filter.state {
            Some(ReturnState::Missing) => conditions.push("r.id IS NULL".into()),
            Some(ReturnState::Returned) => {
                conditions.push("r.id IS NOT NULL AND r.confirmed_at IS NULL".into())
            }
            Some(ReturnState::Confirmed) => conditions.push("r.confirmed_at IS NOT NULL".into()),
            None => {}
        }
        match filter.unit {
            Some(Some(id)) => conditions.push(format!("ru.unit_id = {id}")),
            Some(None) => conditions.push("ru.unit_id IS NULL".into()),
            None => {}
        }
        let pattern = filter
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| format!("%{}%", q.replace(['\\', '%', '_'], "")));
        if pattern.is_some() {
            conditions.push("(o.name LIKE $2 OR o.credit_code LIKE UPPER($2))".into());
        }
        // Returned or confirmed orgs are found from their returns (few, early in a campaign),
        // the others from the orgs.
        let from = if matches!(
            filter.state,
            Some(ReturnState::Returned | ReturnState::Confirmed)
        ) {
            format!(
                "FROM census_returns r JOIN social_orgs o ON o.id = r.org_id \
                 JOIN org_responsible_units ru ON ru.org_id = o.id \
                 LEFT JOIN units u ON u.id = ru.unit_id WHERE r.campaign_id = $1 AND {}",
                conditions.join(" AND ")
            )
        } else {
            format!(
                "FROM social_orgs o JOIN org_responsible_units ru ON ru.org_id = o.id \
                 LEFT JOIN units u ON u.id = ru.unit_id \
                 LEFT JOIN census_returns r ON r.campaign_id = $1 AND r.org_id = o.id WHERE {}",
                conditions.join(" AND ")
            )
        };
        let bind = |sql: String| {
            let q = sqlx::query(AssertSqlSafe(sql)).bind(c.id);
            match &pattern {
                Some(p) => q.bind(p.clone()),
                None => q.bind(String::new()),
            }
        };
        // $2 is always bound (empty when unused) so that the numbering stays fixed.
        let total = match self
            .returns_total(scope, c, filter, pattern.is_some())
            .await?
        {
            Some(n) => n,
            None => {
                let count_sql = format!("SELECT COUNT(*) {from} AND $2 = $2");
                bind(count_sql).fetch_one(self.pool()).await?.try_get(0)?
            }
        };
        // The page of orgs is read in credit-code order from its index, stopping after the
        // page: the region is compared as an expression so that no planner reads a region's
        // every org by its region index and sorts them (a million at a province).
        let from = if matches!(
            filter.state,
            Some(ReturnState::Returned | ReturnState::Confirmed)
        ) {
            from
        } else {
            from.replace("o.region_code IN", "(o.region_code || '') IN")
        };
        let sql = format!(
            "SELECT o.id, o.credit_code, o.name, o.region_code, u.name, {RETURN_COLUMNS} {from} \
             AND $2 = $2 ORDER BY o.credit_code LIMIT {} OFFSET {}",
            // The API pages by at most 1,000; the pages' own uses (a campaign's download, its
            // upload check, confirm-all by unit) read every org of a campaign.
            filter.limit.clamp(0, 10_000_000),
            filter.offset.max(0)
        );
        let rows = bind(sql).fetch_all(self.pool()).await?;
        let items = rows.iter().map(return_row).collect::<DbResult<Vec<_>>>()?;
        Ok((items, total))
    }

    /// The credit codes of the campaign's orgs in scope (only those the actor's unit confirms,
    /// if asked): what an upload may write to, without reading any return.
    pub async fn campaign_codes(
        &self,
        scope: &Scope,
        c: &Campaign,
        confirmable_only: bool,
    ) -> DbResult<std::collections::HashSet<String>> {
        let sql = format!(
            "SELECT o.credit_code FROM social_orgs o WHERE {} AND {} AND {}",
            self.campaign_orgs(c).await?,
            scope.org_condition("o"),
            if confirmable_only {
                confirmable(scope)
            } else {
                "1 = 1".to_string()
            }
        );
        let codes: Vec<String> = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        Ok(codes.into_iter().collect())
    }

    /// One org of the campaign with its return, if the org is in the campaign and in scope.
    pub async fn campaign_return(
        &self,
        scope: &Scope,
        c: &Campaign,
        credit_code: &str,
    ) -> DbResult<Option<ReturnRow>> {
        let sql = format!(
            "SELECT o.id, o.credit_code, o.name, o.region_code, u.name, {RETURN_COLUMNS} \
             FROM social_orgs o JOIN org_responsible_units ru ON ru.org_id = o.id \
             LEFT JOIN units u ON u.id = ru.unit_id \
             LEFT JOIN census_returns r ON r.campaign_id = $1 AND r.org_id = o.id \
             WHERE o.credit_code = $2 AND {} AND {}",
            self.campaign_orgs(c).await?,
            scope.org_condition("o")
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(c.id)
            .bind(credit_code.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(return_row).transpose()
    }

    /// Saves a return (the caller has checked the org is in the campaign and in scope, and the
    /// return's problems). Any change clears an earlier confirmation unless `confirmed`.
    /// Returns whether anything changed.
    pub async fn save_return<'a>(
        &self,
        w: &ReturnWrite<'_>,
        by: impl Into<super::By<'a>>,
    ) -> DbResult<bool> {
        let by = by.into();
        let mut tx = self.write_tx().await?;
        let at = self.clock.now_text();
        let changed = write_return(&mut tx, w, by.name, &at).await?;
        if changed {
            // A confirmation given or cleared changes the org's counts over time.
            let org = BTreeSet::from([w.org_id]);
            spans::refresh(&mut tx, self.backend(), spans::Which::Orgs(&org)).await?;
            by.audit_on(&mut tx, &at).await?;
            super::ledger_detect::mark_detection_pending(&mut tx).await?;
        }
        super::derived::raise(&mut tx, "census").await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Confirms the returns of the given orgs (or every unconfirmed return in scope) of a
    /// campaign, among those the actor's unit is responsible for ([`confirmable`]); their formal
    /// members count from the reference date on. Returns how many.
    pub async fn confirm_returns<'a>(
        &self,
        scope: &Scope,
        c: &Campaign,
        org_ids: Option<&[i64]>,
        by: impl Into<super::By<'a>>,
    ) -> DbResult<usize> {
        let by = by.into();
        let actor = by.name;
        let mut conditions = vec![
            format!(
                "r.org_id IN (SELECT o.id FROM social_orgs o WHERE {} AND {} AND {})",
                self.campaign_orgs(c).await?,
                scope.org_condition("o"),
                confirmable(scope)
            ),
            "r.confirmed_at IS NULL".to_string(),
        ];
        if let Some(ids) = org_ids {
            if ids.is_empty() {
                return Ok(0);
            }
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            conditions.push(format!("r.org_id IN ({})", list.join(", ")));
        }
        let mut tx = self.write_tx().await?;
        let sql = format!(
            "SELECT r.org_id FROM census_returns r WHERE r.campaign_id = $1 AND {}",
            conditions.join(" AND ")
        );
        let ids: BTreeSet<i64> = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql))
            .bind(c.id)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let list: Vec<String> = ids.iter().map(i64::to_string).collect();
        for chunk in list.chunks(500) {
            let sql = format!(
                "UPDATE census_returns SET confirmed_by = $1, confirmed_at = $2 \
                 WHERE campaign_id = $3 AND org_id IN ({})",
                chunk.join(", ")
            );
            sqlx::query(AssertSqlSafe(sql))
                .bind(actor.to_string())
                .bind(self.clock.now_text())
                .bind(c.id)
                .execute(&mut *tx)
                .await?;
        }
        log(
            &mut tx,
            actor,
            &self.clock.now_text(),
            &c.name,
            "confirm",
            String::new(),
            format!("确认 {} 份摸排表", ids.len()),
        )
        .await?;
        spans::refresh(&mut tx, self.backend(), spans::Which::Orgs(&ids)).await?;
        by.audit_on(&mut tx, &self.clock.now_text()).await?;
        super::ledger_detect::mark_detection_pending(&mut tx).await?;
        super::derived::raise(&mut tx, "census").await?;
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Writes validated workbook rows of one campaign in one transaction (all or nothing);
    /// returns how many returns changed.
    pub async fn import_returns<'a>(
        &self,
        c: &Campaign,
        records: &[crate::domain::dataset::CensusRecord],
        by: impl Into<super::By<'a>>,
    ) -> DbResult<usize> {
        let by = by.into();
        let actor = by.name;
        let mut tx = self.write_tx().await?;
        let codes = super::read::text_keys(records.iter().map(|r| r.credit_code.as_str()));
        let org_ids = super::read::org_ids_for(&mut tx, &codes).await?;
        let mut changed = BTreeSet::new();
        for r in records {
            let org_id = *org_ids.get(r.credit_code.as_str()).ok_or_else(|| {
                DbError::Inconsistent(format!("社会组织 {} 不存在", r.credit_code))
            })?;
            let w = ReturnWrite {
                campaign_id: c.id,
                org_id,
                ret: &r.ret,
                confirmed: r.confirmed,
            };
            if write_return(&mut tx, &w, actor, &self.clock.now_text()).await? {
                changed.insert(org_id);
            }
        }
        spans::refresh(&mut tx, self.backend(), spans::Which::Orgs(&changed)).await?;
        by.audit_on(&mut tx, &self.clock.now_text()).await?;
        if !changed.is_empty() {
            super::ledger_detect::mark_detection_pending(&mut tx).await?;
        }
        super::derived::raise(&mut tx, "census").await?;
        tx.commit().await?;
        Ok(changed.len())
    }

    /// The org's latest confirmed return on or before `d` (by reference date): (campaign name,
    /// reference date, formal members) — where the org's formal-member count at `d` comes from,
    /// when it does not come from the registry (statistics.md §3).
    pub async fn latest_confirmed_return(
        &self,
        org_id: i64,
        d: NaiveDate,
    ) -> DbResult<Option<(String, String, i64)>> {
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT c.name, c.reference_date, r.formal_members FROM census_returns r \
             JOIN census_campaigns c ON c.id = r.campaign_id \
             WHERE r.org_id = $1 AND r.confirmed_at IS NOT NULL AND c.reference_date <= $2 \
             ORDER BY c.reference_date DESC, r.confirmed_at DESC, r.id DESC LIMIT 1",
        )
        .bind(org_id)
        .bind(d.to_string())
        .fetch_optional(self.pool())
        .await?;
        Ok(row)
    }

    /// Whether the actor's unit confirms this org's returns ([`confirmable`]).
    pub async fn confirms(&self, scope: &Scope, org_id: i64) -> DbResult<bool> {
        let sql = format!(
            "SELECT COUNT(*) FROM social_orgs o WHERE o.id = $1 AND {} AND {}",
            scope.org_condition("o"),
            confirmable(scope)
        );
        let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(org_id)
            .fetch_one(self.pool())
            .await?;
        Ok(n > 0)
    }
}

fn return_row(r: &AnyRow) -> DbResult<ReturnRow> {
    let (state, ret, [filled_by, filled_at, confirmed_by, confirmed_at]) = return_from_row(r, 5)?;
    Ok(ReturnRow {
        org_id: r.try_get(0)?,
        credit_code: r.try_get(1)?,
        org_name: r.try_get(2)?,
        region_code: r.try_get(3)?,
        responsible_unit: r.try_get(4)?,
        state,
        ret,
        filled_by,
        filled_at,
        confirmed_by,
        confirmed_at,
    })
}

/// Upserts one return on a connection inside a transaction; returns whether anything changed.
/// An unchanged return with the same confirmation is left alone (re-importing a workbook is a
/// no-op); a changed one loses its confirmation unless confirmed again by this write.
pub(in crate::db) async fn write_return(
    conn: &mut AnyConnection,
    w: &ReturnWrite<'_>,
    actor: &str,
    at: &str,
) -> DbResult<bool> {
    let old = sqlx::query(AssertSqlSafe(format!(
        "SELECT {RETURN_COLUMNS} FROM census_returns r WHERE r.campaign_id = $1 AND r.org_id = $2"
    )))
    .bind(w.campaign_id)
    .bind(w.org_id)
    .fetch_optional(&mut *conn)
    .await?;
    let old = old.as_ref().map(|r| return_from_row(r, 0)).transpose()?;
    let now = at.to_string();
    let (confirmed_by, confirmed_at) = if w.confirmed {
        (Some(actor.to_string()), Some(now.clone()))
    } else {
        (None, None)
    };
    let r = w.ret;
    match old {
        // The same figures: only a confirmation given now changes anything (who filled the
        // return stays who filled it).
        Some((state, Some(prev), _)) if prev == *r => {
            if !w.confirmed || state == ReturnState::Confirmed {
                return Ok(false);
            }
            sqlx::query(
                "UPDATE census_returns SET confirmed_by = $1, confirmed_at = $2 \
                 WHERE campaign_id = $3 AND org_id = $4",
            )
            .bind(confirmed_by)
            .bind(confirmed_at)
            .bind(w.campaign_id)
            .bind(w.org_id)
            .execute(&mut *conn)
            .await?;
            log(
                conn,
                actor,
                at,
                &format!("{}/{}", w.campaign_id, w.org_id),
                "confirm",
                String::new(),
                String::new(),
            )
            .await?;
        }
        // New or changed figures: the return as filled now, confirmed only if confirmed now.
        // Both statements take the same values in the same order.
        changed => {
            let (sql, action, before) = match &changed {
                Some((state, Some(prev), _)) => (
                    "UPDATE census_returns SET operating_state = $1, staff_count = $2, member_count = $3, \
                     formal_members = $4, probationary_members = $5, party_org_status = $6, note = $7, \
                     filled_by = $8, filled_at = $9, confirmed_by = $10, confirmed_at = $11 \
                     WHERE campaign_id = $12 AND org_id = $13",
                    "update",
                    format!("{}（{}）", prev.describe(), state.label()),
                ),
                _ => (
                    "INSERT INTO census_returns (operating_state, staff_count, member_count, \
                     formal_members, probationary_members, party_org_status, note, filled_by, filled_at, \
                     confirmed_by, confirmed_at, campaign_id, org_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    "create",
                    String::new(),
                ),
            };
            sqlx::query(sql)
                .bind(r.operating_state.code())
                .bind(r.staff_count)
                .bind(r.member_count)
                .bind(r.formal_members)
                .bind(r.probationary_members)
                .bind(r.party_org_status.code())
                .bind(r.note.clone())
                .bind(actor.to_string())
                .bind(now.clone())
                .bind(confirmed_by)
                .bind(confirmed_at)
                .bind(w.campaign_id)
                .bind(w.org_id)
                .execute(&mut *conn)
                .await?;
            log(
                conn,
                actor,
                at,
                &format!("{}/{}", w.campaign_id, w.org_id),
                action,
                before,
                r.describe(),
            )
            .await?;
        }
    }
    Ok(true)
}

pub(super) async fn log(
    conn: &mut AnyConnection,
    actor: &str,
    at: &str,
    key: &str,
    action: &str,
    before: String,
    after: String,
) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO change_log (at, actor, entity, entity_key, action, before, after) \
         VALUES ($1, $2, 'census', $3, $4, $5, $6)",
    )
    .bind(at.to_string())
    .bind(actor.to_string())
    .bind(key.to_string())
    .bind(action.to_string())
    .bind(before)
    .bind(after)
    .execute(conn)
    .await?;
    Ok(())
}
