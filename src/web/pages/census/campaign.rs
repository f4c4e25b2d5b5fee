//! A campaign: its progress per responsible unit, its orgs' returns, confirming all.

use super::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::PageError;
use crate::app::census;
use crate::db::{Campaign, ReturnRow};
use crate::domain::census::ReturnState;
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::query::Params;
use crate::web::{AppState, WebError};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CampaignQuery {
    #[serde(default)]
    pub state: String,
    /// A responsible unit id, or "none" for orgs without one.
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: Option<i64>,
    /// A message the product chose for the page after an action, by its code ([`notice_text`]):
    /// an address carries no text of its own to show (no phishing through a link).
    #[serde(default)]
    pub notice: String,
    /// The count a notice names.
    #[serde(default)]
    pub n: Option<i64>,
    /// "1": only the returns this actor's unit confirms (the dashboard's 摸排表待确认 figure).
    #[serde(default)]
    pub mine: String,
}

pub struct UnitView {
    pub name: String,
    /// The full name when `name` is a short one.
    pub full: Option<String>,
    pub href: String,
    pub progress: ProgressView,
    pub missing_href: String,
    pub waiting_href: String,
    pub confirmed_href: String,
}

pub struct ReturnView {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub state: &'static str,
    pub class: &'static str,
    pub operating: String,
    pub formal: String,
    pub filled_by: String,
    pub href: String,
}

pub(super) fn state_class(s: ReturnState) -> &'static str {
    match s {
        ReturnState::Missing => "state-open",
        ReturnState::Returned => "state-submitted",
        ReturnState::Confirmed => "state-closed",
    }
}

pub(super) fn return_view(c: &Campaign, r: &ReturnRow) -> ReturnView {
    ReturnView {
        code: r.credit_code.clone(),
        name: r.org_name.clone(),
        unit: r
            .responsible_unit
            .clone()
            .unwrap_or_else(|| "（无法确定）".into()),
        state: r.state.label(),
        class: state_class(r.state),
        operating: r
            .ret
            .as_ref()
            .map(|x| x.operating_state.label().to_string())
            .unwrap_or_default(),
        formal: r
            .ret
            .as_ref()
            .map(|x| x.formal_members.to_string())
            .unwrap_or_default(),
        filled_by: r.filled_by.clone().unwrap_or_default(),
        href: format!("/census/{}/orgs/{}", c.id, r.credit_code),
    }
}

#[derive(Template)]
#[template(path = "census_campaign.html")]
pub struct CampaignPage {
    pub layout: Layout,
    pub c: CampaignView,
    pub units: Vec<UnitView>,
    pub rows: Vec<ReturnView>,
    pub states: Vec<(&'static str, &'static str, bool)>,
    pub q: String,
    pub unit: String,
    pub unit_label: Option<String>,
    pub total: String,
    pub page: i64,
    pub pages: i64,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub may_confirm: bool,
    pub may_fill: bool,
    pub waiting_in_view: i64,
    pub notice: Option<String>,
    pub report: Option<ReportView>,
    /// When only this actor's returns to confirm are listed: the same list without that limit.
    pub all_href: Option<String>,
}

pub async fn campaign(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    Params(q): Params<CampaignQuery>,
) -> Result<Response, PageError> {
    campaign_page(&s, &actor, id, &q, None).await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
    /// Only this responsible unit's returns (id, or "none"); all in scope when empty.
    #[serde(default)]
    pub unit: String,
}

/// Confirms every returned, unconfirmed return in the actor's scope (optionally of one unit).
pub async fn confirm_all(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let c = visible_campaign(&s, &actor, id).await?;
    // A unit that cannot be read must not widen the confirmation to every unit.
    if !f.unit.is_empty() && unit_filter(&f.unit).is_none() {
        return Err(WebError::BadRequest(format!("责任单位参数“{}”无效", f.unit)).into());
    }
    let n = census::confirm_all(&s.db, &actor, &c, unit_filter(&f.unit)).await?;
    Ok(Redirect::to(&format!("/census/{id}?notice=confirmed_all&n={n}")).into_response())
}
