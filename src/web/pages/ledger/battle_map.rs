//! The battle map (挂图作战): tiles by region and unit, and the burn-down.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Duration;

use super::{PageError, frame, render};
use crate::db::LedgerItem;
use crate::domain::ledger::ItemState;
use crate::web::AppState;
use crate::web::auth::Actor;
use crate::web::charts::{self, Point, Series};
use crate::web::layout::Layout;

use super::*;

/// A group of tiles on the battle map.
pub struct Group {
    pub name: String,
    pub tiles: Vec<ItemRow>,
    pub done: usize,
    pub total: usize,
    pub percent: u32,
}

#[derive(Template)]
#[template(path = "battle_map.html")]
pub struct BattleMapPage {
    pub layout: Layout,
    pub today: String,
    pub by_unit: Vec<Group>,
    pub by_region: Vec<Group>,
    pub burndown_svg: String,
    pub legend: Vec<(&'static str, &'static str, &'static str)>,
    pub totals: (usize, usize, usize),
}

/// The items grouped by `key`: (sort key, name shown), groups in sort-key order.
pub(super) fn groups(
    items: &[LedgerItem],
    key: impl Fn(&LedgerItem) -> (String, String),
) -> Vec<Group> {
    let mut by: BTreeMap<(String, String), Vec<&LedgerItem>> = BTreeMap::new();
    for i in items.iter().filter(|i| i.state != ItemState::Cancelled) {
        by.entry(key(i)).or_default().push(i);
    }
    by.into_iter()
        .map(|((_, name), list)| {
            let done = list.iter().filter(|i| i.state == ItemState::Closed).count();
            Group {
                name,
                tiles: list
                    .iter()
                    .filter(|i| i.state.is_active())
                    .map(|i| row(i))
                    .collect(),
                done,
                total: list.len(),
                percent: (done * 100)
                    .checked_div(list.len())
                    .map_or(100, |p| p as u32),
            }
        })
        .collect()
}

pub async fn battle_map(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    let now = s.clock.today();
    let items = s.db.ledger_items(&actor.scope, now).await?;
    let regions: HashMap<String, String> =
        s.db.regions()
            .await?
            .into_iter()
            .map(|r| (r.code.as_str().to_string(), r.name))
            .collect();
    let by_unit = groups(&items, |i| {
        let name = i
            .responsible_unit
            .clone()
            .unwrap_or_else(|| "（无法确定）".into());
        (name.clone(), name)
    });
    // Regions in code order (the city's own level first); items about a party org have no
    // region of their own and come last.
    let by_region = groups(&items, |i| match i.region.as_ref() {
        Some(r) => (
            r.clone(),
            regions.get(r).cloned().unwrap_or_else(|| r.clone()),
        ),
        None => ("~".into(), "党组织事项（不分区划）".into()),
    });
    // Burn-down: active items at the end of each week over the last 26 weeks, and today.
    let spans = s.db.ledger_spans(&actor.scope, now).await?;
    let mut points = Vec::new();
    for w in (0..=26).rev() {
        let d = now - Duration::weeks(w);
        let ds = d.to_string();
        let open = spans
            .iter()
            .filter(|(raised, ended)| *raised <= ds && ended.as_ref().is_none_or(|e| *e > ds))
            .count();
        points.push(Point {
            label: d.format("%m-%d").to_string(),
            value: open as f64,
        });
    }
    let max = charts::count_axis_max(points.iter().map(|p| p.value).fold(1.0, f64::max));
    let burndown_svg = charts::line_chart(
        "未销号事项（近26周）",
        &[Series {
            name: "未销号事项".into(),
            points,
            dashed: false,
        }],
        0.0,
        max,
        "项",
    );
    let active = items.iter().filter(|i| i.state.is_active()).count();
    let page = BattleMapPage {
        layout: frame(
            &actor,
            "挂图作战",
            "battle_map",
            vec![("摸排与销号".into(), "/ledger".into())],
        ),
        today: now.to_string(),
        by_unit,
        by_region,
        burndown_svg,
        legend: vec![
            ("⚠", "state-overdue", "逾期"),
            ("○", "state-open", "待办"),
            ("◐", "state-in_progress", "办理中"),
            ("◆", "state-submitted", "待销号"),
            ("✓", "state-closed", "已销号"),
        ],
        totals: (
            items
                .iter()
                .filter(|i| i.state != ItemState::Cancelled)
                .count(),
            items
                .iter()
                .filter(|i| i.state == ItemState::Closed)
                .count(),
            active,
        ),
    };
    Ok(render(&page)?.into_response())
}
