//! The actor's scope: which organizations a query may see. Every registry query takes one, so an
//! unscoped read cannot be written by accident (spec/domain.md §2).

use crate::domain::codes::RegionCode;

/// What an actor may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything in the city (city admins, leaders, the CLI).
    City,
    /// Orgs registered in these regions: a county and its descendants (county admins).
    Regions(Vec<RegionCode>),
    /// Orgs the unit supervises (业务主管) or is responsible for (departments, industry
    /// committees).
    Unit(i64),
    /// Orgs the instructor is currently stationed in.
    Instructor(i64),
    /// One org (its own contact person).
    Org(i64),
}

impl Scope {
    /// A SQL condition on the social org aliased `alias`. Region codes are validated six-digit
    /// strings and ids are integers, so inlining them cannot inject anything.
    pub(crate) fn org_condition(&self, alias: &str) -> String {
        match self {
            Scope::City => "1 = 1".to_string(),
            Scope::Regions(codes) if codes.is_empty() => "1 = 0".to_string(),
            Scope::Regions(codes) => {
                let list: Vec<String> = codes.iter().map(|c| format!("'{}'", c.as_str())).collect();
                format!("{alias}.region_code IN ({})", list.join(", "))
            }
            Scope::Unit(id) => format!(
                "({alias}.supervising_unit_id = {id} OR {alias}.id IN \
                 (SELECT org_id FROM org_responsible_units WHERE unit_id = {id}))"
            ),
            Scope::Instructor(id) => format!(
                "{alias}.id IN (SELECT org_id FROM stations WHERE instructor_id = {id} AND valid_to IS NULL)"
            ),
            Scope::Org(id) => format!("{alias}.id = {id}"),
        }
    }

    /// True for the whole-city scope.
    pub fn is_city(&self) -> bool {
        *self == Scope::City
    }
}
