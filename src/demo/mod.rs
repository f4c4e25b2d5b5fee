//! The demo city: a deterministic, plausible registry of Yangquan (阳泉市) — units, social
//! organizations, party organizations with coverage history since 2015, instructors and positions
//! — shaped after the source case (organizational coverage ~82% at the end of 2019, ~98% from the
//! end of 2022; `spec/domain.md` §1).
//!
//! [`generate`] is a pure function of its arguments: the same seed, count and date always give the
//! same [`Dataset`]; it reads no clock. It scales linearly (a million orgs in seconds); from
//! 100 000 orgs on, positions are generated for every tenth org only.

mod names;
mod orgs;
mod party;
mod people;
mod sectors;
#[cfg(test)]
mod tests;

use chrono::{Datelike, NaiveDate};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::domain::codes::RegionCode;
use crate::domain::dataset::Dataset;

/// A region of the demo city.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoRegion {
    /// GB/T 2260 code.
    pub code: &'static str,
    pub name: &'static str,
    /// Code of the parent region; `None` for the city.
    pub parent: Option<&'static str>,
}

/// The regions of the demo city as (code, name, parent code); the city first.
pub const DEMO_REGIONS: &[(&str, &str, Option<&str>)] = &[
    ("140300", "阳泉市", None),
    ("140302", "城区", Some("140300")),
    ("140303", "矿区", Some("140300")),
    ("140311", "郊区", Some("140300")),
    ("140321", "平定县", Some("140300")),
    ("140322", "盂县", Some("140300")),
    ("140371", "阳泉经济开发区", Some("140300")),
];

/// The same regions as [`DEMO_REGIONS`], as structs.
pub const REGIONS: &[DemoRegion] = &[
    DemoRegion {
        code: "140300",
        name: "阳泉市",
        parent: None,
    },
    DemoRegion {
        code: "140302",
        name: "城区",
        parent: Some("140300"),
    },
    DemoRegion {
        code: "140303",
        name: "矿区",
        parent: Some("140300"),
    },
    DemoRegion {
        code: "140311",
        name: "郊区",
        parent: Some("140300"),
    },
    DemoRegion {
        code: "140321",
        name: "平定县",
        parent: Some("140300"),
    },
    DemoRegion {
        code: "140322",
        name: "盂县",
        parent: Some("140300"),
    },
    DemoRegion {
        code: "140371",
        name: "阳泉经济开发区",
        parent: Some("140300"),
    },
];

/// The default seed of the demo data.
pub const DEFAULT_SEED: u64 = 20_211_231;

/// The default number of social organizations (the source city has about 700).
pub const DEFAULT_ORG_COUNT: usize = 700;

/// The demo's "today": 2026-11-28. Pass it (or any other date) to [`generate`].
/// The demo city's short names of its committees (the setting `display.short_names`):
/// 城区工委 for 城区非公有制经济组织和社会组织工作委员会, and so on.
pub fn short_names() -> String {
    sectors::COMMITTEES
        .iter()
        .filter_map(|full| {
            let place = full.strip_suffix("非公有制经济组织和社会组织工作委员会")?;
            let place = place.strip_prefix("阳泉").unwrap_or(place);
            Some(format!("{full}={place}工委"))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn demo_today() -> NaiveDate {
    date(day(2026, 11, 28))
}

/// Generates the demo registry: `org_count` social orgs of Yangquan with everything around them,
/// as of `today` (nothing is registered, founded or stationed after it).
///
/// Deterministic for `(seed, org_count, today)`. Organizational coverage of the result is about
/// 65% at 2016-12-31, 82% at 2019-12-31, 98% at 2022-12-31 and 97–99% after.
pub fn generate(seed: u64, org_count: usize, today: NaiveDate) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let regions: Vec<RegionCode> = DEMO_REGIONS
        .iter()
        .filter_map(|r| RegionCode::parse(r.0).ok())
        .collect();
    if regions.len() != DEMO_REGIONS.len() {
        return Dataset::default();
    }
    let today = today.num_days_from_ce();
    let (orgs, meta) = orgs::generate(&mut rng, org_count, today, &regions);
    let cov = party::coverage_starts(&mut rng, &meta, today);
    let mut people = people::People::new();
    let party_orgs = party::party_orgs(&mut rng, &orgs, &meta, &cov, today, &mut people);
    let instructors = people::instructors(&mut rng, &orgs, &meta, &cov, today, &mut people);
    Dataset {
        units: sectors::units(&regions),
        orgs,
        party_orgs,
        instructors,
        positions: people.positions,
        campaigns: Vec::new(),
        census: Vec::new(),
        party_links: Vec::new(),
        instructor_stations: Vec::new(),
    }
}

/// Day number (days from CE) of a calendar date; 0 for an impossible one.
fn day(y: i32, m: u32, d: u32) -> i32 {
    NaiveDate::from_ymd_opt(y, m, d).map_or(0, |x| x.num_days_from_ce())
}

/// The calendar date of a day number.
fn date(n: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(n).unwrap_or_default()
}
