//! Server-rendered pages: one askama struct per page, rendered through [`render`]; every page
//! gets its frame from [`frame`].

pub mod admin;
pub mod census;
pub mod dashboard;
pub mod forms;
pub mod import;
pub mod ledger;
pub mod login;
pub mod orgs;
pub mod paging;
pub mod registry;
pub mod stats;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Html;

use super::auth::Actor;
use super::layout::Layout;
use super::{PageError, WebError};

/// Renders a page template.
pub fn render<T: Template>(page: &T) -> Result<Html<String>, PageError> {
    page.render()
        .map(Html)
        .map_err(|e| PageError(WebError::Template(e.to_string())))
}

/// The frame of a page for a signed-in actor.
pub fn frame(
    actor: &Actor,
    title: &str,
    active: &'static str,
    crumbs: Vec<(String, String)>,
) -> Layout {
    Layout {
        title: title.to_string(),
        user_name: actor.user.username.clone(),
        role_label: actor.role().label().to_string(),
        scope_label: actor.user.scope_label.clone(),
        csrf: actor.csrf.clone(),
        active,
        crumbs,
        is_admin: actor.role().is_city_admin(),
        // Imports write the whole registry: city admins only, until scoped imports exist.
        may_edit: actor.role().is_city_admin(),
        may_edit_orgs: actor.role().may_edit_registry(),
        may_keep: crate::web::Access::Keepers.allows(actor.role()),
        overview: crate::web::Access::Overview.allows(actor.role()),
        flash: None,
    }
}

/// The date of a page's figures: `as_of=YYYY-MM-DD`, today when absent or empty.
pub fn as_of_date(
    value: Option<&str>,
    today: chrono::NaiveDate,
) -> Result<chrono::NaiveDate, WebError> {
    match value.filter(|v| !v.is_empty()) {
        None => Ok(today),
        Some(v) => crate::web::dates::parse_day("统计日期", v).map_err(WebError::BadRequest),
    }
}

/// The regions for a filter's choices: (code, name, chosen), the city's own level named
/// 市本级 as everywhere, in code order.
pub async fn region_choices(
    s: &crate::web::AppState,
    chosen: Option<&str>,
) -> Result<Vec<(String, String, bool)>, PageError> {
    let mut regions: Vec<(String, String, bool)> =
        s.db.regions()
            .await?
            .into_iter()
            .map(|r| {
                let code = r.code.as_str().to_string();
                let on = chosen == Some(code.as_str());
                (code, r.name, on)
            })
            .collect();
    regions.sort();
    Ok(regions)
}

/// An error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub message: String,
}

impl ErrorPage {
    pub fn new(status: StatusCode, message: &str) -> ErrorPage {
        ErrorPage {
            layout: Layout {
                title: format!("出错了（{}）", status.as_u16()),
                ..Layout::default()
            },
            status: status.as_u16(),
            message: message.to_string(),
        }
    }
}

/// A broken or oversized multipart body, in words (the library's own text is English and is
/// logged, not shown).
fn multipart_error(e: axum::extract::multipart::MultipartError) -> PageError {
    tracing::debug!(error = %e, "multipart body refused");
    let status = e.status();
    if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        WebError::BadRequest("上传失败：文件超过了允许的大小".into()).into()
    } else {
        WebError::BadRequest(
            "上传失败：上传的内容不完整或格式不正确；请返回上一页重新选择文件后上传".into(),
        )
        .into()
    }
}

/// A form with a CSRF token and one file field `file`, as the browser posts it (multipart):
/// the token, and the file's name (or `default_name`) and bytes if one was chosen.
pub async fn read_upload(
    multipart: &mut axum::extract::Multipart,
    actor: &Actor,
    default_name: &str,
) -> Result<Option<(String, Vec<u8>)>, PageError> {
    let mut csrf_checked = false;
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        match field.name() {
            // The form's token comes first: a file is read only after it checked out.
            Some("csrf") => {
                let token = field.text().await.unwrap_or_default();
                actor.check_csrf(&token)?;
                csrf_checked = true;
            }
            // (The pages' forms put the token first; a file before it is not read at all.)
            Some("file") if !csrf_checked => return Err(super::auth::csrf_refused().into()),
            Some("file") => {
                let name = field.file_name().unwrap_or(default_name).to_string();
                let bytes = field.bytes().await.map_err(multipart_error)?;
                // A form sent without choosing a file has the field, unnamed and empty.
                if !(name.is_empty() && bytes.is_empty()) {
                    file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    if !csrf_checked {
        return Err(super::auth::csrf_refused().into());
    }
    Ok(file)
}

/// Uploads parsed at once: one per core. A workbook is unpacked and parsed on a blocking
/// thread, never on the threads that answer requests, so that a large or hostile upload slows
/// down other uploads, not every page (the review's F4).
static PARSERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Parses an uploaded workbook within `limits`, off the async workers and behind [`PARSERS`];
/// the bytes come back with it (an import keeps them until confirmed).
pub async fn parse_upload(
    name: String,
    bytes: Vec<u8>,
    limits: crate::excel::source::Limits,
) -> Result<
    (
        Result<crate::excel::source::Workbook, crate::excel::source::SourceError>,
        Vec<u8>,
    ),
    PageError,
> {
    let _permit = PARSERS.acquire().await.map_err(|_| WebError::Busy)?;
    tokio::task::spawn_blocking(move || {
        let wb = crate::excel::source::read_bytes_within(&name, &bytes, &limits);
        (wb, bytes)
    })
    .await
    .map_err(|_| PageError(WebError::Template("解析上传的文件失败".into())))
}

/// Sheets as an .xlsx download named `name`, with an ASCII fallback for old browsers.
pub fn xlsx_download(
    sheets: &[crate::excel::writer::OutSheet],
    ascii: &str,
    name: &str,
) -> Result<axum::response::Response, PageError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let bytes =
        crate::excel::writer::write_xlsx(sheets).map_err(|e| WebError::Template(e.to_string()))?;
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        crate::web::auth::url_encode(name)
    );
    let content_type =
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string();
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// Formats a count as the UI shows it: thousands separators only above 9,999.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    if n.abs() <= 9_999 {
        return n.to_string();
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_have_separators_only_above_9999() {
        assert_eq!(super::count(9_999), "9999");
        assert_eq!(super::count(10_000), "10,000");
        assert_eq!(super::count(1_234_567), "1,234,567");
        assert_eq!(super::count(0), "0");
    }
}
