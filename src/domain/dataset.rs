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
    /// `covers` are the party org's links, whole and with their own dates (the 覆盖关系 sheet, a
    /// read of the registry, the demo): a write makes its stored links exactly these. Otherwise
    /// they are the orgs its 党组织 row lists now, with default dates (`statistics.md` §2), and
    /// a write keeps the history of its stored links.
    pub covers_exact: bool,
    pub member_count: Option<i64>,
    pub secretary: Option<String>,
}

/// The orgs a party org's 覆盖社会组织 cell lists (`import-format.md`, 覆盖关系): those of its
/// links active on `on` — for a dissolved party org, on the day before its 撤销日期 — or, when
/// none is (every link ended), those of the links that ended last. The export writes the cell so
/// and an import that also has the links checks it so. Each org once, in the links' order.
pub fn listed_orgs(
    covers: &[CoverageRecord],
    dissolved_on: Option<NaiveDate>,
    on: NaiveDate,
) -> Vec<&CreditCode> {
    let at = dissolved_on.and_then(|d| d.pred_opt()).unwrap_or(on);
    let active = |c: &&CoverageRecord| c.from <= at && c.to.is_none_or(|t| at < t);
    let mut chosen: Vec<&CoverageRecord> = covers.iter().filter(active).collect();
    if chosen.is_empty() {
        let last = covers.iter().filter_map(|c| c.to).max();
        chosen = covers.iter().filter(|c| c.to == last).collect();
    }
    let mut out: Vec<&CreditCode> = Vec::new();
    for c in chosen {
        if !out.contains(&&c.credit_code) {
            out.push(&c.credit_code);
        }
    }
    out
}

/// The links of a party org of the registry that a workbook's 覆盖关系 sheet lists without its
/// 党组织 row: its stored links become exactly these.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyLinks {
    pub party_org: String,
    pub covers: Vec<CoverageRecord>,
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
    /// `stations` are the instructor's stations, whole and with their own dates (the 派驻记录
    /// sheet, a read of the registry, the demo): a write makes the stored ones exactly these.
    /// Otherwise they are added to (or end) the stored ones by their 派驻日期.
    pub stations_exact: bool,
}

/// The stations of an instructor of the registry that a workbook's 派驻记录 sheet lists without
/// a 党建指导员 row: the stored ones become exactly these. The instructor is matched as in the
/// 党建指导员 sheet (citizen ID, else name and home unit).
#[derive(Debug, Clone, PartialEq)]
pub struct InstructorStations {
    pub name: String,
    pub citizen_id: Option<CitizenId>,
    pub home_unit: String,
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
    /// Census campaigns (sheet 摸排活动): the export's, so that its returns import anywhere.
    pub campaigns: Vec<CampaignRecord>,
    /// Census returns (sheet 摸排), each for a campaign of the workbook or the registry.
    pub census: Vec<CensusRecord>,
    /// Links of party orgs of the registry not in the workbook's 党组织 sheet.
    pub party_links: Vec<PartyLinks>,
    /// Stations of instructors of the registry not in the workbook's 党建指导员 sheet.
    pub instructor_stations: Vec<InstructorStations>,
}

/// A census campaign as a workbook row carries it. Matched by name.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignRecord {
    pub name: String,
    pub reference_date: NaiveDate,
    pub end_date: NaiveDate,
    /// The region it covers (with the regions below).
    pub region: RegionCode,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn link(code: &CreditCode, from: &str, to: Option<&str>) -> CoverageRecord {
        CoverageRecord {
            credit_code: code.clone(),
            from: d(from),
            to: to.map(d),
        }
    }

    #[test]
    fn the_listed_orgs_are_those_current_at_the_reference_date() {
        let a = CreditCode::from_body("51140300MJY000010").expect("code");
        let b = CreditCode::from_body("52140302MJY000020").expect("code");
        let c = CreditCode::from_body("52140302MJY000030").expect("code");
        // A from 2019 (open), B 2019–2021 then again from 2022 (open), C 2019–2020.
        let covers = vec![
            link(&a, "2019-01-01", None),
            link(&b, "2019-01-01", Some("2021-01-01")),
            link(&b, "2022-01-01", None),
            link(&c, "2019-01-01", Some("2020-01-01")),
        ];
        // Today (2026): A and B, B once.
        assert_eq!(listed_orgs(&covers, None, d("2026-12-03")), vec![&a, &b]);
        // Dissolved on 2021-06-01: the day before, only A is covered (B's first link ended on
        // 2021-01-01, its second begins later; C's ended in 2020).
        assert_eq!(
            listed_orgs(&covers, Some(d("2021-06-01")), d("2026-12-03")),
            vec![&a]
        );
        // Every link ended: those that ended last (B's first, on 2021-01-01, against C's 2020).
        let ended = vec![
            link(&b, "2019-01-01", Some("2021-01-01")),
            link(&c, "2019-01-01", Some("2020-01-01")),
        ];
        assert_eq!(listed_orgs(&ended, None, d("2026-12-03")), vec![&b]);
        assert!(listed_orgs(&[], None, d("2026-12-03")).is_empty());
    }
}
