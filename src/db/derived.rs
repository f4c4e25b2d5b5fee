//! Figures derived from the whole registry (cross-appointment as of a date, the data-quality
//! findings), kept in memory until the data they read changes: each is stored with the
//! generations of migration 0012 it was computed at ('registry': any registry write;
//! 'coverage_spans': any change of coverage), and computed again when either has moved. At a
//! million orgs they take seconds to compute; the first reader after a write pays that, the
//! others read the stored result. Several server processes each keep their own, and each sees
//! the others' writes through the generations.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use super::{Db, DbResult};

/// Results kept at most (a result per scope and date asked for).
const MOST: usize = 512;

type Stored = (i64, i64, Arc<dyn Any + Send + Sync>);

/// The stored results, shared by the clones of a [`Db`].
#[derive(Debug, Default)]
pub(crate) struct Derived {
    results: Mutex<HashMap<String, StoredDebug>>,
}

/// A stored result (Debug for the `Db`'s derive).
struct StoredDebug(Stored);

impl std::fmt::Debug for StoredDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stored at generations {}/{}", self.0.0, self.0.1)
    }
}

impl Db {
    /// The registry's and the coverage's generations now.
    async fn generations(&self) -> DbResult<(i64, i64)> {
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT name, generation FROM generations")
            .fetch_all(self.pool())
            .await?;
        let of = |name: &str| rows.iter().find(|(n, _)| n == name).map_or(0, |(_, g)| *g);
        Ok((of("registry"), of("coverage_spans")))
    }

    /// The result stored under `key` if the data has not changed since, else `compute`'s
    /// (then stored).
    pub(crate) async fn derived<T, F>(&self, key: String, compute: F) -> DbResult<T>
    where
        T: Clone + Send + Sync + 'static,
        F: Future<Output = DbResult<T>>,
    {
        let (registry, coverage) = self.generations().await?;
        if let Ok(results) = self.derived.results.lock()
            && let Some(StoredDebug((r, c, value))) = results.get(&key)
            && (*r, *c) == (registry, coverage)
            && let Some(v) = value.downcast_ref::<T>()
        {
            return Ok(v.clone());
        }
        let value = compute.await?;
        if let Ok(mut results) = self.derived.results.lock() {
            if results.len() >= MOST {
                results.clear();
            }
            results.insert(
                key,
                StoredDebug((registry, coverage, Arc::new(value.clone()))),
            );
        }
        Ok(value)
    }
}
