//! Lists and details of party orgs, instructors and units for the pages, within the actor's
//! scope: a party org or instructor is in scope when it covers (or is stationed in) an org in
//! scope; units are reference data, their counts are scoped.

use std::collections::HashMap;

use serde::Serialize;

use super::{Db, DbResult, Scope};

/// A party org in a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartyOrgRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub formation: String,
    pub parent: Option<String>,
    pub founded_on: String,
    pub dissolved_on: Option<String>,
    pub member_count: Option<i64>,
    pub secretary: Option<String>,
    /// Orgs covered now (open links).
    pub covering: i64,
}

/// A covered org of a party org, or a station of an instructor, with its dates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgLink {
    pub credit_code: String,
    pub org_name: String,
    pub from: String,
    pub to: Option<String>,
    /// Whether the org is within the reader's scope (its page may be opened).
    pub visible: bool,
}

/// An instructor or liaison in a list. Personal data is masked by the caller as the role needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstructorRow {
    pub id: i64,
    pub name: String,
    pub citizen_id: Option<String>,
    pub phone: Option<String>,
    pub home_unit: String,
    pub role: String,
    /// Orgs stationed in now.
    pub stationed: i64,
}

/// A unit with its scoped counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub carries_party_building: bool,
    /// Orgs it supervises (业务主管), in scope.
    pub supervised: i64,
    /// Orgs it is the responsible unit of, in scope.
    pub responsible: i64,
    /// Instructors it sent.
    pub instructors: i64,
}

fn party_scope(scope: &Scope) -> String {
    if scope.is_city() {
        return "1 = 1".into();
    }
    format!(
        "p.id IN (SELECT l.party_org_id FROM coverage_links l JOIN social_orgs o ON o.id = l.org_id WHERE {})",
        scope.org_condition("o")
    )
}

fn instructor_scope(scope: &Scope) -> String {
    if scope.is_city() {
        return "1 = 1".into();
    }
    format!(
        "i.id IN (SELECT s.instructor_id FROM stations s JOIN social_orgs o ON o.id = s.org_id WHERE {})",
        scope.org_condition("o")
    )
}

/// The one row of a detail page.
const ONE: super::Rows<'static> = super::Rows {
    sort: "name",
    descending: false,
    offset: 0,
    limit: 1,
};

impl Db {
    pub async fn party_org_rows(&self, scope: &Scope) -> DbResult<Vec<PartyOrgRow>> {
        let sql = format!(
            "SELECT p.id, p.name, p.kind, p.formation, p.parent_name, p.founded_on, p.dissolved_on, \
             p.member_count, p.secretary, \
             (SELECT COUNT(*) FROM coverage_links l WHERE l.party_org_id = p.id AND l.valid_to IS NULL) \
             FROM party_orgs p WHERE {} ORDER BY p.name",
            party_scope(scope)
        );
        type Tuple = (
            i64,
            String,
            String,
            String,
            Option<String>,
            String,
            Option<String>,
            Option<i64>,
            Option<String>,
            i64,
        );
        let rows: Vec<Tuple> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    name,
                    kind,
                    formation,
                    parent,
                    founded_on,
                    dissolved_on,
                    member_count,
                    secretary,
                    covering,
                )| PartyOrgRow {
                    id,
                    name,
                    kind,
                    formation,
                    parent,
                    founded_on,
                    dissolved_on,
                    member_count,
                    secretary,
                    covering,
                },
            )
            .collect())
    }

    /// One party org (if in scope) and all its coverage links.
    pub async fn party_org_detail(
        &self,
        scope: &Scope,
        id: i64,
    ) -> DbResult<Option<(PartyOrgRow, Vec<OrgLink>)>> {
        let one = super::PartyOrgFilter {
            id: Some(id),
            ..Default::default()
        };
        let (mut rows, _) = self.party_org_page(scope, &one, ONE).await?;
        let Some(row) = rows.pop() else {
            return Ok(None);
        };
        let links = self
            .linked_orgs(scope, "coverage_links", "party_org_id", id)
            .await?;
        Ok(Some((row, links)))
    }

    pub async fn instructor_rows(&self, scope: &Scope) -> DbResult<Vec<InstructorRow>> {
        let sql = format!(
            "SELECT i.id, i.name, i.citizen_id, i.phone, u.name, i.role, \
             (SELECT COUNT(*) FROM stations s WHERE s.instructor_id = i.id AND s.valid_to IS NULL) \
             FROM instructors i JOIN units u ON u.id = i.home_unit_id WHERE {} ORDER BY u.name, i.name",
            instructor_scope(scope)
        );
        type Tuple = (
            i64,
            String,
            Option<String>,
            Option<String>,
            String,
            String,
            i64,
        );
        let rows: Vec<Tuple> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, name, citizen_id, phone, home_unit, role, stationed)| InstructorRow {
                    id,
                    name,
                    citizen_id,
                    phone,
                    home_unit,
                    role,
                    stationed,
                },
            )
            .collect())
    }

    /// One instructor (if in scope) and all his or her stations.
    pub async fn instructor_detail(
        &self,
        scope: &Scope,
        id: i64,
    ) -> DbResult<Option<(InstructorRow, Vec<OrgLink>)>> {
        let one = super::InstructorFilter {
            id: Some(id),
            ..Default::default()
        };
        let (mut rows, _) = self.instructor_page(scope, &one, ONE).await?;
        let Some(row) = rows.pop() else {
            return Ok(None);
        };
        let links = self
            .linked_orgs(scope, "stations", "instructor_id", id)
            .await?;
        Ok(Some((row, links)))
    }

    /// The orgs linked to one party org (`coverage_links`) or instructor (`stations`), with the
    /// link's dates. A joint party org covers, and an instructor may serve, orgs beyond the
    /// reader's scope: they are listed (they are the record's facts) but marked, so that a page
    /// does not link to what its reader may not open. `table` and `key` are constants.
    async fn linked_orgs(
        &self,
        scope: &Scope,
        table: &str,
        key: &str,
        id: i64,
    ) -> DbResult<Vec<OrgLink>> {
        let sql = format!(
            "SELECT o.credit_code, o.name, x.valid_from, x.valid_to, \
             CASE WHEN {} THEN 1 ELSE 0 END FROM {table} x \
             JOIN social_orgs o ON o.id = x.org_id WHERE x.{key} = $1 ORDER BY x.valid_from, o.name",
            scope.org_condition("o")
        );
        let rows: Vec<(String, String, String, Option<String>, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_all(self.pool())
                .await?;
        Ok(rows
            .into_iter()
            .map(|(credit_code, org_name, from, to, visible)| OrgLink {
                credit_code,
                org_name,
                from,
                to,
                visible: visible == 1,
            })
            .collect())
    }

    /// Every unit with its figures within the scope, in the committees' order: the orgs in
    /// the statistics today it supervises and it is responsible for (as the dashboard counts
    /// them), and the instructors it sent whom the reader may see.
    pub async fn unit_rows(&self, scope: &Scope) -> DbResult<Vec<UnitRow>> {
        let today = self.clock().today();
        let by_id = |groups: Vec<super::GroupCounts>| -> HashMap<i64, i64> {
            groups
                .into_iter()
                .filter_map(|g| Some((g.key?.parse().ok()?, g.counts.in_scope)))
                .collect()
        };
        let supervised = by_id(
            self.coverage_counts(scope, today, 0, super::Grouping::SupervisingUnit)
                .await?,
        );
        let responsible = by_id(
            self.coverage_counts(scope, today, 0, super::Grouping::ResponsibleUnit)
                .await?,
        );
        // The instructors each unit sent whom the reader may see (kept until the registry
        // changes: a county's take a scan of its orgs' stations).
        let sql = format!(
            "SELECT i.home_unit_id, COUNT(*) FROM instructors i WHERE {} GROUP BY i.home_unit_id",
            super::registry_pages::instructor_scope(scope)
        );
        let pool = self.pool().clone();
        let instructors: HashMap<i64, i64> = self
            .derived(format!("unit-instructors|{scope:?}"), async move {
                Ok(sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&pool)
                    .await?
                    .into_iter()
                    .collect::<HashMap<i64, i64>>())
            })
            .await?;
        let mut rows: Vec<UnitRow> = self
            .units()
            .await?
            .into_iter()
            .map(|u| UnitRow {
                supervised: supervised.get(&u.id).copied().unwrap_or(0),
                responsible: responsible.get(&u.id).copied().unwrap_or(0),
                instructors: instructors.get(&u.id).copied().unwrap_or(0),
                id: u.id,
                kind: u.kind.code().to_string(),
                region: u.region.as_str().to_string(),
                carries_party_building: u.carries_party_building,
                name: u.name,
            })
            .collect();
        rows.sort_by_cached_key(|u| {
            crate::domain::model::UnitKind::from_code(&u.kind)
                .map(|k| crate::domain::collation::unit_key(k, &u.region, &u.name))
        });
        Ok(rows)
    }

    /// A position's values in the columns of the 任职 sheet (姓名, 身份证号, 是否党员, 任职组织,
    /// 职务, 任职日期, 离任日期), for its form. Positions are the city's: no scope.
    pub async fn position_values(&self, id: i64) -> DbResult<Option<Vec<String>>> {
        type Row = (
            String,
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<String>,
            String,
            String,
            Option<String>,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT pe.name, pe.citizen_id, pe.is_party_member, o.credit_code, po.name, p.title, \
             p.valid_from, p.valid_to FROM positions p JOIN persons pe ON pe.id = p.person_id \
             LEFT JOIN social_orgs o ON o.id = p.org_id \
             LEFT JOIN party_orgs po ON po.id = p.party_org_id WHERE p.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        Ok(
            row.map(|(name, cid, member, code, party, title, from, to)| {
                vec![
                    name,
                    cid.unwrap_or_default(),
                    match member {
                        Some(0) => "否".to_string(),
                        Some(_) => "是".to_string(),
                        None => String::new(),
                    },
                    code.or(party).unwrap_or_default(),
                    title,
                    from,
                    to.unwrap_or_default(),
                ]
            }),
        )
    }
}
