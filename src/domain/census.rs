//! Census campaigns (拉网式摸排) and their returns (四清), `domain.md` §4.3: the rules a campaign
//! and a return must satisfy, whoever enters them (a form, a workbook row).

use super::vocab::vocabulary;
use chrono::NaiveDate;
use serde::Serialize;

use super::model::{OperatingState, PartyOrgStatus};

/// A campaign as opened: a name, the date its returns describe, the date they are due, and the
/// region whose orgs it covers (with its descendants).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignInput {
    pub name: String,
    pub reference_date: NaiveDate,
    pub end_date: NaiveDate,
}

impl CampaignInput {
    /// Problems as (field, message in Chinese); empty when the campaign may be opened.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let n = self.name.trim().chars().count();
        if n == 0 || n > 100 {
            out.push(("name", "摸排名称应为 1–100 个字符".to_string()));
        }
        if chrono::Datelike::year(&self.end_date) > 9999
            || chrono::Datelike::year(&self.reference_date) < 1900
        {
            out.push(("end_date", "日期应在1900年到9999年之间".to_string()));
        } else if self.end_date < self.reference_date {
            out.push((
                "end_date",
                format!(
                    "截止日期 {} 不得早于摸排基准日 {}",
                    self.end_date, self.reference_date
                ),
            ));
        }
        out
    }
}

/// Who confirms returns: the responsible units' staff (city and county committees, industry
/// departments), within their scope (`domain.md` §4.3).
pub fn is_confirmer(role: super::role::Role) -> bool {
    use super::role::Role;
    matches!(role, Role::CityAdmin | Role::CountyAdmin | Role::Department)
}

/// One org's return: the situation at the campaign's reference date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CensusReturn {
    pub operating_state: OperatingState,
    pub staff_count: Option<i64>,
    pub member_count: Option<i64>,
    /// Formal party members on staff (probationary members do not count, `rules.md` §1).
    pub formal_members: i64,
    pub probationary_members: i64,
    pub party_org_status: PartyOrgStatus,
    pub note: Option<String>,
}

impl CensusReturn {
    /// The return in words, for the change log: "运行状态 正常运行，从业人员 15，…".
    pub fn describe(&self) -> String {
        let n = |v: Option<i64>| v.map_or("未填".to_string(), |v| v.to_string());
        let mut text = format!(
            "运行状态 {}，从业人员 {}，会员 {}，正式党员 {}，预备党员 {}，党组织状况 {}",
            self.operating_state.label(),
            n(self.staff_count),
            n(self.member_count),
            self.formal_members,
            self.probationary_members,
            self.party_org_status.label()
        );
        if let Some(note) = self.note.as_deref().filter(|s| !s.is_empty()) {
            text.push_str(&format!("，备注 {note}"));
        }
        text
    }

    /// Problems as (field, message in Chinese); empty when the return may be saved. Field names
    /// are the form's; the workbook maps them to its headers.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (field, label, value) in [
            ("staff_count", "从业人员数", self.staff_count),
            ("member_count", "会员数", self.member_count),
            ("formal_members", "正式党员数", Some(self.formal_members)),
            (
                "probationary_members",
                "预备党员数",
                Some(self.probationary_members),
            ),
        ] {
            if value.is_some_and(|v| v < 0) {
                out.push((field, format!("{label}不能为负数")));
            }
        }
        // Party members counted here are members on the org's staff.
        if let Some(staff) = self.staff_count
            && staff >= 0
            && self
                .formal_members
                .checked_add(self.probationary_members)
                .is_none_or(|members| members > staff)
        {
            out.push((
                "formal_members",
                format!(
                    "正式党员 {} 名与预备党员 {} 名之和超过从业人员数 {staff}",
                    self.formal_members, self.probationary_members
                ),
            ));
        }
        if self
            .note
            .as_deref()
            .is_some_and(|n| n.chars().count() > 500)
        {
            out.push(("note", "备注不超过 500 个字符".to_string()));
        }
        out
    }
}

vocabulary! {
    /// Where an org's return stands in a campaign.
    ReturnState {
        /// Nothing filled yet (未填报).
        Missing = "missing", "未填报";
        /// Filled, waiting for the responsible unit (待确认).
        Returned = "returned", "待确认";
        /// Confirmed by the responsible unit (已确认): from now on its counts are the org's
        /// counts as of the reference date (`statistics.md` §3).
        Confirmed = "confirmed", "已确认";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ret() -> CensusReturn {
        CensusReturn {
            operating_state: OperatingState::Running,
            staff_count: Some(10),
            member_count: Some(120),
            formal_members: 3,
            probationary_members: 1,
            party_org_status: PartyOrgStatus::Own,
            note: None,
        }
    }

    #[test]
    fn a_plausible_return_has_no_problem() {
        assert!(ret().problems().is_empty());
        // Without a staff count the members cannot be checked against it.
        let r = CensusReturn {
            staff_count: None,
            formal_members: 40,
            ..ret()
        };
        assert!(r.problems().is_empty());
    }

    #[test]
    fn negative_counts_and_more_members_than_staff_are_refused() {
        let r = CensusReturn {
            member_count: Some(-1),
            ..ret()
        };
        assert_eq!(
            r.problems(),
            vec![("member_count", "会员数不能为负数".to_string())]
        );
        // 8 + 3 = 11 > 10 staff.
        let r = CensusReturn {
            formal_members: 8,
            probationary_members: 3,
            ..ret()
        };
        let p = r.problems();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, "formal_members");
        assert!(p[0].1.contains("超过从业人员数 10"), "{}", p[0].1);
        // Exactly the staff count is fine: 7 + 3 = 10.
        let r = CensusReturn {
            formal_members: 7,
            probationary_members: 3,
            ..ret()
        };
        assert!(r.problems().is_empty());
    }

    #[test]
    fn huge_counts_are_refused_not_overflowed() {
        let r = CensusReturn {
            formal_members: i64::MAX,
            probationary_members: 1,
            ..ret()
        };
        assert_eq!(r.problems().len(), 1);
        assert_eq!(r.problems()[0].0, "formal_members");
    }

    #[test]
    fn a_campaign_ends_on_or_after_its_reference_date() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let c = CampaignInput {
            name: "2026年四季度拉网式摸排".into(),
            reference_date: d("2026-10-31"),
            end_date: d("2026-10-31"),
        };
        assert!(c.problems().is_empty());
        let c = CampaignInput {
            end_date: d("2026-10-30"),
            name: "  ".into(),
            ..c
        };
        let fields: Vec<&str> = c.problems().iter().map(|p| p.0).collect();
        assert_eq!(fields, vec!["name", "end_date"]);
    }
}
