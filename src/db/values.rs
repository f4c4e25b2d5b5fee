//! Small helpers shared by the registry queries: dynamic binding of a row of values, batched
//! multi-row inserts, and decoding of the portable column types (ISO date text, 0/1 flags).

use std::future::Future;
use std::task::Poll;

use chrono::NaiveDate;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};

use super::{Backend, DbError, DbResult};

/// One bound value of a dynamic statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
}

impl Value {
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(Some(s.into()))
    }
    pub fn opt_text(s: Option<&str>) -> Value {
        Value::Text(s.map(str::to_string))
    }
    pub fn date(d: NaiveDate) -> Value {
        Value::Text(Some(d.to_string()))
    }
    pub fn opt_date(d: Option<NaiveDate>) -> Value {
        Value::Text(d.map(|d| d.to_string()))
    }
    pub fn int(i: i64) -> Value {
        Value::Int(Some(i))
    }
    pub fn opt_int(i: Option<i64>) -> Value {
        Value::Int(i)
    }
    pub fn opt_flag(b: Option<bool>) -> Value {
        Value::Int(b.map(i64::from))
    }
}

/// Binds values in order to a query built from a SQL string with `$1…$N`.
pub(crate) fn bind_all<'q>(
    mut query: Query<'q, Any, AnyArguments>,
    values: &[Value],
) -> Query<'q, Any, AnyArguments> {
    for v in values {
        query = match v {
            Value::Text(t) => query.bind(t.clone()),
            Value::Int(i) => query.bind(*i),
        };
    }
    query
}

/// Rows per multi-row INSERT: large enough to amortise the round trip, small enough to stay far
/// below both backends' parameter limits for our widest table (20 columns).
const BATCH_ROWS: usize = 200;

/// Inserts rows into `table` in batches of multi-row `VALUES` lists.
///
/// The one place where placeholders differ by backend: SQLite gets anonymous `?` placeholders,
/// because looking up a named parameter (`$N`) is linear in the statement's parameter count and
/// sqlx looks up every one, which made a 3,600-parameter batch quadratic (half the time of an
/// import went there); PostgreSQL needs `$N`.
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> DbResult<()> {
    if let Some(row) = rows.iter().find(|r| r.len() != columns.len()) {
        return Err(DbError::Inconsistent(format!(
            "{table}: {} values for {} columns",
            row.len(),
            columns.len()
        )));
    }
    let mut chunks = rows.chunks(BATCH_ROWS);
    let mut next = chunks
        .next()
        .map(|chunk| batch(backend, table, columns, chunk));
    while let Some((sql, values)) = next.take() {
        let query = bind_owned(sqlx::query(AssertSqlSafe(sql)), values);
        let mut running = std::pin::pin!(query.execute(&mut *conn));
        // The first poll hands the statement to the connection (SQLite's worker thread, or the
        // server); the next batch is built while it runs.
        let first = std::future::poll_fn(|cx| Poll::Ready(running.as_mut().poll(cx))).await;
        next = chunks
            .next()
            .map(|chunk| batch(backend, table, columns, chunk));
        match first {
            Poll::Ready(done) => done?,
            Poll::Pending => running.await?,
        };
    }
    Ok(())
}

/// The statement and the values of one multi-row INSERT.
fn batch(
    backend: Backend,
    table: &str,
    columns: &[&str],
    chunk: &[Vec<Value>],
) -> (String, Vec<Value>) {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for (i, row) in chunk.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for j in 0..row.len() {
            n += 1;
            if j > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => sql.push_str(&format!("${n}")),
            }
        }
        sql.push(')');
    }
    (sql, chunk.iter().flatten().cloned().collect())
}

/// Binds owned values in order (no copy of the texts).
fn bind_owned<'q>(
    mut query: Query<'q, Any, AnyArguments>,
    values: Vec<Value>,
) -> Query<'q, Any, AnyArguments> {
    for v in values {
        query = match v {
            Value::Text(t) => query.bind(t),
            Value::Int(i) => query.bind(i),
        };
    }
    query
}

/// Parses a stored ISO date.
pub(crate) fn parse_date(s: &str) -> DbResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| DbError::Inconsistent(format!("无效的日期值 “{s}”")))
}

pub(crate) fn parse_opt_date(s: Option<String>) -> DbResult<Option<NaiveDate>> {
    s.as_deref().map(parse_date).transpose()
}

pub(crate) fn flag(i: Option<i64>) -> Option<bool> {
    i.map(|i| i != 0)
}
