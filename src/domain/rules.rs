//! The keys of the versioned rule table (`spec/rules.md`): one enum, so that a misspelt key
//! cannot compile. The values, with their sources and the date each version takes effect, are
//! data (the `rules` table, read as of a date by `db::RuleTable`).

/// A rule of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Formal party members an org needs for a party org of its own (单独组建).
    OwnOrgMinFormalMembers,
    /// Orgs a joint branch should cover at most (超大联合 above).
    MaxOrgsPerJointBranch,
    /// Members a branch should have at most.
    MaxMembersPerBranch,
    /// Formal members from which a branch has a committee.
    BranchCommitteeFrom,
    /// Members from which a general branch may be set up.
    GeneralBranchFrom,
    /// Members from which a primary committee may be set up.
    PrimaryCommitteeFrom,
    /// A branch committee's term, in years.
    BranchTermYears,
    /// A ledger item's time limit in months, by kind.
    DeadlineSyncWithRegistration,
    DeadlineEstablishPartyOrg,
    DeadlineEstablishOwnOrg,
    DeadlineDispatchInstructor,
    DeadlineRectifyOversizedJoint,
    DeadlineCleanDormant,
    /// 1: the one who submits an item for closing may not close it (提交人与核销人分离); 0: may.
    LedgerSeparateVerifier,
}

impl Rule {
    /// Every rule, for the check that the table holds a version of each.
    pub const ALL: [Rule; 14] = [
        Rule::OwnOrgMinFormalMembers,
        Rule::MaxOrgsPerJointBranch,
        Rule::MaxMembersPerBranch,
        Rule::BranchCommitteeFrom,
        Rule::GeneralBranchFrom,
        Rule::PrimaryCommitteeFrom,
        Rule::BranchTermYears,
        Rule::DeadlineSyncWithRegistration,
        Rule::DeadlineEstablishPartyOrg,
        Rule::DeadlineEstablishOwnOrg,
        Rule::DeadlineDispatchInstructor,
        Rule::DeadlineRectifyOversizedJoint,
        Rule::DeadlineCleanDormant,
        Rule::LedgerSeparateVerifier,
    ];

    /// The key in the rule table.
    pub fn key(self) -> &'static str {
        match self {
            Rule::OwnOrgMinFormalMembers => "own_org_min_formal_members",
            Rule::MaxOrgsPerJointBranch => "max_orgs_per_joint_branch",
            Rule::MaxMembersPerBranch => "max_members_per_branch",
            Rule::BranchCommitteeFrom => "branch_committee_from",
            Rule::GeneralBranchFrom => "general_branch_from",
            Rule::PrimaryCommitteeFrom => "primary_committee_from",
            Rule::BranchTermYears => "branch_term_years",
            Rule::DeadlineSyncWithRegistration => "deadline_months.sync_with_registration",
            Rule::DeadlineEstablishPartyOrg => "deadline_months.establish_party_org",
            Rule::DeadlineEstablishOwnOrg => "deadline_months.establish_own_org",
            Rule::DeadlineDispatchInstructor => "deadline_months.dispatch_instructor",
            Rule::DeadlineRectifyOversizedJoint => "deadline_months.rectify_oversized_joint",
            Rule::DeadlineCleanDormant => "deadline_months.clean_dormant",
            Rule::LedgerSeparateVerifier => "ledger.separate_submit_and_verify",
        }
    }

    /// The rule's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Rule::OwnOrgMinFormalMembers => "单独组建所需正式党员数",
            Rule::MaxOrgsPerJointBranch => "联合党支部覆盖单位上限",
            Rule::MaxMembersPerBranch => "党支部党员人数上限",
            Rule::BranchCommitteeFrom => "设支部委员会的正式党员数",
            Rule::GeneralBranchFrom => "可设党总支的党员数",
            Rule::PrimaryCommitteeFrom => "可设基层党委的党员数",
            Rule::BranchTermYears => "支部委员会任期（年）",
            Rule::DeadlineSyncWithRegistration => "同步建立党组织时限（月）",
            Rule::DeadlineEstablishPartyOrg => "建立党组织时限（月）",
            Rule::DeadlineEstablishOwnOrg => "单独组建时限（月）",
            Rule::DeadlineDispatchInstructor => "选派党建指导员时限（月）",
            Rule::DeadlineRectifyOversizedJoint => "整顿超大联合党组织时限（月）",
            Rule::DeadlineCleanDormant => "清理僵尸组织时限（月）",
            Rule::LedgerSeparateVerifier => "提交人与核销人分离（1 是，0 否）",
        }
    }

    /// The rule of a key.
    pub fn from_key(key: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.key() == key)
    }

    /// Whether a value may be a version of the rule: a whole number, 0 or 1 for a switch,
    /// otherwise at least 1 (a threshold, a term or a time limit of 0 would mean nothing).
    pub fn check(self, value: &str) -> Result<i64, String> {
        let n: i64 = value
            .trim()
            .parse()
            .map_err(|_| format!("“{}”的值应为整数", self.label()))?;
        match self {
            Rule::LedgerSeparateVerifier if !(0..=1).contains(&n) => {
                Err(format!("“{}”的值应为 1 或 0", self.label()))
            }
            Rule::LedgerSeparateVerifier => Ok(n),
            _ if !(1..=10_000).contains(&n) => {
                Err(format!("“{}”的值应为 1–10000 的整数", self.label()))
            }
            _ => Ok(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_name_and_its_key_finds_it() {
        for r in Rule::ALL {
            assert!(!r.label().is_empty());
            assert_eq!(Rule::from_key(r.key()), Some(r));
        }
        assert_eq!(Rule::from_key("no_such_rule"), None);
    }

    #[test]
    fn values_are_checked_by_the_rules_kind() {
        assert_eq!(Rule::OwnOrgMinFormalMembers.check(" 4 "), Ok(4));
        assert!(Rule::OwnOrgMinFormalMembers.check("0").is_err());
        assert!(Rule::DeadlineCleanDormant.check("三").is_err());
        assert_eq!(Rule::LedgerSeparateVerifier.check("0"), Ok(0));
        assert!(Rule::LedgerSeparateVerifier.check("2").is_err());
    }
}
