//! The actor's scope: which organizations a query may see. Every registry query takes one, so an
//! unscoped read cannot be written by accident (spec/domain.md §2).

use crate::domain::codes::RegionCode;

/// What an actor may see. Users and their finer scopes (a unit, an instructor's stations, one
/// org) arrive with the web application; until then the CLI and API act for the whole city.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything in the city.
    City,
    /// Orgs registered in these regions (a region and all its descendants).
    Regions(Vec<RegionCode>),
}

impl Scope {
    /// A SQL condition on the social org aliased `alias`. Region codes are validated six-digit
    /// strings, so inlining them cannot inject anything.
    pub(crate) fn org_condition(&self, alias: &str) -> String {
        match self {
            Scope::City => "1 = 1".to_string(),
            Scope::Regions(codes) if codes.is_empty() => "1 = 0".to_string(),
            Scope::Regions(codes) => {
                let list: Vec<String> = codes.iter().map(|c| format!("'{}'", c.as_str())).collect();
                format!("{alias}.region_code IN ({})", list.join(", "))
            }
        }
    }
}
