//! Party organizations and their coverage links, designed so that organizational coverage follows
//! the source case: ~65% at the end of 2016, ~82% at the end of 2019, ~98% from the end of 2022.
//!
//! Each org draws a propensity `u`; it is covered from the date the city-wide curve [`CURVE`]
//! first exceeds `u` (or some months after its registration, whichever is later). Orgs with three
//! or more formal members mostly get their own branch; the others are grouped into joint
//! branches of 2–5 orgs of the same region, in order of coverage date, so that later orgs join
//! existing branches. A few joint branches are oversized (6–9 orgs), a few were split in 2021.

use rand::Rng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand_chacha::ChaCha8Rng;

use super::names::{SHORT, zh_num};
use super::orgs::Meta;
use super::people::People;
use super::sectors::COMMITTEES;
use super::{date, day};
use crate::domain::codes::CitizenId;
use crate::domain::dataset::{CoverageRecord, OrgRecord, PartyOrgRecord, PositionTarget};
use crate::domain::model::{Formation, HEAD_TITLE, PartyOrgKind};

/// Share of orgs covered (by propensity), piecewise linear between the points.
const CURVE: [((i32, u32, u32), f64); 12] = [
    ((2015, 1, 1), 0.0),
    ((2015, 12, 31), 0.42),
    ((2016, 12, 31), 0.70),
    ((2017, 12, 31), 0.77),
    ((2018, 12, 31), 0.83),
    ((2019, 12, 31), 0.875),
    ((2020, 12, 31), 0.885),
    ((2021, 6, 30), 0.915),
    ((2021, 12, 31), 0.955),
    ((2022, 6, 30), 0.98),
    ((2022, 12, 31), 0.993),
    ((2026, 12, 31), 0.996),
];

/// The first day on which the curve reaches `u`; `None` if it never does.
fn curve_day(u: f64) -> Option<i32> {
    CURVE.windows(2).find_map(|w| {
        let ((a, fa), (b, fb)) = (w[0], w[1]);
        (u < fb).then(|| {
            let (da, db) = (day(a.0, a.1, a.2), day(b.0, b.1, b.2));
            da + (((u - fa).max(0.0) / (fb - fa)) * f64::from(db - da)) as i32
        })
    })
}

/// Sector names for industry joint branches, by sector index (see `sectors`).
const SECTOR_LABELS: [&str; 11] = [
    "教育培训",
    "医疗卫生",
    "文化艺术",
    "体育健身",
    "科技",
    "商贸流通",
    "社会服务",
    "职业培训",
    "法律服务",
    "农业",
    "建筑房产",
];

/// How an org is covered.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    None,
    Joint,
    Own,
    /// Joint first, then its own branch from the given day.
    Switch(i32),
}

/// The coverage start of each org (`None`: not covered by `today`).
pub(super) fn coverage_starts(rng: &mut ChaCha8Rng, meta: &[Meta], today: i32) -> Vec<Option<i32>> {
    let (y2015, y2021) = (day(2015, 1, 1), day(2021, 1, 1));
    let mut cov: Vec<Option<i32>> = meta
        .iter()
        .map(|m| {
            if m.zombie && rng.random_bool(0.85) {
                return None;
            }
            let mut u: f64 = rng.random();
            if m.formal >= 3 {
                u *= 0.85;
            }
            let lag = match m.reg {
                r if r < y2015 => 0,
                r if r < y2021 => rng.random_range(60..600),
                // 审管衔接: since the 2021 campaign, party work follows registration quickly.
                _ => rng.random_range(10..100),
            };
            let c = curve_day(u)?.max(m.reg + lag);
            (c <= today && m.term.is_none_or(|t| c < t)).then_some(c)
        })
        .collect();
    // A few orgs with three or more members and no party organization (应建未建).
    let mut strong: Vec<usize> = (0..meta.len())
        .filter(|&i| meta[i].formal >= 3 && meta[i].term.is_none())
        .collect();
    strong.shuffle(rng);
    for &i in strong.iter().take((meta.len() / 300).max(2)) {
        cov[i] = None;
    }
    cov
}

/// Builds party orgs and their positions.
struct Builder<'a> {
    orgs: &'a [OrgRecord],
    meta: &'a [Meta],
    cov: &'a [Option<i32>],
    modes: Vec<Mode>,
    /// Head (主要负责人) of each org that has positions: citizen ID.
    heads: Vec<Option<CitizenId>>,
    today: i32,
    numbers: [u32; 7],
    industry_named: [[bool; 11]; 7],
    out: Vec<PartyOrgRecord>,
}

/// Generates the party orgs and all positions.
pub(super) fn party_orgs(
    rng: &mut ChaCha8Rng,
    orgs: &[OrgRecord],
    meta: &[Meta],
    cov: &[Option<i32>],
    today: i32,
    people: &mut People,
) -> Vec<PartyOrgRecord> {
    let n = orgs.len();
    let (y2020, y2021_6, y2023) = (day(2020, 1, 1), day(2021, 6, 30), day(2023, 1, 1));
    let modes: Vec<Mode> = (0..n)
        .map(|i| {
            let (m, Some(c)) = (&meta[i], cov[i]) else {
                return Mode::None;
            };
            if m.formal < 3 {
                return Mode::Joint;
            }
            match rng.random_range(0..100u32) {
                0..12 if m.formal < 20 => Mode::Joint,
                12..30 if c < y2021_6 && m.formal < 20 => {
                    let lo = (c + 200).max(y2020);
                    let s = if lo < y2023 {
                        rng.random_range(lo..y2023)
                    } else {
                        lo
                    };
                    let ok = s < today && m.term.is_none_or(|t| s < t);
                    if ok { Mode::Switch(s) } else { Mode::Own }
                }
                _ => Mode::Own,
            }
        })
        .collect();

    // Heads of covered orgs; for very large datasets only every tenth org carries positions.
    let sampled = |i: usize| n < 100_000 || i.is_multiple_of(10);
    let mut heads = vec![None; n];
    for i in (0..n).filter(|&i| sampled(i)) {
        let (Some(c), Some(name)) = (cov[i], orgs[i].legal_representative.as_deref()) else {
            continue;
        };
        let m = &meta[i];
        let from = if rng.random_bool(0.5) || c <= m.reg {
            m.reg
        } else {
            rng.random_range(m.reg..c)
        };
        let id = people.new_id(rng);
        let target = PositionTarget::Org(orgs[i].credit_code.clone());
        people.hold(name, &id, target, HEAD_TITLE, from, m.term, false);
        heads[i] = id;
    }

    let mut b = Builder {
        orgs,
        meta,
        cov,
        modes,
        heads,
        today,
        numbers: [0; 7],
        industry_named: [[false; 11]; 7],
        out: Vec::with_capacity(n / 2),
    };

    // Joint pools per region, in order of joining.
    let mut pools: Vec<Vec<usize>> = vec![Vec::new(); 7];
    for i in 0..n {
        if matches!(b.modes[i], Mode::Joint | Mode::Switch(_)) {
            pools[meta[i].region].push(i);
        }
    }
    for p in &mut pools {
        p.sort_by_key(|&i| (cov[i], i));
    }
    let mut used = vec![false; n];
    let specials = if n >= 300 { (n / 250).max(3) } else { n / 100 };
    let order = [1usize, 0, 3, 4, 5, 2];
    // Candidates for the special groups: plainly joint orgs that stay in scope.
    let cutoff = day(2019, 6, 30);
    let plain: Vec<Vec<usize>> = pools
        .iter()
        .map(|p| {
            p.iter()
                .copied()
                .filter(|&i| b.modes[i] == Mode::Joint && meta[i].term.is_none())
                .collect()
        })
        .collect();
    // Split in 2021 (整顿超大联合): 8–10 orgs covered before mid-2019.
    for g in 0..specials {
        let pool = &plain[order[g % order.len()]];
        let early = pool.partition_point(|&i| cov[i].is_some_and(|c| c < cutoff));
        let k = rng_size(rng, 8, 10);
        let group = take_group(rng, &pool[..early], &mut used, k);
        if group.len() >= 6 {
            b.split(rng, people, &group);
        }
    }
    // Still oversized today: 6–9 orgs.
    for g in 0..specials {
        let k = rng_size(rng, 6, 9);
        let group = take_group(rng, &plain[order[(g + 2) % order.len()]], &mut used, k);
        if !group.is_empty() {
            let links = b.links(&group, None, None);
            b.joint(rng, people, &group, &links, None);
        }
    }
    // Regular joint branches of 2–5 orgs.
    let first_regular = b.out.len();
    for pool in &pools {
        let rest: Vec<usize> = pool.iter().copied().filter(|&i| !used[i]).collect();
        let mut at = 0;
        while at < rest.len() {
            let left = rest.len() - at;
            let mut k = rng_size(rng, 2, 5);
            if left <= 5 {
                k = left;
            } else if left - k == 1 {
                k = if k < 5 { k + 1 } else { k - 1 };
            }
            let group = &rest[at..at + k];
            at += k;
            let links = b.links(group, None, None);
            b.joint(rng, people, group, &links, None);
        }
    }
    // One oversized branch by members (超员支部).
    if let Some(p) = b.out[first_regular..]
        .iter_mut()
        .find(|p| p.dissolved_on.is_none())
    {
        p.member_count = Some(51 + rng.random_range(0..8));
    }
    // Own branches.
    for (i, &c) in cov.iter().enumerate() {
        let start = match (b.modes[i], c) {
            (Mode::Own, Some(c)) => c,
            (Mode::Switch(s), _) => s,
            _ => continue,
        };
        b.own(rng, people, i, start);
    }
    let mut out = b.out;
    out.sort_by_key(|p| p.founded_on);
    out
}

fn rng_size(rng: &mut ChaCha8Rng, lo: usize, hi: usize) -> usize {
    rng.random_range(lo..=hi)
}

/// Up to `k` consecutive unused orgs of `eligible`, from a random start; marks them used.
fn take_group(rng: &mut ChaCha8Rng, eligible: &[usize], used: &mut [bool], k: usize) -> Vec<usize> {
    if eligible.len() < k {
        return Vec::new();
    }
    let start = rng.random_range(0..=eligible.len() - k);
    let group: Vec<usize> = eligible[start..]
        .iter()
        .copied()
        .filter(|&i| !used[i])
        .take(k)
        .collect();
    if group.len() < k {
        return Vec::new();
    }
    for &i in &group {
        used[i] = true;
    }
    group
}

/// A coverage link of a party org: org index, from, to.
type Link = (usize, i32, Option<i32>);

impl Builder<'_> {
    /// Links of `group` to a joint branch founded at `founded` (default: first member's start)
    /// and dissolved at `dissolved`; an org leaves when it gets its own branch or terminates.
    fn links(&self, group: &[usize], founded: Option<i32>, dissolved: Option<i32>) -> Vec<Link> {
        group
            .iter()
            .filter_map(|&i| {
                let c = self.cov[i]?;
                let from = founded.map_or(c, |f| f.max(c));
                let leave = match self.modes[i] {
                    Mode::Switch(s) => Some(s),
                    _ => None,
                };
                let to = [leave, self.meta[i].term, dissolved]
                    .into_iter()
                    .flatten()
                    .min();
                to.is_none_or(|t| t > from).then_some((i, from, to))
            })
            .collect()
    }

    /// A numbered name (城区第三联合党支部), or an industry name (阳泉市教育培训行业联合党支部)
    /// for some groups whose orgs all belong to one sector.
    fn next_name(&mut self, rng: &mut ChaCha8Rng, group: &[usize]) -> String {
        let region = self.meta[group[0]].region;
        let sector = usize::from(self.meta[group[0]].sector);
        let one_sector = group
            .iter()
            .all(|&i| usize::from(self.meta[i].sector) == sector);
        if one_sector
            && sector < SECTOR_LABELS.len()
            && !self.industry_named[region][sector]
            && rng.random_bool(0.5)
        {
            self.industry_named[region][sector] = true;
            return format!("{}{}行业联合党支部", SHORT[region], SECTOR_LABELS[sector]);
        }
        self.numbers[region] += 1;
        format!(
            "{}第{}联合党支部",
            SHORT[region],
            zh_num(self.numbers[region])
        )
    }

    /// A joint branch over `links`; `founded` defaults to the first link's start.
    fn joint(
        &mut self,
        rng: &mut ChaCha8Rng,
        people: &mut People,
        group: &[usize],
        links: &[Link],
        dissolved: Option<i32>,
    ) {
        let Some(&first) = links.first() else {
            return;
        };
        let founded = links.iter().map(|l| l.1).min().unwrap_or(first.1);
        // A branch whose orgs have all left (terminated, or formed their own) is dissolved.
        let dissolved = dissolved.or_else(|| {
            let ends: Option<Vec<i32>> = links.iter().map(|l| l.2).collect();
            ends.and_then(|e| e.into_iter().max())
        });
        let region = self.meta[group[0]].region;
        let name = self.next_name(rng, group);
        let members: i64 = links
            .iter()
            .filter(|l| l.2.is_none() || dissolved.is_some())
            .map(|l| self.meta[l.0].members)
            .sum();
        let member_count = (members + rng.random_range(0..=2)).max(3);
        let target = || PositionTarget::PartyOrg(name.clone());
        // Secretary: usually the head of the founding org.
        let secretary = match &self.heads[first.0] {
            Some(id) if rng.random_bool(0.9) => {
                let head = self.head_name(first.0);
                people.hold(
                    &head,
                    &Some(id.clone()),
                    target(),
                    "书记",
                    first.1,
                    first.2,
                    true,
                );
                head
            }
            _ => {
                let (s, id) = people.person(rng);
                people.hold(&s, &id, target(), "书记", founded, dissolved, true);
                s
            }
        };
        let mut deputy = false;
        for &(i, from, to) in &links[1..] {
            if self.heads[i].is_none() || !rng.random_bool(0.5) {
                continue;
            }
            let title = if deputy { "委员" } else { "副书记" };
            deputy = true;
            let (person, id) = self.board_member(rng, people, i, from);
            people.hold(&person, &id, target(), title, from, to, true);
        }
        self.out.push(PartyOrgRecord {
            name,
            kind: PartyOrgKind::JointBranch,
            formation: Formation::Joint,
            parent: Some(COMMITTEES[region].to_string()),
            founded_on: date(founded),
            dissolved_on: dissolved.map(date),
            covers: self.coverage(links),
            covers_exact: true,
            member_count: Some(member_count),
            secretary: Some(secretary),
        });
    }

    /// The org's head (with probability ½) or a new person given a management title in the org.
    fn board_member(
        &self,
        rng: &mut ChaCha8Rng,
        people: &mut People,
        i: usize,
        from: i32,
    ) -> (String, Option<CitizenId>) {
        if rng.random_bool(0.5) {
            return (self.head_name(i), self.heads[i].clone());
        }
        self.new_board_member(rng, people, i, from)
    }

    /// A new person holding a management title (理事, 监事, 秘书长, 副秘书长) in org `i` from
    /// some months before `from`.
    fn new_board_member(
        &self,
        rng: &mut ChaCha8Rng,
        people: &mut People,
        i: usize,
        from: i32,
    ) -> (String, Option<CitizenId>) {
        let (person, id) = people.person(rng);
        let title = *["理事", "监事", "秘书长", "副秘书长"]
            .choose(rng)
            .unwrap_or(&"理事");
        let m = &self.meta[i];
        let start = (from - rng.random_range(0..400)).max(m.reg);
        let target = PositionTarget::Org(self.orgs[i].credit_code.clone());
        people.hold(&person, &id, target, title, start, m.term, false);
        (person, id)
    }

    fn head_name(&self, i: usize) -> String {
        self.orgs[i]
            .legal_representative
            .clone()
            .unwrap_or_default()
    }

    fn coverage(&self, links: &[Link]) -> Vec<CoverageRecord> {
        links
            .iter()
            .map(|&(i, from, to)| CoverageRecord {
                credit_code: self.orgs[i].credit_code.clone(),
                from: date(from),
                to: to.map(date),
            })
            .collect()
    }

    /// An oversized joint branch split in 2021 into two new ones.
    fn split(&mut self, rng: &mut ChaCha8Rng, people: &mut People, group: &[usize]) {
        let founded = group.iter().filter_map(|&i| self.cov[i]).min().unwrap_or(0);
        let lo = day(2021, 3, 1).max(founded + 365);
        let hi = day(2021, 12, 1);
        let d = if lo < hi {
            rng.random_range(lo..hi)
        } else {
            lo
        };
        if d >= self.today {
            let links = self.links(group, None, None);
            return self.joint(rng, people, group, &links, None);
        }
        let links = self.links(group, None, Some(d));
        self.joint(rng, people, group, &links, Some(d));
        for half in [0, 1] {
            let part: Vec<usize> = group.iter().copied().skip(half).step_by(2).collect();
            let links = self.links(&part, Some(d), None);
            self.joint(rng, people, &part, &links, None);
        }
    }

    /// The org's own branch (or general branch / committee by size) from `start`.
    fn own(&mut self, rng: &mut ChaCha8Rng, people: &mut People, i: usize, start: i32) {
        let m = &self.meta[i];
        let (kind, suffix) = match m.members {
            100.. => (PartyOrgKind::Committee, "党委"),
            50.. => (PartyOrgKind::GeneralBranch, "党总支"),
            _ => (PartyOrgKind::Branch, "党支部"),
        };
        let name = format!("{}{suffix}", self.orgs[i].name);
        let term = m.term;
        let target = || PositionTarget::PartyOrg(name.clone());
        let secretary = match &self.heads[i] {
            Some(id) if rng.random_bool(0.8) => {
                let head = self.head_name(i);
                people.hold(
                    &head,
                    &Some(id.clone()),
                    target(),
                    "书记",
                    start,
                    term,
                    true,
                );
                head
            }
            Some(_) => {
                let (s, id) = if rng.random_bool(0.55) {
                    self.new_board_member(rng, people, i, start)
                } else {
                    people.person(rng)
                };
                people.hold(&s, &id, target(), "书记", start, term, true);
                s
            }
            None => super::names::person_name(rng),
        };
        self.out.push(PartyOrgRecord {
            name,
            kind,
            formation: Formation::Own,
            parent: Some(m.responsible.to_string()),
            founded_on: date(start),
            dissolved_on: term.map(date),
            covers: self.coverage(&[(i, start, term)]),
            covers_exact: true,
            member_count: Some(m.members),
            secretary: Some(secretary),
        });
    }
}
