//! The versioned rule table (spec/rules.md): the values in force at a date.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{Db, DbError, DbResult};
use crate::domain::rules::Rule;

/// Rules in force at one date, by key.
#[derive(Debug, Clone, Default)]
pub struct RuleTable {
    values: HashMap<String, String>,
}

impl RuleTable {
    /// Loads, for every key, the version with the latest `effective_from` on or before `as_of`.
    pub async fn load(db: &Db, as_of: NaiveDate) -> DbResult<RuleTable> {
        // Ordered by date, so the last version of each key wins.
        let values = db.rule_values(as_of).await?.into_iter().collect();
        Ok(RuleTable { values })
    }

    /// An integer rule. A missing or malformed rule is a configuration error, not a default.
    pub fn int(&self, rule: Rule) -> DbResult<i64> {
        let key = rule.key();
        self.values
            .get(key)
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| DbError::Inconsistent(format!("规则表缺少有效的规则 {key}")))
    }
}

impl Db {
    /// Every version of every rule: (key, value, source, effective_from, note), by key and date.
    pub async fn rule_versions(&self) -> DbResult<Vec<(String, String, String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT key, value, source, effective_from, COALESCE(note, '') FROM rules ORDER BY key, effective_from",
        )
        .fetch_all(self.pool())
        .await?)
    }

    /// Adds a version of a rule from a date (checked by the caller), with its audit row, in
    /// one transaction; `Ok(false)` when the rule already has a version from that date.
    pub async fn add_rule_version<'a>(
        &self,
        key: &str,
        value: &str,
        source: &str,
        effective_from: NaiveDate,
        note: &str,
        by: impl Into<super::By<'a>>,
    ) -> DbResult<bool> {
        let by = by.into();
        let mut tx = self.write_tx().await?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM rules WHERE key = $1 AND effective_from = $2")
                .bind(key.to_string())
                .bind(effective_from.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO rules (key, value, source, effective_from, note) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(key.to_string())
        .bind(value.to_string())
        .bind(source.to_string())
        .bind(effective_from.to_string())
        .bind(note.to_string())
        .execute(&mut *tx)
        .await?;
        by.audit_on(&mut tx, &self.clock().now_text()).await?;
        tx.commit().await?;
        self.forget_reference();
        Ok(true)
    }
}
