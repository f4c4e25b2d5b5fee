//! Sign-in, sign-out and password change: the pages around the use cases of
//! [`crate::app::session`]. The sign-in form carries a pre-session CSRF token (a cookie and the
//! same value in the form: a form posted from another site has no cookie to match), and only a
//! local path is followed after signing in.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::{PageError, frame, render};
use crate::app::AppError;
use crate::app::session::{self, SignIn};
use crate::auth::random_token;
use crate::web::AppState;
use crate::web::auth::{
    Actor, ClientAddr, LOGIN_COOKIE, SESSION_COOKIE, clear_cookie, cookie, login_cookie,
    session_cookie,
};
use crate::web::layout::Layout;
use crate::web::query::Params;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub username: String,
    pub next: String,
    /// The pre-session CSRF token (also in the login cookie).
    pub csrf: String,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// Only a local path is followed after sign-in (no open redirect): it starts with one `/` and
/// holds only the characters of this product's own addresses (percent-encoding for the rest), so
/// nothing a browser reads as another host (`//h`, `/\h`, `/<TAB>/h`) and no control character
/// (an invalid `Location`) gets through.
pub fn safe_next(next: Option<&str>) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/_-.~%?=&+,:;@!*'()$".contains(c);
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.chars().all(allowed)
                && n.len() <= 2000 =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The sign-in page with a fresh pre-session token (set as the login cookie).
fn login_page(
    s: &AppState,
    status: axum::http::StatusCode,
    error: Option<String>,
    username: String,
    next: String,
) -> Result<Response, PageError> {
    let csrf = random_token(32);
    let page = LoginPage {
        layout: Layout {
            title: "用户登录".into(),
            ..Layout::default()
        },
        error,
        username,
        next,
        csrf: csrf.clone(),
    };
    let mut response = render(&page)?.into_response();
    *response.status_mut() = status;
    if let Ok(v) = login_cookie(&csrf, s.config.secure_cookies).parse() {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

pub async fn form(
    State(s): State<AppState>,
    Params(q): Params<NextQuery>,
) -> Result<Response, PageError> {
    login_page(
        &s,
        axum::http::StatusCode::OK,
        None,
        String::new(),
        safe_next(q.next.as_deref()),
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    pub next: Option<String>,
    #[serde(default)]
    pub csrf: String,
}

pub async fn submit(
    State(s): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let next = safe_next(f.next.as_deref());
    let username: String = f
        .username
        .trim()
        .chars()
        .take(session::MAX_USERNAME)
        .collect();
    let token_ok = cookie(&headers, LOGIN_COOKIE).is_some_and(|c| !c.is_empty() && c == f.csrf);
    if !token_ok {
        return login_page(
            &s,
            axum::http::StatusCode::FORBIDDEN,
            Some("登录页已过期或来源无效，请重新输入用户名和密码后登录".into()),
            username,
            next,
        );
    }
    let refused = |message: String| {
        login_page(
            &s,
            axum::http::StatusCode::OK,
            Some(message),
            username.clone(),
            next.clone(),
        )
    };
    match session::sign_in(&s.db, &s.gate, &f.username, &f.password, &client).await? {
        SignIn::Refused => refused("用户名或密码错误".into()),
        SignIn::Wait { seconds } => {
            refused(format!("登录失败次数过多，请{}后再试", wait_text(seconds)))
        }
        SignIn::Signed { token, user } => {
            let target = if user.must_change_password {
                "/password".to_string()
            } else {
                next
            };
            let secure = s.config.secure_cookies;
            // (Appended: two headers of one name.)
            Ok((
                axum::response::AppendHeaders([
                    (header::SET_COOKIE, session_cookie(&token, secure)),
                    (
                        header::SET_COOKIE,
                        crate::web::auth::clear_login_cookie(secure),
                    ),
                ]),
                Redirect::to(&target),
            )
                .into_response())
        }
    }
}

/// A wait in words: seconds, or whole minutes (rounded up).
fn wait_text(seconds: i64) -> String {
    if seconds < 60 {
        format!(" {seconds} 秒")
    } else {
        format!(" {} 分钟", (seconds + 59) / 60)
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

pub async fn logout(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        session::sign_out(&s.db, &actor, &token).await?;
    }
    Ok((
        [(header::SET_COOKIE, clear_cookie(s.config.secure_cookies))],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub layout: Layout,
    pub forced: bool,
    pub error: Option<String>,
}

pub async fn password_form(Extension(actor): Extension<Actor>) -> Result<Response, PageError> {
    let page = PasswordPage {
        layout: frame(&actor, "修改密码", "", Vec::new()),
        forced: actor.user.must_change_password,
        error: None,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    pub csrf: String,
    pub current: String,
    pub new: String,
    pub confirm: String,
}

pub async fn password_submit(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    headers: HeaderMap,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let session_token = cookie(&headers, SESSION_COOKIE).unwrap_or_default();
    let error = match session::change_password(
        &s.db,
        &actor,
        &session_token,
        &f.current,
        &f.new,
        &f.confirm,
    )
    .await
    {
        Ok(()) => return Ok(Redirect::to("/").into_response()),
        Err(AppError::Invalid(reason)) => reason,
        Err(e) => return Err(e.into()),
    };
    let page = PasswordPage {
        layout: frame(&actor, "修改密码", "", Vec::new()),
        forced: actor.user.must_change_password,
        error: Some(error),
    };
    let mut response = render(&page)?.into_response();
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}
