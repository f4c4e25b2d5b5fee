//! The demo city's units: the city committee, the county working committees, the industry party
//! committees, the industry departments (by sector) and the other member units.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::domain::codes::RegionCode;
use crate::domain::dataset::UnitRecord;
use crate::domain::model::UnitKind;

pub(super) const EDU: u8 = 0;
pub(super) const HEALTH: u8 = 1;
pub(super) const CULTURE: u8 = 2;
pub(super) const SPORTS: u8 = 3;
pub(super) const SCIENCE: u8 = 4;
pub(super) const COMMERCE: u8 = 5;
pub(super) const CIVIL: u8 = 6;
pub(super) const HR: u8 = 7;
pub(super) const LAW: u8 = 8;
pub(super) const AGRI: u8 = 9;
pub(super) const BUILD: u8 = 10;

/// Per sector: the city-level industry party committee (if any) and the city department.
const SECTORS: [(Option<&str>, &str); 11] = [
    (Some("阳泉市教育系统社会组织行业党委"), "阳泉市教育局"),
    (
        Some("阳泉市卫生健康系统社会组织行业党委"),
        "阳泉市卫生健康委员会",
    ),
    (
        Some("阳泉市文化旅游系统社会组织行业党委"),
        "阳泉市文化和旅游局",
    ),
    (Some("阳泉市体育系统社会组织行业党委"), "阳泉市体育局"),
    (Some("阳泉市科技社团行业党委"), "阳泉市科学技术协会"),
    (Some("阳泉市行业协会商会党委"), "阳泉市商务局"),
    (None, "阳泉市民政局"),
    (None, "阳泉市人力资源和社会保障局"),
    (Some(LAW_COMMITTEE), "阳泉市司法局"),
    (None, "阳泉市农业农村局"),
    (None, "阳泉市住房和城乡建设局"),
];

/// The industry party committee that supervises the law firms.
pub(super) const LAW_COMMITTEE: &str = "阳泉市律师行业党委";

/// County-level departments: (region index, sector, name).
const COUNTY_DEPARTMENTS: [(usize, u8, &str); 7] = [
    (1, EDU, "城区教育局"),
    (3, EDU, "郊区教育局"),
    (4, EDU, "平定县教育局"),
    (5, EDU, "盂县教育局"),
    (2, CIVIL, "矿区民政局"),
    (5, CIVIL, "盂县民政局"),
    (6, CIVIL, "阳泉经济开发区社会事务局"),
];

/// Member units (委员单位) that send instructors besides the departments.
pub(super) const MEMBER_UNITS: [&str; 10] = [
    "中共阳泉市委组织部",
    "中共阳泉市委宣传部",
    "阳泉市总工会",
    "共青团阳泉市委",
    "阳泉市妇女联合会",
    "阳泉市残疾人联合会",
    "阳泉市文学艺术界联合会",
    "阳泉市社会科学界联合会",
    "阳泉市市场监督管理局",
    "阳泉市财政局",
];

/// The committee of each region (index as in [`super::DEMO_REGIONS`]): 区域兜底.
pub(super) const COMMITTEES: [&str; 7] = [
    "阳泉市社会组织党委",
    "城区非公有制经济组织和社会组织工作委员会",
    "矿区非公有制经济组织和社会组织工作委员会",
    "郊区非公有制经济组织和社会组织工作委员会",
    "平定县非公有制经济组织和社会组织工作委员会",
    "盂县非公有制经济组织和社会组织工作委员会",
    "阳泉经济开发区非公有制经济组织和社会组织工作委员会",
];

/// All units, with `regions` the parsed codes of [`super::DEMO_REGIONS`] in order.
pub(super) fn units(regions: &[RegionCode]) -> Vec<UnitRecord> {
    let unit = |name: &str, kind: UnitKind, region: usize| UnitRecord {
        name: name.to_string(),
        kind,
        region: regions[region].clone(),
        carries_party_building: kind.carries_party_building_by_default(),
    };
    let mut out = vec![unit(COMMITTEES[0], UnitKind::CityCommittee, 0)];
    for (i, name) in COMMITTEES.iter().enumerate().skip(1) {
        out.push(unit(name, UnitKind::CountyCommittee, i));
    }
    for (committee, _) in SECTORS {
        if let Some(name) = committee {
            out.push(unit(name, UnitKind::IndustryCommittee, 0));
        }
    }
    for (_, department) in SECTORS {
        out.push(unit(department, UnitKind::Department, 0));
    }
    for (region, _, name) in COUNTY_DEPARTMENTS {
        out.push(unit(name, UnitKind::Department, region));
    }
    for name in MEMBER_UNITS {
        out.push(unit(name, UnitKind::MemberUnit, 0));
    }
    out
}

/// Names of the units that send instructors: member units first, then departments.
pub(super) fn home_units() -> Vec<&'static str> {
    let mut v: Vec<&str> = MEMBER_UNITS.to_vec();
    v.extend(SECTORS.iter().map(|s| s.1));
    v.extend(COUNTY_DEPARTMENTS.iter().map(|d| d.2));
    v
}

/// Chooses the supervising unit of a supervised org; returns its name and whether it carries
/// party-building responsibility (an industry committee), which makes it the responsible unit.
pub(super) fn supervisor(rng: &mut ChaCha8Rng, region: usize, sector: u8) -> (&'static str, bool) {
    let (committee, department) = SECTORS[usize::from(sector).min(SECTORS.len() - 1)];
    if sector == LAW {
        return (LAW_COMMITTEE, true);
    }
    if region != 0
        && let Some(d) = COUNTY_DEPARTMENTS
            .iter()
            .find(|d| d.0 == region && d.1 == sector)
        && rng.random_bool(0.8)
    {
        return (d.2, false);
    }
    let p_committee = if region == 0 { 0.5 } else { 0.3 };
    match committee {
        Some(c) if rng.random_bool(p_committee) => (c, true),
        _ => (department, false),
    }
}
