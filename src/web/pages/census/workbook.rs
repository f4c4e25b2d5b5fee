//! The campaign's workbook: downloaded prefilled, uploaded all or nothing.

use super::*;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::response::Response;

use super::{PageError, read_upload, xlsx_download};
use crate::app::census;
use crate::db::ReturnFilter;
use crate::domain::census::ReturnState;
use crate::excel::columns;
use crate::excel::problems::{Report, Severity};
use crate::excel::writer::{OutCell, OutSheet};
use crate::web::auth::Actor;
use crate::web::{AppState, WebError};

/// The campaign's 摸排 sheet for the actor's orgs, prefilled with the returns so far.
pub async fn download(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let c = visible_campaign(&s, &actor, id).await?;
    let filter = ReturnFilter {
        limit: 10_000_000,
        ..ReturnFilter::default()
    };
    let (rows, _) = s.db.campaign_returns(&actor.scope, &c, &filter).await?;
    let text = |s: &str| OutCell::Text(s.to_string());
    let int = |v: Option<i64>| v.map(OutCell::Int).unwrap_or(OutCell::Empty);
    let data = rows
        .iter()
        .map(|r| {
            let ret = r.ret.as_ref();
            vec![
                text(&c.name),
                text(&r.credit_code),
                text(&r.org_name),
                ret.map(|x| text(x.operating_state.label()))
                    .unwrap_or(OutCell::Empty),
                int(ret.and_then(|x| x.staff_count)),
                int(ret.and_then(|x| x.member_count)),
                int(ret.map(|x| x.formal_members)),
                int(ret.map(|x| x.probationary_members)),
                ret.map(|x| text(x.party_org_status.label()))
                    .unwrap_or(OutCell::Empty),
                text(if r.state == ReturnState::Confirmed {
                    "是"
                } else {
                    "否"
                }),
                ret.and_then(|x| x.note.as_deref())
                    .map(text)
                    .unwrap_or(OutCell::Empty),
            ]
        })
        .collect();
    let sheet = OutSheet {
        name: columns::CENSUS.name.to_string(),
        headers: columns::CENSUS
            .columns
            .iter()
            .map(|c| c.header.to_string())
            .collect(),
        required: columns::CENSUS.columns.iter().map(|c| c.required).collect(),
        rows: data,
        notes: Vec::new(),
        choices: crate::excel::export::choices(&columns::CENSUS),
    };
    let help = crate::excel::export::help_sheet(
        &columns::CENSUS,
        "每个社会组织一行；运行状态、人数、党组织状况等都未填写的行视为尚未填报，上传时跳过；\
         已确认 只对您负责确认的社会组织有效；任何一行有错误时不保存任何数据",
    );
    xlsx_download(
        &[sheet, help],
        &format!("census-{}.xlsx", c.id),
        &format!("{}-摸排表.xlsx", c.name),
    )
}

/// Uploads the campaign's 摸排 sheet: every row validated (org in this campaign and in the
/// actor's scope); nothing is saved unless every row is right. 已确认=是 counts only for
/// confirmers.
pub async fn upload(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let file = read_upload(&mut multipart, &actor, "摸排表.xlsx").await?;
    let c = visible_campaign(&s, &actor, id).await?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(WebError::BadRequest("请选择要上传的摸排表文件".into()).into());
    };
    let (wb, _) =
        crate::web::pages::parse_upload(name.clone(), bytes, crate::excel::source::Limits::CENSUS)
            .await?;
    let wb = match wb {
        Ok(wb) => wb,
        Err(e) => {
            let mut report = Report::default();
            report.push(crate::excel::problems::Problem {
                severity: Severity::Error,
                sheet: String::new(),
                row: None,
                column: None,
                header: String::new(),
                value: name.clone(),
                message: e.to_string(),
            });
            return campaign_page(
                &s,
                &actor,
                id,
                &CampaignQuery::default(),
                Some(report_view(&report)),
            )
            .await;
        }
    };
    let up = census::upload(&s.db, &actor, &c, wb, &name).await?;
    if up.report.has_errors() {
        let mut r = campaign_page(
            &s,
            &actor,
            id,
            &CampaignQuery::default(),
            Some(report_view(&up.report)),
        )
        .await?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let mut notice = format!("已导入 {} 行，其中 {} 份摸排表有变化", up.rows, up.changed);
    if up.unconfirmed > 0 {
        notice.push_str(&format!(
            "；{} 行的“已确认”由其他责任单位负责，本次上传未作确认（原有的确认不变）",
            up.unconfirmed
        ));
    }
    if up.report.warnings > 0 {
        let first: Vec<String> = up
            .report
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .take(3)
            .map(|p| p.to_string())
            .collect();
        notice.push_str(&format!(
            "（提示 {} 条：{}）",
            up.report.warnings,
            first.join("；")
        ));
    }
    // The upload's own words (counts, its first warnings) are shown on the page it answers
    // with, not carried in an address.
    campaign_page_with(
        &s,
        &actor,
        id,
        &CampaignQuery::default(),
        None,
        Some(notice),
    )
    .await
}
