//! 党组织, 党建指导员, 单位: lists and details within the actor's scope.

use std::collections::HashMap;

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use super::{PageError, frame, render};
use crate::db::{InstructorRow, OrgLink, PartyOrgRow, UnitRow};
use crate::domain::codes::{CitizenId, Phone};
use crate::domain::model::{Formation, PartyOrgKind, StationRole, UnitKind};
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::query::{Params, TextQuery};
use crate::web::{AppState, WebError};

fn label<T: Copy>(
    code: &str,
    parse: fn(&str) -> Option<T>,
    label: fn(T) -> &'static str,
) -> String {
    parse(code).map(label).unwrap_or(code).to_string()
}

fn party_view(mut p: PartyOrgRow) -> PartyOrgRow {
    p.kind = label(&p.kind, PartyOrgKind::from_code, PartyOrgKind::label);
    p.formation = label(&p.formation, Formation::from_code, Formation::label);
    p
}

#[derive(Template)]
#[template(path = "party_orgs.html")]
pub struct PartyOrgsPage {
    pub layout: Layout,
    pub rows: Vec<PartyOrgRow>,
    pub q: String,
}

/// The party orgs in scope whose name contains the search text, as shown (list and export).
async fn party_org_list(
    s: &AppState,
    actor: &Actor,
    text: &str,
) -> Result<Vec<PartyOrgRow>, PageError> {
    let rows = s.db.party_org_rows(&actor.scope).await?;
    Ok(rows
        .into_iter()
        .filter(|p| text.is_empty() || p.name.contains(text))
        .map(party_view)
        .collect())
}

/// The instructors in scope whose name or home unit contains the search text (list and export).
async fn instructor_list(
    s: &AppState,
    actor: &Actor,
    text: &str,
) -> Result<Vec<InstructorRow>, PageError> {
    let rows = s.db.instructor_rows(&actor.scope).await?;
    Ok(rows
        .into_iter()
        .filter(|i| text.is_empty() || i.name.contains(text) || i.home_unit.contains(text))
        .collect())
}

pub async fn party_orgs(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<TextQuery>,
) -> Result<Response, PageError> {
    let text = q.text();
    let rows = party_org_list(&s, &actor, &text)
        .await?
        .into_iter()
        .collect();
    let page = PartyOrgsPage {
        layout: frame(
            &actor,
            "党组织",
            "party_orgs",
            vec![("组织台账".into(), "/orgs".into())],
        ),
        rows,
        q: text,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "party_org_detail.html")]
pub struct PartyOrgPage {
    pub layout: Layout,
    pub p: PartyOrgRow,
    pub links: Vec<OrgLink>,
}

pub async fn party_org(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (p, links) =
        s.db.party_org_detail(&actor.scope, id)
            .await?
            .ok_or(WebError::NotFound)?;
    let p = party_view(p);
    let page = PartyOrgPage {
        layout: frame(
            &actor,
            &p.name,
            "party_orgs",
            vec![("党组织".into(), "/party-orgs".into())],
        ),
        p,
        links,
    };
    Ok(render(&page)?.into_response())
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

#[derive(Template)]
#[template(path = "instructors.html")]
pub struct InstructorsPage {
    pub layout: Layout,
    pub rows: Vec<InstructorRow>,
    pub q: String,
}

pub async fn instructors(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<TextQuery>,
) -> Result<Response, PageError> {
    let text = q.text();
    let mut rows: Vec<InstructorRow> = instructor_list(&s, &actor, &text).await?;
    personal(&s, &actor, &mut rows, "/instructors").await?;
    let page = InstructorsPage {
        layout: frame(
            &actor,
            "党建指导员",
            "instructors",
            vec![("组织台账".into(), "/orgs".into())],
        ),
        rows,
        q: text,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "instructor_detail.html")]
pub struct InstructorPage {
    pub layout: Layout,
    pub i: InstructorRow,
    pub links: Vec<OrgLink>,
}

pub async fn instructor(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (i, links) =
        s.db.instructor_detail(&actor.scope, id)
            .await?
            .ok_or(WebError::NotFound)?;
    let mut rows = [i];
    personal(&s, &actor, &mut rows, &format!("/instructors/{id}")).await?;
    let [i] = rows;
    let page = InstructorPage {
        layout: frame(
            &actor,
            &i.name,
            "instructors",
            vec![("党建指导员".into(), "/instructors".into())],
        ),
        i,
        links,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "units.html")]
pub struct UnitsPage {
    pub layout: Layout,
    pub rows: Vec<UnitRow>,
    pub region_names: HashMap<String, String>,
}

pub async fn units(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    let mut rows = s.db.unit_rows(&actor.scope).await?;
    for r in &mut rows {
        r.kind = label(&r.kind, UnitKind::from_code, UnitKind::label);
    }
    let region_names =
        s.db.regions()
            .await?
            .into_iter()
            .map(|r| (r.code.as_str().to_string(), r.name))
            .collect();
    let page = UnitsPage {
        layout: frame(
            &actor,
            "单位",
            "units",
            vec![("组织台账".into(), "/orgs".into())],
        ),
        rows,
        region_names,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "unit_detail.html")]
pub struct UnitPage {
    pub layout: Layout,
    pub u: UnitRow,
    pub region: String,
    pub instructors: Vec<InstructorRow>,
}

pub async fn unit(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let mut u =
        s.db.unit_rows(&actor.scope)
            .await?
            .into_iter()
            .find(|u| u.id == id)
            .ok_or(WebError::NotFound)?;
    u.kind = label(&u.kind, UnitKind::from_code, UnitKind::label);
    let region =
        s.db.regions()
            .await?
            .into_iter()
            .find(|r| r.code.as_str() == u.region)
            .map(|r| r.name)
            .unwrap_or_else(|| u.region.clone());
    let mut instructors: Vec<InstructorRow> =
        s.db.instructor_rows(&actor.scope)
            .await?
            .into_iter()
            .filter(|i| i.home_unit == u.name)
            .collect();
    personal(&s, &actor, &mut instructors, &format!("/units/{id}")).await?;
    let page = UnitPage {
        layout: frame(
            &actor,
            &u.name,
            "units",
            vec![("单位".into(), "/units".into())],
        ),
        u,
        region,
        instructors,
    };
    Ok(render(&page)?.into_response())
}

fn xlsx_response(
    sheet: crate::excel::writer::OutSheet,
    ascii: &str,
    name: &str,
) -> Result<Response, PageError> {
    super::xlsx_download(&[sheet], ascii, name)
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

/// The party-org list as .xlsx, exactly as filtered.
pub async fn party_orgs_export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<TextQuery>,
) -> Result<Response, PageError> {
    use crate::excel::writer::OutCell::{Empty, Int, Text};
    let text = q.text();
    let rows = party_org_list(&s, &actor, &text)
        .await?
        .into_iter()
        .map(|p| {
            vec![
                Text(p.name),
                Text(p.kind),
                Text(p.formation),
                Text(p.parent.unwrap_or_default()),
                Text(p.founded_on),
                p.dissolved_on.map(Text).unwrap_or(Empty),
                p.member_count.map(Int).unwrap_or(Empty),
                Int(p.covering),
                Text(p.secretary.unwrap_or_default()),
            ]
        })
        .collect();
    let headers = [
        "党组织名称",
        "组织类别",
        "组建方式",
        "上级党组织",
        "成立日期",
        "撤销日期",
        "党员人数",
        "现覆盖组织数",
        "书记",
    ];
    xlsx_response(
        sheet("党组织", &headers, rows),
        "party-orgs.xlsx",
        "党组织.xlsx",
    )
}

/// The instructor list as .xlsx, exactly as filtered; personal data masked unless the role
/// needs it (and then the export is audited).
pub async fn instructors_export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<TextQuery>,
) -> Result<Response, PageError> {
    use crate::excel::writer::OutCell::{Int, Text};
    let text = q.text();
    let mut rows: Vec<InstructorRow> = instructor_list(&s, &actor, &text).await?;
    personal(&s, &actor, &mut rows, "/instructors/export.xlsx").await?;
    let rows = rows
        .into_iter()
        .map(|i| {
            vec![
                Text(i.name),
                Text(i.role),
                Text(i.home_unit),
                Text(i.citizen_id.unwrap_or_default()),
                Text(i.phone.unwrap_or_default()),
                Int(i.stationed),
            ]
        })
        .collect();
    let headers = [
        "姓名",
        "身份",
        "派出单位",
        "身份证号",
        "手机号",
        "现派驻组织数",
    ];
    xlsx_response(
        sheet("党建指导员", &headers, rows),
        "instructors.xlsx",
        "党建指导员.xlsx",
    )
}

/// The unit list as .xlsx.
pub async fn units_export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    use crate::excel::writer::OutCell::{Int, Text};
    let regions: HashMap<String, String> =
        s.db.regions()
            .await?
            .into_iter()
            .map(|r| (r.code.as_str().to_string(), r.name))
            .collect();
    let rows =
        s.db.unit_rows(&actor.scope)
            .await?
            .into_iter()
            .map(|u| {
                vec![
                    Text(u.name),
                    Text(label(&u.kind, UnitKind::from_code, UnitKind::label)),
                    Text(regions.get(&u.region).cloned().unwrap_or(u.region)),
                    Text(
                        if u.carries_party_building {
                            "是"
                        } else {
                            "否"
                        }
                        .into(),
                    ),
                    Int(u.supervised),
                    Int(u.responsible),
                    Int(u.instructors),
                ]
            })
            .collect();
    let headers = [
        "单位名称",
        "单位类别",
        "所属区划",
        "承担党建工作",
        "业务主管的组织",
        "负责的组织",
        "派出指导员",
    ];
    xlsx_response(sheet("单位", &headers, rows), "units.xlsx", "单位.xlsx")
}
