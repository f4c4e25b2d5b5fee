//! 数据导入: upload a workbook → the validation report in the page (every error and warning by
//! sheet, row and column; the error workbook to download) → confirm → the result. The template
//! and the registry export are offered here too.

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};

use serde::Deserialize;

use super::{PageError, count, frame, parse_upload, read_upload, render, xlsx_download};
use crate::app::registry::import::fingerprint;
use crate::app::registry::{ImportOutcome, Mode, import_workbook};
use crate::db::{ChangeKind, ReadOptions, WriteSummary};
use crate::excel::problems::{Problem, Severity};
use crate::excel::source::Limits;
use crate::excel::{export, import, source};
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::{AppState, WebError};

/// Problems shown in the page; the error workbook has them all.
const SHOWN: usize = 500;
/// Changes listed in the page; the counts are complete.
const CHANGES_SHOWN: usize = 500;

#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub layout: Layout,
    /// The uploaded file's id, name and report, once a file was checked.
    pub checked: Option<Checked>,
    pub error: Option<String>,
    /// What the import changed, once saved.
    pub written: Option<ChangesView>,
}

pub struct Checked {
    pub id: i64,
    pub file_name: String,
    pub errors: String,
    pub warnings: String,
    pub has_errors: bool,
    pub problems: Vec<ProblemRow>,
    pub omitted: usize,
    pub counts: Vec<(&'static str, String)>,
    /// What confirming would change (a workbook without errors).
    pub preview: Option<ChangesView>,
    /// The preview's fingerprint: the confirmation saves exactly these changes.
    pub fingerprint: String,
    /// The data changed since the upload was checked: this is the new preview.
    pub stale: bool,
}

pub struct ProblemRow {
    pub severity: &'static str,
    pub is_error: bool,
    pub sheet: String,
    pub cell: String,
    pub header: String,
    pub value: String,
    pub message: String,
}

/// What an import changes, for the page: the counts by kind of record, then each change.
pub struct ChangesView {
    pub none: bool,
    pub counts: Vec<(&'static str, String)>,
    pub changes: Vec<ChangeRow>,
    pub more: usize,
}

pub struct ChangeRow {
    pub kind: &'static str,
    pub css: &'static str,
    pub record: &'static str,
    pub key: String,
    pub detail: String,
}

fn changes_view(w: &WriteSummary) -> ChangesView {
    let n = |v: usize| count(v as i64);
    let mut counts = vec![
        (
            "社会组织",
            format!("新增 {}，修改 {}", n(w.orgs_added), n(w.orgs_updated)),
        ),
        (
            "党组织",
            format!(
                "新增 {}，修改 {}",
                n(w.party_orgs_added),
                n(w.party_orgs_updated)
            ),
        ),
        (
            "覆盖关系",
            format!(
                "新增 {}，改期 {}，结束 {}，删除 {}",
                n(w.links_added),
                n(w.links_updated),
                n(w.links_closed),
                n(w.links_removed)
            ),
        ),
        (
            "党建指导员",
            format!(
                "新增 {}，修改 {}",
                n(w.instructors_added),
                n(w.instructors_updated)
            ),
        ),
        (
            "派驻",
            format!(
                "新增 {}，改期 {}，结束 {}，删除 {}",
                n(w.stations_added),
                n(w.stations_updated),
                n(w.stations_closed),
                n(w.stations_removed)
            ),
        ),
        (
            "任职",
            format!(
                "新增 {}，修改 {}",
                n(w.positions_added),
                n(w.positions_updated)
            ),
        ),
        (
            "单位",
            format!("新增 {}，修改 {}", n(w.units_added), n(w.units_updated)),
        ),
    ];
    if w.census_returns > 0 {
        counts.push(("摸排表", format!("新增或修改 {}", n(w.census_returns))));
    }
    let changes: Vec<ChangeRow> = w
        .changes
        .iter()
        .take(CHANGES_SHOWN)
        .map(|c| ChangeRow {
            kind: c.kind.label(),
            css: match c.kind {
                ChangeKind::Added => "badge-ok",
                ChangeKind::Removed => "badge-bad",
                _ => "badge-warn",
            },
            record: c.record,
            key: c.key.clone(),
            detail: c.detail.clone(),
        })
        .collect();
    ChangesView {
        none: w.is_noop(),
        more: w.changes.len() - changes.len() + w.more_changes,
        counts,
        changes,
    }
}

fn problem_row(p: &Problem) -> ProblemRow {
    ProblemRow {
        severity: p.severity.label(),
        is_error: p.severity == Severity::Error,
        sheet: p.sheet.clone(),
        cell: p.cell(),
        header: p.header.clone(),
        value: p.value.clone(),
        message: p.message.clone(),
    }
}

fn page(
    actor: &Actor,
    checked: Option<Checked>,
    error: Option<String>,
    written: Option<ChangesView>,
) -> Result<Response, PageError> {
    let page = ImportPage {
        layout: frame(
            actor,
            "数据导入",
            "import",
            vec![("数据管理".into(), "/import".into())],
        ),
        checked,
        error,
        written,
    };
    Ok(render(&page)?.into_response())
}

pub async fn form(Extension(actor): Extension<Actor>) -> Result<Response, PageError> {
    page(&actor, None, None, None)
}

/// The check of an upload: its sheets' row counts, its problems, and (without errors) what it
/// would change.
fn checked(id: i64, file_name: &str, wb: &source::Workbook, outcome: &ImportOutcome) -> Checked {
    let report = &outcome.report;
    // The data rows of each known sheet the workbook has, errors or not.
    let counts = crate::excel::columns::SHEETS
        .iter()
        .filter_map(|spec| {
            wb.sheets
                .iter()
                .find(|sheet| sheet.name.trim() == spec.name)
                .map(|sheet| (spec.name, count(sheet.rows.len() as i64)))
        })
        .collect();
    Checked {
        id,
        file_name: file_name.to_string(),
        errors: count(report.errors as i64),
        warnings: count(report.warnings as i64),
        has_errors: report.has_errors(),
        problems: report
            .problems
            .iter()
            .take(SHOWN)
            .map(problem_row)
            .collect(),
        omitted: (report.errors + report.warnings).saturating_sub(SHOWN),
        counts,
        fingerprint: outcome
            .written
            .as_ref()
            .map(fingerprint)
            .unwrap_or_default(),
        preview: outcome.written.as_ref().map(changes_view),
        stale: false,
    }
}

pub async fn upload(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let file = read_upload(&mut multipart, &actor, "upload.xlsx").await?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return page(
            &actor,
            None,
            Some("请选择要导入的工作簿文件（.xlsx，或 CSV 压缩包）".into()),
            None,
        );
    };
    let (wb, bytes) = parse_upload(name.clone(), bytes, Limits::IMPORT).await?;
    let wb = match wb {
        Ok(wb) => wb,
        Err(e) => return page(&actor, None, Some(e.to_string()), None),
    };
    let outcome = import_workbook(&s.db, &actor, &wb, &name, Mode::Preview).await?;
    let id = crate::app::registry::import::stage(&s.db, &actor, &name, &bytes).await?;
    page(&actor, Some(checked(id, &name, &wb, &outcome)), None, None)
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    pub csrf: String,
    /// The fingerprint of the preview the user confirms.
    #[serde(default)]
    pub changes: String,
}

pub async fn confirm(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    Form(f): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let Some((name, bytes)) = crate::app::registry::import::staged(&s.db, &actor, id).await? else {
        // Confirmed already (the page sent twice, or reloaded), or never this user's: not found
        // (404), in words that fit the first case.
        let mut r = page(
            &actor,
            None,
            Some("这次导入已经完成或已失效，无需再次确认；如需导入，请重新上传工作簿。".into()),
            None,
        )?;
        *r.status_mut() = axum::http::StatusCode::NOT_FOUND;
        return Ok(r);
    };
    let wb = match parse_upload(name.clone(), bytes, Limits::IMPORT).await?.0 {
        Ok(wb) => wb,
        Err(e) => return page(&actor, None, Some(e.to_string()), None),
    };
    let outcome = import_workbook(&s.db, &actor, &wb, &name, Mode::Confirm(f.changes)).await?;
    if !outcome.saved {
        // The registry changed since the check (another import, a form): nothing was saved;
        // the new report, or what confirming would change now, is shown to confirm again.
        let mut c = checked(id, &name, &wb, &outcome);
        c.stale = true;
        return page(&actor, Some(c), None, None);
    }
    crate::app::registry::import::unstage(&s.db, &actor, id).await?;
    page(
        &actor,
        None,
        None,
        outcome.written.as_ref().map(changes_view),
    )
}

pub async fn errors(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (name, bytes) = crate::app::registry::import::staged(&s.db, &actor, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let wb = parse_upload(name, bytes, Limits::IMPORT)
        .await?
        .0
        .map_err(|e| WebError::BadRequest(e.to_string()))?;
    let known = crate::app::registry::known(&s.db).await?;
    let (_, report) = import::validate(&wb, &known, s.clock.today());
    xlsx_download(
        &export::error_sheets(&wb, &report),
        "errors.xlsx",
        "错误说明.xlsx",
    )
}

pub async fn template() -> Result<Response, PageError> {
    xlsx_download(
        &export::template_sheets(),
        "template.xlsx",
        "登记台账模板.xlsx",
    )
}

/// The most orgs the web export of the whole registry writes (setting `export.web_max_orgs`).
pub const WEB_EXPORT_MOST: i64 = 200_000;

pub async fn export_registry(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    // The workbook is built in memory (about 13 GB for a million orgs): the shared server
    // writes one of a city, a province's is the command line's job.
    let most =
        s.db.setting("export.web_max_orgs")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(WEB_EXPORT_MOST);
    let orgs = s.db.org_count(&actor.scope).await?;
    if orgs > most {
        return Err(WebError::Unprocessable(format!(
            "登记台账有 {orgs} 个社会组织，超过网页导出的上限 {most} 个；请由系统管理员在服务器上用命令行导出：dangjian export 文件名.xlsx"
        ))
        .into());
    }
    let mut data =
        s.db.read_dataset(&actor.scope, ReadOptions::default())
            .await?;
    // Roles that do not need personal data get the workbook without ID and phone numbers.
    if !actor.role().sees_personal_data() {
        for i in &mut data.instructors {
            i.citizen_id = None;
            i.phone = None;
        }
        for p in &mut data.positions {
            p.citizen_id = None;
        }
    } else {
        crate::app::audit::personal_data_shown(&s.db, &actor, "导出登记台账").await?;
    }
    crate::app::audit::exported(
        &s.db,
        &actor,
        "登记台账",
        &format!("{} 个社会组织", data.orgs.len()),
    )
    .await?;
    xlsx_download(
        &export::dataset_sheets(&data, s.clock.today()),
        "registry.xlsx",
        "登记台账.xlsx",
    )
}
