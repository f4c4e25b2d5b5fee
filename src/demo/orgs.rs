//! The social organizations: kind, region, registration and termination, name, credit code,
//! supervising unit and the counts of the latest return.

use std::collections::HashMap;

use chrono::Datelike;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::names::{self, zh_num};
use super::sectors::{self, COMMITTEES};
use super::{date, day};
use crate::domain::codes::{CreditCode, RegionCode};
use crate::domain::dataset::OrgRecord;
use crate::domain::model::{OrgKind, OrgStatus};

/// What the later stages need to know about an org, in plain numbers (days from CE).
pub(super) struct Meta {
    pub region: usize,
    pub sector: u8,
    pub reg: i32,
    pub term: Option<i32>,
    /// Terminated in the dormant cleanup of 2019–2022: mostly never covered.
    pub zombie: bool,
    pub formal: i64,
    /// Formal plus probationary members on staff.
    pub members: i64,
    /// The responsible unit (党建工作责任单位): parent of the org's own party organization.
    pub responsible: &'static str,
}

/// Region weights, by index of [`super::DEMO_REGIONS`]: 市本级 ~25%, 城区 and 郊区 biggest.
const REGION_WEIGHTS: [u32; 7] = [25, 22, 11, 18, 11, 10, 3];

/// Third character of the organization code, then five digits: 100 000 codes per letter.
const SERIES: &[u8] = b"YXWUTRQPNMLKHGFEDCBA";

fn weighted(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (i, &w) in weights.iter().enumerate() {
        if roll < w {
            return i;
        }
        roll -= w;
    }
    0
}

fn draw_kind(rng: &mut ChaCha8Rng) -> OrgKind {
    match rng.random_range(0..100u32) {
        0..42 => OrgKind::Association,
        42..97 => OrgKind::ServiceInstitution,
        97 => OrgKind::Foundation,
        98 => OrgKind::LawFirm,
        _ => OrgKind::Other,
    }
}

/// Registration weight of a year: more registrations in recent years, fewer since 2023.
fn year_weight(y: i32) -> u32 {
    match y {
        ..=2004 => 2,
        2005..=2011 => 4,
        2012..=2015 => 8,
        2016..=2020 => 12,
        2021..=2022 => 10,
        2023..=2024 => 8,
        _ => 6,
    }
}

fn registration_day(rng: &mut ChaCha8Rng, today: i32, years: &[i32], weights: &[u32]) -> i32 {
    let y = years[weighted(rng, weights)];
    let start = day(y, 1, 1);
    let end = day(y + 1, 1, 1).min(today);
    start + rng.random_range(0..(end - start).max(1))
}

/// The 9-character organization code (GB 11714): `MJ`, a series letter, five digits and the
/// inner check character.
fn push_org_code(body: &mut String, seq: u32) {
    let mut code = String::with_capacity(9);
    code.push_str("MJ");
    code.push(char::from(SERIES[(seq / 100_000) as usize % SERIES.len()]));
    let digits = seq % 100_000;
    for p in [10_000, 1_000, 100, 10, 1] {
        code.push(char::from(b'0' + (digits / p % 10) as u8));
    }
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = code
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(36).unwrap_or(0) * w)
        .sum();
    code.push(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    });
    body.push_str(&code);
}

fn category(kind: OrgKind) -> (usize, &'static str) {
    match kind {
        OrgKind::Association => (0, "51"),
        OrgKind::ServiceInstitution => (1, "52"),
        OrgKind::Foundation => (2, "53"),
        OrgKind::LawFirm => (3, "31"),
        OrgKind::Other => (4, "59"),
    }
}

/// Generates `n` orgs, sorted by registration date, with their meta.
pub(super) fn generate(
    rng: &mut ChaCha8Rng,
    n: usize,
    today: i32,
    regions: &[RegionCode],
) -> (Vec<OrgRecord>, Vec<Meta>) {
    let years: Vec<i32> = (1995..=date(today).year().max(1995)).collect();
    let weights: Vec<u32> = years.iter().map(|&y| year_weight(y)).collect();
    // Skeletons first, so that codes are issued in registration order.
    let mut skel: Vec<(i32, OrgKind, usize)> = (0..n)
        .map(|_| {
            let kind = draw_kind(rng);
            let region = match kind {
                OrgKind::Foundation if rng.random_bool(0.8) => 0,
                OrgKind::LawFirm if rng.random_bool(0.6) => 0,
                _ => weighted(rng, &REGION_WEIGHTS),
            };
            (registration_day(rng, today, &years, &weights), kind, region)
        })
        .collect();
    let laws = skel.iter().filter(|s| s.1 == OrgKind::LawFirm).count();
    for s in skel.iter_mut().rev().take(2usize.saturating_sub(laws)) {
        s.1 = OrgKind::LawFirm;
    }
    skel.sort_by_key(|s| s.0);

    let mut seq = [[0u32; 7]; 5];
    let mut seen: HashMap<String, u32> = HashMap::new();
    let retries = if n <= 50_000 { 4 } else { 1 };
    let mut buf = String::new();
    let mut orgs = Vec::with_capacity(n);
    let mut meta = Vec::with_capacity(n);
    let (y2016, y2019, y2021, y2023) = (
        day(2016, 1, 1),
        day(2019, 1, 1),
        day(2021, 1, 1),
        day(2023, 1, 1),
    );
    for (reg, kind, region) in skel {
        // Name: redraw a few times before numbering a duplicate (once the names are used up,
        // in very large datasets, numbering at once).
        let mut drawn = names::org_base_name(rng, kind, region, &mut buf);
        for _ in 0..retries {
            if !seen.contains_key(buf.as_str()) {
                break;
            }
            drawn = names::org_base_name(rng, kind, region, &mut buf);
        }
        let name = match seen.get_mut(buf.as_str()) {
            None => {
                seen.insert(buf.clone(), 1);
                buf.clone()
            }
            Some(count) => {
                *count += 1;
                format!("{buf}（{}）", zh_num(*count))
            }
        };

        let (cat_idx, cat) = category(kind);
        let s = &mut seq[cat_idx][region];
        *s += 1;
        let mut body = String::with_capacity(18);
        body.push_str(cat);
        body.push_str(regions[region].as_str());
        push_org_code(&mut body, *s);
        let Ok(credit_code) = CreditCode::from_body(&body) else {
            continue;
        };

        let p_direct = match (reg >= y2016, drawn.direct_ok) {
            _ if kind == OrgKind::LawFirm => 0.0,
            (true, true) => 0.8,
            (true, false) => 0.3,
            (false, true) => 0.15,
            (false, false) => 0.05,
        };
        let (supervising_unit, responsible) = if rng.random_bool(p_direct) {
            (None, COMMITTEES[region])
        } else {
            let (unit, carries) = sectors::supervisor(rng, region, drawn.sector);
            (
                Some(unit.to_string()),
                if carries { unit } else { COMMITTEES[region] },
            )
        };

        let (status, term) = status_and_termination(rng, reg, today);
        let zombie = term.is_some_and(|t| (y2019..y2023).contains(&t));
        let formal = formal_members(rng, kind);
        let probationary = match rng.random_range(0..10u32) {
            0..7 => 0,
            7..9 => 1,
            _ => 2,
        };
        let mut staff = if rng.random_bool(0.05) {
            rng.random_range(41..=300)
        } else {
            rng.random_range(3..=40)
        };
        staff = staff.max(formal + probationary + rng.random_range(0..6));
        let member_count = (kind == OrgKind::Association).then(|| rng.random_range(30..=800));
        let flag = |rng: &mut ChaCha8Rng, yes: f64| {
            let r: f64 = rng.random();
            if r < yes {
                Some(true)
            } else if r < yes + (1.0 - yes) * 0.7 {
                Some(false)
            } else {
                None
            }
        };
        let charter_party_building = flag(rng, if reg >= y2021 { 0.97 } else { 0.88 });
        let charter_core_values = flag(rng, 0.85);
        let reported = match term {
            Some(t) => t - rng.random_range(30..400),
            None => today - rng.random_range(20..300),
        };
        let counts_on = Some(date(reported.max(reg)));

        orgs.push(OrgRecord {
            credit_code,
            name,
            kind,
            region: regions[region].clone(),
            supervising_unit,
            registered_on: date(reg),
            status,
            terminated_on: term.map(date),
            address: Some(names::address(rng, region)),
            legal_representative: Some(names::person_name(rng)),
            staff_count: Some(staff),
            member_count,
            formal_members: formal,
            probationary_members: Some(probationary),
            charter_party_building,
            charter_core_values,
            counts_on,
        });
        meta.push(Meta {
            region,
            sector: drawn.sector,
            reg,
            term,
            zombie,
            formal,
            members: formal + probationary,
            responsible,
        });
    }
    (orgs, meta)
}

/// ~2% abnormal; ~4% deregistered or revoked, most in the dormant cleanup of 2019–2022.
fn status_and_termination(rng: &mut ChaCha8Rng, reg: i32, today: i32) -> (OrgStatus, Option<i32>) {
    let roll = rng.random_range(0..1000u32);
    if roll < 40 && reg + 400 < today {
        let r = rng.random_range(0..100u32);
        let (lo, hi) = match r {
            0..55 => (day(2021, 1, 1), day(2023, 1, 1)),
            55..75 => (day(2019, 1, 1), day(2021, 1, 1)),
            _ => (reg + 365, today),
        };
        let lo = lo.max(reg + 365);
        let hi = hi.min(today);
        if lo < hi {
            let t = rng.random_range(lo..hi);
            let status = if rng.random_bool(0.75) {
                OrgStatus::Deregistered
            } else {
                OrgStatus::Revoked
            };
            return (status, Some(t));
        }
    }
    if roll >= 980 {
        return (OrgStatus::Abnormal, None);
    }
    (OrgStatus::Normal, None)
}

/// ~35% none, ~35% one or two, ~30% three or more (a few 20–80); law firms have more.
fn formal_members(rng: &mut ChaCha8Rng, kind: OrgKind) -> i64 {
    let r: f64 = rng.random();
    let (none, few) = if kind == OrgKind::LawFirm {
        (0.15, 0.4)
    } else {
        (0.35, 0.70)
    };
    if r < none {
        0
    } else if r < few {
        rng.random_range(1..=2)
    } else if rng.random_bool(0.05) {
        rng.random_range(20..=80)
    } else {
        let x: f64 = rng.random();
        3 + (x * x * 12.0) as i64
    }
}
