//! 摸排 (census campaigns, `domain.md` §4.3): the campaigns with their progress, opening one,
//! a campaign's progress per responsible unit and its orgs, the return form, confirmation (one
//! or all), and the campaign's workbook (download prefilled, upload all-or-nothing).

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::{PageError, count, frame, read_upload, render, xlsx_download};
use crate::db::{Campaign, CampaignSummary, Progress, ReturnFilter, ReturnRow, ReturnWrite, Scope};
use crate::domain::census::{CampaignInput, CensusReturn, ReturnState, is_confirmer};
use crate::domain::codes::RegionCode;
use crate::domain::ledger::is_worker;
use crate::domain::model::{OperatingState, PartyOrgStatus};
use crate::excel::columns;
use crate::excel::import::validate_census;
use crate::excel::problems::{Report, Severity};
use crate::excel::writer::{OutCell, OutSheet};
use crate::web::auth::{Actor, url_encode};
use crate::web::layout::Layout;
use crate::web::{AppState, WebError};

const PER_PAGE: i64 = 50;

/// Progress as the pages show it.
pub struct ProgressView {
    pub total: String,
    pub returned: String,
    pub confirmed: String,
    pub waiting: String,
    pub missing: String,
    /// Percent confirmed (0–100), for the bar.
    pub percent: i64,
}

impl ProgressView {
    fn new(p: &Progress) -> ProgressView {
        ProgressView {
            total: count(p.total),
            returned: count(p.returned),
            confirmed: count(p.confirmed),
            waiting: count(p.waiting()),
            missing: count(p.missing()),
            percent: if p.total == 0 {
                0
            } else {
                // Rounded half up: 2 of 3 is 67%.
                (p.confirmed * 200 + p.total) / (2 * p.total)
            },
        }
    }
}

pub struct CampaignView {
    pub id: i64,
    pub name: String,
    pub reference_date: String,
    pub end_date: String,
    pub region: String,
    pub ended: bool,
    pub progress: ProgressView,
}

fn campaign_view(c: &CampaignSummary, today: chrono::NaiveDate) -> CampaignView {
    CampaignView {
        id: c.campaign.id,
        name: c.campaign.name.clone(),
        reference_date: c.campaign.reference_date.to_string(),
        end_date: c.campaign.end_date.to_string(),
        region: c.campaign.region_name.clone(),
        ended: c.campaign.end_date < today,
        progress: ProgressView::new(&c.progress),
    }
}

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

/// The regions an actor may open a campaign for: the whole tree for the city, the county's
/// regions for a county admin.
async fn openable_regions(s: &AppState, actor: &Actor) -> Result<Vec<(String, String)>, PageError> {
    let regions = s.db.regions().await?;
    Ok(regions
        .into_iter()
        .filter(|r| match &actor.scope {
            Scope::City => true,
            Scope::Regions(codes) => codes.contains(&r.code),
            _ => false,
        })
        .map(|r| (r.code.as_str().to_string(), r.name))
        .collect())
}

async fn list_page(
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
        (Ok(reference_date), _) if reference_date > s.clock.today() => {
            return list_page(
                &s,
                &actor,
                f,
                Some(format!(
                    "摸排基准日 {reference_date} 晚于今天：摸排范围按基准日在册的社会组织确定，基准日不能在将来"
                )),
            )
            .await;
        }
        (Ok(reference_date), Ok(end_date)) => CampaignInput {
            name: f.name.clone(),
            reference_date,
            end_date,
        },
        (Err(e), _) | (_, Err(e)) => return list_page(&s, &actor, f, Some(e)).await,
    };
    let allowed = openable_regions(&s, &actor).await?;
    let Some(region) = allowed
        .iter()
        .find(|(code, _)| *code == f.region)
        .and_then(|(code, _)| RegionCode::parse(code).ok())
    else {
        return list_page(&s, &actor, f, Some("请选择您管理范围内的区划".into())).await;
    };
    match s
        .db
        .create_campaign(&input, &region, &actor.user.username)
        .await?
    {
        Ok(id) => {
            s.db.detect(&actor.scope, &actor.user.username, s.clock.today())
                .await?;
            Ok(Redirect::to(&format!("/census/{id}")).into_response())
        }
        Err(message) => list_page(&s, &actor, f, Some(message)).await,
    }
}

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

fn state_class(s: ReturnState) -> &'static str {
    match s {
        ReturnState::Missing => "state-open",
        ReturnState::Returned => "state-submitted",
        ReturnState::Confirmed => "state-closed",
    }
}

fn return_view(c: &Campaign, r: &ReturnRow) -> ReturnView {
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

/// An upload's validation report in the page.
pub struct ReportView {
    pub errors: usize,
    pub warnings: usize,
    pub lines: Vec<(bool, String)>,
    pub more: usize,
}

fn report_view(report: &Report) -> ReportView {
    const SHOWN: usize = 200;
    let lines: Vec<(bool, String)> = report
        .problems
        .iter()
        .take(SHOWN)
        .map(|p| (p.severity == Severity::Error, p.to_string()))
        .collect();
    ReportView {
        errors: report.errors,
        warnings: report.warnings,
        more: report.problems.len().saturating_sub(lines.len()),
        lines,
    }
}

async fn visible_campaign(s: &AppState, actor: &Actor, id: i64) -> Result<Campaign, PageError> {
    s.db.campaign(&actor.scope, id)
        .await?
        .ok_or_else(|| WebError::NotFound.into())
}

fn unit_filter(text: &str) -> Option<Option<i64>> {
    match text {
        "" => None,
        "none" => Some(None),
        t => t.parse().ok().map(Some),
    }
}

/// The words of a notice code (anything else shows nothing).
fn notice_text(code: &str, n: Option<i64>) -> Option<String> {
    Some(match code {
        "confirmed_all" => format!("已确认 {} 份摸排表", n.unwrap_or(0)),
        "confirmed" => "已确认".into(),
        "nothing_to_confirm" => "没有待确认的摸排表（尚未填报或已确认）".into(),
        "unchanged" => "摸排表没有变化，未重新保存".into(),
        "saved_confirmed" => "已保存并确认".into(),
        "saved" => "已保存，待责任单位确认".into(),
        _ => return None,
    })
}

async fn campaign_page(
    s: &AppState,
    actor: &Actor,
    id: i64,
    q: &CampaignQuery,
    report: Option<ReportView>,
) -> Result<Response, PageError> {
    campaign_page_with(s, actor, id, q, report, notice_text(&q.notice, q.n)).await
}

async fn campaign_page_with(
    s: &AppState,
    actor: &Actor,
    id: i64,
    q: &CampaignQuery,
    report: Option<ReportView>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let c = visible_campaign(s, actor, id).await?;
    let units = s.db.unit_progress(&actor.scope, &c).await?;
    let progress = Progress::sum(&units);
    let state = ReturnState::from_code(&q.state);
    let page = q.page.unwrap_or(1).max(1);
    let mine_only = q.mine == "1" && is_confirmer(actor.role());
    let filter = ReturnFilter {
        state,
        unit: unit_filter(&q.unit),
        q: Some(q.q.clone()),
        confirmable_only: mine_only,
        offset: (page - 1).saturating_mul(PER_PAGE),
        limit: PER_PAGE,
    };
    let (rows, total) = s.db.campaign_returns(&actor.scope, &c, &filter).await?;
    // The returns waiting that this actor's unit confirms, within the unit filter shown.
    let (_, waiting_mine) =
        s.db.campaign_returns(
            &actor.scope,
            &c,
            &ReturnFilter {
                state: Some(ReturnState::Returned),
                unit: filter.unit,
                confirmable_only: true,
                limit: 0,
                ..ReturnFilter::default()
            },
        )
        .await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let base = format!("/census/{}", c.id);
    let link_to = |state: &str, unit: &str, page: i64, mine: bool| {
        let mut parts = Vec::new();
        if !state.is_empty() {
            parts.push(format!("state={state}"));
        }
        if !unit.is_empty() {
            parts.push(format!("unit={unit}"));
        }
        if !q.q.is_empty() {
            parts.push(format!("q={}", url_encode(&q.q)));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        if mine {
            parts.push("mine=1".to_string());
        }
        if parts.is_empty() {
            base.clone()
        } else {
            format!("{base}?{}", parts.join("&"))
        }
    };
    let link = |state: &str, unit: &str, page: i64| link_to(state, unit, page, mine_only);
    let unit_key = |id: Option<i64>| id.map_or("none".to_string(), |i| i.to_string());
    let unit_label = filter.unit.map(|u| {
        units
            .iter()
            .find(|x| x.unit_id == u)
            .and_then(|x| x.unit.clone())
            .unwrap_or_else(|| "（无法确定责任单位）".into())
    });
    let summary = CampaignSummary {
        campaign: c.clone(),
        progress,
    };
    let view = CampaignPage {
        layout: frame(
            actor,
            &c.name,
            "census",
            vec![("摸排".into(), "/census".into())],
        ),
        c: campaign_view(&summary, s.clock.today()),
        units: units
            .iter()
            .map(|u| UnitView {
                name: u
                    .unit
                    .clone()
                    .unwrap_or_else(|| "（无法确定责任单位）".into()),
                href: link("", &unit_key(u.unit_id), 1),
                progress: ProgressView::new(&u.progress),
                missing_href: link("missing", &unit_key(u.unit_id), 1),
                waiting_href: link("returned", &unit_key(u.unit_id), 1),
                confirmed_href: link("confirmed", &unit_key(u.unit_id), 1),
            })
            .collect(),
        rows: rows.iter().map(|r| return_view(&c, r)).collect(),
        states: ReturnState::ALL
            .iter()
            .map(|st| (st.code(), st.label(), Some(*st) == state))
            .collect(),
        q: q.q.clone(),
        // An unreadable unit filters nothing and is not carried on (to 全部确认).
        unit: if filter.unit.is_some() {
            q.unit.clone()
        } else {
            String::new()
        },
        unit_label,
        total: count(total),
        page,
        pages,
        prev_href: (page > 1).then(|| link(&q.state, &q.unit, page - 1)),
        next_href: (page < pages).then(|| link(&q.state, &q.unit, page + 1)),
        may_confirm: is_confirmer(actor.role()),
        may_fill: is_worker(actor.role()),
        waiting_in_view: if is_confirmer(actor.role()) {
            waiting_mine
        } else {
            0
        },
        notice,
        report,
        all_href: mine_only.then(|| link_to(&q.state, &q.unit, 1, false)),
    };
    Ok(render(&view)?.into_response())
}

pub async fn campaign(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    Query(q): Query<CampaignQuery>,
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
    let ids = match unit_filter(&f.unit) {
        None => None,
        Some(unit) => {
            let filter = ReturnFilter {
                state: Some(ReturnState::Returned),
                unit: Some(unit),
                limit: 10_000_000,
                ..ReturnFilter::default()
            };
            let (rows, _) = s.db.campaign_returns(&actor.scope, &c, &filter).await?;
            Some(rows.iter().map(|r| r.org_id).collect::<Vec<_>>())
        }
    };
    let n =
        s.db.confirm_returns(&actor.scope, &c, ids.as_deref(), &actor.user.username)
            .await?;
    s.db.audit(
        &actor.user.username,
        "census_confirm",
        &c.name,
        &format!("确认 {n} 份摸排表"),
        &actor.client,
    )
    .await?;
    s.db.detect(&actor.scope, &actor.user.username, s.clock.today())
        .await?;
    Ok(Redirect::to(&format!("/census/{id}?notice=confirmed_all&n={n}")).into_response())
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    pub csrf: String,
    /// save, save_confirm, or confirm.
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub operating_state: String,
    #[serde(default)]
    pub staff_count: String,
    #[serde(default)]
    pub member_count: String,
    #[serde(default)]
    pub formal_members: String,
    #[serde(default)]
    pub probationary_members: String,
    #[serde(default)]
    pub party_org_status: String,
    #[serde(default)]
    pub note: String,
}

impl ReturnForm {
    fn from_return(r: &CensusReturn) -> ReturnForm {
        let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        ReturnForm {
            operating_state: r.operating_state.code().into(),
            staff_count: opt(r.staff_count),
            member_count: opt(r.member_count),
            formal_members: r.formal_members.to_string(),
            probationary_members: r.probationary_members.to_string(),
            party_org_status: r.party_org_status.code().into(),
            note: r.note.clone().unwrap_or_default(),
            ..ReturnForm::default()
        }
    }

    /// The return, or the problems by field (in Chinese).
    fn parse(&self) -> Result<CensusReturn, Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        let mut number =
            |field: &'static str, label: &str, text: &str, required: bool| match text.trim() {
                "" if required => {
                    problems.push((field, format!("请填写{label}（没有请填 0）")));
                    None
                }
                "" => None,
                // Full-width digits (３) as typed with a Chinese input method are digits.
                t => match crate::domain::codes::to_half_width(t).trim().parse::<i64>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        problems.push((field, format!("{label}“{t}”应为整数")));
                        None
                    }
                },
            };
        let staff = number("staff_count", "从业人员数", &self.staff_count, false);
        let members = number("member_count", "会员数", &self.member_count, false);
        let formal = number("formal_members", "正式党员数", &self.formal_members, true);
        let probationary = number(
            "probationary_members",
            "预备党员数",
            &self.probationary_members,
            false,
        );
        let operating = OperatingState::from_code(&self.operating_state);
        if operating.is_none() {
            problems.push(("operating_state", "请选择运行状态".into()));
        }
        let party = PartyOrgStatus::from_code(&self.party_org_status);
        if party.is_none() {
            problems.push(("party_org_status", "请选择党组织状况".into()));
        }
        let (Some(operating), Some(formal), Some(party)) = (operating, formal, party) else {
            return Err(problems);
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let note = self.note.trim();
        let r = CensusReturn {
            operating_state: operating,
            staff_count: staff,
            member_count: members,
            formal_members: formal,
            probationary_members: probationary.unwrap_or(0),
            party_org_status: party,
            note: (!note.is_empty()).then(|| note.to_string()),
        };
        let problems = r.problems();
        if problems.is_empty() {
            Ok(r)
        } else {
            Err(problems)
        }
    }
}

#[derive(Template)]
#[template(path = "census_return.html")]
pub struct ReturnPage {
    pub layout: Layout,
    pub campaign_id: i64,
    pub campaign: String,
    pub reference_date: String,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub state: &'static str,
    pub class: &'static str,
    pub filled: String,
    pub confirmed: String,
    pub form: ReturnForm,
    pub errors: Vec<(&'static str, String)>,
    pub operating: Vec<(&'static str, &'static str)>,
    pub party: Vec<(&'static str, &'static str)>,
    pub may_fill: bool,
    pub may_confirm: bool,
    pub can_confirm_now: bool,
    /// The form shows the registry's figures (no return yet).
    pub prefilled: bool,
}

impl ReturnPage {
    /// The error of a field, for the template.
    pub fn error_of(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}

async fn return_page(
    s: &AppState,
    actor: &Actor,
    id: i64,
    code: &str,
    form: Option<ReturnForm>,
    errors: Vec<(&'static str, String)>,
) -> Result<Response, PageError> {
    let c = visible_campaign(s, actor, id).await?;
    let code = crate::domain::codes::normalize_code(code);
    let row =
        s.db.campaign_return(&actor.scope, &c, &code)
            .await?
            .ok_or(WebError::NotFound)?;
    // A return not filled yet starts from the registry's figures, to be checked and corrected.
    let registry = match (&form, &row.ret) {
        (None, None) => s.db.org_record(&actor.scope, &row.credit_code).await?,
        _ => None,
    };
    let prefilled = registry.is_some();
    // …and its party organization as the registry has it at the reference date.
    let recorded_status = if prefilled {
        let rules = crate::db::RuleTable::load(&s.db, c.reference_date).await?;
        let filter = crate::db::OrgFilter {
            as_of: Some(c.reference_date),
            limit: 1,
            ..crate::db::OrgFilter::default()
        };
        let (items, _) =
            s.db.list_orgs(
                &crate::db::Scope::Org(row.org_id),
                &filter,
                rules.int("own_org_min_formal_members")?,
                s.clock.today(),
            )
            .await?;
        items.first().map(|o| match (o.own_covered, o.covered) {
            (true, _) => PartyOrgStatus::Own,
            (false, true) => PartyOrgStatus::Joint,
            _ => PartyOrgStatus::None,
        })
    } else {
        None
    };
    let form = form.unwrap_or_else(|| match (&row.ret, &registry) {
        (Some(r), _) => ReturnForm::from_return(r),
        (None, Some(o)) => {
            let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
            ReturnForm {
                operating_state: OperatingState::Running.code().into(),
                staff_count: opt(o.staff_count),
                member_count: opt(o.member_count),
                formal_members: o.formal_members.to_string(),
                probationary_members: opt(o.probationary_members),
                party_org_status: recorded_status
                    .map(|p| p.code().to_string())
                    .unwrap_or_default(),
                ..ReturnForm::default()
            }
        }
        (None, None) => ReturnForm {
            operating_state: OperatingState::Running.code().into(),
            ..ReturnForm::default()
        },
    });
    let may_confirm = is_confirmer(actor.role()) && s.db.confirms(&actor.scope, row.org_id).await?;
    let who = |by: &Option<String>, at: &Option<String>| match (by, at) {
        (Some(b), Some(a)) => format!("{b}，{}", crate::clock::beijing_text(a)),
        _ => String::new(),
    };
    let page = ReturnPage {
        layout: frame(
            actor,
            &format!("摸排表：{}", row.org_name),
            "census",
            vec![
                ("摸排".into(), "/census".into()),
                (c.name.clone(), format!("/census/{}", c.id)),
            ],
        ),
        campaign_id: c.id,
        campaign: c.name.clone(),
        reference_date: c.reference_date.to_string(),
        code: row.credit_code.clone(),
        name: row.org_name.clone(),
        unit: row
            .responsible_unit
            .clone()
            .unwrap_or_else(|| "（无法确定）".into()),
        state: row.state.label(),
        class: state_class(row.state),
        filled: who(&row.filled_by, &row.filled_at),
        confirmed: who(&row.confirmed_by, &row.confirmed_at),
        form,
        errors,
        operating: OperatingState::ALL
            .iter()
            .map(|o| (o.code(), o.label()))
            .collect(),
        party: PartyOrgStatus::ALL
            .iter()
            .map(|o| (o.code(), o.label()))
            .collect(),
        may_fill: fills(actor, may_confirm),
        may_confirm,
        can_confirm_now: may_confirm && row.state == ReturnState::Returned,
        prefilled,
    };
    Ok(render(&page)?.into_response())
}

pub async fn return_form(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((id, code)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    return_page(&s, &actor, id, &code, None, Vec::new()).await
}

/// Whether the actor fills (and changes) a return of an org in its scope: the org's own user,
/// its instructors, and verifiers do; a department only for the orgs it is the responsible unit
/// of (`confirms`) — it sees those it merely supervises, as in the ledger.
fn fills(actor: &Actor, confirms: bool) -> bool {
    is_worker(actor.role()) && (actor.role() != crate::domain::role::Role::Department || confirms)
}

/// Saves a return (workers in scope), saves and confirms it, or confirms it as it stands
/// (confirmers); then runs detection, which marks the census_missing item closable.
pub async fn save_return(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((id, code)): Path<(i64, String)>,
    Form(f): Form<ReturnForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let c = visible_campaign(&s, &actor, id).await?;
    let code = crate::domain::codes::normalize_code(&code);
    let row =
        s.db.campaign_return(&actor.scope, &c, &code)
            .await?
            .ok_or(WebError::NotFound)?;
    let confirmer = is_confirmer(actor.role()) && s.db.confirms(&actor.scope, row.org_id).await?;
    if matches!(f.action.as_str(), "save" | "save_confirm") && !fills(&actor, confirmer) {
        return Err(WebError::BadRequest(
            "这个社会组织的摸排表由本组织、其党建指导员或其责任单位填报；本单位可以查看".into(),
        )
        .into());
    }
    let notice = match f.action.as_str() {
        "confirm" if !confirmer => {
            return Err(WebError::BadRequest(
                "这个社会组织的摸排表由其责任单位确认，您不能确认".into(),
            )
            .into());
        }
        "confirm" => {
            let n =
                s.db.confirm_returns(&actor.scope, &c, Some(&[row.org_id]), &actor.user.username)
                    .await?;
            if n == 0 {
                "nothing_to_confirm"
            } else {
                "confirmed"
            }
        }
        "save" | "save_confirm" => {
            let ret = match f.parse() {
                Ok(r) => r,
                Err(problems) => {
                    return return_page(&s, &actor, id, &code, Some(f), problems).await;
                }
            };
            let confirmed = f.action == "save_confirm" && confirmer;
            let changed =
                s.db.save_return(
                    &ReturnWrite {
                        campaign_id: c.id,
                        org_id: row.org_id,
                        ret: &ret,
                        confirmed,
                    },
                    &actor.user.username,
                )
                .await?;
            match (changed, confirmed) {
                (false, _) => "unchanged",
                (true, true) => "saved_confirmed",
                (true, false) => "saved",
            }
        }
        _ => return Err(WebError::BadRequest("未知的操作".into()).into()),
    };
    s.db.detect(&actor.scope, &actor.user.username, s.clock.today())
        .await?;
    Ok(Redirect::to(&format!("/census/{id}?notice={notice}")).into_response())
}

/// The campaign's 摸排 sheet for the actor's orgs, prefilled with the returns so far.
pub async fn download(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let c = visible_campaign(&s, &actor, id).await?;
    let filter = ReturnFilter {
        limit: 10_000_000,
        ..ReturnFilter::default()
    };
    let (rows, _) = s.db.campaign_returns(&actor.scope, &c, &filter).await?;
    let text = |s: &str| OutCell::Text(s.to_string());
    let int = |v: Option<i64>| v.map(OutCell::Int).unwrap_or(OutCell::Empty);
    let data = rows
        .iter()
        .map(|r| {
            let ret = r.ret.as_ref();
            vec![
                text(&c.name),
                text(&r.credit_code),
                text(&r.org_name),
                ret.map(|x| text(x.operating_state.label()))
                    .unwrap_or(OutCell::Empty),
                int(ret.and_then(|x| x.staff_count)),
                int(ret.and_then(|x| x.member_count)),
                int(ret.map(|x| x.formal_members)),
                int(ret.map(|x| x.probationary_members)),
                ret.map(|x| text(x.party_org_status.label()))
                    .unwrap_or(OutCell::Empty),
                text(if r.state == ReturnState::Confirmed {
                    "是"
                } else {
                    "否"
                }),
                ret.and_then(|x| x.note.as_deref())
                    .map(text)
                    .unwrap_or(OutCell::Empty),
            ]
        })
        .collect();
    let sheet = OutSheet {
        name: columns::CENSUS.name.to_string(),
        headers: columns::CENSUS
            .columns
            .iter()
            .map(|c| c.header.to_string())
            .collect(),
        required: columns::CENSUS.columns.iter().map(|c| c.required).collect(),
        rows: data,
        notes: Vec::new(),
        choices: crate::excel::export::choices(&columns::CENSUS),
    };
    let help = crate::excel::export::help_sheet(
        &columns::CENSUS,
        "每个社会组织一行；运行状态、人数、党组织状况等都未填写的行视为尚未填报，上传时跳过；\
         已确认 只对您负责确认的社会组织有效；任何一行有错误时不保存任何数据",
    );
    xlsx_download(
        &[sheet, help],
        &format!("census-{}.xlsx", c.id),
        &format!("{}-摸排表.xlsx", c.name),
    )
}

/// Uploads the campaign's 摸排 sheet: every row validated (org in this campaign and in the
/// actor's scope); nothing is saved unless every row is right. 已确认=是 counts only for
/// confirmers.
pub async fn upload(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let file = read_upload(&mut multipart, &actor, "摸排表.xlsx").await?;
    let c = visible_campaign(&s, &actor, id).await?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(WebError::BadRequest("请选择要上传的摸排表文件".into()).into());
    };
    let (wb, _) =
        super::parse_upload(name.clone(), bytes, crate::excel::source::Limits::CENSUS).await?;
    let wb = match wb {
        // One sheet (a single CSV file, whatever its name) is the 摸排 sheet.
        Ok(mut wb) => {
            if let [only] = wb.sheets.as_mut_slice()
                && only.name.trim() != columns::CENSUS.name
            {
                only.name = columns::CENSUS.name.to_string();
            }
            wb
        }
        Err(e) => {
            let mut report = Report::default();
            report.push(crate::excel::problems::Problem {
                severity: Severity::Error,
                sheet: String::new(),
                row: None,
                column: None,
                header: String::new(),
                value: name.clone(),
                message: e.to_string(),
            });
            return campaign_page(
                &s,
                &actor,
                id,
                &CampaignQuery::default(),
                Some(report_view(&report)),
            )
            .await;
        }
    };
    // A department fills the returns of the orgs it is responsible for (see `fills`).
    let mine =
        s.db.campaign_codes(
            &actor.scope,
            &c,
            actor.role() == crate::domain::role::Role::Department,
        )
        .await?;
    let known = crate::app::registry::known(&s.db).await?;
    let (mut records, mut report) =
        validate_census(&wb, &known, &|code| mine.contains(code), s.clock.today());
    for r in &records {
        if r.campaign != c.name {
            report.push(crate::excel::problems::Problem {
                severity: Severity::Error,
                sheet: columns::CENSUS.name.into(),
                row: None,
                column: None,
                header: "摸排名称".into(),
                value: r.campaign.clone(),
                message: format!("本页只接收摸排“{}”的摸排表", c.name),
            });
        }
    }
    if report.has_errors() {
        return campaign_page(
            &s,
            &actor,
            id,
            &CampaignQuery::default(),
            Some(report_view(&report)),
        )
        .await;
    }
    // 已确认=是 counts only for the returns this actor's unit confirms.
    let confirmable = if is_confirmer(actor.role()) {
        s.db.campaign_codes(&actor.scope, &c, true).await?
    } else {
        Default::default()
    };
    let mut unconfirmed = 0;
    for r in &mut records {
        if r.confirmed && !confirmable.contains(r.credit_code.as_str()) {
            r.confirmed = false;
            unconfirmed += 1;
        }
    }
    let n =
        s.db.import_returns(&c, &records, &actor.user.username)
            .await?;
    s.db.audit(
        &actor.user.username,
        "census_upload",
        &c.name,
        &format!("{name}：{} 行，{n} 份有变化", records.len()),
        &actor.client,
    )
    .await?;
    s.db.detect(&actor.scope, &actor.user.username, s.clock.today())
        .await?;
    let mut notice = format!("已导入 {} 行，其中 {n} 份摸排表有变化", records.len());
    if unconfirmed > 0 {
        notice.push_str(&format!(
            "；{unconfirmed} 行的“已确认”由其他责任单位负责，本次上传未作确认（原有的确认不变）"
        ));
    }
    if report.warnings > 0 {
        let first: Vec<String> = report
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .take(3)
            .map(|p| p.to_string())
            .collect();
        notice.push_str(&format!(
            "（提示 {} 条：{}）",
            report.warnings,
            first.join("；")
        ));
    }
    // The upload's own words (counts, its first warnings) are shown on the page it answers
    // with, not carried in an address.
    campaign_page_with(
        &s,
        &actor,
        id,
        &CampaignQuery::default(),
        None,
        Some(notice),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_are_digits() {
        let form = ReturnForm {
            operating_state: "running".into(),
            staff_count: "１２".into(),
            formal_members: "３".into(),
            party_org_status: "joint".into(),
            ..ReturnForm::default()
        };
        let r = form.parse().expect("a valid return");
        assert_eq!((r.staff_count, r.formal_members), (Some(12), 3));
        // Letters are still refused, with the field named.
        let bad = ReturnForm {
            formal_members: "三".into(),
            ..form
        };
        let problems = bad.parse().expect_err("refused");
        assert_eq!(
            problems,
            [("formal_members", "正式党员数“三”应为整数".to_string())]
        );
    }
}
