//! 数据导入: upload a workbook → the validation report in the page (every error and warning by
//! sheet, row and column; the error workbook to download) → confirm → the result. The template
//! and the registry export are offered here too.

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};

use super::login::CsrfForm;
use super::{PageError, count, frame, read_upload, render, xlsx_download};
use crate::db::{ReadOptions, WriteSummary};
use crate::excel::problems::{Problem, Report, Severity};
use crate::excel::{export, import, source};
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::{AppState, WebError};

/// Problems shown in the page; the error workbook has them all.
const SHOWN: usize = 500;

#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub layout: Layout,
    /// The uploaded file's id, name and report, once a file was checked.
    pub checked: Option<Checked>,
    pub error: Option<String>,
    pub written: Option<WriteSummary>,
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
    written: Option<WriteSummary>,
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

/// Validates a stored file against the registry as it is now.
async fn check(
    s: &AppState,
    bytes: &[u8],
    file_name: &str,
) -> Result<Result<(source::Workbook, crate::domain::dataset::Dataset, Report), String>, PageError>
{
    let wb = match source::read_bytes(file_name, bytes) {
        Ok(wb) => wb,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let known = import::Known::load(&s.db).await?;
    let (data, report) = import::validate(&wb, &known, s.clock.today());
    Ok(Ok((wb, data, report)))
}

pub async fn upload(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (csrf, file) = read_upload(&mut multipart, "upload.xlsx").await?;
    actor.check_csrf(&csrf)?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return page(
            &actor,
            None,
            Some("请选择要导入的工作簿文件（.xlsx，或 CSV 压缩包）".into()),
            None,
        );
    };
    let (wb, _, report) = match check(&s, &bytes, &name).await? {
        Ok(x) => x,
        Err(message) => return page(&actor, None, Some(message), None),
    };
    let id =
        s.db.add_pending_import(actor.user.id, &name, &bytes)
            .await?;
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
    let checked = Checked {
        id,
        file_name: name,
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
    };
    page(&actor, Some(checked), None, None)
}

pub async fn confirm(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let Some((name, bytes)) = s.db.pending_import(actor.user.id, id).await? else {
        // Confirmed already (the page sent twice, or reloaded), or never this user's.
        return page(
            &actor,
            None,
            Some("这次导入已经完成或已失效，无需再次确认；如需导入，请重新上传工作簿。".into()),
            None,
        );
    };
    let (_, data, report) = match check(&s, &bytes, &name).await? {
        Ok(x) => x,
        Err(message) => return page(&actor, None, Some(message), None),
    };
    if report.has_errors() {
        // The registry changed since the check (another import): show the new report.
        return page(
            &actor,
            None,
            Some(format!(
                "数据已发生变化，重新校验发现 {} 条错误，请重新上传",
                report.errors
            )),
            None,
        );
    }
    let summary =
        s.db.write_dataset(&actor.scope, &data, &actor.user.username, s.clock.today())
            .await?;
    s.db.remove_pending_import(id).await?;
    s.db.audit(
        &actor.user.username,
        "import",
        &name,
        &summary.describe(),
        &actor.client,
    )
    .await?;
    // The import is saved whatever happens here (see forms.rs).
    if let Err(e) =
        s.db.detect(&actor.scope, &actor.user.username, s.clock.today())
            .await
    {
        tracing::warn!(error = %e, "detection after an import failed");
    }
    page(&actor, None, None, Some(summary))
}

pub async fn errors(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (name, bytes) =
        s.db.pending_import(actor.user.id, id)
            .await?
            .ok_or(WebError::NotFound)?;
    let (wb, _, report) = check(&s, &bytes, &name)
        .await?
        .map_err(WebError::BadRequest)?;
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

pub async fn export_registry(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
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
        s.db.audit(
            &actor.user.username,
            "view_personal_data",
            "导出登记台账",
            "身份证号、手机号",
            &actor.client,
        )
        .await?;
    }
    s.db.audit(
        &actor.user.username,
        "export",
        "登记台账",
        &format!("{} 个社会组织", data.orgs.len()),
        &actor.client,
    )
    .await?;
    xlsx_download(
        &export::dataset_sheets(&data, s.clock.today()),
        "registry.xlsx",
        "登记台账.xlsx",
    )
}
