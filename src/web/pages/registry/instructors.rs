//! 党建指导员: the list (filters: name, home unit, role, stationed at a date, with or without
//! orgs in care; sorted by name, home unit or orgs in care; paged), an instructor's page, the
//! export. Personal data masked for roles that do not need it.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{EXPORT_ROWS, personal, sheet, xlsx_response};
use crate::db::{InstructorFilter, InstructorRow, OrgLink, Rows};
use crate::domain::model::StationRole;
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::pages::paging::{PageQuery, Pager, SortHead, query_of, sort_heads};
use crate::web::pages::{PageError, frame, render};
use crate::web::query::Params;
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
pub struct InstructorQuery {
    #[serde(default)]
    pub q: Option<String>,
    /// The home unit's id.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub stationed_on: Option<String>,
    /// "true" / "false": with or without orgs in care now.
    #[serde(default)]
    pub in_care: Option<String>,
    #[serde(flatten)]
    pub paging: PageQuery,
}

impl InstructorQuery {
    fn query(&self) -> String {
        query_of(&[
            ("q", self.q.as_deref()),
            ("unit", self.unit.as_deref()),
            ("role", self.role.as_deref()),
            ("stationed_on", self.stationed_on.as_deref()),
            ("in_care", self.in_care.as_deref()),
        ])
    }

    pub(crate) fn filter(&self) -> Result<InstructorFilter, PageError> {
        let some = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        Ok(InstructorFilter {
            q: some(&self.q),
            home_unit: match some(&self.unit) {
                Some(u) => Some(
                    u.parse()
                        .map_err(|_| WebError::BadRequest("派出单位无效".into()))?,
                ),
                None => None,
            },
            role: some(&self.role).filter(|r| StationRole::from_code(r).is_some()),
            stationed_on: match some(&self.stationed_on) {
                Some(d) => Some(
                    crate::web::dates::parse_day("派驻日期", &d).map_err(WebError::BadRequest)?,
                ),
                None => None,
            },
            in_care: match self.in_care.as_deref() {
                Some("true") => Some(true),
                Some("false") => Some(false),
                _ => None,
            },
            ..InstructorFilter::default()
        })
    }
}

const SORTS: [(&str, &str); 3] = [
    ("name", "姓名"),
    ("unit", "派出单位"),
    ("care", "现派驻组织"),
];

#[derive(Template)]
#[template(path = "instructors.html")]
pub struct InstructorsPage {
    pub layout: Layout,
    pub rows: Vec<InstructorRow>,
    pub pager: Pager,
    pub heads: Vec<SortHead>,
    pub q: String,
    pub units: Vec<(i64, String, bool)>,
    pub roles: Vec<(&'static str, &'static str, bool)>,
    pub stationed_on: String,
    pub in_care: String,
    pub query: String,
}

pub async fn instructors(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<InstructorQuery>,
) -> Result<Response, PageError> {
    let filter = q.filter()?;
    let p = &q.paging;
    let sort = p.sort_key(&SORTS.map(|(k, _)| k), "name");
    let rows = |offset| Rows {
        sort,
        descending: p.descending(),
        offset,
        limit: p.per_page(),
    };
    let (mut items, total) =
        s.db.instructor_page(&actor.scope, &filter, rows(p.offset()))
            .await?;
    let query = q.query();
    let pager = Pager::new("/instructors", &query, p, total);
    if pager.offset != p.offset() {
        items =
            s.db.instructor_page(&actor.scope, &filter, rows(pager.offset))
                .await?
                .0;
    }
    personal(&s, &actor, &mut items, "/instructors").await?;
    let unit = q.unit.as_deref().unwrap_or_default();
    let page = InstructorsPage {
        layout: frame(
            &actor,
            "党建指导员",
            "instructors",
            vec![("组织台账".into(), "/orgs".into())],
        ),
        rows: items,
        heads: sort_heads("/instructors", &query, p, sort, &SORTS),
        pager,
        q: q.q.clone().unwrap_or_default(),
        units: s
            .db
            .unit_rows(&actor.scope)
            .await?
            .into_iter()
            .filter(|u| u.instructors > 0 || u.id.to_string() == unit)
            .map(|u| (u.id, u.name, u.id.to_string() == unit))
            .collect(),
        roles: StationRole::ALL
            .iter()
            .map(|r| (r.code(), r.label(), q.role.as_deref() == Some(r.code())))
            .collect(),
        stationed_on: q.stationed_on.clone().unwrap_or_default(),
        in_care: q.in_care.clone().unwrap_or_default(),
        query,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "instructor_detail.html")]
pub struct InstructorPage {
    pub layout: Layout,
    pub i: InstructorRow,
    pub links: Vec<OrgLink>,
    /// The reader keeps instructors' stations (city and county admins).
    pub can_edit: bool,
    pub changes: Vec<crate::db::RecordChange>,
}

pub async fn instructor(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    Params(flash): Params<crate::web::layout::Flash>,
) -> Result<Response, PageError> {
    let (i, links) =
        s.db.instructor_detail(&actor.scope, id)
            .await?
            .ok_or(WebError::NotFound)?;
    let codes: Vec<String> = links.iter().map(|l| l.credit_code.clone()).collect();
    let relation = format!("派驻（{}）", i.name);
    let key = id.to_string();
    let changes =
        s.db.record_changes(&crate::db::ChangesOf {
            entity: "instructor",
            key: &key,
            relation: Some((&relation, &codes)),
        })
        .await?;
    let mut rows = [i];
    personal(&s, &actor, &mut rows, &format!("/instructors/{id}")).await?;
    let [i] = rows;
    let page = InstructorPage {
        can_edit: crate::app::registry::RecordKind::Station.editable_by(actor.role()),
        changes,
        layout: crate::web::layout::Layout {
            flash: flash.word(),
            ..frame(
                &actor,
                &i.name,
                "instructors",
                vec![("党建指导员".into(), "/instructors".into())],
            )
        },
        i,
        links,
    };
    Ok(render(&page)?.into_response())
}

/// The instructor list as .xlsx, exactly as filtered; personal data masked unless the role
/// needs it (and then the export is audited).
pub async fn instructors_export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<InstructorQuery>,
) -> Result<Response, PageError> {
    use crate::excel::writer::OutCell::{Int, Text};
    let sort = q.paging.sort_key(&SORTS.map(|(k, _)| k), "name");
    let rows = Rows {
        sort,
        descending: q.paging.descending(),
        offset: 0,
        limit: EXPORT_ROWS,
    };
    let (mut items, _) =
        s.db.instructor_page(&actor.scope, &q.filter()?, rows)
            .await?;
    personal(&s, &actor, &mut items, "/instructors/export.xlsx").await?;
    let rows = items
        .into_iter()
        .enumerate()
        .map(|(n, i)| {
            vec![
                Int(n as i64 + 1),
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
        "序号",
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
