//! Keeping `coverage_spans` (migration 0007) equal to what the relations say: every write of the
//! registry (and every confirmation of a census return) recomputes the spans of the orgs it
//! touched, in the same transaction, with the pure
//! function of `domain::spans`; `migrate` rebuilds them all when the stored version is older than
//! [`VERSION`].

use std::collections::{BTreeSet, HashMap};

use futures_util::TryStreamExt;
use sqlx::AnyConnection;
use sqlx::AssertSqlSafe;
use sqlx::Row;

use super::values::{Value, insert_rows, parse_date, parse_opt_date};
use super::{Backend, Db, DbResult};
use crate::domain::spans::{Interval, LinkSpan, Members, OrgTimeline, spans};

/// The version of the span computation; a database built with another version is rebuilt.
pub(super) const VERSION: &str = "5";
const VERSION_KEY: &str = "coverage_spans.version";
/// The stored `valid_from` of an org's first span (the beginning of time).
pub(super) const BEGINNING: &str = "0000-01-01";
/// The stored `valid_to` of an org's last span (the open future).
pub(super) const END: &str = "9999-12-31";
/// Orgs per statement when refreshing chosen orgs (an `IN` list of ids).
const CHUNK_IDS: usize = 500;
/// Orgs per pass of a full rebuild (an id range), which bounds its memory.
const CHUNK_RANGE: i64 = 10_000;
/// Above this many touched orgs a write rebuilds every span by id ranges instead of by lists.
pub(crate) const FULL_REBUILD_AT: usize = 20_000;

/// Which orgs' spans to recompute.
pub(crate) enum Which<'a> {
    All,
    Orgs(&'a BTreeSet<i64>),
}

/// An org's registration attributes, as they are now or were before a change.
#[derive(Debug, Clone)]
struct Attributes {
    region: String,
    kind: String,
    status: String,
    supervising_unit: Option<i64>,
}

/// An org row as the spans need it.
struct OrgRow {
    id: i64,
    credit_code: String,
    current: Attributes,
    formal_members: i64,
    registration: Interval,
}

/// Recomputes the spans of the given orgs (deleting their old ones) on a connection inside the
/// caller's transaction. Returns the number of spans written.
pub(crate) async fn refresh(
    conn: &mut AnyConnection,
    backend: Backend,
    which: Which<'_>,
) -> DbResult<usize> {
    let mut written = 0;
    note_changes(conn, backend, &which).await?;
    match which {
        Which::Orgs(ids) if ids.len() < FULL_REBUILD_AT => {
            let ids: Vec<i64> = ids.iter().copied().collect();
            for chunk in ids.chunks(CHUNK_IDS) {
                let list = chunk
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                written += refresh_where(conn, backend, &format!("IN ({list})")).await?;
            }
        }
        _ => {
            // The spans of every org go into indexes ordered otherwise than the orgs: SQLite
            // needs a larger page cache for that than a connection of the CLI import keeps (a
            // million orgs: 167 s with 8 MB, 93 s with 256 MB, 140 s with 64 MB). 64 MB, because
            // the memory of a larger cache is not given back to the system after the commit,
            // and the ledger detection that follows an import adds its own on top.
            let cache: Option<i64> = if backend == Backend::Sqlite {
                let was = sqlx::query_scalar("PRAGMA cache_size")
                    .fetch_one(&mut *conn)
                    .await?;
                sqlx::query("PRAGMA cache_size = -65536")
                    .execute(&mut *conn)
                    .await?;
                Some(was)
            } else {
                None
            };
            let max: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM social_orgs")
                .fetch_one(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM coverage_spans")
                .execute(&mut *conn)
                .await?;
            let mut low = 0;
            while low <= max.unwrap_or(0) {
                let range = format!("BETWEEN {low} AND {}", low + CHUNK_RANGE - 1);
                written += refresh_where(conn, backend, &range).await?;
                low += CHUNK_RANGE;
            }
            if let Some(was) = cache {
                // Back to the connection's own size, and the pages beyond it given back.
                sqlx::query(AssertSqlSafe(format!("PRAGMA cache_size = {was}")))
                    .execute(&mut *conn)
                    .await?;
                sqlx::query("PRAGMA shrink_memory")
                    .execute(&mut *conn)
                    .await?;
            }
        }
    }
    Ok(written)
}

/// Change log rows kept behind the newest generation; a reader further behind reloads all.
const CHANGES_KEPT_BEHIND: i64 = 1_000;

/// Raises the spans' generation (migration 0015) and lists the orgs whose spans this write
/// rewrites (migration 0012), for the servers that keep the spans in memory (`db::span_cache`). The generation row
/// is updated first, so that its lock orders this transaction after any other span write still
/// open: generations then commit in order, and a reader that sees generation g has every change
/// up to g.
async fn note_changes(
    conn: &mut AnyConnection,
    backend: Backend,
    which: &Which<'_>,
) -> DbResult<()> {
    if let Which::Orgs(ids) = which
        && ids.is_empty()
    {
        return Ok(());
    }
    sqlx::query("UPDATE generations SET generation = generation + 1 WHERE name = 'coverage_spans'")
        .execute(&mut *conn)
        .await?;
    let generation: i64 =
        sqlx::query_scalar("SELECT generation FROM generations WHERE name = 'coverage_spans'")
            .fetch_one(&mut *conn)
            .await?;
    let rows: Vec<Vec<Value>> = match which {
        Which::Orgs(ids) if ids.len() < FULL_REBUILD_AT => ids
            .iter()
            .map(|id| vec![Value::int(generation), Value::int(*id)])
            .collect(),
        _ => vec![vec![Value::int(generation), Value::opt_int(None)]],
    };
    insert_rows(
        conn,
        backend,
        "span_changes",
        &["generation", "org_id"],
        &rows,
    )
    .await?;
    sqlx::query("DELETE FROM span_changes WHERE generation < $1")
        .bind(generation - CHANGES_KEPT_BEHIND)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Runs `handle` on each row of a query as the rows arrive (decoded while SQLite produces the
/// next, instead of collected first).
async fn each_row(
    conn: &mut AnyConnection,
    sql: String,
    mut handle: impl FnMut(sqlx::any::AnyRow) -> DbResult<()>,
) -> DbResult<()> {
    let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(conn);
    while let Some(r) = rows.try_next().await? {
        handle(r)?;
    }
    Ok(())
}

/// Recomputes the spans of the orgs whose id satisfies `id_condition` (`IN (…)` or
/// `BETWEEN a AND b`, built from integers by [`refresh`]).
async fn refresh_where(
    conn: &mut AnyConnection,
    backend: Backend,
    id_condition: &str,
) -> DbResult<usize> {
    let started = std::time::Instant::now();
    let sql = format!(
        "SELECT id, region_code, kind, status, formal_members, registered_on, terminated_on, \
         supervising_unit_id, credit_code FROM social_orgs WHERE id {id_condition}"
    );
    let mut orgs = Vec::new();
    each_row(conn, sql, |r| {
        orgs.push(OrgRow {
            id: r.try_get(0)?,
            credit_code: r.try_get(8)?,
            current: Attributes {
                region: r.try_get(1)?,
                kind: r.try_get(2)?,
                status: r.try_get(3)?,
                supervising_unit: r.try_get(7)?,
            },
            formal_members: r.try_get(4)?,
            registration: Interval::new(
                parse_date(&r.try_get::<String, _>(5)?)?,
                parse_opt_date(r.try_get(6)?)?,
            ),
        });
        Ok(())
    })
    .await?;
    let sql = format!(
        "SELECT l.org_id, l.valid_from, l.valid_to, p.founded_on, p.dissolved_on, p.formation \
         FROM coverage_links l JOIN party_orgs p ON p.id = l.party_org_id WHERE l.org_id {id_condition}"
    );
    let mut links: HashMap<i64, Vec<LinkSpan>> = HashMap::new();
    each_row(conn, sql, |r| {
        links.entry(r.try_get(0)?).or_default().push(LinkSpan {
            link: Interval::new(
                parse_date(&r.try_get::<String, _>(1)?)?,
                parse_opt_date(r.try_get(2)?)?,
            ),
            party_org: Interval::new(
                parse_date(&r.try_get::<String, _>(3)?)?,
                parse_opt_date(r.try_get(4)?)?,
            ),
            own: r.try_get::<String, _>(5)? == "own",
        });
        Ok(())
    })
    .await?;
    let sql =
        format!("SELECT org_id, valid_from, valid_to FROM stations WHERE org_id {id_condition}");
    let mut stations: HashMap<i64, Vec<Interval>> = HashMap::new();
    each_row(conn, sql, |r| {
        stations
            .entry(r.try_get(0)?)
            .or_default()
            .push(Interval::new(
                parse_date(&r.try_get::<String, _>(1)?)?,
                parse_opt_date(r.try_get(2)?)?,
            ));
        Ok(())
    })
    .await?;
    // Confirmed census returns: the formal members as of their campaign's reference date.
    let sql = format!(
        "SELECT r.org_id, c.reference_date, r.formal_members FROM census_returns r \
         JOIN census_campaigns c ON c.id = r.campaign_id \
         WHERE r.confirmed_at IS NOT NULL AND r.org_id {id_condition} ORDER BY r.confirmed_at, r.id"
    );
    let mut returns: HashMap<i64, Vec<(chrono::NaiveDate, i64)>> = HashMap::new();
    each_row(conn, sql, |r| {
        returns
            .entry(r.try_get(0)?)
            .or_default()
            .push((parse_date(&r.try_get::<String, _>(1)?)?, r.try_get(2)?));
        Ok(())
    })
    .await?;
    // Earlier registration attributes, oldest first: version i is history[i], the last version
    // the org row's current values.
    let sql = format!(
        "SELECT org_id, valid_to, region_code, kind, status, supervising_unit_id FROM org_history \
         WHERE org_id {id_condition} ORDER BY org_id, valid_to, id"
    );
    let mut history: HashMap<i64, Vec<(chrono::NaiveDate, Attributes)>> = HashMap::new();
    each_row(conn, sql, |r| {
        history.entry(r.try_get(0)?).or_default().push((
            parse_date(&r.try_get::<String, _>(1)?)?,
            Attributes {
                region: r.try_get(2)?,
                kind: r.try_get(3)?,
                status: r.try_get(4)?,
                supervising_unit: r.try_get(5)?,
            },
        ));
        Ok(())
    })
    .await?;
    let read = started.elapsed();
    // On PostgreSQL two transactions refreshing the same org would both delete its spans and
    // the second would then collide with the first's new ones: take the orgs' row locks first,
    // in id order (SQLite already serializes writers).
    if backend == Backend::Postgres {
        let sql =
            format!("SELECT id FROM social_orgs WHERE id {id_condition} ORDER BY id FOR UPDATE");
        sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await?;
    }
    let sql = format!("DELETE FROM coverage_spans WHERE org_id {id_condition}");
    sqlx::query(AssertSqlSafe(sql)).execute(&mut *conn).await?;
    let mut rows = Vec::new();
    let flag = |b: bool| Value::int(i64::from(b));
    for o in &orgs {
        let org_links = links.get(&o.id).map(Vec::as_slice).unwrap_or_default();
        let org_stations = stations.get(&o.id).map(Vec::as_slice).unwrap_or_default();
        let members = Members {
            imported: o.formal_members,
            returns: returns.remove(&o.id).unwrap_or_default(),
        };
        let versions = history.remove(&o.id).unwrap_or_default();
        let changes: Vec<chrono::NaiveDate> = versions.iter().map(|(d, _)| *d).collect();
        let timeline = OrgTimeline {
            registration: o.registration,
            links: org_links,
            stations: org_stations,
            members: &members,
            changes: &changes,
        };
        for s in spans(&timeline) {
            let a = versions.get(s.state.version).map_or(&o.current, |(_, a)| a);
            // A span in scope lies before the org's termination: its status then was not yet
            // 注销 / 撤销 (what it was before is not recorded: 正常), so that a list of a past
            // date, its status filter and its export agree with the figures.
            let status =
                if s.state.in_scope && matches!(a.status.as_str(), "deregistered" | "revoked") {
                    "normal"
                } else {
                    a.status.as_str()
                };
            rows.push(vec![
                Value::int(o.id),
                Value::text(&o.credit_code),
                s.from
                    .map(Value::date)
                    .unwrap_or_else(|| Value::text(BEGINNING)),
                s.to.map(Value::date).unwrap_or_else(|| Value::text(END)),
                Value::text(&a.region),
                Value::text(&a.kind),
                Value::text(status),
                Value::opt_int(a.supervising_unit),
                Value::int(s.state.formal_members),
                flag(s.state.in_scope),
                flag(s.state.covered),
                flag(s.state.own_covered),
                flag(s.state.stationed),
            ]);
        }
    }
    let computed = started.elapsed();
    insert_rows(conn, backend, "coverage_spans", COLUMNS, &rows).await?;
    tracing::trace!(?read, ?computed, written = ?started.elapsed(), "spans of a chunk");
    Ok(rows.len())
}

const COLUMNS: &[&str] = &[
    "org_id",
    "credit_code",
    "valid_from",
    "valid_to",
    "region_code",
    "kind",
    "status",
    "supervising_unit_id",
    "formal_members",
    "in_scope",
    "covered",
    "own_covered",
    "stationed",
];

impl Db {
    /// Rebuilds every org's spans when the stored version differs from the code's (a database
    /// created before spans existed, or a changed computation). Run by `migrate`.
    pub(super) async fn ensure_spans(&self) -> DbResult<()> {
        if self.setting(VERSION_KEY).await?.as_deref() == Some(VERSION) {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let n = self.rebuild_spans().await?;
        if n > 0 {
            tracing::info!(spans = n, elapsed = ?started.elapsed(), "coverage spans rebuilt");
        }
        Ok(())
    }

    /// Rebuilds every org's spans now (tests check the spans maintained by
    /// writes against a fresh rebuild).
    pub async fn rebuild_spans(&self) -> DbResult<usize> {
        let mut tx = self.write_tx().await?;
        let n = refresh(&mut tx, self.backend(), Which::All).await?;
        tx.commit().await?;
        self.set_setting(VERSION_KEY, VERSION).await?;
        Ok(n)
    }
}
