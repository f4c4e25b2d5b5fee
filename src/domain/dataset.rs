//! The registry as plain records: what an import produces after validation, what the demo
//! generator makes, what an export reads back, and what the database layer writes. One shape for
//! all four keeps the round trip (export → import gives the same data) a matter of construction.

use chrono::NaiveDate;

use super::codes::{CitizenId, CreditCode, Phone, RegionCode};
use super::model::{Formation, OrgKind, OrgStatus, PartyOrgKind, StationRole, UnitKind};

/// A unit: committee, industry department or member unit. Matched by name.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRecord {
    pub name: String,
    pub kind: UnitKind,
    pub region: RegionCode,
    pub carries_party_building: bool,
}

/// A social organization. Matched by credit code.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgRecord {
    pub credit_code: CreditCode,
    pub name: String,
    pub kind: OrgKind,
    pub region: RegionCode,
    /// Name of the supervising unit; `None` for directly registered orgs (直接登记).
    pub supervising_unit: Option<String>,
    pub registered_on: NaiveDate,
    pub status: OrgStatus,
    pub terminated_on: Option<NaiveDate>,
    pub address: Option<String>,
    pub legal_representative: Option<String>,
    pub staff_count: Option<i64>,
    pub member_count: Option<i64>,
    pub formal_members: i64,
    pub probationary_members: Option<i64>,
    pub charter_party_building: Option<bool>,
    pub charter_core_values: Option<bool>,
    /// The date the counts were reported (填报日期).
    pub counts_on: Option<NaiveDate>,
}

/// A coverage link as stored: the party org covers the org over `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageRecord {
    pub credit_code: CreditCode,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// A party organization with its coverage links. Matched by name.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyOrgRecord {
    pub name: String,
    pub kind: PartyOrgKind,
    pub formation: Formation,
    /// Name of the parent party org or unit.
    pub parent: Option<String>,
    pub founded_on: NaiveDate,
    pub dissolved_on: Option<NaiveDate>,
    pub covers: Vec<CoverageRecord>,
    pub member_count: Option<i64>,
    pub secretary: Option<String>,
}

/// One station of an instructor or liaison in one social org.
#[derive(Debug, Clone, PartialEq)]
pub struct StationRecord {
    pub credit_code: CreditCode,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// An instructor or liaison with his or her stations. Matched by citizen ID, else by name and
/// home unit.
#[derive(Debug, Clone, PartialEq)]
pub struct InstructorRecord {
    pub name: String,
    pub citizen_id: Option<CitizenId>,
    pub phone: Option<Phone>,
    pub home_unit: String,
    pub role: StationRole,
    pub stations: Vec<StationRecord>,
}

/// Where a position is held.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PositionTarget {
    Org(CreditCode),
    PartyOrg(String),
}

/// A position held by a person over `[from, to)`.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionRecord {
    pub name: String,
    pub citizen_id: Option<CitizenId>,
    pub is_party_member: Option<bool>,
    pub target: PositionTarget,
    pub title: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// A whole registry, or the part of one that a workbook carries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    pub units: Vec<UnitRecord>,
    pub orgs: Vec<OrgRecord>,
    pub party_orgs: Vec<PartyOrgRecord>,
    pub instructors: Vec<InstructorRecord>,
    pub positions: Vec<PositionRecord>,
    /// Census returns (sheet 摸排), each for a campaign already in the registry.
    pub census: Vec<CensusRecord>,
}

/// A census return as a workbook row carries it: the campaign by name, the org by credit code.
#[derive(Debug, Clone, PartialEq)]
pub struct CensusRecord {
    pub campaign: String,
    pub credit_code: CreditCode,
    pub ret: super::census::CensusReturn,
    /// 已确认: entered as confirmed by the responsible unit (the importer).
    pub confirmed: bool,
}
