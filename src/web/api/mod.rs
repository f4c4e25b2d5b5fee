//! The JSON API (`/api/v1`): every handler reads within the actor's scope; lists come a page
//! at a time (`page`, `per_page` up to 1,000, with the `total`).

mod registry;

pub use registry::{instructors, party_org, party_orgs};

use axum::extract::{Path, State};
use axum::{Extension, Json};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::auth::Actor;
use super::query::{OrgQuery, PageQuery, Params};
use super::{AppState, WebError};
use crate::db::{OrgFilter, OrgSort, RuleTable, subtree};
use crate::domain::codes::RegionCode;
use crate::domain::model::{OrgKind, OrgStatus};
use crate::stats::{self, By};

pub(super) type ApiResult<T> = Result<Json<T>, WebError>;

fn parse_date(name: &str, value: Option<&String>) -> Result<Option<NaiveDate>, WebError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| super::dates::parse_day(&format!("参数 {name}="), v).map_err(WebError::BadRequest))
        .transpose()
}

fn parse_bool(name: &str, value: Option<&String>) -> Result<Option<bool>, WebError> {
    match value.map(String::as_str) {
        None | Some("") => Ok(None),
        Some("true" | "1" | "yes") => Ok(Some(true)),
        Some("false" | "0" | "no") => Ok(Some(false)),
        Some(v) => Err(WebError::BadRequest(format!(
            "参数 {name}=“{v}” 应为 true 或 false"
        ))),
    }
}

pub async fn healthz(State(s): State<AppState>) -> Result<&'static str, WebError> {
    s.db.is_empty().await?;
    Ok("ok")
}

/// A date and a grouping (`?as_of=&by=`).
#[derive(Debug, Deserialize)]
pub struct DateQuery {
    pub as_of: Option<String>,
    pub by: Option<String>,
}

pub async fn coverage(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<DateQuery>,
) -> ApiResult<stats::CoverageReport> {
    let as_of = parse_date("as_of", q.as_of.as_ref())?.unwrap_or_else(|| s.clock.today());
    let by = match q.by.as_deref() {
        None | Some("") => By::Region,
        Some(v) => By::parse(v).ok_or_else(|| {
            WebError::BadRequest(format!(
                "参数 by=“{v}” 应为 region、responsible-unit 或 kind"
            ))
        })?,
    };
    Ok(Json(stats::coverage(&s.db, &actor.scope, as_of, by).await?))
}

pub async fn cross_appointment(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<DateQuery>,
) -> ApiResult<stats::CrossAppointment> {
    let as_of = parse_date("as_of", q.as_of.as_ref())?.unwrap_or_else(|| s.clock.today());
    Ok(Json(
        stats::cross_appointment(&s.db, &actor.scope, as_of).await?,
    ))
}

#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<T>,
}

/// Builds the org filter from the query string (shared with the pages to come).
pub(super) async fn org_filter(s: &AppState, q: &OrgQuery) -> Result<OrgFilter, WebError> {
    let as_of = parse_date("as_of", q.as_of.as_ref())?;
    let regions = s.db.regions().await?;
    let region_param =
        |name: &str, value: &Option<String>| -> Result<Option<RegionCode>, WebError> {
            match value.as_ref().filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => {
                    let code = RegionCode::parse(v)
                        .map_err(|e| WebError::BadRequest(format!("参数 {name}=“{v}”：{e}")))?;
                    if regions.iter().any(|r| r.code == code) {
                        Ok(Some(code))
                    } else {
                        Err(WebError::BadRequest(format!(
                            "参数 {name}=“{v}”：区划不存在"
                        )))
                    }
                }
            }
        };
    let region_set = match (
        region_param("region", &q.region)?,
        region_param("region_own", &q.region_own)?,
    ) {
        (Some(r), _) => Some(subtree(&regions, &r)),
        (None, Some(r)) => Some(vec![r]),
        (None, None) => None,
    };
    let responsible_unit = match &q.responsible_unit {
        None => None,
        Some(name) if name.is_empty() => Some(None),
        Some(name) => {
            let units = s.db.units().await?;
            let unit = units.iter().find(|u| &u.name == name).ok_or_else(|| {
                WebError::BadRequest(format!("参数 responsible_unit=“{name}”：单位不存在"))
            })?;
            Some(Some(unit.id))
        }
    };
    let kind = match q.kind.as_ref().filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(
            OrgKind::from_code(v)
                .ok_or_else(|| WebError::BadRequest(format!("参数 kind=“{v}” 无效")))?,
        ),
    };
    let status = match q.status.as_ref().filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => Some(
            OrgStatus::from_code(v)
                .ok_or_else(|| WebError::BadRequest(format!("参数 status=“{v}” 无效")))?,
        ),
    };
    let sort = match q.sort.as_deref() {
        None | Some("" | "credit_code") => OrgSort::CreditCode,
        Some("name") => OrgSort::Name,
        Some("registered_on") => OrgSort::RegisteredOn,
        Some("region") => OrgSort::Region,
        Some(v) => {
            return Err(WebError::BadRequest(format!(
                "参数 sort=“{v}” 应为 credit_code、name、registered_on 或 region"
            )));
        }
    };
    let per_page = q
        .per_page
        .as_ref()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50i64)
        .clamp(1, 1000);
    let page = q
        .page
        .as_ref()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1i64)
        .max(1);
    Ok(OrgFilter {
        as_of,
        // With a date, the list is the population counted at that date: the drill-down of a
        // figure. Without one, the whole registry.
        in_scope_only: parse_bool("in_scope", q.in_scope.as_ref())?.unwrap_or(as_of.is_some()),
        regions: region_set,
        kind,
        status,
        responsible_unit,
        covered: parse_bool("covered", q.covered.as_ref())?,
        own_covered: parse_bool("own_covered", q.own_covered.as_ref())?,
        work_covered: parse_bool("work_covered", q.work_covered.as_ref())?,
        abnormal: parse_bool("abnormal", q.abnormal.as_ref())?,
        should_establish_own: parse_bool("should_establish_own", q.should_establish_own.as_ref())?,
        should_establish_none: parse_bool(
            "should_establish_none",
            q.should_establish_none.as_ref(),
        )?,
        q: q.q.clone(),
        cross: match q.cross.as_deref().filter(|v| !v.is_empty()) {
            None => None,
            Some("two_way") => Some(crate::db::Cross::TwoWay),
            Some("head_secretary") => Some(crate::db::Cross::HeadIsSecretary),
            Some(v) => {
                return Err(WebError::BadRequest(format!(
                    "参数 cross=“{v}” 应为 two_way 或 head_secretary"
                )));
            }
        },
        sort,
        descending: q.order.as_deref() == Some("desc"),
        offset: (page - 1).saturating_mul(per_page),
        limit: per_page,
    })
}

pub async fn orgs(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<OrgQuery>,
) -> ApiResult<Page<crate::db::OrgListItem>> {
    let filter = org_filter(&s, &q).await?;
    let rules = RuleTable::load(&s.db, filter.as_of.unwrap_or_else(|| s.clock.today())).await?;
    let (items, total) =
        s.db.list_orgs(
            &actor.scope,
            &filter,
            rules.int(crate::domain::rules::Rule::OwnOrgMinFormalMembers)?,
            s.clock.today(),
        )
        .await?;
    Ok(Json(Page {
        total,
        page: filter.offset / filter.limit + 1,
        per_page: filter.limit,
        items,
    }))
}

pub async fn org(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(code): Path<String>,
) -> ApiResult<crate::db::OrgDetail> {
    let code = crate::domain::codes::normalize_code(&code);
    let rules = RuleTable::load(&s.db, s.clock.today()).await?;
    let detail =
        s.db.org_detail(
            &actor.scope,
            &code,
            rules.int(crate::domain::rules::Rule::OwnOrgMinFormalMembers)?,
            s.clock.today(),
        )
        .await?;
    detail.map(Json).ok_or(WebError::NotFound)
}

pub async fn regions(State(s): State<AppState>) -> ApiResult<Vec<crate::db::Region>> {
    Ok(Json(s.db.regions().await?))
}

pub async fn units(State(s): State<AppState>) -> ApiResult<Vec<crate::db::Unit>> {
    Ok(Json(s.db.units().await?))
}

pub async fn quality(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> ApiResult<crate::db::Quality> {
    Ok(Json(s.db.quality(&actor.scope, s.clock.today()).await?))
}

#[derive(Debug, Serialize)]
pub struct AuditView {
    pub total: i64,
    pub entries: Vec<crate::db::AuditEntry>,
    pub changes: Vec<crate::db::ChangeEntry>,
}

pub async fn audit(
    State(s): State<AppState>,
    Params(q): Params<PageQuery>,
) -> ApiResult<AuditView> {
    let page = q.number();
    let (entries, total) =
        s.db.audit_entries((page - 1).saturating_mul(100), 100)
            .await?;
    Ok(Json(AuditView {
        total,
        entries,
        changes: s.db.changes(100).await?,
    }))
}

#[derive(Debug, Serialize)]
pub struct RuleView {
    pub key: String,
    pub value: String,
    pub source: String,
    pub effective_from: String,
    pub note: String,
}

pub async fn rules(State(s): State<AppState>) -> ApiResult<Vec<RuleView>> {
    Ok(Json(
        s.db.rule_versions()
            .await?
            .into_iter()
            .map(|(key, value, source, effective_from, note)| RuleView {
                key,
                value,
                source,
                effective_from,
                note,
            })
            .collect(),
    ))
}

pub async fn users(State(s): State<AppState>) -> ApiResult<Vec<crate::db::User>> {
    Ok(Json(s.db.users().await?))
}

/// The census campaigns the actor sees, newest first, with their progress within its scope.
pub async fn campaigns(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> ApiResult<Vec<crate::db::CampaignSummary>> {
    Ok(Json(s.db.campaigns(&actor.scope).await?))
}

/// The filter of a campaign's returns (`?state=&q=&page=&per_page=`).
#[derive(Debug, Deserialize)]
pub struct ReturnsQuery {
    pub state: Option<String>,
    pub q: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

/// A campaign's orgs in the actor's scope with their returns; filters `state` (missing,
/// returned, confirmed) and `q`, paged like the org list.
pub async fn campaign_returns(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    Params(q): Params<ReturnsQuery>,
) -> ApiResult<Page<crate::db::ReturnRow>> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let campaign =
        s.db.campaign(&actor.scope, id)
            .await?
            .ok_or(WebError::NotFound)?;
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(v) => Some(
            crate::domain::census::ReturnState::from_code(v).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "参数 state=“{v}” 应为 missing、returned 或 confirmed"
                ))
            })?,
        ),
    };
    let number = |name: &str, value: &Option<String>, default: i64| -> Result<i64, WebError> {
        match value.as_deref() {
            None | Some("") => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| WebError::BadRequest(format!("参数 {name}=“{v}” 应为正整数"))),
        }
    };
    let per_page = number("per_page", &q.per_page, 50)?.min(1000);
    let page = number("page", &q.page, 1)?;
    let filter = crate::db::ReturnFilter {
        state,
        unit: None,
        q: q.q.clone(),
        confirmable_only: false,
        offset: (page - 1).saturating_mul(per_page),
        limit: per_page,
    };
    let (items, total) =
        s.db.campaign_returns(&actor.scope, &campaign, &filter)
            .await?;
    Ok(Json(Page {
        total,
        page,
        per_page,
        items,
    }))
}
