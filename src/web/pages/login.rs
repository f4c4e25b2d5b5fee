//! Sign-in, sign-out and password change.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::Duration;
use serde::Deserialize;

use super::{PageError, frame, render};
use crate::auth::{check_new_password, hash_password, random_token, token_digest, verify_password};
use crate::web::AppState;
use crate::web::auth::{Actor, ClientAddr, clear_cookie, session_cookie};
use crate::web::layout::Layout;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub username: String,
    pub next: String,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    pub next: Option<String>,
}

/// Only local paths are followed after sign-in (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

fn login_page(
    error: Option<String>,
    username: String,
    next: String,
) -> Result<Response, PageError> {
    let page = LoginPage {
        layout: Layout {
            title: "用户登录".into(),
            ..Layout::default()
        },
        error,
        username,
        next,
    };
    Ok(render(&page)?.into_response())
}

pub async fn form(Query(q): Query<NextQuery>) -> Result<Response, PageError> {
    login_page(None, String::new(), safe_next(q.next.as_deref()))
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    pub next: Option<String>,
}

pub async fn submit(
    State(s): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let username = f.username.trim().to_string();
    let next = safe_next(f.next.as_deref());
    let max =
        s.db.setting("security.max_failed_logins")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(5i64);
    let minutes =
        s.db.setting("security.lockout_minutes")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(15i64);
    let since = crate::clock::stamp(s.clock.now() - Duration::minutes(minutes));
    let (by_user, by_client) =
        s.db.login_failures_since(&username, &client, &since)
            .await?;
    if by_user >= max || by_client >= max {
        s.db.audit(
            &username,
            "login_locked",
            &username,
            "登录失败次数过多，暂时锁定",
            &client,
        )
        .await?;
        let message = format!("登录失败次数过多，账号或本机地址已锁定 {minutes} 分钟，请稍后再试");
        return login_page(Some(message), username, next);
    }
    let user = s.db.user_by_name(&username).await?.filter(|u| !u.disabled);
    let verified = match &user {
        Some(u) => verify_password(&f.password, &s.db.password_hash(u.id).await?),
        None => {
            // Spend the same time as a real check, so that timing does not reveal user names.
            let _ = verify_password(
                &f.password,
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$S1ijKNoVGVWfLdVXvN3S1pyVLo3JNHfJZbGeBQmAO3A",
            );
            false
        }
    };
    let Some(user) = user.filter(|_| verified) else {
        s.db.record_login_failure(&username, &client).await?;
        s.db.audit(
            &username,
            "login_failed",
            &username,
            "用户名或密码错误",
            &client,
        )
        .await?;
        return login_page(Some("用户名或密码错误".into()), username, next);
    };
    s.db.clear_login_failures(&username).await?;
    let token = random_token(40);
    s.db.create_session(&token_digest(&token), user.id, &random_token(32))
        .await?;
    s.db.audit(&username, "login", &username, "", &client)
        .await?;
    let secure =
        s.db.setting("security.cookie_secure")
            .await?
            .is_some_and(|v| v == "1");
    let target = if user.must_change_password {
        "/password".to_string()
    } else {
        next
    };
    Ok((
        [(header::SET_COOKIE, session_cookie(&token, secure))],
        Redirect::to(&target),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

pub async fn logout(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    headers: axum::http::HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    if let Some(token) = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == crate::web::auth::SESSION_COOKIE)
        .map(|(_, v)| v.to_string())
    {
        s.db.delete_session(&token_digest(&token)).await?;
    }
    s.db.audit(
        &actor.user.username,
        "logout",
        &actor.user.username,
        "",
        &actor.client,
    )
    .await?;
    Ok((
        [(header::SET_COOKIE, clear_cookie())],
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
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let error = if !verify_password(&f.current, &s.db.password_hash(actor.user.id).await?) {
        Some("当前密码不正确".to_string())
    } else if f.new != f.confirm {
        Some("两次输入的新密码不一致".to_string())
    } else if f.new == f.current {
        Some("新密码不能与当前密码相同".to_string())
    } else {
        check_new_password(&f.new).err()
    };
    if error.is_none() {
        let hash =
            hash_password(&f.new).map_err(|e| PageError(crate::web::WebError::Template(e)))?;
        s.db.set_password(actor.user.id, &hash, false).await?;
        s.db.audit(
            &actor.user.username,
            "password_change",
            &actor.user.username,
            "",
            &actor.client,
        )
        .await?;
        return Ok(Redirect::to("/").into_response());
    }
    let page = PasswordPage {
        layout: frame(&actor, "修改密码", "", Vec::new()),
        forced: actor.user.must_change_password,
        error,
    };
    Ok(render(&page)?.into_response())
}
