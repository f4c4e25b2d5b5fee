//! 覆盖统计: the full coverage table as of a date, by region, responsible unit or kind —
//! printable, every figure linked to its records, with the definitions below the table.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::dashboard::{self, TableRow, base_href, region_rows, table_row, unit_row};
use super::{PageError, frame, render, xlsx_download};
use crate::stats::{self, By};
use crate::web::auth::{Actor, url_encode};
use crate::web::layout::Layout;
use crate::web::query::Params;
use crate::web::{AppState, WebError};

#[derive(Template)]
#[template(path = "stats.html")]
pub struct StatsPage {
    pub layout: Layout,
    pub as_of: String,
    pub by: &'static str,
    pub by_label: &'static str,
    pub tabs: Vec<(&'static str, &'static str, bool)>,
    pub headers: Vec<(&'static str, &'static str)>,
    pub rows: Vec<TableRow>,
    pub total: TableRow,
    pub cross: stats::CrossAppointment,
    /// A word on a date that cannot give the figures a user expects (nothing in scope yet, or a
    /// date still to come).
    pub notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct StatsQuery {
    pub as_of: Option<String>,
    pub by: Option<String>,
}

impl StatsQuery {
    /// The date (today when absent) and the grouping (by region when absent or unknown).
    fn read(&self, today: NaiveDate) -> Result<(NaiveDate, By), WebError> {
        let as_of = super::as_of_date(self.as_of.as_deref(), today)?;
        let by = self.by.as_deref().and_then(By::parse).unwrap_or(By::Region);
        Ok((as_of, by))
    }
}

/// The grouping's code (as in the URL) and its name.
fn by_names(by: By) -> (&'static str, &'static str) {
    match by {
        By::Region => ("region", "区划"),
        By::ResponsibleUnit => ("responsible-unit", "责任单位"),
        By::Kind => ("kind", "类型"),
    }
}

/// Whether the table shows a row: every kind; every region to a whole-city reader, else the
/// regions with orgs in scope; the responsible units with orgs in scope.
fn shown(by: By, whole_city: bool, r: &stats::Row) -> bool {
    match by {
        By::Region => whole_city || r.counts.in_scope > 0,
        By::ResponsibleUnit => r.counts.in_scope > 0,
        By::Kind => true,
    }
}

pub async fn show(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<StatsQuery>,
) -> Result<Response, PageError> {
    let (as_of, by) = q.read(s.clock.today())?;
    let d = as_of.to_string();
    let report = stats::coverage_for_people(&s.db, &actor.scope, as_of, by).await?;
    let href = base_href(&d);
    let rows = match by {
        By::Region => region_rows(&report, &d, actor.scope.is_city()),
        By::ResponsibleUnit => {
            let short = s.db.short_names().await?;
            report
                .rows
                .iter()
                .filter(|r| shown(by, actor.scope.is_city(), r))
                .map(|r| {
                    unit_row(
                        &short,
                        r,
                        &format!("{href}&responsible_unit={}", url_encode(&r.key)),
                    )
                })
                .collect()
        }
        By::Kind => report
            .rows
            .iter()
            .map(|r| table_row(r.name.clone(), r, &format!("{href}&kind={}", r.key)))
            .collect(),
    };
    let (by_code, by_label) = by_names(by);
    let page = StatsPage {
        layout: frame(
            &actor,
            "覆盖统计",
            "stats",
            vec![("统计报表".into(), "/stats".into())],
        ),
        as_of: d.clone(),
        by: by_code,
        by_label,
        tabs: vec![
            ("region", "按区划", by == By::Region),
            ("responsible-unit", "按责任单位", by == By::ResponsibleUnit),
            ("kind", "按类型", by == By::Kind),
        ],
        headers: dashboard::headers(),
        total: table_row(
            format!("合计（{}）", actor.user.scope_label),
            &report.total,
            &href,
        ),
        rows,
        cross: stats::cross_appointment(&s.db, &actor.scope, as_of).await?,
        notice: date_notice(as_of, report.total.counts.in_scope, s.clock.today()),
    };
    Ok(render(&page)?.into_response())
}

/// A word on a date that cannot give the figures a user expects: one still to come, or one at
/// which nothing in the reader's scope was registered.
pub(super) fn date_notice(as_of: NaiveDate, in_scope: i64, today: NaiveDate) -> Option<String> {
    if as_of > today {
        Some(format!(
            "统计日期 {as_of} 晚于今天：数字按目前登记的数据推算（今后的注销、撤销和新建党组织尚未登记），不是实际情况。"
        ))
    } else if in_scope == 0 {
        Some(format!(
            "统计日期 {as_of} 时，管理范围内没有纳入统计的社会组织（尚未成立登记，或均已注销、撤销），各项为 0。"
        ))
    } else {
        None
    }
}

/// The statistics table as a workbook: the rows of the page (same date, same grouping, same
/// scope), counts as numbers, rates as numbers formatted as the page shows them (82.3 %), and
/// the total.
pub async fn export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<StatsQuery>,
) -> Result<Response, PageError> {
    use crate::excel::writer::{OutCell, OutSheet};
    let (as_of, by) = q.read(s.clock.today())?;
    let report = stats::coverage_for_people(&s.db, &actor.scope, as_of, by).await?;
    let line = |name: String, r: &stats::Row| {
        let c = &r.counts;
        let mut cells = vec![OutCell::Text(name)];
        cells.extend(
            [
                c.in_scope,
                c.covered,
                c.in_scope - c.covered,
                c.own_covered,
                c.work_covered,
                c.should_establish_own,
                c.should_establish_none,
                c.abnormal,
            ]
            .map(OutCell::Int),
        );
        cells.push(OutCell::Percent(r.covered_rate.clone()));
        cells.push(OutCell::Percent(r.work_covered_rate.clone()));
        cells
    };
    let mut rows: Vec<Vec<OutCell>> = report
        .rows
        .iter()
        .filter(|r| shown(by, actor.scope.is_city(), r))
        .map(|r| line(r.name.clone(), r))
        .collect();
    rows.push(line(
        format!("合计（{}）", actor.user.scope_label),
        &report.total,
    ));
    let (_, by_label) = by_names(by);
    let mut headers = vec![by_label.to_string()];
    headers.extend(dashboard::headers().iter().map(|(h, _)| h.to_string()));
    headers.push("组织覆盖率".into());
    headers.push("工作覆盖率".into());
    let sheet = OutSheet {
        name: format!("覆盖统计（{as_of}）"),
        headers,
        required: Vec::new(),
        rows,
        notes: Vec::new(),
        choices: Vec::new(),
    };
    xlsx_download(
        &[sheet],
        &format!("coverage-{as_of}.xlsx"),
        &format!("覆盖统计{as_of}.xlsx"),
    )
}
