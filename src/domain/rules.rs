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
}
