//! Users' roles (`spec/domain.md` §2) and what each may do. Scope — which records a role sees —
//! is resolved in `db::scope`; this module holds the pure rules.

use super::vocab::vocabulary;

vocabulary! {
    /// A user's role, by its spec name (its label is the Chinese name shown in the top bar
    /// and the user list).
    #[derive(clap::ValueEnum)]
    #[value(rename_all = "snake_case")]
    Role {
        CityAdmin = "city_admin", "市级管理员";
        CountyAdmin = "county_admin", "县区管理员";
        Department = "department", "行业部门";
        Instructor = "instructor", "党建指导员";
        OrgUser = "org_user", "社会组织";
        Leader = "leader", "领导";
        Viewer = "viewer", "查看者";
    }
}

impl Role {
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
