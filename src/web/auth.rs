//! Who is asking: the session cookie (pages) or a bearer token (API), resolved once per request
//! into an [`Actor`] with the user's scope; the per-route guard that enforces the route table's
//! access rule; sign-in, sign-out and password change.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};

use super::{Access, AppState, WebError};
use crate::app;
use crate::auth::token_digest;
use crate::db::{Db, DbResult, User};

/// The cookie that carries the session token.
pub const SESSION_COOKIE: &str = "dj_session";

/// The signed-in user of a request: the use cases' [`app::Actor`] (user, scope, client) and the
/// session's CSRF token.
#[derive(Debug, Clone)]
pub struct Actor {
    pub actor: app::Actor,
    /// The session's CSRF token (empty for API tokens, which need none: no cookie is involved).
    pub csrf: String,
}

impl std::ops::Deref for Actor {
    type Target = app::Actor;

    fn deref(&self) -> &app::Actor {
        &self.actor
    }
}

impl Actor {
    /// Checks a form's CSRF token against the session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        if self.csrf.is_empty() || token != self.csrf {
            return Err(WebError::Forbidden(
                "表单已过期或来源无效，请刷新页面后重试".into(),
            ));
        }
        Ok(())
    }
}

/// The client's address as the guard found it, for handlers of public routes (sign-in).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// The client's address, for throttling and the audit log.
pub fn client_address(connect: Option<&ConnectInfo<std::net::SocketAddr>>) -> String {
    connect
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into())
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

async fn setting_i64(db: &Db, key: &str, default: i64) -> DbResult<i64> {
    Ok(db
        .setting(key)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(default))
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Resolves the session cookie or bearer token of a request into an actor, if valid.
async fn resolve(db: &Db, headers: &HeaderMap, client: String) -> DbResult<Option<Actor>> {
    if let Some(token) = bearer(headers) {
        let Some(user) = db.api_token_user(&token_digest(&token)).await? else {
            return Ok(None);
        };
        return actor_of(db, user, String::new(), client).await;
    }
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let digest = token_digest(&token);
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
        db.delete_session(&digest).await?;
        return Ok(None);
    }
    db.touch_session(&digest).await?;
    actor_for(db, user_id, csrf, client).await
}

async fn actor_for(db: &Db, user_id: i64, csrf: String, client: String) -> DbResult<Option<Actor>> {
    let Some(user) = db.user_by_id(user_id).await? else {
        return Ok(None);
    };
    actor_of(db, user, csrf, client).await
}

async fn actor_of(db: &Db, user: User, csrf: String, client: String) -> DbResult<Option<Actor>> {
    if user.disabled {
        return Ok(None);
    }
    let scope = db.scope_of(&user).await?;
    Ok(Some(Actor {
        actor: app::Actor {
            user,
            scope,
            client,
        },
        csrf,
    }))
}

/// Middleware for one route: resolves the actor and enforces the route's access rule.
/// Pages without a session redirect to the sign-in page; the API answers 401. A role the route
/// is not for gets 404, like an out-of-scope record. A user who must change the password is sent
/// to the password page first.
pub async fn guard(
    State(state): State<AppState>,
    access: Access,
    mut req: Request,
    next: Next,
) -> Response {
    let client = client_address(req.extensions().get::<ConnectInfo<std::net::SocketAddr>>());
    req.extensions_mut().insert(ClientAddr(client.clone()));
    let actor = match resolve(&state.db, req.headers(), client).await {
        Ok(a) => a,
        Err(e) => return WebError::Internal(e).into_response(),
    };
    let is_api = req.uri().path().starts_with("/api/");
    if let Some(actor) = &actor {
        if !access.allows(actor.role()) {
            return WebError::NotFound.into_response();
        }
        let path = req.uri().path();
        if actor.user.must_change_password && !is_api && !matches!(path, "/password" | "/logout") {
            return Redirect::to("/password").into_response();
        }
    } else if access != Access::Public {
        if is_api {
            return WebError::Unauthorized.into_response();
        }
        let target = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let next_param: String = url_encode(target);
        return Redirect::to(&format!("/login?next={next_param}")).into_response();
    }
    if let Some(actor) = actor {
        req.extensions_mut().insert(actor);
    }
    next.run(req).await
}

/// Percent-encodes a value for a query string.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `Set-Cookie` value for a new session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}
