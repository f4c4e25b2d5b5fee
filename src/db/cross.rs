//! Cross-appointment (双向进入、交叉任职, `statistics.md` §4): the figures as of a date, and the
//! orgs each figure counts as a condition of the org list (its drill-down).

use chrono::NaiveDate;
use sqlx::AssertSqlSafe;
use sqlx::Row;

use super::{Db, DbResult, Grouping, Scope};

/// A cross-appointment figure (statistics.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cross {
    /// 双向进入、交叉任职: a person in both a management position of the org and a committee
    /// position of a party org covering it.
    TwoWay,
    /// 主要负责人兼任党组织书记.
    HeadIsSecretary,
}

/// The orgs with such a pair of positions at `$1` (the definition the figure counts: one
/// person, or namesakes where either lacks an ID; active positions, link and party org), as a
/// condition on `f.id`.
pub(super) fn cross_condition(cross: Cross) -> String {
    let quoted = |titles: &[&str]| {
        titles
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let management: Vec<&str> = crate::domain::model::ORG_TITLES
        .iter()
        .copied()
        .filter(|t| crate::domain::model::is_management_title(t))
        .collect();
    let (org_titles, party_titles) = match cross {
        Cross::TwoWay => (
            quoted(&management),
            quoted(crate::domain::model::PARTY_TITLES),
        ),
        Cross::HeadIsSecretary => (
            quoted(&[crate::domain::model::HEAD_TITLE]),
            quoted(&[crate::domain::model::SECRETARY_TITLE]),
        ),
    };
    let active =
        |a: &str| format!("{a}.valid_from <= $1 AND ({a}.valid_to IS NULL OR $1 < {a}.valid_to)");
    format!(
        "f.id IN (SELECT pm.org_id FROM positions pm JOIN persons a ON a.id = pm.person_id \
         JOIN coverage_links l ON l.org_id = pm.org_id JOIN party_orgs p ON p.id = l.party_org_id \
         JOIN positions pp ON pp.party_org_id = l.party_org_id JOIN persons b ON b.id = pp.person_id \
         WHERE pm.title IN ({org_titles}) AND pp.title IN ({party_titles}) \
         AND (pp.person_id = pm.person_id OR (a.name = b.name AND (a.citizen_id IS NULL OR b.citizen_id IS NULL))) \
         AND {} AND {} AND {} AND p.founded_on <= $1 AND (p.dissolved_on IS NULL OR $1 < p.dissolved_on))",
        active("pm"),
        active("pp"),
        active("l")
    )
}

/// `alias.region_code IN (…)`; region codes are validated six-digit strings, safe to inline.
fn region_condition(alias: &str, codes: &[crate::domain::codes::RegionCode]) -> String {
    if codes.is_empty() {
        return "1 = 0".into();
    }
    let list: Vec<String> = codes.iter().map(|c| format!("'{}'", c.as_str())).collect();
    format!("{alias}.region_code IN ({})", list.join(", "))
}

impl Db {
    /// Cross-appointment counts as of a date (`statistics.md` §4) over the orgs covered then:
    /// (covered, two-way entry, head is secretary). Two positions are one person's when they
    /// are held by the same `persons` row (same citizen ID, or same name where neither has one),
    /// or — where either lacks a citizen ID — by persons of the same name: the org and the party
    /// org of the pair are fixed by the question, so this is the spec's "name and the pair of
    /// organizations match exactly" (see `docs/decisions.md`).
    ///
    /// Set by set, not org by org: the management positions at D in covered orgs, their
    /// orgs' covering links and the party positions at D, joined once into (org, org title,
    /// party title) pairs; the denominator is the coverage figure.
    pub async fn cross_appointment(
        &self,
        scope: &Scope,
        as_of: NaiveDate,
    ) -> DbResult<(i64, i64, i64)> {
        self.derived(
            format!("cross-appointment|{scope:?}|{as_of}"),
            self.cross_appointment_now(scope, as_of),
        )
        .await
    }

    /// [`Db::cross_appointment`], computed now.
    async fn cross_appointment_now(
        &self,
        scope: &Scope,
        as_of: NaiveDate,
    ) -> DbResult<(i64, i64, i64)> {
        let active = |a: &str| {
            format!("{a}.valid_from <= $1 AND ({a}.valid_to IS NULL OR $1 < {a}.valid_to)")
        };
        let quoted = |titles: Vec<&str>| {
            titles
                .iter()
                .map(|t| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let management = quoted(
            crate::domain::model::ORG_TITLES
                .iter()
                .copied()
                .filter(|t| crate::domain::model::is_management_title(t))
                .collect(),
        );
        let party = quoted(crate::domain::model::PARTY_TITLES.to_vec());
        // The management positions at D in the orgs covered then (in scope), found from the
        // positions (few) and each org's span at D, not from every covered org.
        let scope_condition = match scope {
            Scope::City => "1 = 1".to_string(),
            Scope::Regions(codes) => region_condition("s", codes),
            _ => format!(
                "s.org_id IN (SELECT o.id FROM social_orgs o WHERE {})",
                scope.org_condition("o")
            ),
        };
        let pair = |person: &str| {
            format!(
                "SELECT pm.org_id, pm.title AS org_title, pp.title AS party_title FROM pm \
                 JOIN cl ON cl.org_id = pm.org_id JOIN pp ON pp.party_org_id = cl.party_org_id AND {person}"
            )
        };
        let sql = format!(
            "WITH pm AS MATERIALIZED (SELECT p.org_id, p.person_id, pe.name, pe.citizen_id, p.title \
               FROM positions p JOIN persons pe ON pe.id = p.person_id \
               JOIN coverage_spans s ON s.org_id = p.org_id AND s.valid_from <= $1 AND $1 < s.valid_to \
               WHERE p.org_id IS NOT NULL AND {pa} AND p.title IN ({management}) \
               AND s.in_scope = 1 AND s.covered = 1 AND {scope_condition}), \
             cl AS MATERIALIZED (SELECT DISTINCT l.org_id, l.party_org_id FROM coverage_links l \
               JOIN party_orgs po ON po.id = l.party_org_id \
               WHERE l.org_id IN (SELECT org_id FROM pm) AND {la} AND po.founded_on <= $1 \
               AND (po.dissolved_on IS NULL OR $1 < po.dissolved_on)), \
             pp AS MATERIALIZED (SELECT p.party_org_id, p.person_id, pe.name, pe.citizen_id, p.title \
               FROM positions p JOIN persons pe ON pe.id = p.person_id \
               WHERE p.party_org_id IN (SELECT party_org_id FROM cl) AND {pa} AND p.title IN ({party})), \
             pairs AS ({same} UNION ALL {namesake}) \
             SELECT COUNT(DISTINCT org_id), \
             COUNT(DISTINCT CASE WHEN org_title = '{head}' AND party_title = '{secretary}' THEN org_id END) \
             FROM pairs",
            pa = active("p"),
            la = active("l"),
            same = pair("pp.person_id = pm.person_id"),
            namesake = pair(
                "pp.person_id <> pm.person_id AND pp.name = pm.name \
                 AND (pm.citizen_id IS NULL OR pp.citizen_id IS NULL)"
            ),
            head = crate::domain::model::HEAD_TITLE,
            secretary = crate::domain::model::SECRETARY_TITLE,
        );
        let row = sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind(as_of.to_string())
            .fetch_one(self.pool())
            .await?;
        // The orgs covered at D: the coverage figure (from memory in a server).
        let covered: i64 = self
            .coverage_counts(scope, as_of, 0, Grouping::Kind)
            .await?
            .iter()
            .map(|g| g.counts.covered)
            .sum();
        Ok((covered, row.try_get(0)?, row.try_get(1)?))
    }
}
