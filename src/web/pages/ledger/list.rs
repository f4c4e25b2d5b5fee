//! The task list (任务清单) with its filters and export, detection and the bulk close.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{PageError, frame, render, xlsx_download};
use crate::app::ledger;
use crate::db::{LedgerSort, Window};
use crate::domain::ledger::{ItemKind, ItemState, is_verifier, is_worker};
use crate::excel::writer::{OutCell, OutSheet};
use crate::web::AppState;
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::pages::paging::{Pager, SortHead, query_of, sort_heads};

use super::*;
use crate::web::query::Params;

#[derive(Template)]
#[template(path = "ledger.html")]
pub struct LedgerPage {
    pub layout: Layout,
    pub rows: Vec<ItemRow>,
    pub pager: Pager,
    pub heads: Vec<SortHead>,
    /// The search words as typed.
    pub words: String,
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub states: Vec<(&'static str, &'static str, bool)>,
    pub regions: Vec<(String, String, bool)>,
    pub overdue: bool,
    pub closable: bool,
    pub closable_count: i64,
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

/// The list's filters as a query string (without paging and sorting).
pub(super) fn query_string(q: &ListQuery) -> String {
    query_of(&[
        ("kind", q.kind.as_deref()),
        ("state", q.state.as_deref()),
        ("region", q.region.as_deref()),
        ("unit", q.unit.as_deref()),
        ("person", q.person.as_deref()),
        ("overdue", q.overdue.as_deref()),
        ("due", q.due.as_deref()),
        ("closable", q.closable.as_deref()),
        ("q", q.q.as_deref()),
    ])
}

/// The sortable columns: (key, label).
const SORTS: [(&str, &str); 4] = [
    ("kind", "事项"),
    ("subject", "对象"),
    ("deadline", "完成时限"),
    ("raised", "生成日期"),
];

pub(super) async fn list_page(
    s: &AppState,
    actor: &Actor,
    q: &ListQuery,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let today = s.clock.today();
    let paging = q.paging();
    let key = paging.sort_key(&SORTS.map(|(k, _)| k), "deadline");
    let sort = LedgerSort::parse(key).unwrap_or_default();
    let (items, total) =
        s.db.ledger_page(
            &actor.scope,
            today,
            &q.filter(),
            Window {
                sort,
                descending: paging.descending(),
                offset: paging.offset(),
                limit: paging.per_page(),
            },
        )
        .await?;
    let summary =
        s.db.ledger_summary(&actor.scope, today, actor.user.id, today)
            .await?;
    let (units, persons) = s.db.ledger_choices(&actor.scope).await?;
    let query = query_string(q);
    let pager = Pager::new("/ledger", &query, &paging, total);
    // A page past the end shows the last one.
    let (items, pager) = if paging.page() > pager.page && total > 0 {
        let last = crate::web::pages::paging::PageQuery {
            page: Some(pager.page.to_string()),
            ..paging.clone()
        };
        let (items, _) =
            s.db.ledger_page(
                &actor.scope,
                today,
                &q.filter(),
                Window {
                    sort,
                    descending: last.descending(),
                    offset: last.offset(),
                    limit: last.per_page(),
                },
            )
            .await?;
        (items, pager)
    } else {
        (items, pager)
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
        heads: sort_heads("/ledger", &query, &paging, key, &SORTS),
        pager,
        rows: items.iter().map(row).collect(),
        words: q.q.clone().unwrap_or_default(),
        kinds: ItemKind::ALL
            .iter()
            .map(|k| (k.code(), k.label(), sel(&q.kind, k.code())))
            .collect(),
        states: std::iter::once(("all", "全部（含已销号、已撤销）", sel(&q.state, "all")))
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
        closable_count: summary.closable,
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
    list_page(&s, &actor, &q, notice(&q)).await
}

/// 任务清单 as offices keep it: item, org, gap, deadline, state — exactly as filtered.
pub async fn export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<ListQuery>,
) -> Result<Response, PageError> {
    let text = |s: &str| OutCell::Text(s.to_string());
    let mut rows = Vec::new();
    s.db.each_ledger_item(&actor.scope, s.clock.today(), &q.filter(), |i| {
        let (state, _, _) = state_view(&i);
        let state = if i.overdue {
            format!("{state}（逾期）")
        } else {
            state.to_string()
        };
        rows.push(vec![
            OutCell::Int(rows.len() as i64 + 1),
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
        ]);
    })
    .await?;
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
    // After a POST the browser lands on a GET (F5 does not run it again).
    Ok(Redirect::to(&format!(
        "/ledger?notice=detected&n={}&m={}&u={}",
        r.raised, r.closable, r.updated
    ))
    .into_response())
}

/// The list's notice after an action, from its code and numbers (never text from the address).
fn notice(q: &ListQuery) -> Option<String> {
    let n = |v: &Option<String>| {
        v.as_deref()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    match q.notice.as_deref() {
        Some("detected") => Some(format!(
            "已按当前数据检查：新生成事项 {} 项；随数据更新问题描述 {} 项；已满足销号条件、可核销的事项 {} 项",
            n(&q.n),
            n(&q.u),
            n(&q.m)
        )),
        Some("closed_satisfied") => Some(format!("已批量销号 {} 项", n(&q.n))),
        _ => None,
    }
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
    Ok(Redirect::to(&format!("/ledger?notice=closed_satisfied&n={closed}")).into_response())
}
