//! Data-quality findings (数据质量) within a scope: records the figures cannot be trusted on
//! until someone fixes them.

use chrono::NaiveDate;
use serde::Serialize;

use super::{Db, DbResult, Scope};
use crate::domain::codes::CreditCode;

/// One finding: the record and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// A credit code, or a party org / person name.
    pub key: String,
    pub name: String,
    pub detail: String,
    /// Where to fix it.
    pub href: String,
}

/// All findings, by check.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Quality {
    pub unresolved_unit: Vec<Finding>,
    pub inner_code: Vec<Finding>,
    pub duplicate_names: Vec<Finding>,
    pub covering_terminated: Vec<Finding>,
    pub persons_without_id: Vec<Finding>,
    /// Confirmed census returns whose 党组织状况 the registry's coverage at the campaign's
    /// reference date contradicts (the point of 四清: one of the two is wrong).
    pub census_contradictions: Vec<Finding>,
}

/// Collapses a name for duplicate detection: no spaces, brackets unified.
fn name_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

impl Db {
    /// The findings within a scope (kept until the registry or the coverage changes: at a
    /// million orgs they take seconds).
    pub async fn quality(&self, scope: &Scope, today: NaiveDate) -> DbResult<Quality> {
        self.derived(
            format!("quality|{scope:?}|{today}"),
            self.quality_now(scope, today),
        )
        .await
    }

    async fn quality_now(&self, scope: &Scope, today: NaiveDate) -> DbResult<Quality> {
        let cond = scope.org_condition("o");
        let orgs: Vec<(String, String, Option<i64>)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT o.credit_code, o.name, ru.unit_id FROM social_orgs o \
             JOIN org_responsible_units ru ON ru.org_id = o.id WHERE {cond} ORDER BY o.credit_code"
            )))
            .fetch_all(self.pool())
            .await?;
        let mut q = Quality::default();
        let org_href = |code: &str| format!("/orgs/{code}");
        let mut by_name: std::collections::HashMap<String, Vec<(String, String)>> =
            std::collections::HashMap::new();
        for (code, name, unit) in &orgs {
            if unit.is_none() {
                q.unresolved_unit.push(Finding {
                    key: code.clone(),
                    name: name.clone(),
                    detail: "业务主管单位不承担党建工作，且登记区划没有县区工委（或社会组织党委）"
                        .into(),
                    href: org_href(code),
                });
            }
            if let Ok(c) = CreditCode::parse(code)
                && !c.inner_check_ok()
            {
                let expected = c
                    .expected_inner_check()
                    .map(|e| format!("，按 GB 11714 应为 {e}"))
                    .unwrap_or_default();
                q.inner_code.push(Finding {
                    key: code.clone(),
                    name: name.clone(),
                    detail: format!("第9–17位组织机构代码校验位不符{expected}"),
                    href: org_href(code),
                });
            }
            by_name
                .entry(name_key(name))
                .or_default()
                .push((code.clone(), name.clone()));
        }
        let mut groups: Vec<_> = by_name.into_values().filter(|v| v.len() > 1).collect();
        groups.sort();
        for group in groups {
            let codes: Vec<&str> = group.iter().map(|(c, _)| c.as_str()).collect();
            for (code, name) in &group {
                q.duplicate_names.push(Finding {
                    key: code.clone(),
                    name: name.clone(),
                    detail: format!(
                        "与 {} 名称相同",
                        codes
                            .iter()
                            .filter(|c| *c != code)
                            .copied()
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                    href: org_href(code),
                });
            }
        }
        let covering: Vec<(String, String, String, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT p.name, o.credit_code, o.name, o.terminated_on FROM coverage_links l \
             JOIN party_orgs p ON p.id = l.party_org_id JOIN social_orgs o ON o.id = l.org_id \
             WHERE l.valid_to IS NULL AND p.dissolved_on IS NULL AND o.terminated_on IS NOT NULL \
             AND o.terminated_on <= $1 AND {cond} ORDER BY p.name"
            )))
            .bind(today.to_string())
            .fetch_all(self.pool())
            .await?;
        for (party, code, name, terminated) in covering {
            q.covering_terminated.push(Finding {
                key: party.clone(),
                name,
                detail: format!("{party} 仍覆盖已于 {terminated} 注销或撤销的组织 {code}"),
                href: org_href(&code),
            });
        }
        // Each org's latest confirmed return against its coverage span at the reference date.
        type ReturnVsSpan = (String, String, String, String, String, i64, i64);
        let returns: Vec<ReturnVsSpan> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT o.credit_code, o.name, c.name, c.reference_date, r.party_org_status, \
             s.covered, s.own_covered FROM census_returns r \
             JOIN census_campaigns c ON c.id = r.campaign_id JOIN social_orgs o ON o.id = r.org_id \
             JOIN coverage_spans s ON s.org_id = r.org_id AND s.valid_from <= c.reference_date \
             AND c.reference_date < s.valid_to \
             WHERE r.confirmed_at IS NOT NULL AND {cond} AND NOT EXISTS (\
             SELECT 1 FROM census_returns r2 JOIN census_campaigns c2 ON c2.id = r2.campaign_id \
             WHERE r2.org_id = r.org_id AND r2.confirmed_at IS NOT NULL \
             AND (c2.reference_date > c.reference_date OR (c2.reference_date = c.reference_date \
             AND (r2.confirmed_at > r.confirmed_at OR (r2.confirmed_at = r.confirmed_at AND r2.id > r.id))))) \
             ORDER BY o.credit_code"
        )))
        .fetch_all(self.pool())
        .await?;
        for (code, name, campaign, date, status, covered, own) in returns {
            let records = match (covered == 1, own == 1) {
                (true, true) => "已单独组建党组织",
                (true, false) => "已纳入联合党组织",
                _ => "没有覆盖的党组织",
            };
            let contradicts = match status.as_str() {
                "none" => covered == 1,
                "own" => own != 1,
                "joint" => covered != 1 || own == 1,
                _ => false,
            };
            if contradicts {
                let said = crate::domain::model::PartyOrgStatus::from_code(&status)
                    .map_or(status.as_str(), |s| s.label());
                q.census_contradictions.push(Finding {
                    key: code.clone(),
                    name,
                    detail: format!(
                        "摸排“{campaign}”确认为“{said}”，而登记数据显示基准日 {date} {records}"
                    ),
                    href: org_href(&code),
                });
            }
        }
        let persons: Vec<(String, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT pe.name, p.title, COALESCE(o.credit_code, '') FROM positions p \
             JOIN persons pe ON pe.id = p.person_id LEFT JOIN social_orgs o ON o.id = p.org_id \
             WHERE pe.citizen_id IS NULL AND (p.org_id IS NULL OR {cond}) ORDER BY pe.name"
        )))
        .fetch_all(self.pool())
        .await?;
        for (name, title, code) in persons {
            q.persons_without_id.push(Finding {
                key: name.clone(),
                name: name.clone(),
                detail: format!("{title}：没有身份证号，交叉任职统计只能按姓名匹配"),
                href: if code.is_empty() {
                    "/party-orgs".into()
                } else {
                    org_href(&code)
                },
            });
        }
        let instructors: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT i.id, i.name, u.name FROM instructors i JOIN units u ON u.id = i.home_unit_id \
             WHERE i.citizen_id IS NULL AND {} ORDER BY i.sort_key, i.id",
            super::registry_pages::instructor_scope(scope)
        )))
        .fetch_all(self.pool())
        .await?;
        for (id, name, unit) in instructors {
            q.persons_without_id.push(Finding {
                key: name.clone(),
                name,
                detail: format!("党建指导员（{unit}）：没有身份证号"),
                href: format!("/instructors/{id}"),
            });
        }
        Ok(q)
    }
}
