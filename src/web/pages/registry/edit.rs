//! Editing a stored party org, instructor or unit: its record form (the import's columns)
//! opened filled in from the record, saved by `POST /forms/{kind}` like a new one; and the
//! tables of a party org's coverage links and an instructor's stations (`app::registry::periods`).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};

use crate::app::registry::{
    PeriodRow, Periods, PeriodsOf, PeriodsSaved, RecordKind, keeps_party_org, load_periods,
    save_periods,
};
use crate::db::OrgLink;
use crate::excel::columns;
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::pages::forms::{fields, keep_keys, page, suggest_units, unit_names};
use crate::web::pages::{PageError, frame, render};
use crate::web::{AppState, WebError};

/// Values in form order (`f0`, `f1`, …).
fn numbered(values: Vec<String>) -> HashMap<String, String> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| (format!("f{i}"), v))
        .collect()
}

fn may_edit(actor: &Actor, kind: RecordKind) -> Result<(), PageError> {
    if kind.editable_by(actor.role()) {
        Ok(())
    } else {
        Err(WebError::NotFound.into())
    }
}

/// `GET /party-orgs/{id}/edit`: the party org's form; 撤销日期 dissolves it (its links end then).
pub async fn edit_party_org(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    may_edit(&actor, RecordKind::PartyOrg)?;
    let (p, links) =
        s.db.party_org_detail(&actor.scope, id)
            .await?
            .filter(|(_, links)| keeps_party_org(&actor, links))
            .ok_or(WebError::NotFound)?;
    // The orgs it covers now; a dissolved one's, those that ended with it.
    let mut covered: Vec<&str> = links
        .iter()
        .filter(|l| l.to == p.dissolved_on)
        .map(|l| l.credit_code.as_str())
        .collect();
    covered.sort_unstable();
    covered.dedup();
    let kind = crate::domain::model::PartyOrgKind::from_code(&p.kind).map_or("", |k| k.label());
    let formation =
        crate::domain::model::Formation::from_code(&p.formation).map_or("", |k| k.label());
    let values = numbered(vec![
        p.name.clone(),
        kind.to_string(),
        formation.to_string(),
        p.parent.clone().unwrap_or_default(),
        p.founded_on.clone(),
        p.dissolved_on.clone().unwrap_or_default(),
        covered.join("、"),
        p.member_count.map(|n| n.to_string()).unwrap_or_default(),
        p.secretary.clone().unwrap_or_default(),
    ]);
    let fields = fields(&columns::PARTY_ORGS, &values);
    page(
        &actor,
        "party-org",
        "党组织",
        true,
        fields,
        Vec::new(),
        None,
    )
}

/// `GET /instructors/{id}/edit`: the instructor's form, with the orgs stationed in now (within
/// the actor's scope); 撤回日期 withdraws them all at that date.
pub async fn edit_instructor(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    may_edit(&actor, RecordKind::Station)?;
    let (i, links) =
        s.db.instructor_detail(&actor.scope, id)
            .await?
            .ok_or(WebError::NotFound)?;
    let open: Vec<&OrgLink> = links
        .iter()
        .filter(|l| l.to.is_none() && (actor.scope.is_city() || l.visible))
        .collect();
    // The form shows the citizen ID and phone whole (it edits them): audited as the page is.
    if i.citizen_id.is_some() || i.phone.is_some() {
        crate::app::audit::personal_data_shown(&s.db, &actor, &format!("/instructors/{id}/edit"))
            .await?;
    }
    let role = crate::domain::model::StationRole::from_code(&i.role).map_or("", |r| r.label());
    let values = numbered(vec![
        i.name.clone(),
        i.citizen_id.clone().unwrap_or_default(),
        i.phone.clone().unwrap_or_default(),
        i.home_unit.clone(),
        role.to_string(),
        open.iter()
            .map(|l| l.credit_code.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        open.iter()
            .map(|l| l.from.clone())
            .min()
            .unwrap_or_default(),
        String::new(),
    ]);
    let mut fields = fields(&columns::INSTRUCTORS, &values);
    suggest_units(&mut fields, &unit_names(&s).await?);
    if let Some(f) = fields.iter_mut().find(|f| f.label == "派驻日期") {
        f.warnings.push(
            "已在派驻的组织保持原派驻日期；这里的日期只用于新增的组织。逐条修改派驻期间请用“修改派驻记录”".into(),
        );
    }
    page(
        &actor,
        "station",
        "党建指导员",
        true,
        fields,
        Vec::new(),
        None,
    )
}

/// `GET /units/{id}/edit`: a unit's form (the city's).
pub async fn edit_unit(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    may_edit(&actor, RecordKind::Unit)?;
    let unit =
        s.db.units()
            .await?
            .into_iter()
            .find(|u| u.id == id)
            .ok_or(WebError::NotFound)?;
    let values = numbered(vec![
        unit.name.clone(),
        unit.kind.label().to_string(),
        unit.region.as_str().to_string(),
        if unit.carries_party_building {
            "是"
        } else {
            "否"
        }
        .to_string(),
    ]);
    let fields = fields(&columns::UNITS, &values);
    page(&actor, "unit", "单位", true, fields, Vec::new(), None)
}

/// `GET /positions/{id}/edit`: a position's form (the city's); 离任日期 ends it.
pub async fn edit_position(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    may_edit(&actor, RecordKind::Position)?;
    let values = s.db.position_values(id).await?.ok_or(WebError::NotFound)?;
    if values.get(1).is_some_and(|c| !c.is_empty()) {
        crate::app::audit::personal_data_shown(&s.db, &actor, &format!("/positions/{id}/edit"))
            .await?;
    }
    let mut fields = fields(&columns::POSITIONS, &numbered(values));
    keep_keys(RecordKind::Position, &mut fields);
    page(&actor, "position", "任职", true, fields, Vec::new(), None)
}

/// The table of periods.
#[derive(Template)]
#[template(path = "periods_form.html")]
pub struct PeriodsPage {
    pub layout: Layout,
    pub heading: String,
    pub action: String,
    pub back: String,
    /// What a row is: 覆盖 or 派驻.
    pub what: &'static str,
    pub from_label: &'static str,
    pub to_label: &'static str,
    pub rows: Vec<RowView>,
    pub elsewhere: Vec<OrgLink>,
    /// Problems about no row.
    pub general: Vec<String>,
    pub confirming: Option<String>,
}

pub struct RowView {
    pub n: usize,
    pub code: String,
    pub name: String,
    pub from: String,
    pub to: String,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

/// Blank rows offered below the stored ones for new periods.
const BLANK_ROWS: usize = 3;

fn periods_page(
    actor: &Actor,
    of: PeriodsOf,
    stored: &Periods,
    rows: &[PeriodRow],
    problems: &[(Option<usize>, String)],
    warn: bool,
    confirming: Option<String>,
) -> Result<Response, PageError> {
    let (what, from_label, to_label, path, crumb) = match of {
        PeriodsOf::Links(_) => (
            "覆盖",
            "起始日期",
            "终止日期",
            "links",
            ("党组织", "/party-orgs"),
        ),
        PeriodsOf::Stations(_) => (
            "派驻",
            "派驻日期",
            "撤回日期",
            "stations",
            ("党建指导员", "/instructors"),
        ),
    };
    let names: HashMap<&str, &str> = stored
        .names
        .iter()
        .map(|(c, n)| (c.as_str(), n.as_str()))
        .collect();
    let mut views: Vec<RowView> = rows
        .iter()
        .chain(std::iter::repeat_n(&PeriodRow::default(), BLANK_ROWS))
        .enumerate()
        .map(|(n, r)| RowView {
            n,
            name: names
                .get(r.code.trim())
                .map(|s| s.to_string())
                .unwrap_or_default(),
            code: r.code.clone(),
            from: r.from.clone(),
            to: r.to.clone(),
            errors: Vec::new(),
            warnings: Vec::new(),
        })
        .collect();
    let mut general = Vec::new();
    for (row, message) in problems {
        match row.and_then(|r| views.get_mut(r)) {
            Some(v) if warn => v.warnings.push(message.clone()),
            Some(v) => v.errors.push(message.clone()),
            None => general.push(message.clone()),
        }
    }
    let heading = format!("修改{}记录：{}", what, stored.name);
    let back = of.page();
    let page = PeriodsPage {
        layout: frame(
            actor,
            &heading,
            if what == "覆盖" {
                "party_orgs"
            } else {
                "instructors"
            },
            vec![
                (crumb.0.into(), crumb.1.into()),
                (stored.name.clone(), back.clone()),
            ],
        ),
        heading,
        action: format!("{back}/{path}"),
        back,
        what,
        from_label,
        to_label,
        rows: views,
        elsewhere: stored.elsewhere.clone(),
        general,
        confirming,
    };
    Ok(render(&page)?.into_response())
}

async fn show_periods(s: &AppState, actor: &Actor, of: PeriodsOf) -> Result<Response, PageError> {
    let stored = load_periods(&s.db, actor, of).await?;
    periods_page(actor, of, &stored, &stored.rows, &[], false, None)
}

/// `GET /party-orgs/{id}/links`: the party org's coverage links as a table.
pub async fn links_form(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    show_periods(&s, &actor, PeriodsOf::Links(id)).await
}

/// `GET /instructors/{id}/stations`: the instructor's stations as a table.
pub async fn stations_form(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    show_periods(&s, &actor, PeriodsOf::Stations(id)).await
}

/// The submitted rows (`code_N`, `from_N`, `to_N`), in order.
fn submitted_rows(form: &HashMap<String, String>) -> Vec<PeriodRow> {
    let mut numbers: Vec<usize> = form
        .keys()
        .filter_map(|k| k.strip_prefix("code_")?.parse().ok())
        .filter(|n: &usize| *n < 10_000)
        .collect();
    numbers.sort_unstable();
    numbers
        .into_iter()
        .map(|n| {
            let get = |k: &str| form.get(&format!("{k}_{n}")).cloned().unwrap_or_default();
            PeriodRow {
                code: get("code"),
                from: get("from"),
                to: get("to"),
            }
        })
        .collect()
}

async fn submit_periods(
    s: &AppState,
    actor: &Actor,
    of: PeriodsOf,
    form: &HashMap<String, String>,
) -> Result<Response, PageError> {
    actor.check_csrf(form.get("csrf").map(String::as_str).unwrap_or_default())?;
    let mut rows = submitted_rows(form);
    let saved = save_periods(
        &s.db,
        actor,
        of,
        &rows,
        form.get("confirm_warnings").map(String::as_str),
    )
    .await?;
    let (problems, warn, confirming) = match saved {
        PeriodsSaved::Done { target } => return Ok(Redirect::to(&target).into_response()),
        PeriodsSaved::Invalid(p) => (p, false, None),
        PeriodsSaved::Confirm {
            problems,
            fingerprint,
        } => (problems, true, Some(fingerprint)),
    };
    // The rows as submitted (a problem names its row by its place), trailing blank ones
    // dropped (the page adds its own).
    let stored = load_periods(&s.db, actor, of).await?;
    rows.truncate(
        rows.iter()
            .rposition(|r| *r != PeriodRow::default())
            .map_or(0, |i| i + 1),
    );
    let mut response = periods_page(actor, of, &stored, &rows, &problems, warn, confirming)?;
    if !warn {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// `POST /party-orgs/{id}/links`.
pub async fn save_links(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    submit_periods(&s, &actor, PeriodsOf::Links(id), &form).await
}

/// `POST /instructors/{id}/stations`.
pub async fn save_stations(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    submit_periods(&s, &actor, PeriodsOf::Stations(id), &form).await
}
