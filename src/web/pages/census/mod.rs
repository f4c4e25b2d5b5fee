//! 摸排 (census campaigns, `domain.md` §4.3): the campaigns with their progress, opening one,
//! a campaign's progress per responsible unit and its orgs, the return form, confirmation (one
//! or all), and the campaign's workbook (download prefilled, upload all-or-nothing).
//! One file per page: the campaigns, a campaign, a return, the campaign's workbook.

use axum::response::{IntoResponse, Response};

use super::{PageError, count, frame, read_upload, render, xlsx_download};
use crate::app::census;
use crate::db::{Campaign, CampaignSummary, Progress, ReturnFilter};
use crate::domain::census::{ReturnState, is_confirmer};
use crate::domain::ledger::is_worker;
use crate::excel::problems::{Report, Severity};
use crate::web::AppState;
use crate::web::auth::{Actor, url_encode};

mod campaign;
mod list;
mod return_form;
mod workbook;

pub use campaign::{campaign, confirm_all};
pub use list::{create, list};
pub use return_form::{return_form, save_return};
pub use workbook::{download, upload};

use campaign::*;

pub(super) const PER_PAGE: i64 = 50;

/// Progress as the pages show it.
pub struct ProgressView {
    pub total: String,
    pub returned: String,
    pub confirmed: String,
    pub waiting: String,
    pub missing: String,
    /// Percent confirmed (0–100), for the bar.
    pub percent: i64,
}

impl ProgressView {
    fn new(p: &Progress) -> ProgressView {
        ProgressView {
            total: count(p.total),
            returned: count(p.returned),
            confirmed: count(p.confirmed),
            waiting: count(p.waiting()),
            missing: count(p.missing()),
            percent: if p.total == 0 {
                0
            } else {
                // Rounded half up: 2 of 3 is 67%.
                (p.confirmed * 200 + p.total) / (2 * p.total)
            },
        }
    }
}

pub struct CampaignView {
    pub id: i64,
    pub name: String,
    pub reference_date: String,
    pub end_date: String,
    pub region: String,
    pub ended: bool,
    pub progress: ProgressView,
}

pub(super) fn campaign_view(c: &CampaignSummary, today: chrono::NaiveDate) -> CampaignView {
    CampaignView {
        id: c.campaign.id,
        name: c.campaign.name.clone(),
        reference_date: c.campaign.reference_date.to_string(),
        end_date: c.campaign.end_date.to_string(),
        region: c.campaign.region_name.clone(),
        ended: c.campaign.end_date < today,
        progress: ProgressView::new(&c.progress),
    }
}

/// An upload's validation report in the page.
pub struct ReportView {
    pub errors: usize,
    pub warnings: usize,
    pub lines: Vec<(bool, String)>,
    pub more: usize,
}

pub(super) fn report_view(report: &Report) -> ReportView {
    const SHOWN: usize = 200;
    let lines: Vec<(bool, String)> = report
        .problems
        .iter()
        .take(SHOWN)
        .map(|p| (p.severity == Severity::Error, p.to_string()))
        .collect();
    ReportView {
        errors: report.errors,
        warnings: report.warnings,
        more: report.problems.len().saturating_sub(lines.len()),
        lines,
    }
}

pub(super) async fn visible_campaign(
    s: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<Campaign, PageError> {
    Ok(census::visible(&s.db, actor, id).await?)
}

pub(super) fn unit_filter(text: &str) -> Option<Option<i64>> {
    match text {
        "" => None,
        "none" => Some(None),
        t => t.parse().ok().map(Some),
    }
}

/// The words of a notice code (anything else shows nothing).
pub(super) fn notice_text(code: &str, n: Option<i64>) -> Option<String> {
    Some(match code {
        "confirmed_all" => format!("已确认 {} 份摸排表", n.unwrap_or(0)),
        "confirmed" => "已确认".into(),
        "nothing_to_confirm" => "没有待确认的摸排表（尚未填报或已确认）".into(),
        "unchanged" => "摸排表没有变化，未重新保存".into(),
        "saved_confirmed" => "已保存并确认".into(),
        "saved" => "已保存，待责任单位确认".into(),
        _ => return None,
    })
}

pub(super) async fn campaign_page(
    s: &AppState,
    actor: &Actor,
    id: i64,
    q: &CampaignQuery,
    report: Option<ReportView>,
) -> Result<Response, PageError> {
    campaign_page_with(s, actor, id, q, report, notice_text(&q.notice, q.n)).await
}

pub(super) async fn campaign_page_with(
    s: &AppState,
    actor: &Actor,
    id: i64,
    q: &CampaignQuery,
    report: Option<ReportView>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let c = visible_campaign(s, actor, id).await?;
    let units = s.db.unit_progress(&actor.scope, &c).await?;
    let short = s.db.short_names().await?;
    let progress = Progress::sum(&units);
    let state = ReturnState::from_code(&q.state);
    let page = q.page.unwrap_or(1).max(1);
    let mine_only = q.mine == "1" && is_confirmer(actor.role());
    let filter = ReturnFilter {
        state,
        unit: unit_filter(&q.unit),
        q: Some(q.q.clone()),
        confirmable_only: mine_only,
        offset: (page - 1).saturating_mul(PER_PAGE),
        limit: PER_PAGE,
    };
    let (rows, total) = s.db.campaign_returns(&actor.scope, &c, &filter).await?;
    // The returns waiting that this actor's unit confirms, within the unit filter shown.
    let (_, waiting_mine) =
        s.db.campaign_returns(
            &actor.scope,
            &c,
            &ReturnFilter {
                state: Some(ReturnState::Returned),
                unit: filter.unit,
                confirmable_only: true,
                limit: 0,
                ..ReturnFilter::default()
            },
        )
        .await?;
    let pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    let base = format!("/census/{}", c.id);
    let link_to = |state: &str, unit: &str, page: i64, mine: bool| {
        let mut parts = Vec::new();
        if !state.is_empty() {
            parts.push(format!("state={state}"));
        }
        if !unit.is_empty() {
            parts.push(format!("unit={unit}"));
        }
        if !q.q.is_empty() {
            parts.push(format!("q={}", url_encode(&q.q)));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        if mine {
            parts.push("mine=1".to_string());
        }
        if parts.is_empty() {
            base.clone()
        } else {
            format!("{base}?{}", parts.join("&"))
        }
    };
    let link = |state: &str, unit: &str, page: i64| link_to(state, unit, page, mine_only);
    let unit_key = |id: Option<i64>| id.map_or("none".to_string(), |i| i.to_string());
    let unit_label = filter.unit.map(|u| {
        units
            .iter()
            .find(|x| x.unit_id == u)
            .and_then(|x| x.unit.clone())
            .unwrap_or_else(|| "（无法确定责任单位）".into())
    });
    let summary = CampaignSummary {
        campaign: c.clone(),
        progress,
    };
    let view = CampaignPage {
        layout: frame(
            actor,
            &c.name,
            "census",
            vec![("摸排".into(), "/census".into())],
        ),
        c: campaign_view(&summary, s.clock.today()),
        units: units
            .iter()
            .map(|u| UnitView {
                name: u.unit.as_deref().map_or_else(
                    || "（无法确定责任单位）".to_string(),
                    |n| short.show(n).to_string(),
                ),
                full: u.unit.clone().filter(|n| short.show(n) != n.as_str()),
                href: link("", &unit_key(u.unit_id), 1),
                progress: ProgressView::new(&u.progress),
                missing_href: link("missing", &unit_key(u.unit_id), 1),
                waiting_href: link("returned", &unit_key(u.unit_id), 1),
                confirmed_href: link("confirmed", &unit_key(u.unit_id), 1),
            })
            .collect(),
        rows: rows.iter().map(|r| return_view(&c, r)).collect(),
        states: ReturnState::ALL
            .iter()
            .map(|st| (st.code(), st.label(), Some(*st) == state))
            .collect(),
        q: q.q.clone(),
        // An unreadable unit filters nothing and is not carried on (to 全部确认).
        unit: if filter.unit.is_some() {
            q.unit.clone()
        } else {
            String::new()
        },
        unit_label,
        total: count(total),
        page,
        pages,
        prev_href: (page > 1).then(|| link(&q.state, &q.unit, page - 1)),
        next_href: (page < pages).then(|| link(&q.state, &q.unit, page + 1)),
        may_confirm: is_confirmer(actor.role()),
        may_fill: is_worker(actor.role()),
        waiting_in_view: if is_confirmer(actor.role()) {
            waiting_mine
        } else {
            0
        },
        notice,
        report,
        all_href: mine_only.then(|| link_to(&q.state, &q.unit, 1, false)),
    };
    Ok(render(&view)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::return_form::ReturnForm;

    #[test]
    fn full_width_digits_are_digits() {
        let form = ReturnForm {
            operating_state: "running".into(),
            staff_count: "１２".into(),
            formal_members: "３".into(),
            party_org_status: "joint".into(),
            ..ReturnForm::default()
        };
        let r = form.parse().expect("a valid return");
        assert_eq!((r.staff_count, r.formal_members), (Some(12), 3));
        // Letters are still refused, with the field named.
        let bad = ReturnForm {
            formal_members: "三".into(),
            ..form
        };
        let problems = bad.parse().expect_err("refused");
        assert_eq!(
            problems,
            [("formal_members", "正式党员数“三”应为整数".to_string())]
        );
    }
}
