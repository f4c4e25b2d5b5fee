//! Forms to create and edit registry records: social orgs, party orgs with their coverage,
//! instructor dispatches (stations), positions and units. A submitted form is validated as a
//! one-row sheet of the import workbook, so the rules and the Chinese messages are exactly the
//! import's; errors show under their fields. Saving is the import's upsert: history is kept
//! (a coverage removed from a party org is closed today, not deleted).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};

use super::{PageError, frame, render};
use crate::app::registry::{RecordInput, RecordKind, Saved, save_record};
use crate::domain::dataset::OrgRecord;
use crate::domain::model::{
    Formation, ORG_TITLES, OrgKind, OrgStatus, PARTY_TITLES, PartyOrgKind, StationRole, UnitKind,
};
use crate::excel::columns::{self, SheetSpec};
use crate::excel::problems::Severity;
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::{AppState, WebError};

pub struct Field {
    pub name: String,
    pub label: &'static str,
    pub required: bool,
    pub help: &'static str,
    pub value: String,
    pub kind: &'static str,
    pub options: Vec<&'static str>,
    /// Names to choose from while typing (a datalist): the units, for the columns that name one.
    pub suggestions: Vec<String>,
    /// Part of the stored record's key besides the first column (editing: not changed here).
    pub readonly: bool,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

#[derive(Template)]
#[template(path = "record_form.html")]
pub struct FormPage {
    pub layout: Layout,
    pub kind: String,
    pub heading: String,
    pub fields: Vec<Field>,
    pub general: Vec<String>,
    /// Editing an existing record: its key field (the first) cannot change.
    pub editing: bool,
    /// The entries passed the checks with warnings: the user confirms them (this fingerprint of
    /// them) before saving.
    pub confirming: Option<String>,
    /// The first field with an error: the cursor starts there.
    pub first_error: Option<String>,
}

fn input_kind(header: &str) -> &'static str {
    if header.ends_with("日期") {
        "date"
    } else if header.ends_with("数") {
        "number"
    } else {
        "text"
    }
}

/// The choices of a column that takes one of a closed set of values (a select in the form).
fn options(header: &str) -> Vec<&'static str> {
    fn labels<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| label(*v)).collect()
    }
    match header {
        "类型" => labels(OrgKind::ALL, OrgKind::label),
        "登记状态" => labels(OrgStatus::ALL, OrgStatus::label),
        "组织类别" => labels(PartyOrgKind::ALL, PartyOrgKind::label),
        "组建方式" => labels(Formation::ALL, Formation::label),
        "角色" => labels(StationRole::ALL, StationRole::label),
        "单位类别" => labels(UnitKind::ALL, UnitKind::label),
        "党建入章" | "核心价值观入章" | "承担党建工作" | "是否党员" => {
            vec!["是", "否"]
        }
        "职务" => ORG_TITLES.iter().chain(PARTY_TITLES).copied().collect(),
        _ => Vec::new(),
    }
}

/// The columns that name a unit: chosen from the units (a new one is made only when the user
/// confirms the warning that says so).
const UNIT_COLUMNS: &[&str] = &["业务主管单位", "派出单位"];

/// The units' names in the order of lists of units, for the columns that name one.
pub(crate) async fn unit_names(s: &AppState) -> Result<Vec<String>, PageError> {
    let mut units: Vec<(_, String)> =
        s.db.units()
            .await?
            .into_iter()
            .map(|u| {
                let key = crate::domain::collation::unit_key(u.kind, u.region.as_str(), &u.name);
                (key, u.name)
            })
            .collect();
    units.sort();
    Ok(units.into_iter().map(|(_, name)| name).collect())
}

/// Adds the units to choose from to the fields that name one.
pub(crate) fn suggest_units(fields: &mut [Field], names: &[String]) {
    for f in fields
        .iter_mut()
        .filter(|f| UNIT_COLUMNS.contains(&f.label))
    {
        f.suggestions = names.to_vec();
    }
}

/// Editing a stored record: the fields besides the first that are part of its key stay as they
/// are (a position is known by its person, place, title and start; 离任日期 ends it).
pub(crate) fn keep_keys(kind: RecordKind, fields: &mut [Field]) {
    if kind == RecordKind::Position {
        for f in fields.iter_mut() {
            f.readonly = matches!(f.label, "身份证号" | "任职组织" | "职务" | "任职日期");
        }
    }
}

pub(crate) fn fields(spec: &SheetSpec, values: &HashMap<String, String>) -> Vec<Field> {
    spec.columns
        .iter()
        .enumerate()
        .map(|(i, c)| Field {
            name: format!("f{i}"),
            label: c.header,
            required: c.required,
            // The date picker takes one form; the workbook's other forms are for the import.
            help: if input_kind(c.header) == "date" {
                "点选日期，或按“年-月-日”输入"
            } else {
                c.help
            },
            value: values.get(&format!("f{i}")).cloned().unwrap_or_default(),
            kind: input_kind(c.header),
            options: options(c.header),
            suggestions: Vec::new(),
            readonly: false,
            errors: Vec::new(),
            warnings: Vec::new(),
        })
        .collect()
}

pub(crate) fn page(
    actor: &Actor,
    kind: &str,
    what: &str,
    editing: bool,
    fields: Vec<Field>,
    general: Vec<String>,
    confirming: Option<String>,
) -> Result<Response, PageError> {
    let heading = format!("{}{what}", if editing { "修改" } else { "新增" });
    // The menu entry and the list the form belongs to.
    let (active, list, href) = match kind {
        "party-org" => ("party_orgs", "党组织", "/party-orgs"),
        "station" => ("instructors", "党建指导员", "/instructors"),
        "unit" => ("units", "单位", "/units"),
        _ => ("orgs", "社会组织", "/orgs"),
    };
    let crumbs = vec![(list.into(), href.into())];
    let first_error = fields
        .iter()
        .find(|f| !f.errors.is_empty())
        .map(|f| f.name.clone());
    let page = FormPage {
        layout: frame(actor, &heading, active, crumbs),
        kind: kind.to_string(),
        heading,
        fields,
        general,
        editing,
        first_error,
        confirming,
    };
    Ok(render(&page)?.into_response())
}

/// A new record's form may come from an org's page: `?org=CODE` fills in the org it is for
/// (the party org's 覆盖社会组织, the instructor's 指导社会组织, the position's 任职组织).
#[derive(Debug, Default, serde::Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    pub org: Option<String>,
}

/// The column of a record kind that names the org it is for.
fn org_column(kind: RecordKind) -> Option<&'static str> {
    match kind {
        RecordKind::PartyOrg => Some("覆盖社会组织"),
        RecordKind::Station => Some("指导社会组织"),
        RecordKind::Position => Some("任职组织"),
        RecordKind::Org | RecordKind::Unit => None,
    }
}

pub async fn new(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(kind): Path<String>,
    crate::web::query::Params(q): crate::web::query::Params<NewQuery>,
) -> Result<Response, PageError> {
    let kind = RecordKind::from_code(&kind).ok_or(WebError::NotFound)?;
    if !kind.editable_by(actor.role()) {
        return Err(WebError::NotFound.into());
    }
    let mut values = HashMap::new();
    // Only an org the actor may see is filled in (another code is left out, not refused).
    if let (Some(code), Some(header)) = (q.org.as_deref(), org_column(kind)) {
        let code = crate::domain::codes::normalize_code(code);
        let visible = s.db.org_record(&actor.scope, &code).await?.is_some();
        if let Some(i) = kind.spec().columns.iter().position(|c| c.header == header)
            && visible
        {
            values.insert(format!("f{i}"), code);
        }
    }
    let mut fields = fields(kind.spec(), &values);
    suggest_units(&mut fields, &unit_names(&s).await?);
    page(
        &actor,
        kind.code(),
        kind.label(),
        false,
        fields,
        Vec::new(),
        None,
    )
}

/// The org's values in form order (the import's columns).
fn org_values(o: &OrgRecord) -> HashMap<String, String> {
    let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let n = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let b = |b: Option<bool>| {
        b.map(|b| if b { "是" } else { "否" }.to_string())
            .unwrap_or_default()
    };
    let values = [
        o.credit_code.as_str().to_string(),
        o.name.clone(),
        o.kind.label().to_string(),
        o.region.as_str().to_string(),
        o.supervising_unit.clone().unwrap_or_default(),
        o.registered_on.to_string(),
        o.status.label().to_string(),
        d(o.terminated_on),
        o.address.clone().unwrap_or_default(),
        o.legal_representative.clone().unwrap_or_default(),
        n(o.staff_count),
        n(o.member_count),
        o.formal_members.to_string(),
        n(o.probationary_members),
        b(o.charter_party_building),
        b(o.charter_core_values),
        d(o.counts_on),
    ];
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| (format!("f{i}"), v))
        .collect()
}

pub async fn edit_org(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    if !RecordKind::Org.editable_by(actor.role()) {
        return Err(WebError::NotFound.into());
    }
    let code = crate::domain::codes::normalize_code(&code);
    let org =
        s.db.org_record(&actor.scope, &code)
            .await?
            .ok_or(WebError::NotFound)?;
    let mut fields = fields(&columns::ORGS, &org_values(&org));
    suggest_units(&mut fields, &unit_names(&s).await?);
    // A confirmed census return outranks the registered count from its reference date on
    // (statistics.md §3): say so where the count is edited.
    if let Some(id) = s.db.org_id(&code).await?
        && let Some((campaign, date, n)) = s.db.latest_confirmed_return(id, s.clock.today()).await?
        && let Some(f) = fields.iter_mut().find(|f| f.label == "正式党员数")
    {
        f.warnings.push(format!(
            "统计自 {date} 起采用摸排“{campaign}”确认的 {n} 名；这里修改的是登记的党员数，只影响该日期之前的统计。当前人数有变化，请在摸排中修改并确认"
        ));
    }
    page(&actor, "org", "社会组织", true, fields, Vec::new(), None)
}

pub async fn submit(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(kind): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let kind = RecordKind::from_code(&kind).ok_or(WebError::NotFound)?;
    if !kind.editable_by(actor.role()) {
        return Err(WebError::NotFound.into());
    }
    actor.check_csrf(form.get("csrf").map(String::as_str).unwrap_or_default())?;
    let spec = kind.spec();
    let input = RecordInput {
        kind,
        values: (0..spec.columns.len())
            .map(|i| form.get(&format!("f{i}")).cloned().unwrap_or_default())
            .collect(),
        editing: form.get("editing").is_some_and(|v| v == "1"),
        confirmed: form.get("confirm_warnings").cloned(),
    };
    let (problems, confirming) = match save_record(&s.db, &actor, &input).await? {
        Saved::Done { target, .. } => return Ok(Redirect::to(&target).into_response()),
        Saved::Invalid(problems) => (problems, None),
        Saved::Confirm {
            problems,
            fingerprint,
        } => (problems, Some(fingerprint)),
    };
    let mut fields = fields(spec, &form);
    suggest_units(&mut fields, &unit_names(&s).await?);
    if input.editing {
        keep_keys(kind, &mut fields);
    }
    let mut general = Vec::new();
    for p in &problems {
        let target = fields.iter_mut().find(|f| f.label == p.header);
        match (target, p.severity) {
            (Some(f), Severity::Error) => f.errors.push(p.message.clone()),
            (Some(f), Severity::Warning) => f.warnings.push(p.message.clone()),
            (None, _) => general.push(p.message.clone()),
        }
    }
    let invalid = confirming.is_none();
    let mut response = page(
        &actor,
        kind.code(),
        kind.label(),
        input.editing,
        fields,
        general,
        confirming,
    )?;
    // A form with errors is the form again, answered 422 (a question to confirm is no error).
    if invalid {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}
