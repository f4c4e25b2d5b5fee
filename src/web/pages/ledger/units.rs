//! The responsibility list (责任清单): items per unit and person.

use std::collections::BTreeMap;

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::{PageError, frame, render, xlsx_download};
use crate::db::LedgerItem;
use crate::domain::ledger::ItemState;
use crate::excel::writer::{OutCell, OutSheet};
use crate::web::AppState;
use crate::web::auth::Actor;
use crate::web::layout::Layout;

/// One row of the responsibility list: a responsible unit and one of its responsible persons
/// (or its items without one).
pub struct UnitRow {
    pub unit: String,
    /// The person as shown (（未指定） for items without one).
    pub person: String,
    /// The person as the task list filters it (a user name, or "none").
    pub person_key: String,
    pub total: usize,
    pub done: usize,
    pub active: usize,
    pub overdue: usize,
    pub percent: u32,
}

pub(super) fn unit_rows(items: &[LedgerItem]) -> Vec<UnitRow> {
    // By unit, then person; the items without a person after the unit's persons.
    let mut by: BTreeMap<(String, bool, String), Vec<&LedgerItem>> = BTreeMap::new();
    for i in items {
        let unit = i
            .responsible_unit
            .clone()
            .unwrap_or_else(|| "（无法确定）".into());
        let person = i.responsible_user.clone();
        by.entry((unit, person.is_none(), person.unwrap_or_default()))
            .or_default()
            .push(i);
    }
    by.into_iter()
        .map(|((unit, unassigned, person), list)| {
            let done = list.iter().filter(|i| i.state == ItemState::Closed).count();
            let cancelled = list
                .iter()
                .filter(|i| i.state == ItemState::Cancelled)
                .count();
            let counted = list.len() - cancelled;
            UnitRow {
                unit,
                person: if unassigned {
                    "（未指定）".into()
                } else {
                    person.clone()
                },
                person_key: if unassigned { "none".into() } else { person },
                total: counted,
                done,
                active: list.iter().filter(|i| i.state.is_active()).count(),
                overdue: list.iter().filter(|i| i.overdue).count(),
                percent: (done * 100).checked_div(counted).map_or(100, |p| p as u32),
            }
        })
        .collect()
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
    let items = s.db.ledger_items(&actor.scope, s.clock.today()).await?;
    let page = UnitsPage {
        layout: frame(
            &actor,
            "责任清单",
            "ledger_units",
            vec![("摸排与销号".into(), "/ledger".into())],
        ),
        rows: unit_rows(&items),
    };
    Ok(render(&page)?.into_response())
}

/// 责任清单 as offices keep it: unit, person, items, done, overdue.
pub async fn units_export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    let items = s.db.ledger_items(&actor.scope, s.clock.today()).await?;
    let rows = unit_rows(&items)
        .into_iter()
        .map(|r| {
            vec![
                OutCell::Text(r.unit),
                OutCell::Text(r.person),
                OutCell::Int(r.total as i64),
                OutCell::Int(r.done as i64),
                OutCell::Int(r.active as i64),
                OutCell::Int(r.overdue as i64),
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
