//! 党组织: the list (filters: name, kind, formation, region, active at a date, over the limits;
//! sorted by name, founding, dissolution or members; paged), a party org's page, the export.

use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{EXPORT_ROWS, label, sheet, xlsx_response};
use crate::db::{OrgLink, PartyOrgFilter, PartyOrgRow, Rows, RuleTable};
use crate::domain::model::{Formation, PartyOrgKind};
use crate::domain::rules::Rule;
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::pages::paging::{PageQuery, Pager, SortHead, query_of, sort_heads};
use crate::web::pages::{PageError, frame, render};
use crate::web::query::Params;
use crate::web::{AppState, WebError};

fn party_view(mut p: PartyOrgRow) -> PartyOrgRow {
    p.kind = label(&p.kind, PartyOrgKind::from_code, PartyOrgKind::label);
    p.formation = label(&p.formation, Formation::from_code, Formation::label);
    p
}

#[derive(Debug, Default, Deserialize)]
pub struct PartyOrgQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub formation: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    /// Active at this date (YYYY-MM-DD).
    #[serde(default)]
    pub active_on: Option<String>,
    /// "true": over the limits of a branch today.
    #[serde(default)]
    pub oversized: Option<String>,
    #[serde(flatten)]
    pub paging: PageQuery,
}

impl PartyOrgQuery {
    fn query(&self) -> String {
        query_of(&[
            ("q", self.q.as_deref()),
            ("kind", self.kind.as_deref()),
            ("formation", self.formation.as_deref()),
            ("region", self.region.as_deref()),
            ("active_on", self.active_on.as_deref()),
            ("oversized", self.oversized.as_deref()),
        ])
    }

    pub(crate) async fn filter(&self, s: &AppState) -> Result<PartyOrgFilter, PageError> {
        let some = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let today = s.clock.today();
        let oversized = if self.oversized.as_deref() == Some("true") {
            let rules = RuleTable::load(&s.db, today).await?;
            Some((
                today,
                rules.int(Rule::MaxOrgsPerJointBranch)?,
                rules.int(Rule::MaxMembersPerBranch)?,
            ))
        } else {
            None
        };
        let regions = match some(&self.region) {
            Some(code) => {
                let regions = s.db.regions().await?;
                let Ok(code) = crate::domain::codes::RegionCode::parse(&code) else {
                    return Err(WebError::BadRequest("区划代码无效".into()).into());
                };
                Some(
                    crate::db::subtree(&regions, &code)
                        .into_iter()
                        .map(|c| c.as_str().to_string())
                        .collect(),
                )
            }
            None => None,
        };
        Ok(PartyOrgFilter {
            q: some(&self.q),
            kind: some(&self.kind).filter(|k| PartyOrgKind::from_code(k).is_some()),
            formation: some(&self.formation).filter(|f| Formation::from_code(f).is_some()),
            regions,
            active_on: match some(&self.active_on) {
                Some(d) => Some(
                    crate::web::dates::parse_day("存续日期", &d).map_err(WebError::BadRequest)?,
                ),
                None => None,
            },
            oversized,
            ..PartyOrgFilter::default()
        })
    }
}

const SORTS: [(&str, &str); 4] = [
    ("name", "党组织名称"),
    ("founded", "成立日期"),
    ("dissolved", "撤销日期"),
    ("members", "党员人数"),
];

#[derive(Template)]
#[template(path = "party_orgs.html")]
pub struct PartyOrgsPage {
    pub layout: Layout,
    pub rows: Vec<PartyOrgRow>,
    pub pager: Pager,
    pub heads: Vec<SortHead>,
    pub q: String,
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub formations: Vec<(&'static str, &'static str, bool)>,
    pub regions: Vec<(String, String, bool)>,
    pub active_on: String,
    pub oversized: bool,
    pub query: String,
}

pub async fn party_orgs(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<PartyOrgQuery>,
) -> Result<Response, PageError> {
    let filter = q.filter(&s).await?;
    let p = &q.paging;
    let sort = p.sort_key(&SORTS.map(|(k, _)| k), "name");
    let rows = |offset| Rows {
        sort,
        descending: p.descending(),
        offset,
        limit: p.per_page(),
    };
    let (mut items, total) =
        s.db.party_org_page(&actor.scope, &filter, rows(p.offset()))
            .await?;
    let query = q.query();
    let pager = Pager::new("/party-orgs", &query, p, total);
    if pager.offset != p.offset() {
        // A page past the end: the last one.
        items =
            s.db.party_org_page(&actor.scope, &filter, rows(pager.offset))
                .await?
                .0;
    }
    let sel = |v: &Option<String>, code: &str| v.as_deref() == Some(code);
    let short = s.db.short_names().await?;
    let page = PartyOrgsPage {
        layout: frame(
            &actor,
            "党组织",
            "party_orgs",
            vec![("组织台账".into(), "/orgs".into())],
        ),
        // (A parent that is a unit by its short name, where the setting gives one.)
        rows: items
            .into_iter()
            .map(|p| {
                let mut p = party_view(p);
                p.parent = p.parent.map(|n| short.show(&n).to_string());
                p
            })
            .collect(),
        heads: sort_heads("/party-orgs", &query, p, sort, &SORTS),
        pager,
        q: q.q.clone().unwrap_or_default(),
        kinds: PartyOrgKind::ALL
            .iter()
            .map(|k| (k.code(), k.label(), sel(&q.kind, k.code())))
            .collect(),
        formations: Formation::ALL
            .iter()
            .map(|k| (k.code(), k.label(), sel(&q.formation, k.code())))
            .collect(),
        regions: super::super::region_choices(&s, q.region.as_deref()).await?,
        active_on: q.active_on.clone().unwrap_or_default(),
        oversized: q.oversized.as_deref() == Some("true"),
        query,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "party_org_detail.html")]
pub struct PartyOrgPage {
    pub layout: Layout,
    pub p: PartyOrgRow,
    pub links: Vec<OrgLink>,
    /// The reader keeps it (city admins; a county admin when every org it covers or covered is
    /// the county's).
    pub can_edit: bool,
    pub changes: Vec<crate::db::RecordChange>,
}

pub async fn party_org(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<i64>,
    Params(flash): Params<crate::web::layout::Flash>,
) -> Result<Response, PageError> {
    let (p, links) =
        s.db.party_org_detail(&actor.scope, id)
            .await?
            .ok_or(WebError::NotFound)?;
    let can_edit = crate::app::registry::keeps_party_org(&actor, &links);
    let codes: Vec<String> = links.iter().map(|l| l.credit_code.clone()).collect();
    let relation = format!("覆盖（{}）", p.name);
    let changes =
        s.db.record_changes(&crate::db::ChangesOf {
            entity: "party_org",
            key: &p.name,
            relation: Some((&relation, &codes)),
        })
        .await?;
    let p = party_view(p);
    let page = PartyOrgPage {
        can_edit,
        changes,
        layout: crate::web::layout::Layout {
            flash: flash.word(),
            ..frame(
                &actor,
                &p.name,
                "party_orgs",
                vec![("党组织".into(), "/party-orgs".into())],
            )
        },
        p,
        links,
    };
    Ok(render(&page)?.into_response())
}

/// The party-org list as .xlsx, exactly as filtered and sorted.
pub async fn party_orgs_export(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<PartyOrgQuery>,
) -> Result<Response, PageError> {
    use crate::excel::writer::OutCell::{Empty, Int, Text};
    let filter = q.filter(&s).await?;
    let sort = q.paging.sort_key(&SORTS.map(|(k, _)| k), "name");
    let rows = Rows {
        sort,
        descending: q.paging.descending(),
        offset: 0,
        limit: EXPORT_ROWS,
    };
    let (items, _) = s.db.party_org_page(&actor.scope, &filter, rows).await?;
    let rows = items
        .into_iter()
        .map(party_view)
        .enumerate()
        .map(|(n, p)| {
            vec![
                Int(n as i64 + 1),
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
        "序号",
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
