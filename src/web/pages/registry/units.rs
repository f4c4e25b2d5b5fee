//! 单位: the list (in the committees' order; filters: name, kind, region; paged), a unit's
//! page with the instructors it sent, the export. Units are few (reference data): the list is
//! read whole and paged here; its figures come from the spans in memory.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{label, personal, sheet, xlsx_response};
use crate::db::{InstructorFilter, InstructorRow, Rows, UnitRow};
use crate::domain::model::UnitKind;
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::pages::paging::{PageQuery, Pager, query_of};
use crate::web::pages::{PageError, frame, render};
use crate::web::query::Params;
use crate::web::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
pub struct UnitQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(flatten)]
    pub paging: PageQuery,
}

impl UnitQuery {
    fn query(&self) -> String {
        query_of(&[
            ("q", self.q.as_deref()),
            ("kind", self.kind.as_deref()),
            ("region", self.region.as_deref()),
        ])
    }

    fn keeps(&self, u: &UnitRow) -> bool {
        fn some(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        some(&self.q).is_none_or(|q| u.name.contains(q))
            && some(&self.kind).is_none_or(|k| u.kind == k)
            && some(&self.region).is_none_or(|r| u.region == r)
    }
}

/// The units matching the query, in the committees' order, with their kinds in words.
async fn matching(s: &AppState, actor: &Actor, q: &UnitQuery) -> Result<Vec<UnitRow>, PageError> {
    Ok(s.db
        .unit_rows(&actor.scope)
        .await?
        .into_iter()
        .filter(|u| q.keeps(u))
        .map(|mut u| {
            u.kind = label(&u.kind, UnitKind::from_code, UnitKind::label);
            u
        })
        .collect())
}

#[derive(Template)]
#[template(path = "units.html")]
pub struct UnitsPage {
    pub layout: Layout,
    pub rows: Vec<UnitRow>,
    pub pager: Pager,
    pub region_names: std::collections::HashMap<String, String>,
    pub q: String,
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub regions: Vec<(String, String, bool)>,
    pub query: String,
    /// The date of the figures (their drill-down's as_of).
    pub today: String,
}

pub async fn units(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<UnitQuery>,
) -> Result<Response, PageError> {
    let all = matching(&s, &actor, &q).await?;
    let query = q.query();
    let pager = Pager::new("/units", &query, &q.paging, all.len() as i64);
    let rows = all
        .into_iter()
        .skip(usize::try_from(pager.offset).unwrap_or(0))
        .take(usize::try_from(q.paging.per_page()).unwrap_or(20))
        .collect();
    let regions = crate::web::pages::region_choices(&s, q.region.as_deref()).await?;
    let page = UnitsPage {
        layout: frame(
            &actor,
            "单位",
            "units",
            vec![("组织台账".into(), "/orgs".into())],
        ),
        rows,
        pager,
        region_names: regions
            .iter()
            .map(|(c, n, _)| (c.clone(), n.clone()))
            .collect(),
        q: q.q.clone().unwrap_or_default(),
        kinds: UnitKind::ALL
            .iter()
            .map(|k| (k.code(), k.label(), q.kind.as_deref() == Some(k.code())))
            .collect(),
        regions,
        query,
        today: s.clock.today().to_string(),
    };
    Ok(render(&page)?.into_response())
}

/// Instructors a unit's page lists; the rest are on the instructor list filtered by the unit.
const LISTED: i64 = 100;

#[derive(Template)]
#[template(path = "unit_detail.html")]
pub struct UnitPage {
    pub layout: Layout,
    pub u: UnitRow,
    pub region: String,
    pub instructors: Vec<InstructorRow>,
    /// All the unit's instructors the reader sees, when more than listed.
    pub more: Option<i64>,
    pub today: String,
    pub can_edit: bool,
    pub changes: Vec<crate::db::RecordChange>,
}

pub async fn unit(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    Params(flash): Params<crate::web::layout::Flash>,
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
    let filter = InstructorFilter {
        home_unit: Some(id),
        ..InstructorFilter::default()
    };
    let rows = Rows {
        sort: "name",
        descending: false,
        offset: 0,
        limit: LISTED,
    };
    let (mut instructors, total) = s.db.instructor_page(&actor.scope, &filter, rows).await?;
    personal(&s, &actor, &mut instructors, &format!("/units/{id}")).await?;
    let changes =
        s.db.record_changes(&crate::db::ChangesOf {
            entity: "unit",
            key: &u.name,
            relation: None,
        })
        .await?;
    let page = UnitPage {
        can_edit: actor.role().is_city_admin(),
        changes,
        layout: crate::web::layout::Layout {
            flash: flash.word(),
            ..frame(
                &actor,
                &u.name,
                "units",
                vec![("单位".into(), "/units".into())],
            )
        },
        u,
        region,
        more: (total > LISTED).then_some(total),
        instructors,
        today: s.clock.today().to_string(),
    };
    Ok(render(&page)?.into_response())
}

/// The unit list as .xlsx, exactly as filtered.
pub async fn units_export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<UnitQuery>,
) -> Result<Response, PageError> {
    use crate::excel::writer::OutCell::{Int, Text};
    let regions = crate::web::pages::region_choices(&s, None).await?;
    let name_of = |code: &str| {
        regions
            .iter()
            .find(|(c, _, _)| c == code)
            .map(|(_, n, _)| n.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let rows = matching(&s, &actor, &q)
        .await?
        .into_iter()
        .enumerate()
        .map(|(n, u)| {
            vec![
                Int(n as i64 + 1),
                Text(u.name),
                Text(u.kind),
                Text(name_of(&u.region)),
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
        "序号",
        "单位名称",
        "单位类别",
        "所属区划",
        "承担党建工作",
        "业务主管的组织（在册）",
        "负责的组织（在册）",
        "派出指导员",
    ];
    xlsx_response(sheet("单位", &headers, rows), "units.xlsx", "单位.xlsx")
}
