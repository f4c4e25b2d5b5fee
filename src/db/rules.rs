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
}
