//! An item: its page, its workflow actions, its responsible person and evidence files.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::{PageError, frame, read_upload, render};
use crate::app::AppError;
use crate::app::ledger;
use crate::db::{HistoryEntry, LedgerItem};
use crate::domain::ledger::{Action, Input, is_worker, transition};
use crate::web::auth::{Actor, url_encode};
use crate::web::layout::Layout;
use crate::web::{AppState, WebError};

use super::*;

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

/// An item in the actor's scope, or 404.
pub(super) async fn find(s: &AppState, actor: &Actor, id: i64) -> Result<LedgerItem, PageError> {
    Ok(ledger::find(&s.db, actor, id).await?)
}

pub(super) async fn item_page(
    s: &AppState,
    actor: &Actor,
    item: &LedgerItem,
    error: Option<String>,
) -> Result<Response, PageError> {
    let foreign = ledger::works_for_another_unit(&s.db, actor, item).await?;
    let error = error.or_else(|| foreign.then(|| ledger::another_unit_message(item)));
    // Offer the actions the table would allow with their inputs filled in.
    // (Closing against the data needs a reason, which the form asks for; whether the actor
    // submitted it is checked when the button is pressed.)
    let full = Input {
        has_comment: true,
        has_evidence: true,
        condition_met: item.condition_met,
        condition_applies: !item.kind.closed_by_hand_only(),
        submitted_by_self: false,
    };
    let actions = Action::ALL
        .iter()
        .filter(|_| !foreign)
        .filter(|a| transition(item.state, **a, actor.role(), full).is_ok())
        .map(|a| (a.code(), a.label()))
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
        close_warning: (!item.condition_met && !item.kind.closed_by_hand_only()).then(|| {
            "登记数据尚未满足该事项的销号条件。仍要销号，须在“意见”中写明理由，理由记入办理记录；下次“按数据检查”会为仍存在的问题生成新事项。确定销号吗？"
                .to_string()
        }),
        attachments: s.db.attachments(item.id).await?,
        may_attach: is_worker(actor.role()) && item.state.is_active() && !foreign,
        assignees: match (&item.responsible_unit, ledger::may_assign(actor, item) && !foreign) {
            (Some(unit), true) => s
                .db
                .unit_users(unit)
                .await?
                .into_iter()
                .map(|(id, name)| {
                    let current = item.responsible_user.as_deref() == Some(name.as_str());
                    (id, name, current)
                })
                .collect(),
            _ => Vec::new(),
        },
    };
    Ok(render(&page)?.into_response())
}

/// After an action: back to the item, or the item's page with the reason it was refused (a
/// stale state, someone else having acted first, says so: 409).
async fn after(
    s: &AppState,
    actor: &Actor,
    id: i64,
    outcome: Result<(LedgerItem, ledger::Done), AppError>,
) -> Result<Response, PageError> {
    match outcome {
        Ok((_, ledger::Done::Done)) => Ok(Redirect::to(&format!("/ledger/{id}")).into_response()),
        Ok((item, ledger::Done::Refused(reason))) => item_page(s, actor, &item, Some(reason)).await,
        Err(AppError::Conflict(message)) => {
            let item = find(s, actor, id).await?;
            let mut r = item_page(s, actor, &item, Some(message)).await?;
            *r.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

/// (Fields may be missing: the item is looked up first, so that one outside the actor's scope
/// is "not found" whatever the form holds.)
#[derive(Debug, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
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
    let outcome = ledger::assign(&s.db, &actor, id, &f.user).await;
    after(&s, &actor, id, outcome).await
}

pub async fn item(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let item = find(&s, &actor, id).await?;
    item_page(&s, &actor, &item, None).await
}

/// (Every field may be missing: see [`AssignForm`].)
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
    let outcome = ledger::act(&s.db, &actor, id, &f.action, &f.comment, &f.evidence).await;
    after(&s, &actor, id, outcome).await
}

/// Adds an evidence file (PDF, image, Word, Excel; at most 10 MB, recognised by content).
pub async fn attach(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    mut multipart: axum::extract::Multipart,
) -> Result<Response, PageError> {
    let file = read_upload(&mut multipart, &actor, "佐证材料").await?;
    let outcome = ledger::attach(&s.db, &actor, id, file).await;
    after(&s, &actor, id, outcome).await
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
