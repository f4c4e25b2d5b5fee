//! One org's page: its record with its coverage state, its dated relations (covering party
//! orgs, stations, positions) and its timeline in words — registration, the relations' dates,
//! termination and the recorded changes of its fields and periods.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::{AssertSqlSafe, Row};

use super::orgs::{Facts, OrgFilter, OrgListItem, Population, WORK, facts_cte, item_from_row};
use super::{Db, DbResult, Scope};

/// An event in an org's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    pub date: String,
    pub event: String,
    pub detail: String,
}

/// A change of an org's fields in words: "正式党员数 0 → 4；住所 甲 → 乙" (the change log keeps
/// them as JSON objects of the changed fields, before and after). Anything else is shown as
/// "before → after".
pub fn change_text(before: &str, after: &str) -> String {
    let object = |s: &str| match serde_json::from_str::<serde_json::Value>(s) {
        Ok(serde_json::Value::Object(m)) => Some(m),
        _ => None,
    };
    let text = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) if s.is_empty() => "（空）".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => "（空）".to_string(),
    };
    match (object(before), object(after)) {
        (Some(a), Some(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.dedup();
            let mut seen = std::collections::HashSet::new();
            keys.retain(|k| seen.insert(*k));
            keys.iter()
                .map(|k| format!("{k} {} → {}", text(a.get(*k)), text(b.get(*k))))
                .collect::<Vec<_>>()
                .join("；")
        }
        _ => format!("{before} → {after}"),
    }
}

/// One side of a change of fields in words ("正式党员数 4；住所 乙"), or the text as stored when
/// it is not a JSON object of fields.
pub fn fields_text(stored: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(stored) {
        Ok(serde_json::Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                serde_json::Value::String(s) if s.is_empty() => format!("{k}（空）"),
                serde_json::Value::String(s) => format!("{k} {s}"),
                v => format!("{k} {v}"),
            })
            .collect::<Vec<_>>()
            .join("；"),
        _ => stored.to_string(),
    }
}

/// A dated relation of an org: a covering party org, a station, a position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relation {
    /// The party org, instructor or person.
    pub name: String,
    /// 单独组建 / 联合组建, 党建指导员 / 联络员, or the title.
    pub kind: String,
    pub from: String,
    pub to: Option<String>,
    /// The page of the party org (readers who see the org see the party orgs covering it), or
    /// the form of a position (for those who keep positions); a page link, not part of the
    /// API's record.
    #[serde(skip)]
    pub href: Option<String>,
}

impl Relation {
    /// Active at a date: `from <= d` and (`to` empty or `d < to`).
    pub fn active_at(&self, d: NaiveDate) -> bool {
        let d = d.to_string();
        self.from <= d && self.to.as_ref().is_none_or(|t| d < *t)
    }
}

/// An org with its current coverage state and its timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrgDetail {
    #[serde(flatten)]
    pub item: OrgListItem,
    pub supervising_unit: Option<String>,
    pub address: Option<String>,
    pub legal_representative: Option<String>,
    pub staff_count: Option<i64>,
    pub member_count: Option<i64>,
    pub probationary_members: Option<i64>,
    pub party_orgs: Vec<Relation>,
    pub stations: Vec<Relation>,
    pub positions: Vec<Relation>,
    pub timeline: Vec<TimelineEntry>,
}

/// (at, actor, action, before, after) of a change-log row.
type ChangeRow = (String, String, String, Option<String>, Option<String>);

impl Db {
    /// One org with its coverage state as of `today` and its timeline: registration, coverage
    /// links, stations, positions, termination and recorded changes, in date order.
    pub async fn org_detail(
        &self,
        scope: &Scope,
        credit_code: &str,
        own_min: i64,
        today: NaiveDate,
    ) -> DbResult<Option<OrgDetail>> {
        let filter = OrgFilter {
            q: None,
            limit: 1,
            ..OrgFilter::default()
        };
        let cte = facts_cte(
            scope,
            Facts {
                population: Population::All,
                with_unit: true,
                one_org: true,
                regions: None,
                org_columns: true,
            },
        );
        let sql = format!(
            "{cte} SELECT f.credit_code, f.name, f.kind, f.region_code, f.status, f.registered_on, \
             f.terminated_on, f.formal_members, u.name AS responsible_unit, f.covered, f.own_covered, \
             CASE WHEN {WORK} THEN 1 ELSE 0 END AS work_covered, f.id \
             FROM facts f LEFT JOIN units u ON u.id = f.responsible_unit_id WHERE f.credit_code = $3 \
             ORDER BY {}",
            filter.order_by()
        );
        let Some(row) = sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind(today.to_string())
            .bind(own_min)
            .bind(credit_code.to_string())
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let item = item_from_row(&row)?;
        let id: i64 = row.try_get("id")?;
        let extra = sqlx::query(
            "SELECT u.name, o.address, o.legal_representative, o.staff_count, o.member_count, \
             o.probationary_members FROM social_orgs o LEFT JOIN units u ON u.id = o.supervising_unit_id \
             WHERE o.id = $1",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await?;
        let relations = self.org_relations(id).await?;
        let timeline = self.org_timeline(id, &item, &relations).await?;
        let [party_orgs, stations, positions] = relations;
        Ok(Some(OrgDetail {
            item,
            supervising_unit: extra.try_get(0)?,
            address: extra.try_get(1)?,
            legal_representative: extra.try_get(2)?,
            staff_count: extra.try_get(3)?,
            member_count: extra.try_get(4)?,
            probationary_members: extra.try_get(5)?,
            party_orgs,
            stations,
            positions,
            timeline,
        }))
    }

    /// The org's coverage links, stations and positions, oldest first.
    async fn org_relations(&self, id: i64) -> DbResult<[Vec<Relation>; 3]> {
        let rel = |(from, to, name, kind): (String, Option<String>, String, String)| Relation {
            name,
            kind,
            from,
            to,
            href: None,
        };
        let links: Vec<(String, Option<String>, String, String, i64)> = sqlx::query_as(
            "SELECT l.valid_from, COALESCE(l.valid_to, p.dissolved_on), p.name, \
             CASE WHEN p.formation = 'own' THEN '单独组建' ELSE '联合组建' END, p.id \
             FROM coverage_links l JOIN party_orgs p ON p.id = l.party_org_id WHERE l.org_id = $1 \
             ORDER BY l.valid_from, p.name",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let stations: Vec<(String, Option<String>, String, String)> = sqlx::query_as(
            "SELECT s.valid_from, s.valid_to, i.name, \
             CASE WHEN i.role = 'liaison' THEN '联络员' ELSE '党建指导员' END \
             FROM stations s JOIN instructors i ON i.id = s.instructor_id WHERE s.org_id = $1 \
             ORDER BY s.valid_from, i.name",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        let positions: Vec<(String, Option<String>, String, String, i64)> = sqlx::query_as(
            "SELECT p.valid_from, p.valid_to, pe.name, p.title, p.id FROM positions p \
             JOIN persons pe ON pe.id = p.person_id WHERE p.org_id = $1 ORDER BY p.valid_from, pe.name",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        // A relation with a page: the address made from its id.
        let linked = |rows: Vec<(String, Option<String>, String, String, i64)>,
                      page: fn(i64) -> String| {
            rows.into_iter()
                .map(|(from, to, name, kind, id)| Relation {
                    href: Some(page(id)),
                    ..rel((from, to, name, kind))
                })
                .collect()
        };
        Ok([
            linked(links, |id| format!("/party-orgs/{id}")),
            stations.into_iter().map(rel).collect(),
            linked(positions, |id| format!("/positions/{id}/edit")),
        ])
    }

    async fn org_timeline(
        &self,
        id: i64,
        item: &OrgListItem,
        relations: &[Vec<Relation>; 3],
    ) -> DbResult<Vec<TimelineEntry>> {
        let entry = |date: String, event: &str, detail: String| TimelineEntry {
            date,
            event: event.to_string(),
            detail,
        };
        let mut out = vec![entry(
            item.registered_on.to_string(),
            "成立登记",
            item.name.clone(),
        )];
        if let Some(t) = item.terminated_on {
            out.push(entry(t.to_string(), item.status.label(), String::new()));
        }
        let [links, stations, positions] = relations;
        for l in links {
            out.push(entry(
                l.from.clone(),
                "纳入党组织覆盖",
                format!("{}（{}）", l.name, l.kind),
            ));
            if let Some(to) = &l.to {
                out.push(entry(to.clone(), "退出党组织覆盖", l.name.clone()));
            }
        }
        for s in stations {
            out.push(entry(
                s.from.clone(),
                &format!("{}派驻", s.kind),
                s.name.clone(),
            ));
            if let Some(to) = &s.to {
                out.push(entry(
                    to.clone(),
                    &format!("{}撤回", s.kind),
                    s.name.clone(),
                ));
            }
        }
        for p in positions {
            out.push(entry(
                p.from.clone(),
                "任职",
                format!("{} {}", p.name, p.kind),
            ));
            if let Some(to) = &p.to {
                out.push(entry(to.clone(), "离任", format!("{} {}", p.name, p.kind)));
            }
        }
        let changes: Vec<ChangeRow> = sqlx::query_as(
            "SELECT c.at, c.actor, c.action, c.before, c.after FROM change_log c \
             JOIN social_orgs o ON o.credit_code = c.entity_key \
             WHERE c.entity = 'social_org' AND o.id = $1",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        for (at, actor, action, before, after) in changes {
            let detail = format!(
                "{actor}：{}",
                change_text(
                    before.as_deref().unwrap_or_default(),
                    after.as_deref().unwrap_or_default()
                )
            );
            // A coverage link's or a station's dates corrected (by an import or a form) read as
            // such; other changes are of the org's own fields.
            let event = if action == "period" {
                "更正覆盖、派驻或任职期间"
            } else {
                "信息变更"
            };
            out.push(entry(at.chars().take(10).collect(), event, detail));
        }
        out.sort_by(|a, b| a.date.cmp(&b.date));
        Ok(out)
    }
}

#[cfg(test)]
mod change_tests {
    use super::*;

    #[test]
    fn a_change_of_fields_reads_in_words() {
        let before = r#"{"住所":"","正式党员数":"0"}"#;
        let after = r#"{"住所":"城区南大街1号","正式党员数":"4"}"#;
        assert_eq!(
            change_text(before, after),
            "住所 （空） → 城区南大街1号；正式党员数 0 → 4"
        );
        assert_eq!(fields_text(after), "住所 城区南大街1号；正式党员数 4");
        assert_eq!(fields_text(before), "住所（空）；正式党员数 0");
        // Not a JSON object: shown as stored.
        assert_eq!(change_text("甲", "乙"), "甲 → 乙");
        assert_eq!(fields_text("确认 3 份摸排表"), "确认 3 份摸排表");
    }
}
