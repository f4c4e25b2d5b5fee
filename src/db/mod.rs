//! All SQL lives here. One query path through sqlx's `Any` driver with `$N` placeholders over a
//! portable schema (see `migrations/` and `docs/decisions.md`); backend-specific SQL only where
//! the dialects really differ. Every function that reads or writes registry data takes the
//! actor's [`Scope`].

mod census;
mod census_progress;
mod census_returns;
mod cross;
mod derived;
mod ledger;
mod ledger_detect;
mod ledger_list;
mod lists;
mod org_detail;
mod orgs;
mod pending;
mod quality;
mod read;
mod record_changes;
mod regions;
mod registry;
mod registry_pages;
mod rules;
mod scope;
mod sort_keys;
mod span_cache;
mod spans;
mod users;
mod values;
mod write;

pub use census::{
    Campaign, CampaignSummary, Progress, ReturnFilter, ReturnRow, ReturnWrite, UnitProgress,
};
pub use cross::Cross;
pub use ledger::{Attachment, HistoryEntry, LedgerItem, ManualItem, Transition};
pub use ledger_detect::DetectSummary;
pub use ledger_list::{
    LedgerFilter, LedgerSort, LedgerSummary, PersonFilter, StateFilter, Tally, TallyBy, Window,
};
pub use lists::{InstructorRow, OrgLink, PartyOrgRow, UnitRow};
pub use org_detail::{OrgDetail, Relation, TimelineEntry, change_text, fields_text};
pub use orgs::{GroupCounts, Grouping, OrgFilter, OrgListItem, OrgSort, Population};
pub use quality::{Finding, Quality};
pub use record_changes::{ChangesOf, RecordChange};
pub use regions::{Region, Unit, UnitPlaces, subtree};
pub use registry::{OrgKey, PartyKey, ReadOptions, RegistryKeys};
pub use registry_pages::{InstructorFilter, PartyOrgFilter, Rows};
pub use rules::RuleTable;
pub use scope::Scope;
pub use users::{
    ApiToken, AuditEntry, AuditFilter, AuditNote, AuditRow, By, ChangeEntry, ScopeTarget,
    TOKEN_ID_LEN, User, audit_on, is_unique_violation,
};
pub use write::{CHANGES_KEPT, Change, ChangeKind, DatasetWrite, WriteSummary};

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor};

use crate::clock::Clock;

/// Errors of the data layer. Database errors are kept whole for the log; callers decide what a
/// user sees.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("数据库地址无效：{0}")]
    BadUrl(String),
    #[error("数据库错误：{0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("数据不一致：{0}")]
    Inconsistent(String),
    /// A write names a stored record outside the writer's scope (answered as "not found").
    #[error("未找到，或不在您的权限范围内")]
    OutOfScope,
    /// A change of state that found the record no longer in the state it started from
    /// (someone else acted first): the message says so, for the user.
    #[error("{0}")]
    Stale(String),
    /// A write would move a record (by its key) out of the writer's scope.
    #[error("保存后 {0} 将不在您的管理范围内")]
    LeavesScope(String),
}

impl DbError {
    /// True when the database could not take the write in time: another writer (a long import)
    /// holds SQLite's lock past the busy timeout, or no connection was free.
    pub fn is_busy(&self) -> bool {
        match self {
            DbError::Sqlx(sqlx::Error::PoolTimedOut) => true,
            DbError::Sqlx(sqlx::Error::Database(d)) => {
                // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes; PostgreSQL's
                // lock_not_available (55P03).
                let code = d.code();
                let code = code.as_deref().unwrap_or_default();
                code == "55P03" || code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
            }
            _ => false,
        }
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// Which database we talk to; chosen by the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// A connection pool and the backend behind it.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// Reference tables read on nearly every request (regions, rule versions), kept for a short
    /// while so that a request does not read them again (see [`Reference`]).
    reference: std::sync::Arc<std::sync::RwLock<Reference>>,
    /// The clock every timestamp the database writes comes from.
    clock: Clock,
    /// The coverage spans in memory, when kept (a server: [`Db::keep_spans_in_memory`]).
    spans: span_cache::Shared,
    /// Figures derived from the whole registry, until it changes.
    derived: std::sync::Arc<derived::Derived>,
}

/// The cached reference tables. Only migrations write them today; the cache also expires after
/// [`REFERENCE_TTL`], so that a future edit by another server process (several processes on one
/// PostgreSQL) shows within that time, and [`Db::forget_reference`] drops it at once.
#[derive(Debug, Default)]
struct Reference {
    loaded: Option<std::time::Instant>,
    regions: Vec<Region>,
    /// (key, value, effective_from) of every rule version, by key and date.
    rules: Vec<(String, String, String)>,
}

const REFERENCE_TTL: Duration = Duration::from_secs(30);

/// Reads a database URL: `sqlite://PATH` or `postgres://…` / `postgresql://…`. Anything else is
/// refused rather than guessed, so a typo never silently creates an empty database somewhere.
pub fn parse_url(url: &str) -> DbResult<(Backend, String)> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() {
            return Err(DbError::BadUrl(format!(
                "“{url}” 缺少文件路径，应为 sqlite://文件路径，例如 sqlite://dangjian.db"
            )));
        }
        Ok((Backend::Sqlite, format!("sqlite://{path}?mode=rwc")))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok((Backend::Postgres, url.to_string()))
    } else {
        Err(DbError::BadUrl(format!(
            "“{url}” 不受支持，应为 sqlite://文件路径 或 postgres://用户@主机/数据库"
        )))
    }
}

/// How the SQLite connections use memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tuning {
    /// Serving pages and statistics: each connection maps the file and keeps a 64 MB page cache.
    Serve,
    /// One long write of a large workbook (the CLI's import): no mapping and an 8 MB page cache,
    /// so that the process stays small while it holds the workbook's indexes.
    Bulk,
}

impl Db {
    /// Connects (creating a SQLite file if missing) without migrating.
    pub async fn connect(url: &str) -> DbResult<Db> {
        Db::connect_tuned(url, Tuning::Serve).await
    }

    /// Connects for a long bulk write or for serving (see [`Tuning`]; PostgreSQL ignores it).
    pub async fn open_tuned(url: &str, tuning: Tuning) -> DbResult<Db> {
        let db = Db::connect_tuned(url, tuning).await?;
        db.migrate().await?;
        Ok(db)
    }

    async fn connect_tuned(url: &str, tuning: Tuning) -> DbResult<Db> {
        sqlx::any::install_default_drivers();
        let (backend, url) = parse_url(url)?;
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            // SQLite readers run side by side under WAL, each on its own worker thread. Each
            // connection maps the file (mmap_size below), and mapped pages count in the resident
            // size of every mapping: 4 connections keep that bounded; 8 served the org list
            // only ~5% faster on the 2-core benchmark machine (2 were ~15% slower).
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; foreign keys are off by
                        // default in SQLite; the busy timeout waits out a writer instead of
                        // failing at once.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        // Statistics scan whole tables: map the file and keep a larger page
                        // cache, and sort temporary results in memory.
                        if tuning == Tuning::Serve {
                            conn.execute("PRAGMA mmap_size = 1073741824").await?;
                            conn.execute("PRAGMA cache_size = -65536").await?;
                        } else {
                            conn.execute("PRAGMA mmap_size = 0").await?;
                            conn.execute("PRAGMA cache_size = -8192").await?;
                        }
                        conn.execute("PRAGMA temp_store = MEMORY").await?;
                    } else {
                        // Every query here is short; PostgreSQL's JIT compiler spent 300 ms
                        // compiling a 90 ms page query of the task list (docs/benchmarks.md).
                        conn.execute("SET jit = off").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Db {
            pool,
            backend,
            reference: Default::default(),
            clock: Clock::system(),
            spans: Default::default(),
            derived: Default::default(),
        })
    }

    /// Connects and applies the embedded migrations of the backend.
    pub async fn open(url: &str) -> DbResult<Db> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> DbResult<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        self.ensure_spans().await?;
        self.ensure_sort_keys().await
    }

    /// Drops the cached regions and rules (after writing either).
    pub fn forget_reference(&self) {
        if let Ok(mut r) = self.reference.write() {
            r.loaded = None;
        }
    }

    /// The cached reference tables, read again when missing or older than [`REFERENCE_TTL`].
    async fn reference<T>(&self, pick: impl Fn(&Reference) -> T) -> DbResult<T> {
        if let Ok(r) = self.reference.read()
            && r.loaded.is_some_and(|at| at.elapsed() < REFERENCE_TTL)
        {
            return Ok(pick(&r));
        }
        let regions = self.read_regions().await?;
        let rules: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT key, value, effective_from FROM rules ORDER BY key, effective_from",
        )
        .fetch_all(&self.pool)
        .await?;
        let fresh = Reference {
            loaded: Some(std::time::Instant::now()),
            regions,
            rules,
        };
        let out = pick(&fresh);
        if let Ok(mut r) = self.reference.write() {
            *r = fresh;
        }
        Ok(out)
    }

    /// Every rule version in force by `as_of` as (key, value), by key and date (cached).
    pub(crate) async fn rule_values(
        &self,
        as_of: chrono::NaiveDate,
    ) -> DbResult<Vec<(String, String)>> {
        let d = as_of.to_string();
        self.reference(|r| {
            r.rules
                .iter()
                .filter(|(_, _, from)| *from <= d)
                .map(|(k, v, _)| (k.clone(), v.clone()))
                .collect()
        })
        .await
    }

    /// All regions (cached), parents before children where the sort order says so.
    pub async fn regions(&self) -> DbResult<Vec<Region>> {
        self.reference(|r| r.regions.clone()).await
    }

    /// A transaction that writes. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads first and writes later cannot wait for another writer
    /// (SQLite answers "database is locked" at once instead of using the busy timeout), so two
    /// users saving at the same moment would see one of them fail.
    pub(crate) async fn write_tx(&self) -> DbResult<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// The same database, with its timestamps from this clock (the application's).
    pub fn with_clock(mut self, clock: Clock) -> Db {
        self.clock = clock;
        self
    }

    /// The clock the database's timestamps come from.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Names of the embedded migrations of a backend (used to keep both folders in lockstep).
    pub fn migration_names(backend: Backend) -> Vec<String> {
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .iter()
            .map(|m| format!("{}_{}", m.version, m.description))
            .collect()
    }

    /// True when the registry holds no social organization yet (for `serve --demo`).
    pub async fn is_empty(&self) -> DbResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM social_orgs")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }

    /// How many social orgs the registry holds, counted up to `most` (a bound the caller
    /// compares with: the count stops there).
    pub async fn org_count_up_to(&self, most: i64) -> DbResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM social_orgs LIMIT $1) AS bounded",
        )
        .bind(most)
        .fetch_one(&self.pool)
        .await?)
    }

    /// A setting's value, if set.
    pub async fn setting(&self, key: &str) -> DbResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Sets a setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> DbResult<()> {
        let updated = sqlx::query("UPDATE settings SET value = $1 WHERE key = $2")
            .bind(value.to_string())
            .bind(key.to_string())
            .execute(&self.pool)
            .await?;
        if updated.rows_affected() == 0 {
            sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
                .bind(key.to_string())
                .bind(value.to_string())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Sets a setting with its audit row, in one transaction.
    pub async fn set_setting_by(&self, key: &str, value: &str, by: By<'_>) -> DbResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM settings WHERE key = $1")
            .bind(key.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
            .bind(key.to_string())
            .bind(value.to_string())
            .execute(&mut *tx)
            .await?;
        by.audit_on(&mut tx, &self.clock().now_text()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The units' short names for pages and paper (`display.short_names`).
    pub async fn short_names(&self) -> DbResult<crate::domain::short_names::ShortNames> {
        let text = self.setting(crate::domain::short_names::SETTING).await?;
        Ok(crate::domain::short_names::ShortNames::from_setting(
            text.as_deref(),
        ))
    }

    /// Decimals for displayed rates (`display.rate_decimals`, default 1).
    pub async fn rate_decimals(&self) -> DbResult<u32> {
        Ok(self
            .setting("display.rate_decimals")
            .await?
            .and_then(|v| v.parse().ok())
            .filter(|d: &u32| *d <= 6)
            .unwrap_or(1))
    }
}
