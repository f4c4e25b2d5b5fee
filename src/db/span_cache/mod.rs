//! The coverage spans in memory (`domain::span_index`), for a server: counting as of a date at a
//! million orgs is then one pass over columns in memory (milliseconds) instead of a query over
//! the table, and the dashboard's quarterly trend one pass for every quarter at once.
//!
//! **In step with the database.** Every write of `coverage_spans` raises its generation
//! (migration 0015) and lists the orgs it rewrote (migration 0012's change log; `db::spans::note_changes`). Before counting,
//! the cache reads the generation (one row); when it moved, it reads the orgs changed since its
//! own generation and their spans, and replaces them — the writes of every process, so several
//! servers on one PostgreSQL stay right. A full rebuild (an import of many orgs, a `migrate`),
//! or a gap in the change log, makes it load everything again on a background task; until that
//! is done, and before the first load, counts come from SQL as without the cache. The figures
//! are exactly the SQL's (`tests/it/span_cache.rs` compares them).

mod counts;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{Datelike, NaiveDate};
use futures_util::TryStreamExt;
use sqlx::Row;

use super::{Db, DbResult, GroupCounts};
use crate::domain::coverage::Counts;
use crate::domain::model::OrgKind;
use crate::domain::span_index::{
    ABNORMAL, COVERED, Current, Day, FUTURE, KINDS, OWN_COVERED, PAST, STATIONED, Span, SpanIndex,
};

/// Changed orgs above which the cache loads everything again instead of replacing them.
const MOST_CHANGED: usize = 20_000;
/// Orgs per statement when reading changed orgs' spans.
const CHUNK: usize = 500;

/// The cache, shared by the clones of a [`Db`].
#[derive(Debug, Default)]
pub(crate) struct SpanCache {
    enabled: AtomicBool,
    loading: AtomicBool,
    state: RwLock<Option<Loaded>>,
    /// One catch-up at a time.
    catching_up: tokio::sync::Mutex<()>,
}

#[derive(Debug)]
struct Loaded {
    generation: i64,
    index: SpanIndex,
    /// Region codes by index, and back.
    regions: Vec<String>,
    region_ix: HashMap<String, u16>,
}

impl Loaded {
    fn region(&mut self, code: &str) -> u16 {
        if let Some(&i) = self.region_ix.get(code) {
            return i;
        }
        let i = self.regions.len() as u16;
        self.regions.push(code.to_string());
        self.region_ix.insert(code.to_string(), i);
        i
    }
}

/// A stored date as a day number (`0000-01-01` the open past, `9999-12-31` the open future).
fn day(text: &str) -> Day {
    match text {
        super::spans::BEGINNING => PAST,
        super::spans::END => FUTURE,
        t => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(|d| d.num_days_from_ce())
            .unwrap_or(PAST),
    }
}

fn kind_index(code: &str) -> u8 {
    OrgKind::ALL
        .iter()
        .position(|k| k.code() == code)
        .map_or(KINDS as u8 - 1, |i| i as u8)
}

fn unit_id(id: Option<i64>) -> u32 {
    id.and_then(|i| u32::try_from(i).ok()).unwrap_or(0)
}

const SPAN_COLUMNS: &str = "org_id, valid_from, valid_to, region_code, kind, status, \
     supervising_unit_id, formal_members, covered, own_covered, stationed";

/// One row of [`SPAN_COLUMNS`] as (org id, span).
fn span_of(loaded: &mut Loaded, r: &sqlx::any::AnyRow) -> DbResult<(i64, Span)> {
    let flag = |name: &str, bit: u8| -> DbResult<u8> {
        Ok(if r.try_get::<i64, _>(name)? != 0 {
            bit
        } else {
            0
        })
    };
    let status: String = r.try_get("status")?;
    let span = Span {
        from: day(&r.try_get::<String, _>("valid_from")?),
        to: day(&r.try_get::<String, _>("valid_to")?),
        region: loaded.region(&r.try_get::<String, _>("region_code")?),
        kind: kind_index(&r.try_get::<String, _>("kind")?),
        flags: flag("covered", COVERED)?
            | flag("own_covered", OWN_COVERED)?
            | flag("stationed", STATIONED)?
            | if status == "abnormal" { ABNORMAL } else { 0 },
        formal_members: u32::try_from(r.try_get::<i64, _>("formal_members")?.max(0))
            .unwrap_or(u32::MAX),
        supervising_unit: unit_id(r.try_get("supervising_unit_id")?),
    };
    Ok((r.try_get("org_id")?, span))
}

impl Db {
    /// Keeps the coverage spans in memory from now on (a server; the command line counts in
    /// SQL): loads them on a background task.
    pub fn keep_spans_in_memory(&self) {
        if !self.spans.enabled.swap(true, Ordering::SeqCst) {
            self.load_spans_in_background();
        }
    }

    fn load_spans_in_background(&self) {
        if self.spans.loading.swap(true, Ordering::SeqCst) {
            return;
        }
        let db = self.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match db.load_spans().await {
                Ok(n) => {
                    tracing::info!(spans = n, elapsed = ?started.elapsed(), "coverage spans loaded into memory")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "loading the coverage spans into memory failed; counting in SQL")
                }
            }
            db.spans.loading.store(false, Ordering::SeqCst);
        });
    }

    async fn generation(&self) -> DbResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT generation FROM generations WHERE name = 'coverage_spans'")
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Loads every in-scope span and every org's attributes now.
    async fn load_spans(&self) -> DbResult<usize> {
        let generation = self.generation().await?;
        let mut loaded = Loaded {
            generation,
            index: SpanIndex::default(),
            regions: Vec::new(),
            region_ix: HashMap::new(),
        };
        for r in self.regions().await? {
            loaded.region(r.code.as_str());
        }
        let mut current: HashMap<i64, Current> = HashMap::new();
        {
            let mut rows =
                sqlx::query("SELECT id, region_code, supervising_unit_id FROM social_orgs")
                    .fetch(self.pool());
            while let Some(r) = rows.try_next().await? {
                let region = loaded.region(&r.try_get::<String, _>(1)?);
                current.insert(
                    r.try_get(0)?,
                    Current {
                        region,
                        supervising_unit: unit_id(r.try_get(2)?),
                    },
                );
            }
        }
        let sql = format!(
            "SELECT {SPAN_COLUMNS} FROM coverage_spans WHERE in_scope = 1 ORDER BY org_id, valid_from"
        );
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(self.pool());
        let mut org: Option<i64> = None;
        let mut spans: Vec<Span> = Vec::new();
        let mut put = |loaded: &mut Loaded, id: i64, spans: &[Span]| {
            if let Ok(key) = u32::try_from(id) {
                let cur = current.remove(&id).unwrap_or_default();
                loaded.index.replace(key, cur, spans);
            }
        };
        while let Some(r) = rows.try_next().await? {
            let (id, span) = span_of(&mut loaded, &r)?;
            if org != Some(id) {
                if let Some(prev) = org {
                    put(&mut loaded, prev, &spans);
                }
                spans.clear();
                org = Some(id);
            }
            spans.push(span);
        }
        if let Some(prev) = org {
            put(&mut loaded, prev, &spans);
        }
        drop(rows);
        // Orgs without an in-scope span keep their attributes (a department's scope reads them).
        for (id, cur) in current {
            if let Ok(key) = u32::try_from(id) {
                loaded.index.replace(key, cur, &[]);
            }
        }
        let n = loaded.index.len();
        if let Ok(mut s) = self.spans.state.write() {
            *s = Some(loaded);
        }
        Ok(n)
    }

    /// Whether counts come from the spans in memory now (brought up to date first).
    pub async fn spans_in_memory(&self) -> DbResult<bool> {
        self.spans_current().await
    }

    /// Brings the cache up to the database's generation; false when it cannot be used now
    /// (not kept, not loaded yet, or loading again).
    async fn spans_current(&self) -> DbResult<bool> {
        if !self.spans.enabled.load(Ordering::SeqCst) {
            return Ok(false);
        }
        let generation = self.generation().await?;
        let have = match self
            .spans
            .state
            .read()
            .ok()
            .and_then(|s| s.as_ref().map(|l| l.generation))
        {
            Some(g) => g,
            None => {
                self.load_spans_in_background();
                return Ok(false);
            }
        };
        if have >= generation {
            return Ok(true);
        }
        let _one = self.spans.catching_up.lock().await;
        let have = match self
            .spans
            .state
            .read()
            .ok()
            .and_then(|s| s.as_ref().map(|l| l.generation))
        {
            Some(g) if g >= generation => return Ok(true),
            Some(g) => g,
            None => return Ok(false),
        };
        let changes: Vec<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT generation, org_id FROM span_changes WHERE generation > $1 \
             ORDER BY generation LIMIT $2",
        )
        .bind(have)
        .bind(MOST_CHANGED as i64 + 1)
        .fetch_all(self.pool())
        .await?;
        let complete = changes.first().is_some_and(|(g, _)| *g == have + 1)
            && changes.len() <= MOST_CHANGED
            && changes.iter().all(|(_, o)| o.is_some());
        if !complete {
            self.load_spans_in_background();
            return Ok(false);
        }
        let newest = changes.iter().map(|(g, _)| *g).max().unwrap_or(have);
        let mut ids: Vec<i64> = changes.into_iter().filter_map(|(_, o)| o).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut rows = Vec::new();
        let mut current = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT {SPAN_COLUMNS} FROM coverage_spans WHERE in_scope = 1 AND org_id IN ({list}) \
                 ORDER BY org_id, valid_from"
            );
            rows.extend(
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(self.pool())
                    .await?,
            );
            let sql = format!(
                "SELECT id, region_code, supervising_unit_id FROM social_orgs WHERE id IN ({list})"
            );
            let found: Vec<(i64, String, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(self.pool())
                .await?;
            current.extend(found);
        }
        let Ok(mut state) = self.spans.state.write() else {
            return Ok(false);
        };
        let Some(loaded) = state.as_mut() else {
            return Ok(false);
        };
        let mut by_org: HashMap<i64, Vec<Span>> = HashMap::new();
        for r in &rows {
            let (id, span) = span_of(loaded, r)?;
            by_org.entry(id).or_default().push(span);
        }
        let mut attributes: HashMap<i64, Current> = HashMap::new();
        for (id, region, unit) in current {
            let region = loaded.region(&region);
            attributes.insert(
                id,
                Current {
                    region,
                    supervising_unit: unit_id(unit),
                },
            );
        }
        for id in ids {
            if let Ok(key) = u32::try_from(id) {
                let spans = by_org.remove(&id).unwrap_or_default();
                let cur = attributes.get(&id).copied().unwrap_or_default();
                loaded.index.replace(key, cur, &spans);
            }
        }
        loaded.generation = newest;
        Ok(true)
    }
}

/// The total counts of one date from grouped ones.
pub(super) fn total(groups: &[GroupCounts]) -> Counts {
    let mut c = Counts::default();
    for g in groups {
        c.add(&g.counts);
    }
    c
}

/// Keeps the type in the `Db` struct without naming its module's privates there.
pub(super) type Shared = Arc<SpanCache>;
