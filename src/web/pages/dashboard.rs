//! 工作台: the coverage of the actor's scope as of a date, by region and by responsible unit,
//! the trend by quarter and the bars by region. Every figure links to the records behind it and
//! carries its definition (口径).

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::{PageError, count, frame, render};
use crate::domain::coverage::Counts;
use crate::stats::{self, By, CoverageReport};
use crate::web::AppState;
use crate::web::auth::{Actor, url_encode};
use crate::web::charts::{self, Bar, Point, Series};
use crate::web::layout::Layout;
use crate::web::query::Params;

/// A figure: its value as shown, the link to its records, and its definition.
pub struct Figure {
    pub label: &'static str,
    pub value: String,
    pub href: String,
    pub definition: &'static str,
}

/// A table cell that is a figure.
pub struct Cell {
    pub value: String,
    pub href: String,
}

/// A row of a coverage table.
pub struct TableRow {
    pub name: String,
    /// The full name when `name` is a short one (the cell's title).
    pub full: Option<String>,
    pub cells: Vec<Cell>,
    pub covered_rate: String,
    pub work_rate: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub as_of: String,
    pub rate_figures: Vec<Figure>,
    pub count_figures: Vec<Figure>,
    pub headers: Vec<(&'static str, &'static str)>,
    pub by_region: Vec<TableRow>,
    pub by_unit: Vec<TableRow>,
    pub total: TableRow,
    pub trend_svg: String,
    pub bars_svg: String,
    /// 待办: (label, count, link) for the actor's scope and the actor.
    pub todo: Vec<(String, usize, String)>,
    /// An org's own user sees its org, not city-style tables of one row.
    pub own_org: Option<OwnOrgs>,
    /// As on the statistics page: a date still to come, or one with nothing in scope.
    pub notice: Option<String>,
}

/// The orgs of an org user (its own) or of an instructor (those he or she is stationed in), as
/// their dashboard shows them instead of city-style tables.
pub struct OwnOrgs {
    pub heading: &'static str,
    pub orgs: Vec<OwnOrg>,
    /// More orgs than shown (the org list has them all).
    pub more: i64,
}

/// One such org.
pub struct OwnOrg {
    pub name: String,
    pub href: String,
    /// Its coverage at the date, in words.
    pub state: &'static str,
    pub formal_members: i64,
}

#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    pub as_of: Option<String>,
}

pub const DEF_IN_SCOPE: &str =
    "纳入统计：成立登记日期不晚于统计日，且统计日尚未注销或撤销的社会组织（含活动异常）";
pub const DEF_COVERED: &str = "党的组织覆盖率 = 统计日被有效党组织覆盖的社会组织数 ÷ 纳入统计数";
pub const DEF_WORK: &str =
    "党的工作覆盖率 = 统计日被党组织覆盖或派驻有党建指导员、联络员的社会组织数 ÷ 纳入统计数";
pub const DEF_OWN: &str = "单独组建率 = 统计日被单独组建的党组织覆盖的社会组织数 ÷ 纳入统计数";
pub const DEF_SHOULD_OWN: &str =
    "应单独组建未单独组建：正式党员3名以上、但未被单独组建的党组织覆盖";
pub const DEF_SHOULD_NONE: &str = "应建未建：正式党员3名以上、且未被任何党组织覆盖";
pub const DEF_UNCOVERED: &str = "未覆盖 = 纳入统计数 − 党组织覆盖数";
pub const DEF_ABNORMAL: &str =
    "活动异常：登记状态为“异常”（列入活动异常名录）、仍纳入统计的社会组织";

/// The column headers of a coverage table with their definitions.
pub fn headers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("纳入统计", DEF_IN_SCOPE),
        ("组织覆盖", DEF_COVERED),
        ("未覆盖", DEF_UNCOVERED),
        ("单独组建", DEF_OWN),
        ("工作覆盖", DEF_WORK),
        ("应单建未单建", DEF_SHOULD_OWN),
        ("应建未建", DEF_SHOULD_NONE),
        ("活动异常", DEF_ABNORMAL),
    ]
}

/// The quarter ends from 2019Q1 up to the quarter of `as_of`, with `as_of` itself last.
fn quarter_ends(as_of: NaiveDate) -> Vec<(String, NaiveDate)> {
    let mut out = Vec::new();
    for year in 2019..=as_of.year() {
        for (q, (m, d)) in [(3, 31), (6, 30), (9, 30), (12, 31)]
            .into_iter()
            .enumerate()
        {
            if let Some(date) = NaiveDate::from_ymd_opt(year, m, d)
                && date < as_of
            {
                out.push((format!("{year}Q{}", q + 1), date));
            }
        }
    }
    out.push((as_of.format("%Y-%m-%d").to_string(), as_of));
    out
}

pub(super) fn base_href(as_of: &str) -> String {
    format!("/orgs?as_of={as_of}")
}

fn row_cells(c: &Counts, href: &str) -> Vec<Cell> {
    let cell = |n: i64, filter: &str| Cell {
        value: count(n),
        href: format!("{href}{filter}"),
    };
    vec![
        cell(c.in_scope, ""),
        cell(c.covered, "&covered=true"),
        cell(c.in_scope - c.covered, "&covered=false"),
        cell(c.own_covered, "&own_covered=true"),
        cell(c.work_covered, "&work_covered=true"),
        cell(c.should_establish_own, "&should_establish_own=true"),
        cell(c.should_establish_none, "&should_establish_none=true"),
        cell(c.abnormal, "&abnormal=true"),
    ]
}

pub(super) fn table_row(name: String, r: &stats::Row, href: &str) -> TableRow {
    TableRow {
        name,
        full: None,
        cells: row_cells(&r.counts, href),
        covered_rate: format!("{}%", r.covered_rate),
        work_rate: format!("{}%", r.work_covered_rate),
    }
}

/// A responsible unit's row: its short name where the setting gives one, the full name its
/// title.
pub(super) fn unit_row(
    short: &crate::domain::short_names::ShortNames,
    r: &stats::Row,
    href: &str,
) -> TableRow {
    let shown = short.show(&r.name);
    TableRow {
        full: (shown != r.name).then(|| r.name.clone()),
        ..table_row(shown.to_string(), r, href)
    }
}

pub(super) fn region_rows(report: &CoverageReport, as_of: &str, whole_city: bool) -> Vec<TableRow> {
    report
        .rows
        .iter()
        .filter(|r| whole_city || r.counts.in_scope > 0)
        .map(|r| {
            // The root's own row (市本级) drills into the root's own orgs only.
            let param = if r.key == report.total.key {
                "region_own"
            } else {
                "region"
            };
            table_row(
                r.name.clone(),
                r,
                &format!("{}&{param}={}", base_href(as_of), r.key),
            )
        })
        .collect()
}

pub async fn show(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<DashboardQuery>,
) -> Result<Response, PageError> {
    let as_of = super::as_of_date(q.as_of.as_deref(), s.clock.today())?;
    let d = as_of.to_string();
    let scope = &actor.scope;
    // An org user or instructor sees its own orgs instead of the tables and charts below: the
    // quarterly trend (a coverage query per quarter) is not computed for them.
    let own = own_org(&s, scope, as_of).await?;
    let regions = stats::coverage(&s.db, scope, as_of, By::Region).await?;
    let units = stats::coverage_for_people(&s.db, scope, as_of, By::ResponsibleUnit).await?;
    let t = &regions.total;
    let href = base_href(&d);
    let fig = |label, value: String, filter: &str, definition| Figure {
        label,
        value,
        href: format!("{href}{filter}"),
        definition,
    };
    let rate_figures = vec![
        fig(
            "党的组织覆盖率",
            format!("{}%", t.covered_rate),
            "&covered=true",
            DEF_COVERED,
        ),
        fig(
            "党的工作覆盖率",
            format!("{}%", t.work_covered_rate),
            "&work_covered=true",
            DEF_WORK,
        ),
        fig(
            "单独组建率",
            format!("{}%", t.own_rate),
            "&own_covered=true",
            DEF_OWN,
        ),
    ];
    let c = &t.counts;
    let count_figures = vec![
        fig("纳入统计", count(c.in_scope), "", DEF_IN_SCOPE),
        fig(
            "未覆盖",
            count(c.in_scope - c.covered),
            "&covered=false",
            DEF_UNCOVERED,
        ),
        fig(
            "应单独组建未单独组建",
            count(c.should_establish_own),
            "&should_establish_own=true",
            DEF_SHOULD_OWN,
        ),
        fig(
            "应建未建",
            count(c.should_establish_none),
            "&should_establish_none=true",
            DEF_SHOULD_NONE,
        ),
        fig(
            "活动异常",
            count(c.abnormal),
            "&abnormal=true",
            DEF_ABNORMAL,
        ),
    ];
    let short = s.db.short_names().await?;
    let by_unit = units
        .rows
        .iter()
        .filter(|r| r.counts.in_scope > 0)
        .map(|r| {
            unit_row(
                &short,
                r,
                &format!("{href}&responsible_unit={}", url_encode(&r.key)),
            )
        })
        .collect();
    let mut trend = vec![
        Series {
            name: "党的组织覆盖率".into(),
            points: Vec::new(),
            dashed: false,
        },
        Series {
            name: "党的工作覆盖率".into(),
            points: Vec::new(),
            dashed: true,
        },
    ];
    let quarters = if own.is_some() {
        Vec::new()
    } else {
        quarter_ends(as_of)
    };
    let dates: Vec<NaiveDate> = quarters.iter().map(|(_, d)| *d).collect();
    let totals = stats::totals(&s.db, scope, &dates).await?;
    for ((label, _), t) in quarters.into_iter().zip(totals) {
        let pct = |n: i64| {
            if t.in_scope == 0 {
                0.0
            } else {
                n as f64 * 100.0 / t.in_scope as f64
            }
        };
        trend[0].points.push(Point {
            label: label.clone(),
            value: pct(t.covered),
        });
        trend[1].points.push(Point {
            label,
            value: pct(t.work_covered),
        });
    }
    let bars: Vec<Bar> = regions
        .rows
        .iter()
        .filter(|r| r.counts.in_scope > 0)
        .map(|r| {
            let param = if r.key == regions.total.key {
                "region_own"
            } else {
                "region"
            };
            Bar {
                label: r.name.clone(),
                value: r.covered_rate.parse().unwrap_or(0.0),
                display: format!("{}%", r.covered_rate),
                href: Some(format!("{href}&{param}={}&covered=false", r.key)),
            }
        })
        .collect();
    let today = s.clock.today();
    let l =
        s.db.ledger_summary(
            scope,
            today,
            actor.user.id,
            today + chrono::Duration::days(7),
        )
        .await?;
    let n = |v: i64| usize::try_from(v).unwrap_or(0);
    let mut todo = vec![
        (
            "分派给我".to_string(),
            n(l.mine),
            format!("/ledger?person={}", url_encode(&actor.user.username)),
        ),
        ("待办".to_string(), n(l.open), "/ledger?state=open".into()),
        (
            "办理中（含退回）".to_string(),
            n(l.in_progress),
            "/ledger?state=in_progress".into(),
        ),
        (
            "待销号".to_string(),
            n(l.submitted),
            "/ledger?state=submitted".into(),
        ),
        (
            "7日内到期".to_string(),
            n(l.due_soon),
            "/ledger?due=7".into(),
        ),
        (
            "逾期".to_string(),
            n(l.overdue),
            "/ledger?overdue=true".into(),
        ),
        (
            // Open items whose gap the data no longer shows: they wait for evidence and a
            // verifier's 销号, not for more work on the gap.
            "数据已满足销号条件".to_string(),
            n(l.closable),
            "/ledger?closable=true".into(),
        ),
    ];
    // Census returns: those still to fill in the open campaigns, and (for the responsible
    // units) those waiting for confirmation.
    for c in s.db.campaigns(scope).await? {
        if c.campaign.end_date < s.clock.today() {
            continue;
        }
        let href = format!("/census/{}", c.campaign.id);
        if crate::domain::ledger::is_worker(actor.role()) && c.progress.missing() > 0 {
            todo.push((
                format!("摸排表待填报（{}）", c.campaign.name),
                usize::try_from(c.progress.missing()).unwrap_or(0),
                format!("{href}?state=missing"),
            ));
        }
        if crate::domain::census::is_confirmer(actor.role()) && c.progress.waiting() > 0 {
            // Only the returns this actor's unit confirms.
            let (_, mine) =
                s.db.campaign_returns(
                    scope,
                    &c.campaign,
                    &crate::db::ReturnFilter {
                        state: Some(crate::domain::census::ReturnState::Returned),
                        confirmable_only: true,
                        limit: 0,
                        ..crate::db::ReturnFilter::default()
                    },
                )
                .await?;
            if mine > 0 {
                todo.push((
                    format!("摸排表待确认（{}）", c.campaign.name),
                    usize::try_from(mine).unwrap_or(0),
                    format!("{href}?state=returned&mine=1"),
                ));
            }
        }
    }
    let page = DashboardPage {
        todo,
        own_org: own,
        notice: super::stats::date_notice(as_of, t.counts.in_scope, s.clock.today()),
        layout: frame(&actor, "工作台", "dashboard", Vec::new()),
        as_of: d.clone(),
        rate_figures,
        count_figures,
        headers: headers(),
        by_region: region_rows(&regions, &d, scope.is_city()),
        by_unit,
        total: table_row(format!("合计（{}）", actor.user.scope_label), t, &href),
        trend_svg: charts::line_chart("覆盖率季度趋势（%）", &trend, 0.0, 100.0, "%"),
        bars_svg: charts::bar_chart(
            "各区划党的组织覆盖率（点击查看未覆盖组织）",
            &bars,
            100.0,
            "%",
        ),
    };
    Ok(render(&page)?.into_response())
}

/// The orgs of an org user or an instructor, with their state at `as_of`.
async fn own_org(
    s: &AppState,
    scope: &crate::db::Scope,
    as_of: NaiveDate,
) -> Result<Option<OwnOrgs>, PageError> {
    /// Orgs listed on an instructor's dashboard.
    const SHOWN: i64 = 24;
    let heading = match scope {
        crate::db::Scope::Org(_) => "本组织",
        crate::db::Scope::Instructor(_) => "我指导联系的社会组织",
        _ => return Ok(None),
    };
    let rules = crate::db::RuleTable::load(&s.db, as_of).await?;
    let own_min = rules.int(crate::domain::rules::Rule::OwnOrgMinFormalMembers)?;
    let filter = crate::db::OrgFilter {
        as_of: Some(as_of),
        limit: SHOWN,
        ..crate::db::OrgFilter::default()
    };
    let (items, total) =
        s.db.list_orgs(scope, &filter, own_min, s.clock.today())
            .await?;
    let orgs: Vec<OwnOrg> = items
        .into_iter()
        .map(|o| OwnOrg {
            href: format!("/orgs/{}", o.credit_code),
            state: match (o.own_covered, o.covered, o.work_covered) {
                (true, _, _) => "党组织已覆盖（单独组建）",
                (false, true, _) => "党组织已覆盖（联合组建）",
                (false, false, true) => "尚未建立党组织，已派驻党建指导员或联络员（工作覆盖）",
                _ => "尚未覆盖：没有党组织，也没有党建指导员或联络员",
            },
            formal_members: o.formal_members,
            name: o.name,
        })
        .collect();
    Ok(Some(OwnOrgs {
        heading,
        more: total - orgs.len() as i64,
        orgs,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_run_from_2019_to_the_date() {
        let q = quarter_ends(NaiveDate::from_ymd_opt(2020, 5, 10).unwrap());
        let labels: Vec<&str> = q.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            [
                "2019Q1",
                "2019Q2",
                "2019Q3",
                "2019Q4",
                "2020Q1",
                "2020-05-10"
            ]
        );
    }
}
