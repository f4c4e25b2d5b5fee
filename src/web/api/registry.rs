//! Party orgs and instructors in the JSON API: a page at a time, with the filters of their
//! pages, each with its links (or stations) to the orgs in the reader's scope.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::Serialize;

use super::{ApiResult, Page};
use crate::db::{InstructorFilter, PartyOrgFilter, Rows};
use crate::domain::codes::{CitizenId, Phone};
use crate::web::auth::Actor;
use crate::web::pages::registry::{InstructorQuery, PartyOrgQuery};
use crate::web::query::Params;
use crate::web::{AppState, WebError};

#[derive(Debug, Serialize)]
pub struct PartyOrgView {
    pub name: String,
    pub kind: String,
    pub formation: String,
    pub parent: Option<String>,
    pub founded_on: String,
    pub dissolved_on: Option<String>,
    pub member_count: Option<i64>,
    pub secretary: Option<String>,
    pub covers: Vec<LinkView>,
}

#[derive(Debug, Serialize)]
pub struct LinkView {
    pub credit_code: String,
    pub from: String,
    pub to: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct InstructorView {
    pub name: String,
    /// Masked unless the role needs it (city and county admins; each view audited).
    pub citizen_id: Option<String>,
    pub phone: Option<String>,
    pub home_unit: String,
    pub role: String,
    pub stations: Vec<LinkView>,
}

/// The API's paging: `page` from 1, `per_page` 1–1,000 (50 by default).
fn paging(page: &Option<String>, per_page: &Option<String>) -> (i64, i64) {
    let per_page = per_page
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50i64)
        .clamp(1, 1000);
    let page = page
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1i64)
        .clamp(1, 1_000_000);
    (page, per_page)
}

fn links(list: Vec<(String, String, Option<String>)>) -> Vec<LinkView> {
    list.into_iter()
        .map(|(credit_code, from, to)| LinkView {
            credit_code,
            from,
            to,
        })
        .collect()
}

async fn party_page(
    s: &AppState,
    actor: &Actor,
    filter: &PartyOrgFilter,
    page: i64,
    per_page: i64,
) -> Result<Page<PartyOrgView>, WebError> {
    let rows = Rows {
        sort: "name",
        descending: false,
        offset: (page - 1) * per_page,
        limit: per_page,
    };
    let (items, total) = s.db.party_org_page(&actor.scope, filter, rows).await?;
    let ids: Vec<i64> = items.iter().map(|p| p.id).collect();
    let mut covers =
        s.db.links_of(&actor.scope, "coverage_links", "party_org_id", &ids)
            .await?;
    Ok(Page {
        total,
        page,
        per_page,
        items: items
            .into_iter()
            .map(|p| PartyOrgView {
                covers: links(covers.remove(&p.id).unwrap_or_default()),
                name: p.name,
                kind: p.kind,
                formation: p.formation,
                parent: p.parent,
                founded_on: p.founded_on,
                dissolved_on: p.dissolved_on,
                member_count: p.member_count,
                secretary: p.secretary,
            })
            .collect(),
    })
}

/// Party orgs in scope, by name (the collation's order), filtered as on the page.
pub async fn party_orgs(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<PartyOrgQuery>,
) -> ApiResult<Page<PartyOrgView>> {
    let filter = q.filter(&s).await.map_err(|e| e.0)?;
    let (page, per_page) = paging(&q.paging.page, &q.paging.per_page);
    Ok(Json(party_page(&s, &actor, &filter, page, per_page).await?))
}

/// One party org by name, if in scope.
pub async fn party_org(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(name): Path<String>,
) -> ApiResult<PartyOrgView> {
    let filter = PartyOrgFilter {
        name: Some(name),
        ..PartyOrgFilter::default()
    };
    party_page(&s, &actor, &filter, 1, 1)
        .await?
        .items
        .pop()
        .map(Json)
        .ok_or(WebError::NotFound)
}

/// Instructors in scope, by name, filtered as on the page; personal data masked unless the
/// role needs it.
pub async fn instructors(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<InstructorQuery>,
) -> ApiResult<Page<InstructorView>> {
    let filter: InstructorFilter = q.filter().map_err(|e| e.0)?;
    let (page, per_page) = paging(&q.paging.page, &q.paging.per_page);
    let rows = Rows {
        sort: "name",
        descending: false,
        offset: (page - 1) * per_page,
        limit: per_page,
    };
    let (items, total) = s.db.instructor_page(&actor.scope, &filter, rows).await?;
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let mut stations =
        s.db.links_of(&actor.scope, "stations", "instructor_id", &ids)
            .await?;
    // Roles that manage instructors see ID and phone numbers in full; every such view is audited.
    let unmasked = actor.role().sees_personal_data();
    if unmasked
        && items
            .iter()
            .any(|i| i.citizen_id.is_some() || i.phone.is_some())
    {
        crate::app::audit::personal_data_shown(&s.db, &actor, "/api/v1/instructors").await?;
    }
    let mask_id = |c: &str| match CitizenId::parse(c) {
        Ok(id) if !unmasked => id.masked(),
        Ok(id) => id.as_str().to_string(),
        Err(_) => "******".into(),
    };
    let mask_phone = |p: &str| match Phone::parse(p) {
        Ok(ph) if !unmasked => ph.masked(),
        Ok(ph) => ph.as_str().to_string(),
        Err(_) => "******".into(),
    };
    Ok(Json(Page {
        total,
        page,
        per_page,
        items: items
            .into_iter()
            .map(|i| InstructorView {
                citizen_id: i.citizen_id.as_deref().map(mask_id),
                phone: i.phone.as_deref().map(mask_phone),
                stations: links(stations.remove(&i.id).unwrap_or_default()),
                name: i.name,
                home_unit: i.home_unit,
                role: i.role,
            })
            .collect(),
    }))
}
