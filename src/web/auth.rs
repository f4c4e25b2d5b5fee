//! Who is asking: the session cookie (pages) or a bearer token (API), resolved once per request
//! into an [`Actor`] with the user's scope; the per-route guard that enforces the route table's
//! access rule; sign-in, sign-out and password change.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use cookie::time::Duration;

use super::{Access, AppState, WebError};
use crate::app;

/// The cookie that carries the session token.
pub const SESSION_COOKIE: &str = "dj_session";
/// The cookie that carries the sign-in form's pre-session CSRF token.
pub const LOGIN_COOKIE: &str = "dj_login";

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
            return Err(csrf_refused());
        }
        Ok(())
    }
}

/// The answer to a form without the session's CSRF token.
pub fn csrf_refused() -> WebError {
    WebError::Forbidden("表单已过期或来源无效，请刷新页面后重试".into())
}

/// The client's address as the guard found it, for handlers of public routes (sign-in).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

/// The client's address, for throttling and the audit log: the socket's peer, or — behind a
/// reverse proxy configured with `serve --client-ip-header` — the last address the proxy wrote
/// into that header (the one it saw; earlier ones came from the client and prove nothing).
pub fn client_address(
    connect: Option<&ConnectInfo<std::net::SocketAddr>>,
    headers: &HeaderMap,
    proxy_header: Option<&str>,
) -> String {
    let from_proxy = proxy_header
        .and_then(|h| headers.get_all(h).iter().next_back())
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok());
    match (from_proxy, connect) {
        (Some(ip), _) => ip.to_string(),
        (None, Some(c)) => c.0.ip().to_string(),
        (None, None) => "local".into(),
    }
}

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(name)
        .map(|c| c.value().to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

/// Resolves the session cookie or bearer token of a request into an actor, if valid
/// ([`app::session::by_token`], [`app::session::by_session`]).
async fn resolve(
    db: &crate::db::Db,
    headers: &HeaderMap,
    client: String,
) -> crate::db::DbResult<Option<Actor>> {
    if let Some(token) = bearer(headers) {
        return Ok(app::session::by_token(db, &token, client)
            .await?
            .map(|actor| Actor {
                actor,
                csrf: String::new(),
            }));
    }
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(app::session::by_session(db, &token, client)
        .await?
        .map(|(actor, csrf)| Actor { actor, csrf }))
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
    let client = client_address(
        req.extensions().get::<ConnectInfo<std::net::SocketAddr>>(),
        req.headers(),
        state.config.client_ip_header.as_deref(),
    );
    req.extensions_mut().insert(ClientAddr(client.clone()));
    let actor = match resolve(&state.db, req.headers(), client).await {
        Ok(a) => a,
        Err(e) => return WebError::from(e).into_response(),
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

/// The characters a query value keeps as they are (RFC 3986's unreserved ones).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a value for a query string (UTF-8).
pub fn url_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string()
}

/// A cookie of ours: never readable by scripts, `Secure` when the deployment says so.
fn our_cookie(
    name: &'static str,
    value: String,
    path: &'static str,
    same_site: SameSite,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .same_site(same_site)
        .secure(secure)
        .build()
}

/// The `Set-Cookie` value for a new session.
pub fn session_cookie(token: &str, secure: bool) -> String {
    our_cookie(
        SESSION_COOKIE,
        token.to_string(),
        "/",
        SameSite::Lax,
        secure,
    )
    .to_string()
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    let mut c = our_cookie(SESSION_COOKIE, String::new(), "/", SameSite::Lax, secure);
    c.make_removal();
    c.to_string()
}

/// The `Set-Cookie` value of the sign-in form's token: for the sign-in page only, strict (a
/// form posted from another site does not carry it), gone after an hour.
pub fn login_cookie(token: &str, secure: bool) -> String {
    let mut c = our_cookie(
        LOGIN_COOKIE,
        token.to_string(),
        "/login",
        SameSite::Strict,
        secure,
    );
    c.set_max_age(Duration::hours(1));
    c.to_string()
}

/// The `Set-Cookie` value that removes the sign-in form's token (once signed in).
pub fn clear_login_cookie(secure: bool) -> String {
    let mut c = our_cookie(
        LOGIN_COOKIE,
        String::new(),
        "/login",
        SameSite::Strict,
        secure,
    );
    c.make_removal();
    c.to_string()
}

#[cfg(test)]
mod cookie_tests {
    use super::*;

    #[test]
    fn our_cookies_are_http_only_scoped_and_removable() {
        let c = session_cookie("abc", true);
        for part in [
            "dj_session=abc",
            "HttpOnly",
            "SameSite=Lax",
            "Path=/",
            "Secure",
        ] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!session_cookie("abc", false).contains("Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
        let login = login_cookie("t", false);
        assert!(login.contains("SameSite=Strict") && login.contains("Path=/login"));
        assert!(login.contains("Max-Age=3600"), "{login}");
        assert!(clear_login_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn a_cookie_is_read_from_any_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, "a=1; dj_login=xyz".parse().expect("header"));
        headers.append(header::COOKIE, "dj_session=s1".parse().expect("header"));
        assert_eq!(cookie(&headers, LOGIN_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("s1"));
        assert_eq!(cookie(&headers, "nope"), None);
    }
}
