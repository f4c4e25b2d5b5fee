//! 系统设置: the units' short names a city admin gives (`app::settings`), with the units they
//! name (a full name that is no unit is pointed out: it would never be shown).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use crate::app::AppError;
use crate::app::settings::save_short_names;
use crate::domain::short_names::{SETTING, ShortNames};
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::pages::{PageError, frame, render};
use crate::web::query::Params;
use crate::web::{AppState, WebError};

#[derive(Template)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub layout: Layout,
    pub text: String,
    /// (full name, short name, a unit of that name exists).
    pub pairs: Vec<(String, String, bool)>,
    pub error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub short_names: String,
}

async fn settings_page(
    s: &AppState,
    actor: &Actor,
    text: Option<String>,
    error: Option<String>,
    notice: Option<&'static str>,
) -> Result<Response, PageError> {
    // The table shows the names in effect (the stored setting), whatever was typed.
    let stored = s.db.setting(SETTING).await?.unwrap_or_default();
    let text = text.unwrap_or_else(|| stored.clone());
    let units: std::collections::HashSet<String> =
        s.db.units().await?.into_iter().map(|u| u.name).collect();
    let pairs = ShortNames::from_setting(Some(&stored))
        .pairs()
        .into_iter()
        .map(|(f, short)| (f.to_string(), short.to_string(), units.contains(f)))
        .collect();
    let mut layout = frame(
        actor,
        "系统设置",
        "settings",
        vec![("系统管理".into(), "/admin/users".into())],
    );
    layout.flash = notice;
    let page = SettingsPage {
        layout,
        text,
        pairs,
        error,
    };
    Ok(render(&page)?.into_response())
}

pub async fn settings(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(flash): Params<crate::web::layout::Flash>,
) -> Result<Response, PageError> {
    settings_page(&s, &actor, None, None, flash.word()).await
}

pub async fn save_settings(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    match save_short_names(&s.db, &actor, &f.short_names).await {
        Ok(_) => Ok(Redirect::to("/admin/settings?notice=saved").into_response()),
        Err(AppError::Invalid(message)) => {
            let mut r = settings_page(&s, &actor, Some(f.short_names), Some(message), None).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(WebError::from(e).into()),
    }
}
