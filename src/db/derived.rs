//! Figures derived from whole tables (cross-appointment as of a date, the data-quality findings,
//! the ledger's figures and tallies), kept in memory until the data changes: each is stored with
//! the generations of migration 0015 it was computed at ('registry': any registry
//! write; 'coverage_spans': any change of coverage; 'ledger'; 'census'), and computed again when
//! one has moved. At a million orgs they take up to seconds to compute; the first reader after a
//! write pays that, the others read the stored result. Several server processes each keep their
//! own, and each sees the others' writes through the generations.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use super::{Db, DbResult};

/// Results kept at most (a result per scope and date asked for).
const MOST: usize = 512;

type Stored = (Vec<(String, i64)>, Arc<dyn Any + Send + Sync>);

/// The stored results, shared by the clones of a [`Db`].
#[derive(Debug, Default)]
pub(crate) struct Derived {
    results: Mutex<HashMap<String, StoredDebug>>,
}

/// A stored result (Debug for the `Db`'s derive).
struct StoredDebug(Stored);

impl std::fmt::Debug for StoredDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stored at generations {:?}", self.0.0)
    }
}

impl Db {
    /// Every generation now, by name.
    async fn generations(&self) -> DbResult<Vec<(String, i64)>> {
        Ok(
            sqlx::query_as("SELECT name, generation FROM generations ORDER BY name")
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// The result stored under `key` if the data has not changed since, else `compute`'s
    /// (then stored).
    pub(crate) async fn derived<T, F>(&self, key: String, compute: F) -> DbResult<T>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = DbResult<T>>,
    {
        let now = self.generations().await?;
        if let Ok(results) = self.derived.results.lock()
            && let Some(StoredDebug((at, value))) = results.get(&key)
            && *at == now
            && let Some(v) = value.downcast_ref::<T>()
        {
            return Ok(v.clone());
        }
        let value = compute.await?;
        if let Ok(mut results) = self.derived.results.lock() {
            if results.len() >= MOST {
                results.clear();
            }
            results.insert(key, StoredDebug((now, Arc::new(value.clone()))));
        }
        Ok(value)
    }
}

/// Raises a generation inside a write's transaction.
pub(super) async fn raise(conn: &mut sqlx::AnyConnection, name: &str) -> DbResult<()> {
    sqlx::query("UPDATE generations SET generation = generation + 1 WHERE name = $1")
        .bind(name.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
