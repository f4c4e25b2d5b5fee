//! Accounts (city admins, and the command line's operator): a password reset, disabling and
//! enabling a user, API tokens issued, listed and revoked. A reset or a disabled account ends
//! every session and revokes every token of the user; every action is audited.

use super::{Actor, AppError, AppResult};
use crate::auth;
use crate::db::{ApiToken, Db, User};

/// The default lifetime of an API token, in days.
pub const TOKEN_DAYS: i64 = 90;
/// The longest lifetime a token may be given.
pub const MAX_TOKEN_DAYS: i64 = 366;

fn may_manage(actor: &Actor) -> AppResult<()> {
    if actor.role().is_city_admin() && actor.scope.is_city() {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

async fn user(db: &Db, name: &str) -> AppResult<User> {
    db.user_by_name(name).await?.ok_or(AppError::NotFound)
}

async fn audit(db: &Db, actor: &Actor, action: &str, target: &str, detail: &str) -> AppResult<()> {
    db.audit(actor.name(), action, target, detail, &actor.client)
        .await?;
    Ok(())
}

/// A new user (city admins, the command line): a name of 1–40 characters not taken, a role and
/// its scope; `password` given (the CLI reads it from standard input), or a random one to be
/// changed at the first sign-in. The password in force, to show once.
pub async fn create_user(
    db: &Db,
    actor: &Actor,
    name: &str,
    role: crate::domain::role::Role,
    scope: &crate::db::ScopeTarget,
    password: Option<&str>,
) -> AppResult<String> {
    may_manage(actor)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > super::session::MAX_USERNAME {
        return Err(AppError::Invalid("用户名应为1–40个字符".into()));
    }
    let (password, must_change) = match password {
        Some(p) => {
            auth::check_new_password(p, name).map_err(AppError::Invalid)?;
            (p.to_string(), false)
        }
        None => (auth::random_password(), true),
    };
    let hash = auth::hash_password(&password).map_err(AppError::Invalid)?;
    match db.create_user(name, role, scope, &hash, must_change).await {
        Ok(_) => {}
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::Invalid(format!("用户名“{name}”已存在")));
        }
        Err(e) => return Err(e.into()),
    }
    audit(db, actor, "user_add", name, role.code()).await?;
    Ok(password)
}

/// A new random password for the user, to be changed at the next sign-in; the user's sessions
/// end and tokens are revoked.
pub async fn reset_password(db: &Db, actor: &Actor, name: &str) -> AppResult<String> {
    may_manage(actor)?;
    let u = user(db, name).await?;
    let password = auth::random_password();
    let hash = auth::hash_password(&password).map_err(AppError::Invalid)?;
    db.set_password(u.id, &hash, true, None).await?;
    db.clear_login_failures(&u.username).await?;
    audit(
        db,
        actor,
        "user_reset",
        &u.username,
        "会话已结束，令牌已吊销",
    )
    .await?;
    Ok(password)
}

/// Disables (or enables) a user; a disabled user's sessions end and tokens are revoked. Nobody
/// disables themselves.
pub async fn set_disabled(db: &Db, actor: &Actor, name: &str, disabled: bool) -> AppResult<()> {
    may_manage(actor)?;
    let u = user(db, name).await?;
    if disabled && u.id == actor.user.id {
        return Err(AppError::Invalid("不能停用自己".into()));
    }
    db.set_disabled(u.id, disabled).await?;
    let action = if disabled {
        "user_disable"
    } else {
        "user_enable"
    };
    audit(db, actor, action, &u.username, "").await
}

/// Issues an API token for the user, valid `days` days; the token is shown once (only its
/// digest is stored).
pub async fn issue_token(db: &Db, actor: &Actor, name: &str, days: i64) -> AppResult<String> {
    may_manage(actor)?;
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(AppError::Invalid(format!(
            "令牌有效期应为 1–{MAX_TOKEN_DAYS} 天"
        )));
    }
    let u = user(db, name).await?;
    if u.disabled {
        return Err(AppError::Invalid(format!("用户 {name} 已停用")));
    }
    let token = auth::random_token(40);
    db.add_api_token(&auth::token_digest(&token), u.id, days)
        .await?;
    audit(
        db,
        actor,
        "token_issue",
        &u.username,
        &format!("有效期 {days} 天"),
    )
    .await?;
    Ok(token)
}

/// The user's tokens (never the tokens themselves: the start of each digest names it).
pub async fn tokens(db: &Db, actor: &Actor, name: &str) -> AppResult<Vec<ApiToken>> {
    may_manage(actor)?;
    let u = user(db, name).await?;
    Ok(db.api_tokens(u.id).await?)
}

/// Revokes one of the user's tokens by its id (as [`tokens`] lists it).
pub async fn revoke_token(db: &Db, actor: &Actor, name: &str, id: &str) -> AppResult<()> {
    may_manage(actor)?;
    let u = user(db, name).await?;
    if !db.revoke_api_token(u.id, id).await? {
        return Err(AppError::Invalid(format!(
            "用户 {name} 没有编号为 {id} 的有效令牌"
        )));
    }
    audit(db, actor, "token_revoke", &u.username, id).await
}
