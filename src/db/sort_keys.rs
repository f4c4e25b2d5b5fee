//! The stored sort keys of names (migration 0014, `domain::collation::name_key`): written with
//! every name by the registry's writes, and filled for every row by `migrate` when the stored
//! version differs from the code's (a database from before the keys, or a changed rule).

use sqlx::AssertSqlSafe;

use super::values::{Value, bind_all};
use super::{Db, DbResult};
use crate::domain::collation::name_key;

/// The version of the key rule; a database keyed by another version is keyed again.
const VERSION: &str = "1";
const VERSION_KEY: &str = "sort_keys.version";
/// Rows per statement.
const BATCH: usize = 400;

/// The tables with a sort key of their `name`.
const TABLES: [&str; 2] = ["party_orgs", "instructors"];

impl Db {
    /// Keys every name again when the stored version differs from the code's. Run by `migrate`.
    pub(super) async fn ensure_sort_keys(&self) -> DbResult<()> {
        if self.setting(VERSION_KEY).await?.as_deref() == Some(VERSION) {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let mut n = 0;
        for table in TABLES {
            let mut after = 0i64;
            loop {
                let rows: Vec<(i64, String)> = sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT id, name FROM {table} WHERE id > $1 ORDER BY id LIMIT {BATCH}"
                )))
                .bind(after)
                .fetch_all(self.pool())
                .await?;
                let Some((last, _)) = rows.last() else { break };
                after = *last;
                let mut values = Vec::with_capacity(rows.len() * 2);
                let tuples: Vec<String> = rows
                    .iter()
                    .enumerate()
                    .map(|(i, (id, name))| {
                        values.push(Value::int(*id));
                        values.push(Value::text(name_key(name)));
                        format!("(${}, ${})", 2 * i + 1, 2 * i + 2)
                    })
                    .collect();
                // VALUES names its columns column1, column2 on both backends.
                let sql = format!(
                    "UPDATE {table} SET sort_key = v.column2 FROM (VALUES {}) AS v \
                     WHERE {table}.id = v.column1",
                    tuples.join(", ")
                );
                let mut tx = self.write_tx().await?;
                bind_all(sqlx::query(AssertSqlSafe(sql)), &values)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                n += rows.len();
            }
        }
        self.set_setting(VERSION_KEY, VERSION).await?;
        if n > 0 {
            tracing::info!(names = n, elapsed = ?started.elapsed(), "sort keys written");
        }
        Ok(())
    }
}
