//! 社会组织: the list (filters of the API, paging, export exactly as filtered) and the detail.

use std::collections::HashMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::{PageError, count, frame, render, xlsx_download};
use crate::db::{OrgDetail, OrgListItem, RuleTable};
use crate::domain::model::{OrgKind, OrgStatus};
use crate::excel::writer::{OutCell, OutSheet};
use crate::web::api::org_filter;
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::query::{OrgQuery, Params};
use crate::web::{AppState, WebError};

/// One org as a list row.
pub struct Row {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub region: String,
    pub responsible_unit: String,
    pub status: String,
    pub status_class: &'static str,
    pub formal_members: i64,
    pub covered: bool,
    pub own: bool,
    pub work: bool,
}

#[derive(Template)]
#[template(path = "orgs.html")]
pub struct OrgsPage {
    pub layout: Layout,
    pub rows: Vec<Row>,
    pub total: String,
    pub page: i64,
    pub pages: i64,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub export_href: String,
    pub q: String,
    pub as_of: String,
    pub regions: Vec<(String, String, bool)>,
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub statuses: Vec<(&'static str, &'static str, bool)>,
    pub covered: String,
    pub work_covered: String,
    /// Filters set by a drill-down link that the form has no field for, kept as hidden inputs.
    pub hidden: Vec<(String, String)>,
    /// The active filters in words.
    pub summary: Vec<String>,
}

fn status_class(s: OrgStatus) -> &'static str {
    match s {
        OrgStatus::Normal => "badge-ok",
        OrgStatus::Abnormal => "badge-warn",
        OrgStatus::Deregistered | OrgStatus::Revoked => "badge-muted",
    }
}

fn row(o: OrgListItem, region_names: &HashMap<String, String>) -> Row {
    Row {
        region: region_names.get(&o.region).cloned().unwrap_or(o.region),
        code: o.credit_code,
        name: o.name,
        kind: o.kind.label(),
        responsible_unit: o.responsible_unit.unwrap_or_else(|| "（无法确定）".into()),
        status: o.status.label().to_string(),
        status_class: status_class(o.status),
        formal_members: o.formal_members,
        covered: o.covered,
        own: o.own_covered,
        work: o.work_covered,
    }
}

const FLAG_WORDS: &[(&str, &str, &str)] = &[
    ("covered", "已被党组织覆盖", "未被党组织覆盖"),
    ("own_covered", "单独组建覆盖", "非单独组建覆盖"),
    ("work_covered", "工作覆盖", "无任何覆盖"),
    (
        "should_establish_own",
        "应单独组建未单独组建",
        "非应单独组建",
    ),
    ("should_establish_none", "应建未建", "非应建未建"),
    ("abnormal", "活动异常", "非活动异常"),
];

pub async fn list(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<OrgQuery>,
) -> Result<Response, PageError> {
    let mut filter = org_filter(&s, &q).await?;
    if q.per_page.is_none() {
        filter.limit = 20;
        filter.offset = (q
            .page
            .as_ref()
            .and_then(|p| p.parse().ok())
            .unwrap_or(1i64)
            .max(1)
            - 1)
            * 20;
    }
    let rules = RuleTable::load(&s.db, filter.as_of.unwrap_or_else(|| s.clock.today())).await?;
    let own_min = rules.int(crate::domain::rules::Rule::OwnOrgMinFormalMembers)?;
    let (items, total) =
        s.db.list_orgs(&actor.scope, &filter, own_min, s.clock.today())
            .await?;
    let regions = s.db.regions().await?;
    let region_names: HashMap<String, String> = regions
        .iter()
        .map(|r| (r.code.as_str().to_string(), r.name.clone()))
        .collect();
    let page = filter.offset / filter.limit.max(1) + 1;
    let pages = ((total + filter.limit - 1) / filter.limit.max(1)).max(1);
    let base = q.without_paging();
    let link = |p: i64| {
        format!(
            "/orgs?{base}{}page={p}",
            if base.is_empty() { "" } else { "&" }
        )
    };
    let selected_region = q
        .region
        .clone()
        .or(q.region_own.clone())
        .unwrap_or_default();
    let mut summary = Vec::new();
    if let Some(d) = filter.as_of {
        summary.push(format!("统计日 {d} 纳入统计的组织"));
    }
    if let Some(r) = region_names.get(&selected_region) {
        summary.push(if q.region_own.is_some() {
            format!("{r}本级")
        } else {
            format!("区划：{r}")
        });
    }
    if let Some(u) = &q.responsible_unit {
        summary.push(format!(
            "责任单位：{}",
            if u.is_empty() { "无法确定" } else { u }
        ));
    }
    match q.cross.as_deref() {
        Some("two_way") => summary.push("双向进入、交叉任职".to_string()),
        Some("head_secretary") => summary.push("主要负责人兼任党组织书记".to_string()),
        _ => {}
    }
    for (key, yes, no) in FLAG_WORDS {
        match q.flag(key) {
            Some("true") => summary.push(yes.to_string()),
            Some("false") => summary.push(no.to_string()),
            _ => {}
        }
    }
    let hidden = [
        ("region_own", &q.region_own),
        ("own_covered", &q.own_covered),
        ("should_establish_own", &q.should_establish_own),
        ("should_establish_none", &q.should_establish_none),
        ("abnormal", &q.abnormal),
        ("responsible_unit", &q.responsible_unit),
        ("cross", &q.cross),
        ("sort", &q.sort),
        ("order", &q.order),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v)))
    .collect();
    let page_view = OrgsPage {
        layout: frame(
            &actor,
            "社会组织",
            "orgs",
            vec![("组织台账".into(), "/orgs".into())],
        ),
        rows: items.into_iter().map(|o| row(o, &region_names)).collect(),
        total: count(total),
        page,
        pages,
        prev_href: (page > 1).then(|| link(page - 1)),
        next_href: (page < pages).then(|| link(page + 1)),
        export_href: format!("/orgs/export.xlsx?{base}"),
        q: q.q.clone().unwrap_or_default(),
        as_of: q.as_of.clone().unwrap_or_default(),
        regions: regions
            .iter()
            .map(|r| {
                (
                    r.code.as_str().to_string(),
                    r.name.clone(),
                    q.region.as_deref() == Some(r.code.as_str()),
                )
            })
            .collect(),
        kinds: OrgKind::ALL
            .iter()
            .map(|k| (k.code(), k.label(), q.kind.as_deref() == Some(k.code())))
            .collect(),
        statuses: OrgStatus::ALL
            .iter()
            .map(|k| (k.code(), k.label(), q.status.as_deref() == Some(k.code())))
            .collect(),
        covered: q.covered.clone().unwrap_or_default(),
        work_covered: q.work_covered.clone().unwrap_or_default(),
        hidden,
        summary,
    };
    Ok(render(&page_view)?.into_response())
}

/// The current list as an .xlsx, exactly as filtered (all pages).
pub async fn export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<OrgQuery>,
) -> Result<Response, PageError> {
    let mut filter = org_filter(&s, &q).await?;
    filter.offset = 0;
    filter.limit = 100_000;
    let rules = RuleTable::load(&s.db, filter.as_of.unwrap_or_else(|| s.clock.today())).await?;
    let (items, _) =
        s.db.list_orgs(
            &actor.scope,
            &filter,
            rules.int(crate::domain::rules::Rule::OwnOrgMinFormalMembers)?,
            s.clock.today(),
        )
        .await?;
    let yes_no = |b: bool| OutCell::Text(if b { "是" } else { "否" }.into());
    let sheet = OutSheet {
        name: "社会组织".into(),
        headers: [
            "统一社会信用代码",
            "名称",
            "类型",
            "区划",
            "责任单位",
            "登记状态",
            "成立登记日期",
            "正式党员数",
            "组织覆盖",
            "单独组建",
            "工作覆盖",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
        required: Vec::new(),
        rows: items
            .into_iter()
            .map(|o| {
                vec![
                    OutCell::Text(o.credit_code),
                    OutCell::Text(o.name),
                    OutCell::Text(o.kind.label().into()),
                    OutCell::Text(o.region),
                    OutCell::Text(o.responsible_unit.unwrap_or_default()),
                    OutCell::Text(o.status.label().into()),
                    OutCell::Date(o.registered_on),
                    OutCell::Int(o.formal_members),
                    yes_no(o.covered),
                    yes_no(o.own_covered),
                    yes_no(o.work_covered),
                ]
            })
            .collect(),
        notes: Vec::new(),
        choices: Vec::new(),
    };
    xlsx_download(&[sheet], "orgs.xlsx", "社会组织.xlsx")
}

#[derive(Template)]
#[template(path = "org_detail.html")]
pub struct OrgDetailPage {
    pub layout: Layout,
    pub org: OrgDetail,
    pub kind: &'static str,
    pub status: &'static str,
    pub status_class: &'static str,
    pub region: String,
    /// The coverage state today and why.
    pub state: &'static str,
    pub state_class: &'static str,
    pub reason: String,
    pub today: String,
    /// Where today's formal-member count comes from, when a confirmed census return gives it.
    pub members_source: Option<String>,
}

pub async fn detail(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(code): Path<String>,
    Params(flash): Params<crate::web::layout::Flash>,
) -> Result<Response, PageError> {
    let code = crate::domain::codes::normalize_code(&code);
    let rules = RuleTable::load(&s.db, s.clock.today()).await?;
    let org =
        s.db.org_detail(
            &actor.scope,
            &code,
            rules.int(crate::domain::rules::Rule::OwnOrgMinFormalMembers)?,
            s.clock.today(),
        )
        .await?
        .ok_or(WebError::NotFound)?;
    let now = s.clock.today();
    let members_source = match s.db.org_id(&org.item.credit_code).await? {
        Some(id) => s
            .db
            .latest_confirmed_return(id, now)
            .await?
            .map(|(campaign, date, _)| {
                format!("摸排“{campaign}”确认，基准日 {date}；从业人员、会员、预备党员为登记台账数")
            }),
        None => None,
    };
    let active_links: Vec<String> = org
        .party_orgs
        .iter()
        .filter(|l| l.active_at(now))
        .map(|l| format!("{}（{}）", l.name, l.kind))
        .collect();
    let active_stations: Vec<String> = org
        .stations
        .iter()
        .filter(|l| l.active_at(now))
        .map(|l| format!("{} {}", l.kind, l.name))
        .collect();
    let (state, state_class, reason) = if org.item.covered {
        (
            "已覆盖",
            "badge-ok",
            format!("由 {} 覆盖", active_links.join("、")),
        )
    } else if org.item.work_covered {
        (
            "工作覆盖",
            "badge-warn",
            format!("尚无党组织；已派驻 {}", active_stations.join("、")),
        )
    } else if org.item.terminated_on.is_some_and(|t| t <= now) {
        (
            "不纳入统计",
            "badge-muted",
            format!(
                "已于 {} {}",
                org.item
                    .terminated_on
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                org.item.status.label()
            ),
        )
    } else {
        (
            "未覆盖",
            "badge-bad",
            format!(
                "没有有效的党组织覆盖，也没有派驻党建指导员或联络员；正式党员 {} 名",
                org.item.formal_members
            ),
        )
    };
    let regions = s.db.regions().await?;
    let region = regions
        .iter()
        .find(|r| r.code.as_str() == org.item.region)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| org.item.region.clone());
    let page = OrgDetailPage {
        layout: crate::web::layout::Layout {
            flash: flash.word(),
            ..frame(
                &actor,
                &org.item.name,
                "orgs",
                vec![("社会组织".into(), "/orgs".into())],
            )
        },
        kind: org.item.kind.label(),
        status: org.item.status.label(),
        status_class: status_class(org.item.status),
        region,
        state,
        state_class,
        reason,
        today: now.to_string(),
        members_source,
        org,
    };
    Ok(render(&page)?.into_response())
}
