//! 摸排与销号: the task list (任务清单), the responsibility list (责任清单), an item with its
//! workflow (开始办理 → 提交销号 with evidence → 销号 / 退回, 撤销), detection and the bulk close of
//! items the data already satisfies, and the battle map (挂图作战).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::{PageError, count, frame, read_upload, render, xlsx_download};
use crate::db::{HistoryEntry, LedgerItem, Transition};
use crate::domain::ledger::{
    Action, Input, ItemKind, ItemState, is_verifier, is_worker, transition,
};
use crate::excel::writer::{OutCell, OutSheet};
use crate::web::auth::{Actor, url_encode};
use crate::web::charts::{self, Point, Series};
use crate::web::layout::Layout;
use crate::web::{AppState, WebError};

/// The state as shown: its label, and a CSS class and symbol (so it reads in black and white);
/// an overdue item keeps its state's label and takes the overdue colour and symbol.
pub fn state_view(item: &LedgerItem) -> (&'static str, &'static str, &'static str) {
    let label = item.state.label();
    if item.overdue {
        return (label, "state-overdue", "⚠");
    }
    match item.state {
        ItemState::Open => (label, "state-open", "○"),
        ItemState::InProgress => (label, "state-in_progress", "◐"),
        ItemState::Submitted => (label, "state-submitted", "◆"),
        ItemState::Closed => (label, "state-closed", "✓"),
        ItemState::Cancelled => (label, "state-closed", "✕"),
    }
}

pub struct ItemRow {
    pub id: i64,
    pub kind: &'static str,
    pub subject: String,
    pub subject_name: String,
    pub subject_href: String,
    pub gap: String,
    pub unit: String,
    pub person: String,
    pub deadline: String,
    pub state: &'static str,
    pub class: &'static str,
    pub symbol: &'static str,
    pub overdue: bool,
    pub condition_met: bool,
}

fn row(i: &LedgerItem) -> ItemRow {
    let (state, class, symbol) = state_view(i);
    ItemRow {
        id: i.id,
        kind: i.kind.label(),
        // A census item links to the return it waits for; other org items to the org.
        subject_href: match (i.campaign_id, i.org_id) {
            (Some(c), Some(_)) => format!("/census/{c}/orgs/{}", i.subject),
            (None, Some(_)) => format!("/orgs/{}", i.subject),
            _ => format!("/party-orgs?q={}", url_encode(&i.subject)),
        },
        subject: i.subject.clone(),
        subject_name: i.subject_name.clone(),
        gap: i.gap.clone(),
        unit: i
            .responsible_unit
            .clone()
            .unwrap_or_else(|| "（无法确定）".into()),
        person: i.responsible_user.clone().unwrap_or_default(),
        deadline: i.deadline.clone().unwrap_or_else(|| "—".into()),
        state,
        class,
        symbol,
        overdue: i.overdue,
        condition_met: i.condition_met && i.state.is_active(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub kind: Option<String>,
    pub state: Option<String>,
    pub region: Option<String>,
    pub unit: Option<String>,
    /// The responsible person's user name, or "none" for items without one.
    pub person: Option<String>,
    pub overdue: Option<String>,
    pub closable: Option<String>,
    /// "7": active items due within 7 days and not yet overdue.
    #[serde(default)]
    pub due: Option<String>,
    /// Words in the subject's name or code.
    #[serde(default)]
    pub q: Option<String>,
    /// The page of the list (from 1); the export takes them all.
    #[serde(default)]
    pub page: Option<i64>,
}

/// Items per page of the task list.
const PER_PAGE: usize = 100;

fn filtered(items: Vec<LedgerItem>, q: &ListQuery, today: chrono::NaiveDate) -> Vec<LedgerItem> {
    let some = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
    let (kind, state, region, unit, person) = (
        some(&q.kind),
        some(&q.state),
        some(&q.region),
        some(&q.unit),
        some(&q.person),
    );
    let words = q.q.as_deref().unwrap_or_default().trim().to_string();
    items
        .into_iter()
        .filter(|i| kind.as_deref().is_none_or(|k| i.kind.code() == k))
        .filter(|i| match state.as_deref() {
            None => true,
            Some("active") => i.state.is_active(),
            Some(s) => i.state.code() == s,
        })
        .filter(|i| {
            region
                .as_deref()
                .is_none_or(|r| i.region.as_deref() == Some(r))
        })
        .filter(|i| {
            unit.as_deref()
                .is_none_or(|u| i.responsible_unit.as_deref() == Some(u))
        })
        .filter(|i| match person.as_deref() {
            None => true,
            Some("none") => i.responsible_user.is_none(),
            Some(p) => i.responsible_user.as_deref() == Some(p),
        })
        .filter(|i| q.overdue.as_deref() != Some("true") || i.overdue)
        .filter(
            |i| match q.due.as_deref().and_then(|d| d.parse::<i64>().ok()) {
                None => true,
                Some(days) => {
                    let until = (today + Duration::days(days)).to_string();
                    i.state.is_active()
                        && !i.overdue
                        && i.deadline.as_deref().is_some_and(|d| d <= until.as_str())
                }
            },
        )
        .filter(|i| {
            q.closable.as_deref() != Some("true") || (i.condition_met && i.state.is_active())
        })
        .filter(|i| {
            words.is_empty()
                || i.subject_name.contains(words.as_str())
                || i.subject.to_uppercase().contains(&words.to_uppercase())
        })
        .collect()
}

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

fn query_string(q: &ListQuery) -> String {
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

async fn list_page(
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
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list_page(&s, &actor, &q, None).await
}

/// 任务清单 as offices keep it: item, org, gap, deadline, state — exactly as filtered.
pub async fn export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Query(q): Query<ListQuery>,
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

/// One row of the responsibility list: a responsible unit and one of its responsible persons
/// (or its items without one).
pub struct UnitRow {
    pub unit: String,
    /// The person as shown (（未指定） for items without one).
    pub person: String,
    /// The person as the task list filters it (a user name, or "none").
    pub person_key: String,
    pub total: usize,
    pub done: usize,
    pub active: usize,
    pub overdue: usize,
    pub percent: u32,
}

fn unit_rows(items: &[LedgerItem]) -> Vec<UnitRow> {
    // By unit, then person; the items without a person after the unit's persons.
    let mut by: BTreeMap<(String, bool, String), Vec<&LedgerItem>> = BTreeMap::new();
    for i in items {
        let unit = i
            .responsible_unit
            .clone()
            .unwrap_or_else(|| "（无法确定）".into());
        let person = i.responsible_user.clone();
        by.entry((unit, person.is_none(), person.unwrap_or_default()))
            .or_default()
            .push(i);
    }
    by.into_iter()
        .map(|((unit, unassigned, person), list)| {
            let done = list.iter().filter(|i| i.state == ItemState::Closed).count();
            let cancelled = list
                .iter()
                .filter(|i| i.state == ItemState::Cancelled)
                .count();
            let counted = list.len() - cancelled;
            UnitRow {
                unit,
                person: if unassigned {
                    "（未指定）".into()
                } else {
                    person.clone()
                },
                person_key: if unassigned { "none".into() } else { person },
                total: counted,
                done,
                active: list.iter().filter(|i| i.state.is_active()).count(),
                overdue: list.iter().filter(|i| i.overdue).count(),
                percent: (done * 100).checked_div(counted).map_or(100, |p| p as u32),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "ledger_units.html")]
pub struct UnitsPage {
    pub layout: Layout,
    pub rows: Vec<UnitRow>,
}

pub async fn units(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    let items = s.db.ledger_items(&actor.scope, s.clock.today()).await?;
    let page = UnitsPage {
        layout: frame(
            &actor,
            "责任清单",
            "ledger_units",
            vec![("摸排与销号".into(), "/ledger".into())],
        ),
        rows: unit_rows(&items),
    };
    Ok(render(&page)?.into_response())
}

/// 责任清单 as offices keep it: unit, person, items, done, overdue.
pub async fn units_export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    let items = s.db.ledger_items(&actor.scope, s.clock.today()).await?;
    let rows = unit_rows(&items)
        .into_iter()
        .map(|r| {
            vec![
                OutCell::Text(r.unit),
                OutCell::Text(r.person),
                OutCell::Int(r.total as i64),
                OutCell::Int(r.done as i64),
                OutCell::Int(r.active as i64),
                OutCell::Int(r.overdue as i64),
            ]
        })
        .collect();
    let headers = ["责任单位", "责任人", "事项数", "已销号", "未销号", "逾期"];
    let sheet = OutSheet {
        name: "责任清单".into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        required: Vec::new(),
        rows,
        notes: Vec::new(),
        choices: Vec::new(),
    };
    xlsx_download(&[sheet], "responsibilities.xlsx", "责任清单.xlsx")
}

#[derive(Template)]
#[template(path = "ledger_item.html")]
pub struct ItemPage {
    pub layout: Layout,
    pub item: ItemRow,
    pub raised_on: String,
    pub evidence: String,
    pub history: Vec<HistoryEntry>,
    pub actions: Vec<(&'static str, &'static str)>,
    pub error: Option<String>,
    pub attachments: Vec<crate::db::Attachment>,
    /// Evidence files may be added (a worker, the item still active).
    pub may_attach: bool,
    /// The responsible unit's users to choose the responsible person from: (id, name, current);
    /// empty when the actor may not assign.
    pub assignees: Vec<(i64, String, bool)>,
    /// Asked before 销号 when the data does not yet satisfy the item's closing condition.
    pub close_warning: Option<String>,
}

impl ItemPage {
    /// A stored time (an attachment's upload) in Beijing time, as the history shows times.
    pub fn beijing(&self, at: &str) -> String {
        crate::clock::beijing_text(at)
    }
}

/// A history row as the page shows it: the action and states in words, the time in Beijing
/// time (UTC+8, the time of every office that uses the product).
fn history_view(h: HistoryEntry) -> HistoryEntry {
    let state = |code: &str| {
        ItemState::from_code(code)
            .map(|s| s.label().to_string())
            .unwrap_or_else(|| code.to_string())
    };
    let action = match h.action.as_str() {
        "raise" => "生成事项".to_string(),
        "assign" => "指定责任人".to_string(),
        "manual" => "新增事项".to_string(),
        code => Action::ALL
            .iter()
            .find(|a| action_code(**a) == code)
            .map(|a| a.label().to_string())
            .unwrap_or_else(|| code.to_string()),
    };
    let at = crate::clock::beijing_text(&h.at);
    HistoryEntry {
        at,
        action,
        from_state: h.from_state.as_deref().map(state),
        to_state: state(&h.to_state),
        ..h
    }
}

fn action_code(a: Action) -> &'static str {
    match a {
        Action::Start => "start",
        Action::Submit => "submit",
        Action::Close => "close",
        Action::Return => "return",
        Action::Cancel => "cancel",
        Action::CloseSatisfied => "close_satisfied",
    }
}

async fn find(s: &AppState, actor: &Actor, id: i64) -> Result<LedgerItem, PageError> {
    Ok(s.db
        .ledger_items(&actor.scope, s.clock.today())
        .await?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or(WebError::NotFound)?)
}

/// A department sees the items of the orgs it supervises, but works only those it is the
/// responsible unit of: an item belongs to its responsible unit (domain.md §5.1). Other roles
/// work what their scope holds (verifiers; instructors and orgs for their own orgs).
async fn works_for_another_unit(
    s: &AppState,
    actor: &Actor,
    item: &LedgerItem,
) -> Result<bool, PageError> {
    if actor.role() != crate::domain::role::Role::Department {
        return Ok(false);
    }
    let Some(unit) = &item.responsible_unit else {
        return Ok(true);
    };
    let users = s.db.unit_users(unit).await?;
    Ok(!users.iter().any(|(id, _)| *id == actor.user.id))
}

/// Why a department may not work an item of another responsible unit.
fn another_unit_message(item: &LedgerItem) -> String {
    match item.responsible_unit.as_deref() {
        Some(unit) => format!("该事项的责任单位是{unit}，由责任单位办理；本单位可以查看"),
        None => "该事项尚未确定责任单位，本单位只能查看".to_string(),
    }
}

async fn item_page(
    s: &AppState,
    actor: &Actor,
    item: &LedgerItem,
    error: Option<String>,
) -> Result<Response, PageError> {
    let foreign = works_for_another_unit(s, actor, item).await?;
    let error = error.or_else(|| foreign.then(|| another_unit_message(item)));
    // Offer the actions the table would allow with their inputs filled in.
    let full = Input {
        has_comment: true,
        has_evidence: true,
        condition_met: item.condition_met,
    };
    let actions = Action::ALL
        .iter()
        .filter(|_| !foreign)
        .filter(|a| transition(item.state, **a, actor.role(), full).is_ok())
        .map(|a| (action_code(*a), a.label()))
        .collect();
    let page = ItemPage {
        layout: frame(
            actor,
            &format!("{}：{}", item.kind.label(), item.subject_name),
            "ledger",
            vec![("任务清单".into(), "/ledger".into())],
        ),
        item: row(item),
        raised_on: item.raised_on.clone(),
        evidence: item.evidence.clone().unwrap_or_default(),
        history: s
            .db
            .ledger_history(item.id)
            .await?
            .into_iter()
            .map(history_view)
            .collect(),
        actions,
        error,
        close_warning: (!item.condition_met
            && !matches!(item.kind, ItemKind::Supervision | ItemKind::Manual))
        .then(|| {
            "登记数据尚未满足该事项的销号条件。销号后，下次“按数据检查”会为仍存在的问题生成新事项。确定销号吗？"
                .to_string()
        }),
        attachments: s.db.attachments(item.id).await?,
        may_attach: is_worker(actor.role()) && item.state.is_active() && !foreign,
        assignees: match (&item.responsible_unit, may_assign(actor, item) && !foreign) {
            (Some(unit), true) => {
                s.db.unit_users(unit)
                    .await?
                    .into_iter()
                    .map(|(id, name)| {
                        let current = item.responsible_user.as_deref() == Some(name.as_str());
                        (id, name, current)
                    })
                    .collect()
            }
            _ => Vec::new(),
        },
    };
    Ok(render(&page)?.into_response())
}

/// The responsible units' staff (city and county admins, departments) assign the responsible
/// person of an active item in their scope.
fn may_assign(actor: &Actor, item: &LedgerItem) -> bool {
    crate::domain::census::is_confirmer(actor.role()) && item.state.is_active()
}

#[derive(Debug, Deserialize)]
pub struct AssignForm {
    pub csrf: String,
    /// A user id, or empty for nobody.
    #[serde(default)]
    pub user: String,
}

/// Sets the responsible person: one of the responsible unit's users (see `Db::unit_users`).
pub async fn assign(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let item = find(&s, &actor, id).await?;
    if works_for_another_unit(&s, &actor, &item).await? {
        return item_page(&s, &actor, &item, Some(another_unit_message(&item))).await;
    }
    if !may_assign(&actor, &item) {
        return item_page(&s, &actor, &item, Some("该事项不能再指定责任人".into())).await;
    }
    let user = match f.user.trim() {
        "" => None,
        text => {
            let candidates = match &item.responsible_unit {
                Some(unit) => s.db.unit_users(unit).await?,
                None => Vec::new(),
            };
            match text
                .parse::<i64>()
                .ok()
                .and_then(|id| candidates.into_iter().find(|(u, _)| *u == id))
            {
                Some(u) => Some(u),
                None => {
                    return item_page(&s, &actor, &item, Some("责任人应为责任单位的用户".into()))
                        .await;
                }
            }
        }
    };
    s.db.ledger_assign(
        &item,
        user.as_ref().map(|(id, name)| (*id, name.as_str())),
        &actor.user.username,
    )
    .await?;
    Ok(Redirect::to(&format!("/ledger/{id}")).into_response())
}

pub async fn item(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let item = find(&s, &actor, id).await?;
    item_page(&s, &actor, &item, None).await
}

/// (Every field may be missing: the item is looked up first, so that one outside the actor's
/// scope is "not found" whatever the form holds.)
#[derive(Debug, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub evidence: String,
}

pub async fn act(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    Form(f): Form<ActForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let item = find(&s, &actor, id).await?;
    if works_for_another_unit(&s, &actor, &item).await? {
        return item_page(&s, &actor, &item, Some(another_unit_message(&item))).await;
    }
    let action = Action::ALL
        .iter()
        .copied()
        .find(|a| action_code(*a) == f.action)
        .ok_or_else(|| WebError::BadRequest("未知操作".into()))?;
    // Evidence is the text typed now, text given before, or an uploaded file.
    let has_files = !s.db.attachments(id).await?.is_empty();
    let input = Input {
        has_comment: !f.comment.trim().is_empty(),
        has_evidence: has_files
            || !f.evidence.trim().is_empty()
            || item
                .evidence
                .as_deref()
                .is_some_and(|e| !e.trim().is_empty()),
        condition_met: item.condition_met,
    };
    let to = match transition(item.state, action, actor.role(), input) {
        Ok(to) => to,
        Err(reason) => return item_page(&s, &actor, &item, Some(reason)).await,
    };
    let evidence = (!f.evidence.trim().is_empty()).then(|| f.evidence.trim().to_string());
    let comment = if action == Action::CloseSatisfied && f.comment.trim().is_empty() {
        "数据已满足销号条件".to_string()
    } else {
        f.comment.trim().to_string()
    };
    let t = Transition {
        item_id: id,
        from: item.state,
        to,
        action: action_code(action),
        actor: &actor.user.username,
        comment: &comment,
        evidence: evidence.as_deref(),
    };
    if let Err(e) = s.db.ledger_transition(&t).await {
        return item_page(&s, &actor, &item, Some(e.to_string())).await;
    }
    Ok(Redirect::to(&format!("/ledger/{id}")).into_response())
}

/// Adds an evidence file (PDF, image, Word, Excel; at most 10 MB, recognised by content).
pub async fn attach(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let file = read_upload(&mut multipart, &actor, "佐证材料").await?;
    let item = find(&s, &actor, id).await?;
    if works_for_another_unit(&s, &actor, &item).await? {
        return item_page(&s, &actor, &item, Some(another_unit_message(&item))).await;
    }
    if !(is_worker(actor.role()) && item.state.is_active()) {
        return item_page(&s, &actor, &item, Some("该事项不能再添加佐证材料".into())).await;
    }
    let Some((name, bytes)) = file else {
        return item_page(&s, &actor, &item, Some("请选择要上传的文件".into())).await;
    };
    match crate::domain::evidence::evidence_type(&name, &bytes) {
        Ok(content_type) => {
            // Only the final path component of the name the browser sent is kept.
            let name: String = name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or("佐证材料")
                .chars()
                .take(120)
                .collect();
            s.db.add_attachment(id, &name, content_type, &bytes, &actor.user.username)
                .await?;
            Ok(Redirect::to(&format!("/ledger/{id}")).into_response())
        }
        Err(reason) => {
            item_page(
                &s,
                &actor,
                &item,
                Some(format!("文件“{name}”未上传：{reason}")),
            )
            .await
        }
    }
}

/// Downloads an evidence file (always as an attachment, never rendered inline).
pub async fn attachment(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    find(&s, &actor, id).await?;
    let (name, content_type, content) =
        s.db.attachment(id, file_id)
            .await?
            .ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"evidence\"; filename*=UTF-8''{}",
                    url_encode(&name)
                ),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        content,
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    pub csrf: String,
}

pub async fn detect(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    if !is_worker(actor.role()) {
        return Err(WebError::NotFound.into());
    }
    let r =
        s.db.detect(&actor.scope, &actor.user.username, s.clock.today())
            .await?;
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
    s.db.detect(&actor.scope, &actor.user.username, s.clock.today())
        .await?;
    let mut closed = 0;
    for item in
        s.db.ledger_items(&actor.scope, s.clock.today())
            .await?
            .into_iter()
            .filter(|i| i.condition_met && i.state.is_active())
    {
        let input = Input {
            condition_met: true,
            ..Input::default()
        };
        if let Ok(to) = transition(item.state, Action::CloseSatisfied, actor.role(), input) {
            let t = Transition {
                item_id: item.id,
                from: item.state,
                to,
                action: "close_satisfied",
                actor: &actor.user.username,
                comment: "数据已满足销号条件（批量核销）",
                evidence: None,
            };
            if s.db.ledger_transition(&t).await.is_ok() {
                closed += 1;
            }
        }
    }
    list_page(
        &s,
        &actor,
        &ListQuery::default(),
        Some(format!("已批量销号 {closed} 项")),
    )
    .await
}

/// A group of tiles on the battle map.
pub struct Group {
    pub name: String,
    pub tiles: Vec<ItemRow>,
    pub done: usize,
    pub total: usize,
    pub percent: u32,
}

#[derive(Template)]
#[template(path = "battle_map.html")]
pub struct BattleMapPage {
    pub layout: Layout,
    pub today: String,
    pub by_unit: Vec<Group>,
    pub by_region: Vec<Group>,
    pub burndown_svg: String,
    pub legend: Vec<(&'static str, &'static str, &'static str)>,
    pub totals: (usize, usize, usize),
}

/// The items grouped by `key`: (sort key, name shown), groups in sort-key order.
fn groups(items: &[LedgerItem], key: impl Fn(&LedgerItem) -> (String, String)) -> Vec<Group> {
    let mut by: BTreeMap<(String, String), Vec<&LedgerItem>> = BTreeMap::new();
    for i in items.iter().filter(|i| i.state != ItemState::Cancelled) {
        by.entry(key(i)).or_default().push(i);
    }
    by.into_iter()
        .map(|((_, name), list)| {
            let done = list.iter().filter(|i| i.state == ItemState::Closed).count();
            Group {
                name,
                tiles: list
                    .iter()
                    .filter(|i| i.state.is_active())
                    .map(|i| row(i))
                    .collect(),
                done,
                total: list.len(),
                percent: (done * 100)
                    .checked_div(list.len())
                    .map_or(100, |p| p as u32),
            }
        })
        .collect()
}

pub async fn battle_map(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    let now = s.clock.today();
    let items = s.db.ledger_items(&actor.scope, now).await?;
    let regions: HashMap<String, String> =
        s.db.regions()
            .await?
            .into_iter()
            .map(|r| (r.code.as_str().to_string(), r.name))
            .collect();
    let by_unit = groups(&items, |i| {
        let name = i
            .responsible_unit
            .clone()
            .unwrap_or_else(|| "（无法确定）".into());
        (name.clone(), name)
    });
    // Regions in code order (the city's own level first); items about a party org have no
    // region of their own and come last.
    let by_region = groups(&items, |i| match i.region.as_ref() {
        Some(r) => (
            r.clone(),
            regions.get(r).cloned().unwrap_or_else(|| r.clone()),
        ),
        None => ("~".into(), "党组织事项（不分区划）".into()),
    });
    // Burn-down: active items at the end of each week over the last 26 weeks, and today.
    let spans = s.db.ledger_spans(&actor.scope, now).await?;
    let mut points = Vec::new();
    for w in (0..=26).rev() {
        let d = now - Duration::weeks(w);
        let ds = d.to_string();
        let open = spans
            .iter()
            .filter(|(raised, ended)| *raised <= ds && ended.as_ref().is_none_or(|e| *e > ds))
            .count();
        points.push(Point {
            label: d.format("%m-%d").to_string(),
            value: open as f64,
        });
    }
    let max = charts::count_axis_max(points.iter().map(|p| p.value).fold(1.0, f64::max));
    let burndown_svg = charts::line_chart(
        "未销号事项（近26周）",
        &[Series {
            name: "未销号事项".into(),
            points,
            dashed: false,
        }],
        0.0,
        max,
        "项",
    );
    let active = items.iter().filter(|i| i.state.is_active()).count();
    let page = BattleMapPage {
        layout: frame(
            &actor,
            "挂图作战",
            "battle_map",
            vec![("摸排与销号".into(), "/ledger".into())],
        ),
        today: now.to_string(),
        by_unit,
        by_region,
        burndown_svg,
        legend: vec![
            ("⚠", "state-overdue", "逾期"),
            ("○", "state-open", "待办"),
            ("◐", "state-in_progress", "办理中"),
            ("◆", "state-submitted", "待销号"),
            ("✓", "state-closed", "已销号"),
        ],
        totals: (
            items
                .iter()
                .filter(|i| i.state != ItemState::Cancelled)
                .count(),
            items
                .iter()
                .filter(|i| i.state == ItemState::Closed)
                .count(),
            active,
        ),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "ledger_new.html")]
pub struct NewItemPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub form: NewItemForm,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewItemForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub gap: String,
    #[serde(default)]
    pub deadline: String,
}

fn new_page(
    actor: &Actor,
    error: Option<String>,
    form: NewItemForm,
) -> Result<Response, PageError> {
    let page = NewItemPage {
        layout: frame(
            actor,
            "新增督办事项",
            "ledger",
            vec![("任务清单".into(), "/ledger".into())],
        ),
        error,
        form,
    };
    Ok(render(&page)?.into_response())
}

/// The form for an item created by hand (督办事项 from a supervision letter or round, or 其他).
pub async fn new_item(Extension(actor): Extension<Actor>) -> Result<Response, PageError> {
    if !is_verifier(actor.role()) {
        return Err(WebError::NotFound.into());
    }
    new_page(
        &actor,
        None,
        NewItemForm {
            kind: "supervision".into(),
            ..NewItemForm::default()
        },
    )
}

pub async fn create_item(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(f): Form<NewItemForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    if !is_verifier(actor.role()) {
        return Err(WebError::NotFound.into());
    }
    let kind = match f.kind.as_str() {
        "supervision" => ItemKind::Supervision,
        "manual" => ItemKind::Manual,
        _ => return new_page(&actor, Some("请选择事项类型（督办事项或其他）".into()), f),
    };
    if f.gap.trim().is_empty() {
        return new_page(&actor, Some("请填写存在的问题或督办要求".into()), f);
    }
    let deadline = match f.deadline.trim() {
        "" => None,
        d => match crate::web::dates::parse_day("完成时限", d) {
            Ok(d) => Some(d),
            Err(message) => return new_page(&actor, Some(message), f),
        },
    };
    let subject = crate::domain::codes::CreditCode::parse(&f.subject)
        .map(|c| c.as_str().to_string())
        .unwrap_or_else(|_| f.subject.trim().to_string());
    let item = crate::db::ManualItem {
        kind,
        subject: &subject,
        gap: f.gap.trim(),
        deadline,
    };
    let created =
        s.db.add_manual_item(&actor.scope, &item, &actor.user.username, s.clock.today())
            .await?;
    match created {
        Some(id) => Ok(Redirect::to(&format!("/ledger/{id}")).into_response()),
        None => new_page(
            &actor,
            Some(format!(
                "在您的范围内找不到社会组织（信用代码）或党组织（名称）“{}”",
                f.subject.trim()
            )),
            f,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(
        id: i64,
        unit: &str,
        person: Option<&str>,
        state: ItemState,
        overdue: bool,
    ) -> LedgerItem {
        LedgerItem {
            id,
            kind: ItemKind::EstablishPartyOrg,
            subject: format!("S{id}"),
            subject_name: format!("组织{id}"),
            responsible_unit: Some(unit.to_string()),
            responsible_user: person.map(str::to_string),
            gap: String::new(),
            raised_on: "2026-01-01".into(),
            deadline: Some("2026-06-30".into()),
            state,
            overdue,
            condition_met: false,
            evidence: None,
            org_id: None,
            region: None,
            campaign_id: None,
        }
    }

    #[test]
    fn battle_map_groups_follow_their_sort_key() {
        let mut items = vec![
            item(1, "矿区工委", None, ItemState::Open, false),
            item(2, "城区工委", None, ItemState::Closed, false),
            item(3, "城区工委", None, ItemState::Open, false),
        ];
        items[0].region = Some("140303".into());
        items[1].region = Some("140302".into());
        let names = |g: Vec<Group>| {
            g.into_iter()
                .map(|g| (g.name, g.done, g.total))
                .collect::<Vec<_>>()
        };
        // By code, named by the region; the item without a region last.
        let by_region = groups(&items, |i| match i.region.as_ref() {
            Some(r) => (r.clone(), format!("区{r}")),
            None => ("~".into(), "无区划".into()),
        });
        assert_eq!(
            names(by_region),
            [
                ("区140302".to_string(), 1, 1),
                ("区140303".to_string(), 0, 1),
                ("无区划".to_string(), 0, 1)
            ]
        );
    }

    #[test]
    fn history_rows_read_in_words_and_beijing_time() {
        let h = history_view(HistoryEntry {
            at: "2026-11-28T11:48:05Z".into(),
            actor: "tester".into(),
            action: "submit".into(),
            from_state: Some("in_progress".into()),
            to_state: "submitted".into(),
            comment: String::new(),
        });
        // 11:48 UTC is 19:48 in Beijing.
        assert_eq!(h.at, "2026-11-28 19:48");
        assert_eq!(h.action, Action::Submit.label());
        assert_eq!(h.from_state.as_deref(), Some(ItemState::InProgress.label()));
        assert_eq!(h.to_state, ItemState::Submitted.label());
        assert_eq!(
            history_view(HistoryEntry {
                action: "raise".into(),
                ..h
            })
            .action,
            "生成事项"
        );
    }

    #[test]
    fn the_responsibility_list_has_a_row_per_unit_and_person() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).expect("date");
        // 城区工委: 王 has 2 items (1 closed), 李 1 overdue, 1 unassigned; 矿区工委: 1 cancelled.
        let items = vec![
            item(1, "城区工委", Some("王"), ItemState::Closed, false),
            item(2, "城区工委", Some("王"), ItemState::Open, false),
            item(3, "城区工委", Some("李"), ItemState::InProgress, true),
            item(4, "城区工委", None, ItemState::Open, false),
            item(5, "矿区工委", None, ItemState::Cancelled, false),
        ];
        let rows: Vec<(String, String, String, usize, usize, usize, usize)> = unit_rows(&items)
            .into_iter()
            .map(|r| {
                (
                    r.unit,
                    r.person,
                    r.person_key,
                    r.total,
                    r.done,
                    r.active,
                    r.overdue,
                )
            })
            .collect();
        let s = |t: &str| t.to_string();
        assert_eq!(
            rows,
            vec![
                (s("城区工委"), s("李"), s("李"), 1, 0, 1, 1),
                (s("城区工委"), s("王"), s("王"), 2, 1, 1, 0),
                (s("城区工委"), s("（未指定）"), s("none"), 1, 0, 1, 0),
                // A cancelled item does not count.
                (s("矿区工委"), s("（未指定）"), s("none"), 0, 0, 0, 0),
            ]
        );
        // The task list filtered by person: 王's two items; "none": the unassigned ones.
        let q = |person: &str| ListQuery {
            kind: None,
            state: None,
            region: None,
            unit: Some("城区工委".into()),
            person: Some(person.into()),
            overdue: None,
            closable: None,
            due: None,
            ..ListQuery::default()
        };
        let ids = |q: ListQuery| {
            filtered(items.clone(), &q, today)
                .iter()
                .map(|i| i.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(q("王")), vec![1, 2]);
        assert_eq!(ids(q("none")), vec![4]);
        // Due within 7 days: the active, not overdue items with a deadline by then (item 2, due
        // tomorrow); item 3 is overdue, item 1 closed, item 4 due in 30 days.
        let mut soon = items.clone();
        let date = |days| (today + Duration::days(days)).to_string();
        soon[0].deadline = Some(date(1));
        soon[1].deadline = Some(date(1));
        soon[3].deadline = Some(date(30));
        let due = ListQuery {
            due: Some("7".into()),
            ..ListQuery::default()
        };
        assert_eq!(
            filtered(soon, &due, today)
                .iter()
                .map(|i| i.id)
                .collect::<Vec<_>>(),
            vec![2]
        );
        // Search: by a word of the name (组织3) or by the code in any case (s4 finds S4).
        let words = |w: &str| ListQuery {
            q: Some(w.into()),
            ..ListQuery::default()
        };
        assert_eq!(ids(words("组织3")), vec![3]);
        assert_eq!(ids(words(" s4 ")), vec![4]);
        assert_eq!(ids(words("")).len(), items.len());
    }
}
