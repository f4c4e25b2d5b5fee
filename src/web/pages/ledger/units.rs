//! The responsibility list (责任清单): items per unit and person.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::{PageError, frame, render, xlsx_download};
use crate::db::{LedgerFilter, StateFilter, Tally, TallyBy, UnitPlaces};
use crate::excel::writer::{OutCell, OutSheet};
use crate::web::AppState;
use crate::web::auth::Actor;
use crate::web::layout::Layout;

/// One row of the responsibility list: a responsible unit and one of its responsible persons
/// (or its items without one).
pub struct UnitRow {
    pub unit: String,
    /// The unit as shown: its short name where the setting gives one.
    pub shown: String,
    /// The person as shown (（未指定） for items without one).
    pub person: String,
    /// The person as the task list filters it (a user name, or "none").
    pub person_key: String,
    pub total: i64,
    pub done: i64,
    pub active: i64,
    pub overdue: i64,
    pub percent: u32,
}

/// The rows of the responsibility list from the tallies by unit and person: units in the
/// committees' order, each unit's persons by name, its items without a person last.
pub(super) fn unit_rows(
    tallies: &[Tally],
    places: &UnitPlaces,
    short: &crate::domain::short_names::ShortNames,
) -> Vec<UnitRow> {
    type Key = ((u8, String, String), String, bool, String);
    let mut by: BTreeMap<Key, &Tally> = BTreeMap::new();
    for t in tallies {
        let unit = t.unit.clone().unwrap_or_else(|| "（无法确定）".into());
        by.insert(
            (
                places.of(&unit),
                unit,
                t.person.is_none(),
                t.person.clone().unwrap_or_default(),
            ),
            t,
        );
    }
    by.into_iter()
        .map(|((_, unit, unassigned, person), t)| UnitRow {
            shown: short.show(&unit).to_string(),
            unit,
            person: if unassigned {
                "（未指定）".into()
            } else {
                person.clone()
            },
            person_key: if unassigned { "none".into() } else { person },
            total: t.total,
            done: t.closed,
            active: t.active,
            overdue: t.overdue,
            percent: (t.closed * 100)
                .checked_div(t.total)
                .map_or(100, |p| p as u32),
        })
        .collect()
}

async fn tallies(s: &AppState, actor: &Actor) -> Result<Vec<Tally>, PageError> {
    let all = LedgerFilter {
        state: StateFilter::All,
        ..LedgerFilter::default()
    };
    Ok(s.db
        .ledger_tallies(&actor.scope, s.clock.today(), &all, TallyBy::UnitPerson)
        .await?)
}

#[derive(Template)]
#[template(path = "ledger_units.html")]
pub struct UnitsPage {
    pub layout: Layout,
    pub rows: Vec<UnitRow>,
}

pub async fn units(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    let tallies = tallies(&s, &actor).await?;
    let page = UnitsPage {
        layout: frame(
            &actor,
            "责任清单",
            "ledger_units",
            vec![("摸排与销号".into(), "/ledger".into())],
        ),
        rows: unit_rows(
            &tallies,
            &s.db.unit_places().await?,
            &s.db.short_names().await?,
        ),
    };
    Ok(render(&page)?.into_response())
}

/// 责任清单 as offices keep it: unit, person, items, done, overdue.
pub async fn units_export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    // (The workbook keeps the full names.)
    let rows = unit_rows(
        &tallies(&s, &actor).await?,
        &s.db.unit_places().await?,
        &Default::default(),
    )
    .into_iter()
    .map(|r| {
        vec![
            OutCell::Text(r.unit),
            OutCell::Text(r.person),
            OutCell::Int(r.total),
            OutCell::Int(r.done),
            OutCell::Int(r.active),
            OutCell::Int(r.overdue),
        ]
    })
    .collect();
    let headers = ["责任单位", "责任人", "事项数", "已销号", "未销号", "逾期"];
    let sheet = OutSheet {
        name: "责任清单".into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        required: Vec::new(),
        rows,
        notes: Vec::new(),
        choices: Vec::new(),
    };
    xlsx_download(&[sheet], "responsibilities.xlsx", "责任清单.xlsx")
}
