//! Users' roles (`spec/domain.md` §2) and what each may do. Scope — which records a role sees —
//! is resolved in `db::scope`; this module holds the pure rules.

use serde::{Deserialize, Serialize};

/// A user's role, by its spec name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Role {
    CityAdmin,
    CountyAdmin,
    Department,
    Instructor,
    OrgUser,
    Leader,
    Viewer,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::CityAdmin,
        Role::CountyAdmin,
        Role::Department,
        Role::Instructor,
        Role::OrgUser,
        Role::Leader,
        Role::Viewer,
    ];

    /// The stored code (the spec's name).
    pub fn code(self) -> &'static str {
        match self {
            Role::CityAdmin => "city_admin",
            Role::CountyAdmin => "county_admin",
            Role::Department => "department",
            Role::Instructor => "instructor",
            Role::OrgUser => "org_user",
            Role::Leader => "leader",
            Role::Viewer => "viewer",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// The Chinese name shown in the top bar and the user list.
    pub fn label(self) -> &'static str {
        match self {
            Role::CityAdmin => "市级管理员",
            Role::CountyAdmin => "县区管理员",
            Role::Department => "行业部门",
            Role::Instructor => "党建指导员",
            Role::OrgUser => "社会组织",
            Role::Leader => "领导",
            Role::Viewer => "查看者",
        }
    }

    /// What the role's scope is made of, for `user add --scope`.
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Role::CityAdmin | Role::Leader => ScopeKind::City,
            Role::CountyAdmin => ScopeKind::Region,
            Role::Department => ScopeKind::Unit,
            Role::Instructor => ScopeKind::Instructor,
            Role::OrgUser => ScopeKind::Org,
            Role::Viewer => ScopeKind::Any,
        }
    }

    /// May change registry data (orgs, party orgs, links, stations, positions, imports) within
    /// the scope. Leaders and viewers only read; org users and instructors write census returns
    /// and logs (issue 4), not the registry.
    pub fn may_edit_registry(self) -> bool {
        matches!(self, Role::CityAdmin | Role::CountyAdmin | Role::Department)
    }

    /// May see citizen ID and phone numbers unmasked: the staff who manage instructors and
    /// persons. Everyone else sees them masked.
    pub fn sees_personal_data(self) -> bool {
        matches!(self, Role::CityAdmin | Role::CountyAdmin)
    }

    /// Administers users, reads the audit log and the rule table.
    pub fn is_city_admin(self) -> bool {
        self == Role::CityAdmin
    }
}

/// What a role's scope is given as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// The whole city; no scope argument.
    City,
    /// A region code (and its descendants).
    Region,
    /// A unit name.
    Unit,
    /// The instructor the user is (by name or citizen ID).
    Instructor,
    /// One org's credit code.
    Org,
    /// Any of region, unit or org; none = the whole city.
    Any,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_rights_follow_the_spec() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(*r));
        }
        assert!(Role::CityAdmin.may_edit_registry());
        assert!(!Role::Leader.may_edit_registry());
        assert!(!Role::Viewer.may_edit_registry());
        assert!(!Role::OrgUser.sees_personal_data());
        assert!(Role::CityAdmin.is_city_admin());
        assert!(!Role::CountyAdmin.is_city_admin());
        assert_eq!(Role::CountyAdmin.scope_kind(), ScopeKind::Region);
    }
}
