//! Users, sessions, API tokens, sign-in failures and the audit log.

use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Db, DbError, DbResult, Scope, subtree};
use crate::domain::codes::RegionCode;
use crate::domain::role::Role;

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub scope_region: Option<String>,
    pub scope_unit_id: Option<i64>,
    pub scope_instructor_id: Option<i64>,
    pub scope_org_id: Option<i64>,
    /// A description of the scope for people: 城区, 阳泉市体育局, an org's name …
    pub scope_label: String,
    pub must_change_password: bool,
    pub disabled: bool,
}

/// The audit log's filters: a user name, an action code, and the times (stored RFC 3339
/// UTC text) from which and before which.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user: Option<String>,
    pub action: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
}

/// What a new user's scope is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeTarget {
    City,
    Region(RegionCode),
    Unit(i64),
    Instructor(i64),
    Org(i64),
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub at: String,
    pub username: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub client: String,
}

const USER_SELECT: &str = "SELECT u.id, u.username, u.role, u.scope_region, u.scope_unit_id, \
    u.scope_instructor_id, u.scope_org_id, u.must_change_password, u.disabled, \
    COALESCE(r.name, un.name, i.name, o.name, '全市') AS scope_label \
    FROM users u LEFT JOIN regions r ON r.code = u.scope_region \
    LEFT JOIN units un ON un.id = u.scope_unit_id \
    LEFT JOIN instructors i ON i.id = u.scope_instructor_id \
    LEFT JOIN social_orgs o ON o.id = u.scope_org_id";

fn user_from_row(r: &AnyRow) -> DbResult<User> {
    let role: String = r.try_get(2)?;
    Ok(User {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        role: Role::from_code(&role)
            .ok_or_else(|| DbError::Inconsistent(format!("角色 {role}")))?,
        scope_region: r.try_get(3)?,
        scope_unit_id: r.try_get(4)?,
        scope_instructor_id: r.try_get(5)?,
        scope_org_id: r.try_get(6)?,
        must_change_password: r.try_get::<i64, _>(7)? != 0,
        disabled: r.try_get::<i64, _>(8)? != 0,
        scope_label: r.try_get(9)?,
    })
}

/// How many characters of a token's digest name it in a list (enough to tell a user's tokens
/// apart; a digest's start gives nothing of the token away).
pub const TOKEN_ID_LEN: usize = 12;

/// An API token as listed: never the token, only the start of its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked: bool,
    pub expired: bool,
}

/// Who writes, and the audit row the write keeps in its own transaction (kept exactly when the
/// write is). A bare name (`"test"`, the demo's actor) writes without one.
#[derive(Debug, Clone)]
pub struct By<'a> {
    pub name: &'a str,
    pub audit: Option<AuditNote<'a>>,
}

/// An audit row a write carries: what was done, to what, in words, from where.
#[derive(Debug, Clone)]
pub struct AuditNote<'a> {
    pub action: &'a str,
    pub target: &'a str,
    pub detail: String,
    pub client: &'a str,
}

impl<'a> From<&'a str> for By<'a> {
    fn from(name: &'a str) -> By<'a> {
        By { name, audit: None }
    }
}

impl By<'_> {
    /// Writes the audit row, if any, on the write's connection.
    pub(crate) async fn audit_on(&self, conn: &mut sqlx::AnyConnection, at: &str) -> DbResult<()> {
        let Some(a) = &self.audit else {
            return Ok(());
        };
        audit_on(
            conn,
            &AuditRow {
                at,
                username: self.name,
                action: a.action,
                target: a.target,
                detail: &a.detail,
                client: a.client,
            },
        )
        .await
    }
}

/// An audit row to append.
#[derive(Debug, Clone, Copy)]
pub struct AuditRow<'a> {
    pub at: &'a str,
    pub username: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: &'a str,
    pub client: &'a str,
}

/// Appends an audit row on a connection (inside the caller's transaction).
pub async fn audit_on(conn: &mut sqlx::AnyConnection, row: &AuditRow<'_>) -> DbResult<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, username, action, target, detail, client) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(row.at.to_string())
    .bind(row.username.to_string())
    .bind(row.action.to_string())
    .bind(row.target.to_string())
    .bind(row.detail.to_string())
    .bind(row.client.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// True when a database error is a unique-constraint violation (a name already taken).
pub fn is_unique_violation(e: &DbError) -> bool {
    match e {
        DbError::Sqlx(sqlx::Error::Database(d)) => d.is_unique_violation(),
        _ => false,
    }
}

impl Db {
    pub async fn user_count(&self) -> DbResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(self.pool())
            .await?)
    }

    /// Creates a user; a taken name is a unique violation (see [`is_unique_violation`]).
    pub async fn create_user(
        &self,
        username: &str,
        role: Role,
        scope: &ScopeTarget,
        password_hash: &str,
        must_change_password: bool,
    ) -> DbResult<i64> {
        let (region, unit, instructor, org) = match scope {
            ScopeTarget::City => (None, None, None, None),
            ScopeTarget::Region(r) => (Some(r.as_str().to_string()), None, None, None),
            ScopeTarget::Unit(id) => (None, Some(*id), None, None),
            ScopeTarget::Instructor(id) => (None, None, Some(*id), None),
            ScopeTarget::Org(id) => (None, None, None, Some(*id)),
        };
        let now = self.clock.now_text();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, role, scope_region, scope_unit_id, scope_instructor_id, \
             scope_org_id, password_hash, must_change_password, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(username.to_string())
        .bind(role.code())
        .bind(region)
        .bind(unit)
        .bind(instructor)
        .bind(org)
        .bind(password_hash.to_string())
        .bind(i64::from(must_change_password))
        .bind(now)
        .fetch_one(self.pool())
        .await?;
        Ok(id)
    }

    pub async fn users(&self) -> DbResult<Vec<User>> {
        let sql = format!("{USER_SELECT} ORDER BY u.username");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    pub async fn user_by_name(&self, username: &str) -> DbResult<Option<User>> {
        let sql = format!("{USER_SELECT} WHERE u.username = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(username.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub async fn user_by_id(&self, id: i64) -> DbResult<Option<User>> {
        let sql = format!("{USER_SELECT} WHERE u.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// The stored password hash of a user.
    pub async fn password_hash(&self, user_id: i64) -> DbResult<String> {
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_one(self.pool())
                .await?,
        )
    }

    /// Sets a user's password and ends the user's other ways in: every session but `keep` (the
    /// one that changed its own password) and every API token, in one transaction.
    pub async fn set_password(
        &self,
        user_id: i64,
        hash: &str,
        must_change: bool,
        keep: Option<&str>,
    ) -> DbResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4")
            .bind(hash.to_string())
            .bind(i64::from(must_change))
            .bind(self.clock.now_text())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or_default().to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables (or enables) a user; disabling ends the user's sessions and tokens.
    pub async fn set_disabled(&self, user_id: i64, disabled: bool) -> DbResult<()> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
            .bind(i64::from(disabled))
            .bind(self.clock.now_text())
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The data scope of a user.
    pub async fn scope_of(&self, user: &User) -> DbResult<Scope> {
        if let Some(region) = &user.scope_region {
            let code = RegionCode::parse(region)
                .map_err(|_| DbError::Inconsistent(format!("区划 {region}")))?;
            return Ok(Scope::Regions(subtree(&self.regions().await?, &code)));
        }
        Ok(
            match (
                user.scope_unit_id,
                user.scope_instructor_id,
                user.scope_org_id,
            ) {
                (Some(id), _, _) => Scope::Unit(id),
                (_, Some(id), _) => Scope::Instructor(id),
                (_, _, Some(id)) => Scope::Org(id),
                _ => Scope::City,
            },
        )
    }

    pub async fn create_session(&self, token_hash: &str, user_id: i64, csrf: &str) -> DbResult<()> {
        let now = self.clock.now_text();
        sqlx::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)")
            .bind(token_hash.to_string())
            .bind(user_id)
            .bind(csrf.to_string())
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A session: (user id, CSRF token, created at, last seen at).
    pub async fn session(
        &self,
        token_hash: &str,
    ) -> DbResult<Option<(i64, String, String, String)>> {
        Ok(sqlx::query_as("SELECT user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .fetch_optional(self.pool())
            .await?)
    }

    pub async fn touch_session(&self, token_hash: &str) -> DbResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(self.clock.now_text())
            .bind(token_hash.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Notes a session's use if the database can take the write at once; otherwise (another
    /// writer holds SQLite's lock: a long import) skips it. Never fails the request.
    pub async fn touch_session_nowait(&self, token_hash: &str) {
        let touch = async {
            let mut conn = self.pool().acquire().await?;
            if self.backend() == super::Backend::Sqlite {
                sqlx::Executor::execute(&mut *conn, "PRAGMA busy_timeout = 0").await?;
            }
            let done = sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(self.clock.now_text())
                .bind(token_hash.to_string())
                .execute(&mut *conn)
                .await;
            if self.backend() == super::Backend::Sqlite {
                sqlx::Executor::execute(&mut *conn, "PRAGMA busy_timeout = 10000").await?;
            }
            done.map(|_| ())
        };
        if let Err(e) = touch.await {
            tracing::debug!(error = %e, "session not touched (the database is busy)");
        }
    }

    pub async fn delete_session(&self, token_hash: &str) -> DbResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Stores a new API token (its digest) for a user, valid for `days` days.
    pub async fn add_api_token(&self, token_hash: &str, user_id: i64, days: i64) -> DbResult<()> {
        let now = self.clock.now();
        sqlx::query(
            "INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash.to_string())
        .bind(user_id)
        .bind(crate::clock::stamp(now))
        .bind(crate::clock::stamp(now + chrono::Duration::days(days)))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A user's API tokens, newest first.
    pub async fn api_tokens(&self, user_id: i64) -> DbResult<Vec<ApiToken>> {
        let rows: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
            "SELECT token_hash, created_at, expires_at, revoked FROM api_tokens \
             WHERE user_id = $1 ORDER BY created_at DESC, token_hash",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        let now = self.clock.now_text();
        Ok(rows
            .into_iter()
            .map(|(digest, created_at, expires_at, revoked)| ApiToken {
                id: digest.chars().take(TOKEN_ID_LEN).collect(),
                expired: expires_at.as_deref().is_none_or(|e| e <= now.as_str()),
                created_at,
                expires_at,
                revoked: revoked != 0,
            })
            .collect())
    }

    /// Revokes the user's token whose id (the digest's start) is `id`; whether one was.
    pub async fn revoke_api_token(&self, user_id: i64, id: &str) -> DbResult<bool> {
        if id.len() != TOKEN_ID_LEN || !id.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(false);
        }
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked = 1 WHERE user_id = $1 AND token_hash LIKE $2 AND revoked = 0",
        )
        .bind(user_id)
        .bind(format!("{}%", id.to_ascii_lowercase()))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The user of a valid (not revoked) API token.
    /// The user of an unrevoked API token, in one statement (it runs on every API request).
    pub async fn api_token_user(&self, token_hash: &str) -> DbResult<Option<User>> {
        let sql = format!(
            "{USER_SELECT} WHERE u.id = (SELECT t.user_id FROM api_tokens t \
             WHERE t.token_hash = $1 AND t.revoked = 0 AND t.expires_at > $2)"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash.to_string())
            .bind(self.clock.now_text())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Records a failed sign-in, and forgets this name's and this address's failures older than
    /// `since` (the window: the table holds what the throttle counts, no more).
    pub async fn record_login_failure(
        &self,
        username: &str,
        client: &str,
        since: &str,
    ) -> DbResult<()> {
        let mut tx = self.write_tx().await?;
        for (column, key) in [("username", username), ("client", client)] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM login_failures WHERE {column} = $1 AND at < $2"
            )))
            .bind(key.to_string())
            .bind(since.to_string())
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("INSERT INTO login_failures (username, client, at) VALUES ($1, $2, $3)")
            .bind(username.to_string())
            .bind(client.to_string())
            .bind(self.clock.now_text())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Failures since a timestamp, with the last one's time, for the throttle's keys: the pair
    /// (name, address), the address, the name.
    pub async fn login_failures_since(
        &self,
        username: &str,
        client: &str,
        since: &str,
    ) -> DbResult<[(i64, Option<String>); 3]> {
        let count = |condition: &'static str, binds: Vec<String>| async move {
            let sql = format!(
                "SELECT COUNT(*), MAX(at) FROM login_failures WHERE {condition} AND at >= ${}",
                binds.len() + 1
            );
            let mut q = sqlx::query_as::<_, (i64, Option<String>)>(sqlx::AssertSqlSafe(sql));
            for b in binds {
                q = q.bind(b);
            }
            q.bind(since.to_string()).fetch_one(self.pool()).await
        };
        Ok([
            count(
                "username = $1 AND client = $2",
                vec![username.to_string(), client.to_string()],
            )
            .await?,
            count("client = $1", vec![client.to_string()]).await?,
            count("username = $1", vec![username.to_string()]).await?,
        ])
    }

    pub async fn clear_login_failures(&self, username: &str) -> DbResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(username.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Appends to the audit log (on its own; a use case that writes records puts the row in
    /// its transaction with [`audit_on`]).
    pub async fn audit(
        &self,
        username: &str,
        action: &str,
        target: &str,
        detail: &str,
        client: &str,
    ) -> DbResult<()> {
        sqlx::query("INSERT INTO audit_log (at, username, action, target, detail, client) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(self.clock.now_text())
            .bind(username.to_string())
            .bind(action.to_string())
            .bind(target.to_string())
            .bind(detail.to_string())
            .bind(client.to_string())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// A page of the audit log, newest first, and the total.
    pub async fn audit_entries(&self, offset: i64, limit: i64) -> DbResult<(Vec<AuditEntry>, i64)> {
        self.audit_page(&AuditFilter::default(), offset, limit)
            .await
    }

    /// A page of the audit log, newest first, filtered, and how many match.
    pub async fn audit_page(
        &self,
        f: &AuditFilter,
        offset: i64,
        limit: i64,
    ) -> DbResult<(Vec<AuditEntry>, i64)> {
        let mut conditions = vec!["1 = 1".to_string()];
        let mut values = Vec::new();
        let mut bind = |sql: &str, v: String| {
            values.push(super::values::Value::text(v));
            conditions.push(sql.replace("$?", &format!("${}", values.len())));
        };
        if let Some(u) = &f.user {
            bind("username = $?", u.clone());
        }
        if let Some(a) = &f.action {
            bind("action = $?", a.clone());
        }
        if let Some(from) = &f.from {
            bind("at >= $?", from.clone());
        }
        if let Some(until) = &f.until {
            bind("at < $?", until.clone());
        }
        let conditions = conditions.join(" AND ");
        let total: i64 = super::values::bind_all(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM audit_log WHERE {conditions}"
            ))),
            &values,
        )
        .fetch_one(self.pool())
        .await
        .and_then(|r| sqlx::Row::try_get(&r, 0))?;
        let n = values.len();
        values.push(super::values::Value::int(limit.clamp(0, 10_000)));
        values.push(super::values::Value::int(offset.max(0)));
        let rows: Vec<(String, String, String, String, String, String)> = super::values::bind_all(
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT at, username, action, target, detail, client FROM audit_log \
                     WHERE {conditions} ORDER BY id DESC LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ))),
            &values,
        )
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            use sqlx::Row;
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
                r.try_get(5)?,
            ))
        })
        .collect::<DbResult<_>>()?;
        Ok((
            rows.into_iter()
                .map(
                    |(at, username, action, target, detail, client)| AuditEntry {
                        at,
                        username,
                        action,
                        target,
                        detail,
                        client,
                    },
                )
                .collect(),
            total,
        ))
    }

    /// Looks up a unit id by name.
    pub async fn unit_id(&self, name: &str) -> DbResult<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
            .bind(name.to_string())
            .fetch_optional(self.pool())
            .await?)
    }

    /// Looks up an org id by credit code.
    /// How many orgs of the registry (whatever their status) are in the scope.
    pub async fn org_count(&self, scope: &Scope) -> DbResult<i64> {
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM social_orgs o WHERE {}",
            scope.org_condition("o")
        )))
        .fetch_one(self.pool())
        .await?)
    }

    /// Looks up a party org's id by its name.
    pub async fn party_org_id(&self, name: &str) -> DbResult<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM party_orgs WHERE name = $1")
                .bind(name.to_string())
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn org_id(&self, credit_code: &str) -> DbResult<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM social_orgs WHERE credit_code = $1")
                .bind(credit_code.to_string())
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Looks up instructors by citizen ID or name.
    pub async fn instructor_ids(&self, name_or_id: &str) -> DbResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM instructors WHERE citizen_id = $1 OR name = $1 ORDER BY id",
        )
        .bind(name_or_id.to_string())
        .fetch_all(self.pool())
        .await?)
    }
}

/// One registry change (change_log): who, when, what, before → after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeEntry {
    pub at: String,
    pub actor: String,
    pub entity: String,
    pub key: String,
    pub action: String,
    pub before: String,
    pub after: String,
}

impl Db {
    /// The latest registry changes, newest first.
    pub async fn changes(&self, limit: i64) -> DbResult<Vec<ChangeEntry>> {
        type Tuple = (
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Tuple> = sqlx::query_as(
            "SELECT at, actor, entity, entity_key, action, before, after FROM change_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(at, actor, entity, key, action, before, after)| ChangeEntry {
                    at,
                    actor,
                    entity,
                    key,
                    action,
                    before: before.unwrap_or_default(),
                    after: after.unwrap_or_default(),
                },
            )
            .collect())
    }
}
