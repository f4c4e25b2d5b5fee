//! 党组织, 党建指导员, 单位: lists (paged, filtered, sorted) and details within the actor's
//! scope, and their exports. One file per record kind.

mod edit;
mod instructors;
mod party_orgs;
mod units;

pub use edit::{
    edit_instructor, edit_party_org, edit_position, edit_unit, links_form, save_links,
    save_stations, stations_form,
};
pub use instructors::{InstructorQuery, instructor, instructors, instructors_export};
pub use party_orgs::{PartyOrgQuery, party_org, party_orgs, party_orgs_export};
pub use units::{unit, units, units_export};

use axum::response::Response;

use super::PageError;
use crate::db::InstructorRow;
use crate::domain::codes::{CitizenId, Phone};
use crate::domain::model::StationRole;
use crate::web::AppState;
use crate::web::auth::Actor;

fn label<T: Copy>(
    code: &str,
    parse: fn(&str) -> Option<T>,
    label: fn(T) -> &'static str,
) -> String {
    parse(code).map(label).unwrap_or(code).to_string()
}

/// Masks citizen ID and phone unless the role needs them; unmasked views are audited.
async fn personal(
    s: &AppState,
    actor: &Actor,
    rows: &mut [InstructorRow],
    place: &str,
) -> Result<(), PageError> {
    let unmasked = actor.role().sees_personal_data();
    let mut shown = false;
    for r in rows.iter_mut() {
        r.role = label(&r.role, StationRole::from_code, StationRole::label);
        if !unmasked {
            r.citizen_id = r.citizen_id.as_deref().map(|c| {
                CitizenId::parse(c)
                    .map(|c| c.masked())
                    .unwrap_or_else(|_| "******".into())
            });
            r.phone = r.phone.as_deref().map(|p| {
                Phone::parse(p)
                    .map(|p| p.masked())
                    .unwrap_or_else(|_| "******".into())
            });
        } else if r.citizen_id.is_some() || r.phone.is_some() {
            shown = true;
        }
    }
    if shown {
        crate::app::audit::personal_data_shown(&s.db, actor, place).await?;
    }
    Ok(())
}

fn sheet(
    name: &str,
    headers: &[&str],
    rows: Vec<Vec<crate::excel::writer::OutCell>>,
) -> crate::excel::writer::OutSheet {
    crate::excel::writer::OutSheet {
        name: name.into(),
        headers: headers.iter().map(|h| h.to_string()).collect(),
        required: Vec::new(),
        rows,
        notes: Vec::new(),
        choices: Vec::new(),
    }
}

fn xlsx_response(
    sheet: crate::excel::writer::OutSheet,
    ascii: &str,
    name: &str,
) -> Result<Response, PageError> {
    super::xlsx_download(&[sheet], ascii, name)
}

/// Rows an export writes at most (a list's export is of its filter; the registry's whole
/// export is `/export.xlsx`).
const EXPORT_ROWS: i64 = 1_000_000;
