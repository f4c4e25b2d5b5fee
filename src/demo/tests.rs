#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::*;
use crate::domain::codes::CreditCode;
use crate::domain::dataset::{OrgRecord, PositionTarget};
use crate::domain::model::{
    Formation, HEAD_TITLE, ORG_TITLES, OrgKind, OrgStatus, PARTY_TITLES, PartyOrgKind,
    SECRETARY_TITLE, is_management_title,
};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn active(from: NaiveDate, to: Option<NaiveDate>, at: NaiveDate) -> bool {
    from <= at && to.is_none_or(|t| at < t)
}

fn in_scope(o: &OrgRecord, at: NaiveDate) -> bool {
    o.registered_on <= at && o.terminated_on.is_none_or(|t| at < t)
}

/// Orgs covered at `at` → names of the party orgs covering them (statistics.md §2).
fn covering(ds: &Dataset, at: NaiveDate) -> HashMap<&CreditCode, Vec<&str>> {
    let mut m: HashMap<&CreditCode, Vec<&str>> = HashMap::new();
    for p in &ds.party_orgs {
        if !active(p.founded_on, p.dissolved_on, at) {
            continue;
        }
        for c in &p.covers {
            if active(c.from, c.to.or(p.dissolved_on), at) {
                m.entry(&c.credit_code).or_default().push(&p.name);
            }
        }
    }
    m
}

struct Rates {
    covered: f64,
    work: f64,
    own: f64,
}

fn rates(ds: &Dataset, at: NaiveDate) -> Rates {
    let cov = covering(ds, at);
    let own: HashSet<&str> = ds
        .party_orgs
        .iter()
        .filter(|p| p.formation == Formation::Own)
        .map(|p| p.name.as_str())
        .collect();
    let stationed: HashSet<&CreditCode> = ds
        .instructors
        .iter()
        .flat_map(|i| &i.stations)
        .filter(|s| active(s.from, s.to, at))
        .map(|s| &s.credit_code)
        .collect();
    let scope: Vec<&OrgRecord> = ds.orgs.iter().filter(|o| in_scope(o, at)).collect();
    let n = scope.len() as f64;
    let count = |f: &dyn Fn(&&OrgRecord) -> bool| scope.iter().filter(|o| f(o)).count() as f64;
    Rates {
        covered: count(&|o| cov.contains_key(&o.credit_code)) / n * 100.0,
        work: count(&|o| cov.contains_key(&o.credit_code) || stationed.contains(&o.credit_code))
            / n
            * 100.0,
        own: count(&|o| {
            cov.get(&o.credit_code)
                .is_some_and(|ps| ps.iter().any(|p| own.contains(p)))
        }) / n
            * 100.0,
    }
}

/// Two-way entry and head-is-secretary rates over covered orgs (statistics.md §4), by citizen ID.
fn cross(ds: &Dataset, at: NaiveDate) -> (f64, f64) {
    let cov = covering(ds, at);
    let mut org_pos: HashMap<&CreditCode, Vec<(&str, &str)>> = HashMap::new();
    let mut party_pos: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for p in ds.positions.iter().filter(|p| active(p.from, p.to, at)) {
        let Some(id) = &p.citizen_id else { continue };
        match &p.target {
            PositionTarget::Org(c) => org_pos.entry(c).or_default(),
            PositionTarget::PartyOrg(n) => party_pos.entry(n).or_default(),
        }
        .push((id.as_str(), p.title.as_str()));
    }
    let (mut two_way, mut head_sec) = (0, 0);
    for (code, parties) in &cov {
        let org = org_pos.get(code).map(Vec::as_slice).unwrap_or_default();
        let party: Vec<&(&str, &str)> = parties
            .iter()
            .flat_map(|n| party_pos.get(n).map(Vec::as_slice).unwrap_or_default())
            .collect();
        let managers: HashSet<&str> = org
            .iter()
            .filter(|p| is_management_title(p.1))
            .map(|p| p.0)
            .collect();
        if party.iter().any(|p| managers.contains(p.0)) {
            two_way += 1;
        }
        let heads: HashSet<&str> = org
            .iter()
            .filter(|p| p.1 == HEAD_TITLE)
            .map(|p| p.0)
            .collect();
        if party
            .iter()
            .any(|p| p.1 == SECRETARY_TITLE && heads.contains(p.0))
        {
            head_sec += 1;
        }
    }
    let n = cov.len() as f64;
    (two_way as f64 / n * 100.0, head_sec as f64 / n * 100.0)
}

#[test]
fn same_seed_same_data_other_seed_other_data() {
    let a = generate(7, 300, demo_today());
    assert_eq!(a, generate(7, 300, demo_today()));
    assert_ne!(a, generate(8, 300, demo_today()));
}

#[test]
fn records_are_consistent() {
    let today = demo_today();
    let ds = generate(DEFAULT_SEED, DEFAULT_ORG_COUNT, today);
    assert_eq!(ds.orgs.len(), DEFAULT_ORG_COUNT);
    let units: HashSet<&str> = ds.units.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(units.len(), ds.units.len());

    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    for o in &ds.orgs {
        assert!(
            codes.insert(&o.credit_code),
            "duplicate code {}",
            o.credit_code
        );
        assert!(names.insert(o.name.as_str()), "duplicate name {}", o.name);
        let again = CreditCode::parse(o.credit_code.as_str()).unwrap();
        assert_eq!(again, o.credit_code);
        assert!(o.credit_code.inner_check_ok(), "{}", o.credit_code);
        assert_eq!(o.credit_code.area_code(), o.region.as_str());
        assert_eq!(o.credit_code.category().org_kind(), Some(o.kind));
        assert!(o.registered_on < today);
        assert_eq!(o.status.is_terminated(), o.terminated_on.is_some());
        if let Some(t) = o.terminated_on {
            assert!(o.registered_on < t && t < today);
        }
        if let Some(u) = &o.supervising_unit {
            assert!(units.contains(u.as_str()), "unknown unit {u}");
        }
        if o.kind == OrgKind::LawFirm {
            assert_eq!(o.supervising_unit.as_deref(), Some("阳泉市律师行业党委"));
        }
    }
    let laws = ds
        .orgs
        .iter()
        .filter(|o| o.kind == OrgKind::LawFirm)
        .count();
    assert!(laws >= 2);
    let direct = ds
        .orgs
        .iter()
        .filter(|o| o.supervising_unit.is_none())
        .count();
    let terminated = ds.orgs.iter().filter(|o| o.status.is_terminated()).count();
    let abnormal = ds
        .orgs
        .iter()
        .filter(|o| o.status == OrgStatus::Abnormal)
        .count();
    let new = ds
        .orgs
        .iter()
        .filter(|o| o.registered_on >= d("2025-01-01"))
        .count();
    println!("direct {direct}, terminated {terminated}, abnormal {abnormal}, new {new}");
    assert!((200..=360).contains(&direct));
    assert!((10..=50).contains(&terminated) && abnormal >= 3 && new >= 10);

    let orgs: HashMap<&CreditCode, &OrgRecord> =
        ds.orgs.iter().map(|o| (&o.credit_code, o)).collect();
    let mut party_names = HashSet::new();
    let (mut oversized, mut overfull, mut dissolved) = (0, 0, 0);
    for p in &ds.party_orgs {
        assert!(party_names.insert(p.name.as_str()), "duplicate {}", p.name);
        assert!(units.contains(p.parent.as_deref().unwrap()));
        assert!(p.founded_on >= d("2015-01-01") && p.founded_on <= today);
        if let Some(x) = p.dissolved_on {
            assert!(x > p.founded_on);
            dissolved += 1;
        }
        for c in &p.covers {
            let o = orgs[&c.credit_code];
            assert!(
                c.from >= o.registered_on && c.from >= p.founded_on,
                "{}",
                p.name
            );
            assert!(c.to.is_none_or(|t| t > c.from));
            assert!(o.terminated_on.is_none_or(|t| c.from < t));
        }
        match p.formation {
            Formation::Own => {
                assert_eq!(p.covers.len(), 1);
                assert!(p.name.starts_with(&orgs[&p.covers[0].credit_code].name));
            }
            Formation::Joint => {
                assert_eq!(p.kind, PartyOrgKind::JointBranch);
                let now = p
                    .covers
                    .iter()
                    .filter(|c| active(c.from, c.to, today))
                    .count();
                if p.dissolved_on.is_none() && now > 5 {
                    oversized += 1;
                }
            }
        }
        if p.member_count.unwrap() > 50
            && p.dissolved_on.is_none()
            && matches!(p.kind, PartyOrgKind::Branch | PartyOrgKind::JointBranch)
        {
            overfull += 1;
        }
    }
    println!("oversized {oversized}, overfull {overfull}, dissolved {dissolved}");
    assert!(oversized >= 3 && overfull >= 1 && dissolved >= 3);

    let mut stationed = 0;
    for i in &ds.instructors {
        assert!(units.contains(i.home_unit.as_str()));
        assert!((1..=6).contains(&i.stations.len()));
        for s in &i.stations {
            let o = orgs[&s.credit_code];
            assert!(s.from >= o.registered_on && s.from <= today);
            assert!(s.to.is_none_or(|t| t > s.from));
            stationed += 1;
        }
    }
    println!("instructors {}, stations {stationed}", ds.instructors.len());
    assert!((100..=170).contains(&ds.instructors.len()));

    for p in &ds.positions {
        assert!(p.to.is_none_or(|t| t > p.from));
        match &p.target {
            PositionTarget::Org(c) => {
                assert!(orgs.contains_key(c));
                assert!(ORG_TITLES.contains(&p.title.as_str()));
            }
            PositionTarget::PartyOrg(n) => {
                assert!(party_names.contains(n.as_str()));
                assert!(PARTY_TITLES.contains(&p.title.as_str()));
            }
        }
    }
    // One citizen ID, one name.
    let mut who: HashMap<&str, &str> = HashMap::new();
    for (id, name) in ds
        .positions
        .iter()
        .filter_map(|p| Some((p.citizen_id.as_ref()?.as_str(), p.name.as_str())))
        .chain(
            ds.instructors
                .iter()
                .filter_map(|i| Some((i.citizen_id.as_ref()?.as_str(), i.name.as_str()))),
        )
    {
        assert_eq!(*who.entry(id).or_insert(name), name);
    }
}

#[test]
fn coverage_follows_the_source_case() {
    let ds = generate(DEFAULT_SEED, DEFAULT_ORG_COUNT, demo_today());
    for at in [
        "2016-12-31",
        "2019-12-31",
        "2021-12-31",
        "2022-12-31",
        "2026-11-28",
    ] {
        let r = rates(&ds, d(at));
        let (two_way, head_sec) = cross(&ds, d(at));
        println!(
            "{at}: covered {:.1}%, work {:.1}%, own {:.1}%, two-way {two_way:.1}%, head=secretary {head_sec:.1}%",
            r.covered, r.work, r.own
        );
    }
    let r2016 = rates(&ds, d("2016-12-31")).covered;
    let r2019 = rates(&ds, d("2019-12-31")).covered;
    let r2022 = rates(&ds, d("2022-12-31"));
    let now = rates(&ds, demo_today());
    assert!((60.0..=70.0).contains(&r2016), "2016: {r2016}");
    assert!((79.0..=85.0).contains(&r2019), "2019: {r2019}");
    assert!(
        (96.0..=99.5).contains(&r2022.covered),
        "2022: {}",
        r2022.covered
    );
    assert!(r2022.work >= 98.0, "work 2022: {}", r2022.work);
    assert!(
        (96.5..=99.5).contains(&now.covered),
        "today: {}",
        now.covered
    );
    let (two_way, head_sec) = cross(&ds, demo_today());
    assert!((60.0..=80.0).contains(&two_way), "two-way {two_way}");
    assert!(
        (32.0..=48.0).contains(&head_sec),
        "head is secretary {head_sec}"
    );
}

#[test]
fn coverage_holds_for_other_seeds() {
    for seed in [1, 2, 3] {
        let ds = generate(seed, 2_000, demo_today());
        let r2019 = rates(&ds, d("2019-12-31")).covered;
        let r2022 = rates(&ds, d("2022-12-31")).covered;
        println!("seed {seed}: 2019 {r2019:.1}%, 2022 {r2022:.1}%");
        assert!((78.0..=86.0).contains(&r2019) && (96.0..=99.5).contains(&r2022));
    }
}

#[test]
fn twenty_thousand_orgs() {
    let start = std::time::Instant::now();
    let ds = generate(42, 20_000, demo_today());
    println!("20 000 orgs in {:?}", start.elapsed());
    assert_eq!(ds.orgs.len(), 20_000);
    let names: HashSet<&str> = ds.orgs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names.len(), 20_000);
    let parties: HashSet<&str> = ds.party_orgs.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(parties.len(), ds.party_orgs.len());
    let r = rates(&ds, d("2022-12-31")).covered;
    assert!((96.0..=99.5).contains(&r), "{r}");
}

#[test]
fn an_earlier_today_bounds_every_date() {
    let today = d("2020-06-30");
    let ds = generate(9, 1_000, today);
    assert!(ds.orgs.iter().all(|o| o.registered_on < today));
    for p in &ds.party_orgs {
        assert!(p.founded_on <= today && p.dissolved_on.is_none_or(|x| x < today));
        assert!(p.covers.iter().all(|c| c.from <= today));
    }
    let stations = ds.instructors.iter().flat_map(|i| &i.stations);
    assert!(stations.clone().all(|s| s.from <= today));
    assert!(ds.positions.iter().all(|p| p.from <= today));
    let r = rates(&ds, today).covered;
    println!("coverage at {today}: {r:.1}%");
    assert!(r > 70.0, "{r}");
}

#[test]
fn tiny_counts_do_not_panic() {
    for n in [0, 1, 2, 5, 50] {
        let ds = generate(3, n, demo_today());
        assert_eq!(ds.orgs.len(), n);
    }
    assert_eq!(REGIONS.len(), DEMO_REGIONS.len());
    for (r, t) in REGIONS.iter().zip(DEMO_REGIONS) {
        assert_eq!((r.code, r.name, r.parent), *t);
    }
}

/// `cargo test --lib demo -- --ignored --nocapture`: the full scale (slow in a debug build).
#[test]
#[ignore]
fn a_million_orgs() {
    let start = std::time::Instant::now();
    let ds = generate(1, 1_000_000, demo_today());
    println!(
        "{} orgs, {} party orgs, {} instructors, {} positions in {:?}",
        ds.orgs.len(),
        ds.party_orgs.len(),
        ds.instructors.len(),
        ds.positions.len(),
        start.elapsed()
    );
    let codes: HashSet<&CreditCode> = ds.orgs.iter().map(|o| &o.credit_code).collect();
    let names: HashSet<&str> = ds.orgs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!((codes.len(), names.len()), (1_000_000, 1_000_000));
    let r = rates(&ds, d("2022-12-31")).covered;
    assert!((96.0..=99.5).contains(&r), "{r}");
}

#[test]
fn the_demo_names_its_county_committees_short() {
    let names =
        crate::domain::short_names::ShortNames::parse(&super::short_names()).expect("valid");
    // Six county committees (the city's committee is short already).
    assert_eq!(names.len(), 6);
    assert_eq!(
        names.show("城区非公有制经济组织和社会组织工作委员会"),
        "城区工委"
    );
    assert_eq!(
        names.show("阳泉经济开发区非公有制经济组织和社会组织工作委员会"),
        "经济开发区工委"
    );
    assert_eq!(names.show("阳泉市社会组织党委"), "阳泉市社会组织党委");
}
