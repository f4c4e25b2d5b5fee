//! The campaigns with their progress, and opening one.

use super::*;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::{PageError, frame, render};
use crate::app::census;
use crate::domain::census::CampaignInput;
use crate::web::AppState;
use crate::web::auth::Actor;
use crate::web::layout::Layout;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CampaignForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub reference_date: String,
    #[serde(default)]
    pub end_date: String,
    #[serde(default)]
    pub region: String,
}

#[derive(Template)]
#[template(path = "census.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<CampaignView>,
    pub may_open: bool,
    pub regions: Vec<(String, String)>,
    pub form: CampaignForm,
    pub error: Option<String>,
}

/// The regions an actor may open a campaign for (code, name).
pub(super) async fn openable_regions(
    s: &AppState,
    actor: &Actor,
) -> Result<Vec<(String, String)>, PageError> {
    Ok(census::openable_regions(s.db.regions().await?, actor)
        .into_iter()
        .map(|r| (r.code.as_str().to_string(), r.name))
        .collect())
}

pub(super) async fn list_page(
    s: &AppState,
    actor: &Actor,
    form: CampaignForm,
    error: Option<String>,
) -> Result<Response, PageError> {
    let campaigns = s.db.campaigns(&actor.scope).await?;
    let may_open = crate::domain::ledger::is_verifier(actor.role());
    let page = ListPage {
        layout: frame(actor, "摸排", "census", Vec::new()),
        rows: campaigns
            .iter()
            .map(|c| campaign_view(c, s.clock.today()))
            .collect(),
        may_open,
        regions: if may_open {
            openable_regions(s, actor).await?
        } else {
            Vec::new()
        },
        form,
        error,
    };
    Ok(render(&page)?.into_response())
}

pub async fn list(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    let t = s.clock.today();
    let form = CampaignForm {
        reference_date: t.to_string(),
        end_date: crate::domain::ledger::add_months(t, 1).to_string(),
        ..CampaignForm::default()
    };
    list_page(&s, &actor, form, None).await
}

/// Opens a campaign (city and county admins, for a region in their scope), then raises the
/// census_missing items if its reference date has come.
pub async fn create(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(f): Form<CampaignForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let date = |text: &str, what: &str| crate::web::dates::parse_day(what, text);
    let input = match (
        date(&f.reference_date, "摸排基准日"),
        date(&f.end_date, "截止日期"),
    ) {
        (Ok(reference_date), Ok(end_date)) => CampaignInput {
            name: f.name.clone(),
            reference_date,
            end_date,
        },
        (Err(e), _) | (_, Err(e)) => return list_page(&s, &actor, f, Some(e)).await,
    };
    match census::open(&s.db, &actor, &input, &f.region).await? {
        Ok(id) => Ok(Redirect::to(&format!("/census/{id}")).into_response()),
        Err(message) => list_page(&s, &actor, f, Some(message)).await,
    }
}
