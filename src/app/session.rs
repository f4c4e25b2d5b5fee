//! Signing in and out, and changing one's password. Sign-ins are throttled by
//! [`crate::domain::throttle`] (slowed down, never a lock on another person's account), checked
//! one at a time ([`LoginGate`]: the count of failures and the check of the password are one
//! step, so parallel attempts cannot outrun the throttle), and what is stored of a failure is
//! bounded: the user name cut to 40 characters, the table pruned to the window, and one
//! `login_locked` audit row per window for what throttles (a name and address, an address, a
//! name) however often — and under however many names — a throttled client tries.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::{Actor, AppError, AppResult};
use crate::auth::{check_new_password, hash_password, random_token, token_digest, verify_password};
use crate::clock::stamp;
use crate::db::{Db, User};
use crate::domain::throttle::{Key, backoff};

/// The longest user name (the accounts' rule); a longer one is cut before it is stored.
pub const MAX_USERNAME: usize = 40;

/// Sign-ins, one at a time, with what the throttle remembers between them.
#[derive(Debug, Default)]
pub struct LoginGate {
    /// When a throttling key — (name, address), ("", address) or (name, "") — was last logged
    /// as `login_locked`.
    logged: tokio::sync::Mutex<HashMap<(String, String), DateTime<Utc>>>,
}

/// What a sign-in came to.
#[derive(Debug, Clone)]
pub enum SignIn {
    /// Signed in: the new session's token (for the cookie) and the user.
    Signed { token: String, user: User },
    /// A wrong name or password (the same answer for both).
    Refused,
    /// Too many failures just now: try again in this many seconds (nothing was checked).
    Wait { seconds: i64 },
}

fn setting(value: Option<String>, default: i64) -> i64 {
    value
        .and_then(|v| v.parse().ok())
        .filter(|v| *v > 0)
        .unwrap_or(default)
}

/// A user name as stored for a failure: trimmed and cut to [`MAX_USERNAME`] characters.
fn stored_name(name: &str) -> String {
    name.trim().chars().take(MAX_USERNAME).collect()
}

/// A password check that spends as long as a real one whether or not the user exists (timing
/// does not reveal names); off the async workers, as it is slow by design.
async fn password_matches(password: &str, hash: Option<String>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$S1ijKNoVGVWfLdVXvN3S1pyVLo3JNHfJZbGeBQmAO3A";
    let password = password.to_string();
    let (hash, real) = match hash {
        Some(h) => (h, true),
        None => (DUMMY.to_string(), false),
    };
    tokio::task::spawn_blocking(move || verify_password(&password, &hash) && real)
        .await
        .unwrap_or(false)
}

/// Signs a user in from `client` (an address, for the throttle and the audit log).
pub async fn sign_in(
    db: &Db,
    gate: &LoginGate,
    name: &str,
    password: &str,
    client: &str,
) -> AppResult<SignIn> {
    let name = stored_name(name);
    let base = setting(db.setting("security.max_failed_logins").await?, 5);
    let window = Duration::minutes(setting(db.setting("security.lockout_minutes").await?, 15));
    let mut logged = gate.logged.lock().await;
    let now = db.clock().now();
    let since = stamp(now - window);
    let counts = db.login_failures_since(&name, client, &since).await?;
    let wait = Key::ALL
        .iter()
        .zip(counts.iter())
        .filter_map(|(key, (failures, last))| {
            let last = DateTime::parse_from_rfc3339(last.as_deref()?).ok()?;
            let until = last.with_timezone(&Utc) + backoff(*failures, key.threshold(base), window);
            (until > now).then(|| ((until - now).num_seconds().max(1), *key))
        })
        .max_by_key(|(seconds, _)| *seconds);
    if let Some((seconds, key)) = wait {
        // Logged once per window for what made it wait: the pair, the address (a client trying
        // a new name each time is one row, not one per name), or the name.
        let logged_key = match key {
            Key::Pair => (name.clone(), client.to_string()),
            Key::Client => (String::new(), client.to_string()),
            Key::User => (name.clone(), String::new()),
        };
        let fresh = logged.get(&logged_key).is_none_or(|at| *at <= now - window);
        if fresh {
            logged.retain(|_, at| *at > now - window);
            logged.insert(logged_key, now);
            db.audit(
                &name,
                "login_locked",
                &name,
                "登录失败次数过多，暂缓登录",
                client,
            )
            .await?;
        }
        return Ok(SignIn::Wait { seconds });
    }
    let user = db.user_by_name(&name).await?.filter(|u| !u.disabled);
    let hash = match &user {
        Some(u) => Some(db.password_hash(u.id).await?),
        None => None,
    };
    let verified = password_matches(password, hash).await;
    let Some(user) = user.filter(|_| verified) else {
        db.record_login_failure(&name, client, &since).await?;
        db.audit(&name, "login_failed", &name, "用户名或密码错误", client)
            .await?;
        return Ok(SignIn::Refused);
    };
    drop(logged);
    db.clear_login_failures(&user.username).await?;
    let token = random_token(40);
    db.create_session(&token_digest(&token), user.id, &random_token(32))
        .await?;
    db.audit(&user.username, "login", &user.username, "", client)
        .await?;
    Ok(SignIn::Signed { token, user })
}

async fn setting_i64(db: &Db, key: &str, default: i64) -> crate::db::DbResult<i64> {
    Ok(setting(db.setting(key).await?, default))
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The actor of an enabled user.
async fn actor_of(db: &Db, user: User, client: String) -> crate::db::DbResult<Option<Actor>> {
    if user.disabled {
        return Ok(None);
    }
    let scope = db.scope_of(&user).await?;
    Ok(Some(Actor {
        user,
        scope,
        client,
    }))
}

/// The actor of an API token (unrevoked, not expired).
pub async fn by_token(db: &Db, token: &str, client: String) -> crate::db::DbResult<Option<Actor>> {
    match db.api_token_user(&token_digest(token)).await? {
        Some(user) => actor_of(db, user, client).await,
        None => Ok(None),
    }
}

/// The actor of a session and its CSRF token, if the session is alive: not older than
/// `security.session_absolute_hours`, not idle longer than `security.session_idle_minutes`.
/// An expired session is deleted; a live one's use is noted at most once a minute, and never
/// waited for: a page is read while a long import holds the write lock (reads go on under
/// SQLite's WAL), and a note that finds the database busy is skipped.
pub async fn by_session(
    db: &Db,
    token: &str,
    client: String,
) -> crate::db::DbResult<Option<(Actor, String)>> {
    let digest = token_digest(token);
    let Some((user_id, csrf, created, last_seen)) = db.session(&digest).await? else {
        return Ok(None);
    };
    let idle = Duration::minutes(setting_i64(db, "security.session_idle_minutes", 30).await?);
    let absolute = Duration::hours(setting_i64(db, "security.session_absolute_hours", 12).await?);
    let now = db.clock().now();
    let expired = match (parse_time(&created), parse_time(&last_seen)) {
        (Some(c), Some(l)) => now - c > absolute || now - l > idle,
        _ => true,
    };
    if expired {
        // (Best effort: a database busy with an import deletes it on a later request.)
        if let Err(e) = db.delete_session(&digest).await {
            tracing::debug!(error = %e, "an expired session was not deleted yet");
        }
        return Ok(None);
    }
    if parse_time(&last_seen).is_some_and(|l| now - l > Duration::seconds(60)) {
        db.touch_session_nowait(&digest).await;
    }
    let Some(user) = db.user_by_id(user_id).await? else {
        return Ok(None);
    };
    Ok(actor_of(db, user, client).await?.map(|a| (a, csrf)))
}

/// Ends a session.
pub async fn sign_out(db: &Db, actor: &Actor, session_token: &str) -> AppResult<()> {
    db.delete_session(&token_digest(session_token)).await?;
    db.audit(actor.name(), "logout", actor.name(), "", &actor.client)
        .await?;
    Ok(())
}

/// Changes the actor's own password: the current one must match, the new one follow the rules.
/// Every other session of the user ends and every API token is revoked (the session that
/// changed it stays). A refusal is [`AppError::Invalid`] with the reason.
pub async fn change_password(
    db: &Db,
    actor: &Actor,
    session_token: &str,
    current: &str,
    new: &str,
    confirm: &str,
) -> AppResult<()> {
    let stored = db.password_hash(actor.user.id).await?;
    if !password_matches(current, Some(stored)).await {
        return Err(AppError::Invalid("当前密码不正确".into()));
    }
    if new != confirm {
        return Err(AppError::Invalid("两次输入的新密码不一致".into()));
    }
    if new == current {
        return Err(AppError::Invalid("新密码不能与当前密码相同".into()));
    }
    check_new_password(new, actor.name()).map_err(AppError::Invalid)?;
    let hash = hash_password(new).map_err(AppError::Invalid)?;
    db.set_password(
        actor.user.id,
        &hash,
        false,
        Some(&token_digest(session_token)),
    )
    .await?;
    db.audit(
        actor.name(),
        "password_change",
        actor.name(),
        "其他会话已结束，令牌已吊销",
        &actor.client,
    )
    .await?;
    Ok(())
}
