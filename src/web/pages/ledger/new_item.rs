//! A supervision item (督办事项) or another one raised by hand.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::{PageError, frame, render};
use crate::app::ledger;
use crate::domain::ledger::{ItemKind, is_verifier};
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::{AppState, WebError};

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

pub(super) fn new_page(
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
    let new = ledger::NewItem {
        kind,
        subject: &f.subject,
        gap: &f.gap,
        deadline,
    };
    match ledger::create_item(&s.db, &actor, &new).await? {
        Ok(id) => Ok(Redirect::to(&format!("/ledger/{id}")).into_response()),
        Err(message) => new_page(&actor, Some(message), f),
    }
}
