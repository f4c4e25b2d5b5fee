//! The task list (任务清单) with its filters and export, detection and the bulk close.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{PageError, count, frame, render, xlsx_download};
use crate::app::ledger;
use crate::domain::ledger::{ItemKind, ItemState, is_verifier, is_worker};
use crate::excel::writer::{OutCell, OutSheet};
use crate::web::AppState;
use crate::web::auth::{Actor, url_encode};
use crate::web::layout::Layout;

use super::*;
use crate::web::query::Params;

#[derive(Template)]
#[template(path = "ledger.html")]
pub struct LedgerPage {
    pub layout: Layout,
    pub rows: Vec<ItemRow>,
    pub total: String,
    pub page: usize,
    pub pages: usize,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    /// The search words as typed.
    pub words: String,
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub states: Vec<(&'static str, &'static str, bool)>,
    pub regions: Vec<(String, String, bool)>,
    pub overdue: bool,
    pub closable: bool,
    pub closable_count: usize,
    pub unit: String,
    pub person: String,
    /// The responsible units and persons of the items in scope, for the filters' choices.
    pub units: Vec<String>,
    pub persons: Vec<String>,
    pub query: String,
    pub verifier: bool,
    pub worker: bool,
    pub notice: Option<String>,
}

pub(super) fn query_string(q: &ListQuery) -> String {
    let pairs = [
        ("kind", &q.kind),
        ("state", &q.state),
        ("region", &q.region),
        ("unit", &q.unit),
        ("person", &q.person),
        ("overdue", &q.overdue),
        ("due", &q.due),
        ("closable", &q.closable),
        ("q", &q.q),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", url_encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

pub(super) async fn list_page(
    s: &AppState,
    actor: &Actor,
    q: &ListQuery,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let all = s.db.ledger_items(&actor.scope, s.clock.today()).await?;
    let closable_count = all
        .iter()
        .filter(|i| i.condition_met && i.state.is_active())
        .count();
    let mut units: Vec<String> = all
        .iter()
        .filter_map(|i| i.responsible_unit.clone())
        .collect();
    units.sort();
    units.dedup();
    let mut persons: Vec<String> = all
        .iter()
        .filter_map(|i| i.responsible_user.clone())
        .collect();
    persons.sort();
    persons.dedup();
    let items = filtered(all, q, s.clock.today());
    let pages = items.len().div_ceil(PER_PAGE).max(1);
    let page_no = usize::try_from(q.page.unwrap_or(1))
        .unwrap_or(1)
        .clamp(1, pages);
    let query = query_string(q);
    let page_href = |n: usize| {
        if query.is_empty() {
            format!("/ledger?page={n}")
        } else {
            format!("/ledger?{query}&page={n}")
        }
    };
    let regions = s.db.regions().await?;
    let sel = |v: &Option<String>, code: &str| v.as_deref() == Some(code);
    let page = LedgerPage {
        layout: frame(
            actor,
            "任务清单",
            "ledger",
            vec![("摸排与销号".into(), "/ledger".into())],
        ),
        total: count(items.len() as i64),
        rows: items
            .iter()
            .skip((page_no - 1) * PER_PAGE)
            .take(PER_PAGE)
            .map(row)
            .collect(),
        page: page_no,
        pages,
        prev_href: (page_no > 1).then(|| page_href(page_no - 1)),
        next_href: (page_no < pages).then(|| page_href(page_no + 1)),
        words: q.q.clone().unwrap_or_default(),
        kinds: ItemKind::ALL
            .iter()
            .map(|k| (k.code(), k.label(), sel(&q.kind, k.code())))
            .collect(),
        states: std::iter::once(("active", "未销号（全部）", sel(&q.state, "active")))
            .chain(
                ItemState::ALL
                    .iter()
                    .map(|st| (st.code(), st.label(), sel(&q.state, st.code()))),
            )
            .collect(),
        regions: regions
            .iter()
            .map(|r| {
                (
                    r.code.as_str().to_string(),
                    r.name.clone(),
                    sel(&q.region, r.code.as_str()),
                )
            })
            .collect(),
        overdue: q.overdue.as_deref() == Some("true"),
        closable: q.closable.as_deref() == Some("true"),
        closable_count,
        unit: q.unit.clone().unwrap_or_default(),
        person: q.person.clone().unwrap_or_default(),
        units,
        persons,
        query,
        verifier: is_verifier(actor.role()),
        worker: is_worker(actor.role()),
        notice,
    };
    Ok(render(&page)?.into_response())
}

pub async fn list(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<ListQuery>,
) -> Result<Response, PageError> {
    list_page(&s, &actor, &q, None).await
}

/// 任务清单 as offices keep it: item, org, gap, deadline, state — exactly as filtered.
pub async fn export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<ListQuery>,
) -> Result<Response, PageError> {
    let items = filtered(
        s.db.ledger_items(&actor.scope, s.clock.today()).await?,
        &q,
        s.clock.today(),
    );
    let text = |s: &str| OutCell::Text(s.to_string());
    let rows = items
        .iter()
        .enumerate()
        .map(|(n, i)| {
            let (state, _, _) = state_view(i);
            let state = if i.overdue {
                format!("{state}（逾期）")
            } else {
                state.to_string()
            };
            vec![
                OutCell::Int(n as i64 + 1),
                text(i.kind.label()),
                text(&i.subject_name),
                text(&i.subject),
                text(&i.gap),
                text(i.responsible_unit.as_deref().unwrap_or("")),
                text(i.responsible_user.as_deref().unwrap_or("")),
                i.deadline
                    .as_deref()
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .map(OutCell::Date)
                    .unwrap_or(OutCell::Empty),
                text(&state),
            ]
        })
        .collect();
    let headers = [
        "序号",
        "事项",
        "社会组织（党组织）",
        "统一社会信用代码（名称）",
        "存在问题",
        "责任单位",
        "责任人",
        "完成时限",
        "状态",
    ];
    let sheet = OutSheet {
        name: "任务清单".into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        required: Vec::new(),
        rows,
        notes: Vec::new(),
        choices: Vec::new(),
    };
    xlsx_download(&[sheet], "tasks.xlsx", "任务清单.xlsx")
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

pub async fn detect(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let r = ledger::detect(&s.db, &actor).await?;
    let notice = format!(
        "已按当前数据检查：新生成事项 {} 项；已满足销号条件、可核销的事项 {} 项",
        r.raised, r.closable
    );
    list_page(&s, &actor, &ListQuery::default(), Some(notice)).await
}

/// A verifier closes, in bulk, every active item in scope whose closing condition the data
/// satisfies; each closure is recorded with the verifier.
pub async fn close_satisfied(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let closed = ledger::close_satisfied(&s.db, &actor).await?;
    list_page(
        &s,
        &actor,
        &ListQuery::default(),
        Some(format!("已批量销号 {closed} 项")),
    )
    .await
}
