//! 审计日志: sign-ins, user management, imports and exports, views of personal data — filtered
//! by user, action and dates (Beijing time), a page at a time; and the latest registry changes.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{audit_action_label, change_action_label, change_entity_label};
use crate::db::{AuditEntry, AuditFilter, ChangeEntry};
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::pages::paging::{PageQuery, Pager, query_of};
use crate::web::pages::{PageError, frame, render};
use crate::web::query::Params;
use crate::web::{AppState, WebError};

/// The actions a filter offers (the codes the product writes).
const ACTIONS: [&str; 20] = [
    "login",
    "login_failed",
    "login_locked",
    "logout",
    "password_change",
    "token_issue",
    "user_add",
    "user_disable",
    "user_enable",
    "user_reset",
    "import",
    "export",
    "census_upload",
    "census_confirm",
    "view_personal_data",
    "form_org",
    "form_party-org",
    "form_station",
    "form_unit",
    "rule_add",
];

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    /// From this day (Beijing time), inclusive.
    #[serde(default)]
    pub from: Option<String>,
    /// To this day (Beijing time), inclusive.
    #[serde(default)]
    pub to: Option<String>,
    #[serde(flatten)]
    pub paging: PageQuery,
}

/// The start of a Beijing day as the log stores times (UTC).
fn day_start(d: NaiveDate) -> String {
    let start = d
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(crate::clock::beijing()).single())
        .map(|t| t.with_timezone(&chrono::Utc));
    start.map(crate::clock::stamp).unwrap_or_default()
}

impl AuditQuery {
    fn filter(&self) -> Result<AuditFilter, WebError> {
        let some = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let day = |what: &str, v: &Option<String>| -> Result<Option<NaiveDate>, WebError> {
            match some(v) {
                Some(d) => crate::web::dates::parse_day(what, &d)
                    .map(Some)
                    .map_err(WebError::BadRequest),
                None => Ok(None),
            }
        };
        Ok(AuditFilter {
            user: some(&self.user),
            action: some(&self.action),
            from: day("起始日期", &self.from)?.map(day_start),
            until: day("截止日期", &self.to)?
                .and_then(|d| d.succ_opt())
                .map(day_start),
        })
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub entries: Vec<AuditEntry>,
    pub changes: Vec<ChangeEntry>,
    pub pager: Pager,
    pub actions: Vec<(&'static str, String, bool)>,
    pub user: String,
    pub from: String,
    pub to: String,
}

pub async fn audit(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<AuditQuery>,
) -> Result<Response, PageError> {
    let filter = q.filter()?;
    let per = q.paging.per_page();
    let (mut entries, total) = s.db.audit_page(&filter, q.paging.offset(), per).await?;
    let query = query_of(&[
        ("user", q.user.as_deref()),
        ("action", q.action.as_deref()),
        ("from", q.from.as_deref()),
        ("to", q.to.as_deref()),
    ]);
    let pager = Pager::new("/admin/audit", &query, &q.paging, total);
    if pager.offset != q.paging.offset() {
        entries = s.db.audit_page(&filter, pager.offset, per).await?.0;
    }
    let entries = entries
        .into_iter()
        .map(|e| AuditEntry {
            at: crate::clock::beijing_text(&e.at),
            action: audit_action_label(&e.action),
            ..e
        })
        .collect();
    let changes =
        s.db.changes(100)
            .await?
            .into_iter()
            .map(|c| ChangeEntry {
                at: crate::clock::beijing_text(&c.at),
                entity: change_entity_label(&c.entity).to_string(),
                action: change_action_label(&c.action).to_string(),
                before: crate::db::fields_text(&c.before),
                after: crate::db::fields_text(&c.after),
                ..c
            })
            .collect();
    let view = AuditPage {
        layout: frame(
            &actor,
            "审计日志",
            "audit",
            vec![("系统管理".into(), "/admin/users".into())],
        ),
        entries,
        changes,
        pager,
        actions: ACTIONS
            .iter()
            .map(|a| (*a, audit_action_label(a), q.action.as_deref() == Some(*a)))
            .collect(),
        user: q.user.clone().unwrap_or_default(),
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
    };
    Ok(render(&view)?.into_response())
}
