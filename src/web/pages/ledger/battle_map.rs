//! The battle map (挂图作战): a wall of the open items by responsible unit — each item a tile
//! named by its subject and marked with the symbol of its state, the census items (one per org
//! without a confirmed return) summed per unit in one tile — with the progress of each unit and
//! region, filterable by kind, unit and region, and the burn-down. It prints on A3.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use serde::Deserialize;

use super::{PageError, frame, render};
use crate::db::{LedgerFilter, LedgerSort, StateFilter, Tally, TallyBy, Window};
use crate::domain::ledger::ItemKind;
use crate::web::AppState;
use crate::web::auth::{Actor, url_encode};
use crate::web::charts::{self, Point, Series};
use crate::web::layout::Layout;
use crate::web::pages::paging::query_of;
use crate::web::query::Params;

use super::*;

/// Tiles the wall shows at most (the most urgent first); the rest are counted per unit.
const MOST_TILES: i64 = 600;

/// A unit on the wall.
pub struct UnitWall {
    /// Its short name where the setting gives one.
    pub name: String,
    pub full: Option<String>,
    pub done: i64,
    pub total: i64,
    pub percent: i64,
    /// The unit's open census items, summed: (count, overdue, link to them).
    pub census: Option<(i64, i64, String)>,
    pub tiles: Vec<ItemRow>,
    /// Open items of the unit not shown as tiles, with the link to them.
    pub more: Option<(i64, String)>,
}

/// A region's progress.
pub struct RegionRow {
    pub name: String,
    pub total: i64,
    pub done: i64,
    pub active: i64,
    pub overdue: i64,
    pub percent: i64,
    pub href: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct MapQuery {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Template)]
#[template(path = "battle_map.html")]
pub struct BattleMapPage {
    pub layout: Layout,
    pub today: String,
    pub units: Vec<UnitWall>,
    pub regions: Vec<RegionRow>,
    pub burndown_svg: String,
    pub legend: Vec<(&'static str, &'static str, &'static str)>,
    /// (items, closed, open, overdue).
    pub totals: (i64, i64, i64, i64),
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub unit_choices: Vec<(String, bool)>,
    pub region_choices: Vec<(String, String, bool)>,
    /// The filters in words (also on paper).
    pub filtered: Vec<String>,
    pub tiles_cut: bool,
}

fn percent(done: i64, total: i64) -> i64 {
    (done * 100).checked_div(total).unwrap_or(100)
}

const NO_UNIT: &str = "（无法确定）";

pub async fn battle_map(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<MapQuery>,
) -> Result<Response, PageError> {
    let now = s.clock.today();
    let some = |v: &Option<String>| v.as_deref().filter(|v| !v.is_empty()).map(str::to_string);
    let kind = some(&q.kind).as_deref().and_then(ItemKind::from_code);
    let filter = LedgerFilter {
        kind,
        state: StateFilter::All,
        unit: some(&q.unit),
        region: some(&q.region),
        ..LedgerFilter::default()
    };
    let scope = &actor.scope;
    let by_unit =
        s.db.ledger_tallies(scope, now, &filter, TallyBy::UnitKind)
            .await?;
    let by_region =
        s.db.ledger_tallies(scope, now, &filter, TallyBy::Region)
            .await?;
    // The open items other than the census's, most urgent first.
    let tiles =
        s.db.ledger_wall(
            scope,
            now,
            &LedgerFilter {
                state: StateFilter::Active,
                without_census: true,
                ..filter.clone()
            },
            Window {
                sort: LedgerSort::Deadline,
                descending: false,
                offset: 0,
                limit: MOST_TILES,
            },
        )
        .await?;
    let mut tiles_of: HashMap<String, Vec<ItemRow>> = HashMap::new();
    for i in &tiles {
        let unit = i.responsible_unit.clone().unwrap_or_else(|| NO_UNIT.into());
        tiles_of.entry(unit).or_default().push(row(i));
    }
    let base = query_of(&[("kind", q.kind.as_deref()), ("region", q.region.as_deref())]);
    let ledger_href = |unit: &str, extra: &str| {
        let unit = if unit == NO_UNIT {
            String::new()
        } else {
            format!("unit={}", url_encode(unit))
        };
        crate::web::pages::paging::href("/ledger", &[&base, &unit, extra])
    };
    // Units: their tallies summed over kinds.
    let mut units: BTreeMap<String, Vec<&Tally>> = BTreeMap::new();
    for t in &by_unit {
        units
            .entry(t.unit.clone().unwrap_or_else(|| NO_UNIT.into()))
            .or_default()
            .push(t);
    }
    let places = s.db.unit_places().await?;
    let short = s.db.short_names().await?;
    let mut units: Vec<(String, Vec<&Tally>)> = units.into_iter().collect();
    units.sort_by_cached_key(|(name, _)| places.of(name));
    let walls: Vec<UnitWall> = units
        .into_iter()
        .map(|(name, list)| {
            let total: i64 = list.iter().map(|t| t.total).sum();
            let done: i64 = list.iter().map(|t| t.closed).sum();
            let census = list
                .iter()
                .find(|t| t.kind == Some(ItemKind::CensusMissing) && t.active > 0)
                .map(|t| {
                    (
                        t.active,
                        t.overdue,
                        ledger_href(&name, "kind=census_missing"),
                    )
                });
            let open_other: i64 = list
                .iter()
                .filter(|t| t.kind != Some(ItemKind::CensusMissing))
                .map(|t| t.active)
                .sum();
            let tiles = tiles_of.remove(&name).unwrap_or_default();
            let more = open_other - tiles.len() as i64;
            let shown = short.show(&name).to_string();
            UnitWall {
                full: (shown != name).then(|| name.clone()),
                more: (more > 0).then(|| (more, ledger_href(&name, ""))),
                percent: percent(done, total),
                census,
                tiles,
                done,
                total,
                name: shown,
            }
        })
        .collect();
    let region_names: HashMap<String, String> =
        s.db.regions()
            .await?
            .into_iter()
            .map(|r| (r.code.as_str().to_string(), r.name))
            .collect();
    let root =
        s.db.regions()
            .await?
            .into_iter()
            .find(|r| r.parent.is_none());
    let mut regions: Vec<(String, RegionRow)> = by_region
        .iter()
        .map(|t| {
            let (key, name) = match &t.region {
                Some(code) => {
                    let name = region_names
                        .get(code)
                        .cloned()
                        .unwrap_or_else(|| code.clone());
                    // The city's own orgs: 阳泉市市本级, as everywhere.
                    let name = if root.as_ref().is_some_and(|r| r.code.as_str() == code) {
                        format!("{name}市本级")
                    } else {
                        name
                    };
                    (code.clone(), name)
                }
                None => ("~".into(), "党组织事项（不分区划）".into()),
            };
            let href = match &t.region {
                Some(code) => crate::web::pages::paging::href(
                    "/ledger",
                    &[
                        &query_of(&[("kind", q.kind.as_deref()), ("unit", q.unit.as_deref())]),
                        &format!("region={code}"),
                    ],
                ),
                None => "/ledger?kind=rectify_oversized_joint".into(),
            };
            (
                key,
                RegionRow {
                    name,
                    total: t.total,
                    done: t.closed,
                    active: t.active,
                    overdue: t.overdue,
                    percent: percent(t.closed, t.total),
                    href,
                },
            )
        })
        .collect();
    regions.sort_by(|a, b| a.0.cmp(&b.0));
    let sum = |f: fn(&Tally) -> i64| by_unit.iter().map(f).sum::<i64>();
    let totals = (
        sum(|t| t.total),
        sum(|t| t.closed),
        sum(|t| t.active),
        sum(|t| t.overdue),
    );
    // Burn-down: open items at the end of each week over the last 26 weeks, and today.
    let dates: Vec<chrono::NaiveDate> = (0..=26).rev().map(|w| now - Duration::weeks(w)).collect();
    let open = s.db.ledger_open_at(scope, &filter, now, &dates).await?;
    let points: Vec<Point> = dates
        .iter()
        .zip(open)
        .map(|(d, n)| Point {
            label: d.format("%m-%d").to_string(),
            value: n as f64,
        })
        .collect();
    let max = charts::count_axis_max(points.iter().map(|p| p.value).fold(1.0, f64::max));
    let burndown_svg = charts::line_chart(
        "未销号事项（近26周，每周末）",
        &[Series {
            name: "未销号事项".into(),
            points,
            dashed: false,
        }],
        0.0,
        max,
        "项",
    );
    let mut filtered = Vec::new();
    if let Some(k) = kind {
        filtered.push(format!("事项：{}", k.label()));
    }
    if let Some(u) = some(&q.unit) {
        filtered.push(format!("责任单位：{u}"));
    }
    if let Some(r) = some(&q.region) {
        filtered.push(format!(
            "区划：{}",
            region_names.get(&r).cloned().unwrap_or(r)
        ));
    }
    let (unit_names, _) = s.db.ledger_choices(scope).await?;
    let page = BattleMapPage {
        layout: frame(
            &actor,
            "挂图作战",
            "battle_map",
            vec![("摸排与销号".into(), "/ledger".into())],
        ),
        today: now.to_string(),
        tiles_cut: tiles.len() as i64 >= MOST_TILES,
        units: walls,
        regions: regions.into_iter().map(|(_, r)| r).collect(),
        burndown_svg,
        legend: vec![
            ("⚠", "state-overdue", "逾期"),
            ("○", "state-open", "待办"),
            ("◐", "state-in_progress", "办理中"),
            ("◆", "state-submitted", "待销号"),
        ],
        totals,
        kinds: ItemKind::ALL
            .iter()
            .map(|k| (k.code(), k.label(), kind == Some(*k)))
            .collect(),
        unit_choices: unit_names
            .into_iter()
            .map(|u| {
                let on = q.unit.as_deref() == Some(u.as_str());
                (u, on)
            })
            .collect(),
        region_choices: {
            let mut r: Vec<(String, String, bool)> = region_names
                .iter()
                .map(|(c, n)| {
                    (
                        c.clone(),
                        n.clone(),
                        q.region.as_deref() == Some(c.as_str()),
                    )
                })
                .collect();
            r.sort();
            r
        },
        filtered,
    };
    Ok(render(&page)?.into_response())
}
