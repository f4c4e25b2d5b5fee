//! People: unique citizen IDs, positions in orgs and party orgs, and the instructors with their
//! stations.

use chrono::Datelike;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::names::{person_name, pick, push_number, word};
use super::orgs::Meta;
use super::sectors::home_units;
use super::{date, day};
use crate::domain::codes::{CitizenId, Phone};
use crate::domain::dataset::{
    InstructorRecord, OrgRecord, PositionRecord, PositionTarget, StationRecord,
};
use crate::domain::model::StationRole;

/// Birth dates run over 1965-01-01 .. 1995-12-31.
const BIRTH_SPAN: u64 = 11_322;
const ID_AREAS: [&str; 5] = ["140302", "140303", "140311", "140321", "140322"];

/// Makes people with citizen IDs unique by construction and collects their positions.
pub(super) struct People {
    next: u64,
    pub positions: Vec<PositionRecord>,
}

impl People {
    pub fn new() -> Self {
        People {
            next: 0,
            positions: Vec::new(),
        }
    }

    /// A new citizen ID: person number `p` maps one-to-one onto (birth date, sequence) for the
    /// first 11 million people, so no two people share an ID.
    pub fn new_id(&mut self, rng: &mut ChaCha8Rng) -> Option<CitizenId> {
        let p = self.next;
        self.next += 1;
        let seq = p % 1000;
        let birth = day(1965, 1, 1) + ((p / 1000 + seq * 37) % BIRTH_SPAN) as i32;
        let mut s = String::with_capacity(18);
        s.push_str(word(rng, &ID_AREAS));
        let birth = date(birth);
        push_number(&mut s, birth.year().unsigned_abs());
        for part in [birth.month(), birth.day()] {
            s.push(char::from(b'0' + (part / 10) as u8));
            s.push(char::from(b'0' + (part % 10) as u8));
        }
        for d in [seq / 100, seq / 10 % 10, seq % 10] {
            s.push(char::from(b'0' + d as u8));
        }
        const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = s
            .chars()
            .zip(W)
            .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
            .sum();
        s.push(char::from(b"10X98765432"[(sum % 11) as usize]));
        CitizenId::parse(&s).ok()
    }

    /// A new person: name and citizen ID.
    pub fn person(&mut self, rng: &mut ChaCha8Rng) -> (String, Option<CitizenId>) {
        (person_name(rng), self.new_id(rng))
    }

    /// Records a position `[from, to)`.
    #[allow(clippy::too_many_arguments)]
    pub fn hold(
        &mut self,
        name: &str,
        id: &Option<CitizenId>,
        target: PositionTarget,
        title: &str,
        from: i32,
        to: Option<i32>,
        party: bool,
    ) {
        if to.is_some_and(|t| t <= from) {
            return;
        }
        self.positions.push(PositionRecord {
            name: name.to_string(),
            citizen_id: id.clone(),
            is_party_member: party.then_some(true),
            target,
            title: title.to_string(),
            from: date(from),
            to: to.map(date),
        });
    }
}

fn phone(rng: &mut ChaCha8Rng) -> Option<Phone> {
    let mut s = String::with_capacity(11);
    s.push('1');
    s.push(*pick(rng, &['3', '5', '7', '8', '9']));
    let rest: u32 = rng.random_range(0..1_000_000_000);
    let mut digits = String::new();
    push_number(&mut digits, rest);
    for _ in digits.len()..9 {
        s.push('0');
    }
    s.push_str(&digits);
    Phone::parse(&s).ok()
}

/// Stations: most orgs not covered by 2019 get an instructor or liaison (from 2019, or soon after
/// registration), plus covered orgs up to ~0.6 stations per org; grouped 1–6 per instructor.
pub(super) fn instructors(
    rng: &mut ChaCha8Rng,
    orgs: &[OrgRecord],
    meta: &[Meta],
    cov: &[Option<i32>],
    today: i32,
    people: &mut People,
) -> Vec<InstructorRecord> {
    let (y2019, y2021_end, y2025) = (day(2019, 1, 1), day(2021, 10, 1), day(2025, 1, 1));
    let mut stationed = vec![false; orgs.len()];
    // (region, from, org, to)
    let mut stations: Vec<(usize, i32, usize, Option<i32>)> = Vec::new();
    let place = |rng: &mut ChaCha8Rng, i: usize, from: i32, stations: &mut Vec<_>| {
        let m = &meta[i];
        if from > today || m.term.is_some_and(|t| from >= t) {
            return false;
        }
        let mut to = match cov[i] {
            Some(c) if rng.random_bool(0.25) => Some(c.max(from) + rng.random_range(30..400)),
            _ => None,
        }
        .filter(|&t| t < today);
        if let Some(t) = m.term {
            to = Some(to.map_or(t, |x| x.min(t)));
        }
        stations.push((m.region, from, i, to));
        true
    };
    for (i, m) in meta.iter().enumerate() {
        let needs = cov[i].is_none_or(|c| c > y2019);
        if !needs || !rng.random_bool(0.97) {
            continue;
        }
        let from = if m.reg >= y2019 {
            m.reg + rng.random_range(7..60)
        } else {
            rng.random_range(y2019..y2021_end)
        };
        if cov[i].is_some_and(|c| from >= c) {
            continue;
        }
        stationed[i] = place(rng, i, from, &mut stations);
    }
    let target = orgs.len() * 3 / 5;
    let mut attempts = 3 * target.saturating_sub(stations.len());
    while stations.len() < target && attempts > 0 && !orgs.is_empty() {
        attempts -= 1;
        let i = rng.random_range(0..orgs.len());
        if stationed[i] || cov[i].is_none() {
            continue;
        }
        let from = rng
            .random_range(y2019..y2025.min(today).max(y2019 + 1))
            .max(meta[i].reg + 30);
        stationed[i] = place(rng, i, from, &mut stations);
    }
    stations.sort_unstable_by_key(|s| (s.0, s.1, s.2));

    let units = home_units();
    let mut out = Vec::with_capacity(stations.len() / 3 + 1);
    let mut rest = &stations[..];
    while !rest.is_empty() {
        let k = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6, 6][rng.random_range(0..16usize)];
        let (mine, next) = rest.split_at(k.min(rest.len()));
        rest = next;
        let (name, citizen_id) = people.person(rng);
        out.push(InstructorRecord {
            name,
            citizen_id,
            phone: if rng.random_bool(0.9) {
                phone(rng)
            } else {
                None
            },
            home_unit: pick(rng, &units).to_string(),
            role: if rng.random_bool(0.15) {
                StationRole::Liaison
            } else {
                StationRole::Instructor
            },
            stations: mine
                .iter()
                .map(|&(_, from, i, to)| StationRecord {
                    credit_code: orgs[i].credit_code.clone(),
                    from: date(from),
                    to: to.map(date),
                })
                .collect(),
            stations_exact: true,
        });
    }
    out
}
