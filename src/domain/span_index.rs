//! The coverage spans of every org in memory, by column, for counting as of many dates at once
//! (`statistics.md` §1–3). The same facts as the table `coverage_spans` (the in-scope spans
//! only: counting never reads the others); `db::span_cache` loads it and keeps it in step with
//! the table. A count as of one date is one pass over the columns; the counts as of many dates
//! (the dashboard's quarterly trend) are one pass too: each span adds its figures where its
//! interval starts among the dates and takes them away where it ends, and a running sum over the
//! dates gives each date's counts.

use super::coverage::Counts;

/// Day numbers (days from the common era, `NaiveDate::num_days_from_ce`); the open past and the
/// open future are the extremes.
pub type Day = i32;
/// The open past (a span valid from the beginning).
pub const PAST: Day = Day::MIN;
/// The open future (a span valid until further notice).
pub const FUTURE: Day = Day::MAX;

/// Kind indexes are below this.
pub const KINDS: usize = 8;

/// Flags of a span.
pub const COVERED: u8 = 1;
pub const OWN_COVERED: u8 = 2;
pub const STATIONED: u8 = 4;
pub const ABNORMAL: u8 = 8;

/// One in-scope span of an org, as loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: Day,
    pub to: Day,
    /// Index of the region in the loader's region table.
    pub region: u16,
    /// Index of the kind (`OrgKind::ALL`).
    pub kind: u8,
    /// `COVERED | OWN_COVERED | STATIONED | ABNORMAL`.
    pub flags: u8,
    pub formal_members: u32,
    /// The supervising unit's id; 0 for none.
    pub supervising_unit: u32,
}

/// An org's registration attributes now (the scope of a department reads them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Current {
    pub region: u16,
    pub supervising_unit: u32,
}

/// Which orgs count.
#[derive(Debug, Clone)]
pub enum Filter {
    All,
    /// Orgs whose span lies in one of these regions (a county's scope): `regions[i]` for region
    /// index `i`.
    Regions(Vec<bool>),
    /// Orgs chosen by id (a department's scope): `orgs[id]`.
    Orgs(Vec<bool>),
}

/// How the counts are grouped; a group is a dense index.
#[derive(Debug, Clone)]
pub enum Group {
    Total,
    /// By the span's region index.
    Region,
    /// By the kind index.
    Kind,
    /// By the responsible unit at the date, from the span's supervising unit and region: the
    /// supervising unit when it carries party building (`carries[unit id]`), else the region's
    /// committee (`committee[region index]`); groups are unit ids, the last group (`units`) the
    /// orgs whose responsible unit cannot be resolved.
    Unit {
        carries: Vec<bool>,
        committee: Vec<Option<u32>>,
        units: usize,
    },
    /// By the span's supervising unit: groups are unit ids below `units`, group 0 the orgs
    /// without one (unit ids start at 1).
    Supervising {
        units: usize,
    },
}

impl Group {
    /// The number of groups.
    fn len(&self, regions: usize) -> usize {
        match self {
            Group::Total => 1,
            Group::Region => regions,
            Group::Kind => KINDS,
            Group::Unit { units, .. } => units + 1,
            Group::Supervising { units } => *units,
        }
    }

    fn of(&self, s: &Span) -> usize {
        match self {
            Group::Total => 0,
            Group::Region => usize::from(s.region),
            Group::Kind => usize::from(s.kind).min(KINDS - 1),
            Group::Unit {
                carries,
                committee,
                units,
            } => {
                let su = s.supervising_unit as usize;
                if su != 0 && carries.get(su).copied().unwrap_or(false) {
                    su
                } else {
                    match committee.get(usize::from(s.region)).copied().flatten() {
                        Some(u) if (u as usize) < *units => u as usize,
                        _ => *units,
                    }
                }
            }
            Group::Supervising { units } => {
                let su = s.supervising_unit as usize;
                if su < *units { su } else { 0 }
            }
        }
    }
}

/// The spans by column. An org's spans are contiguous; replacing them marks the old ones dead
/// (an empty interval) and appends the new ones, and the columns are compacted when the dead
/// outnumber a quarter of them.
#[derive(Debug, Clone, Default)]
pub struct SpanIndex {
    org: Vec<u32>,
    from: Vec<Day>,
    to: Vec<Day>,
    region: Vec<u16>,
    kind: Vec<u8>,
    flags: Vec<u8>,
    members: Vec<u32>,
    supervising: Vec<u32>,
    /// Per org id: (first span, number of spans).
    at: Vec<(u32, u32)>,
    /// Per org id: its attributes now.
    current: Vec<Current>,
    dead: usize,
}

impl SpanIndex {
    /// The number of live spans.
    pub fn len(&self) -> usize {
        self.from.len() - self.dead
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The orgs' attributes now, by id (ids without an org have the default).
    pub fn current(&self) -> &[Current] {
        &self.current
    }

    fn push(&mut self, org: u32, s: &Span) {
        self.org.push(org);
        self.from.push(s.from);
        self.to.push(s.to);
        self.region.push(s.region);
        self.kind.push(s.kind);
        self.flags.push(s.flags);
        self.members.push(s.formal_members);
        self.supervising.push(s.supervising_unit);
    }

    /// Makes `spans` the org's spans and `current` its attributes (an org without in-scope
    /// spans, or deleted, is given none).
    pub fn replace(&mut self, org: u32, current: Current, spans: &[Span]) {
        let i = org as usize;
        if self.at.len() <= i {
            self.at.resize(i + 1, (0, 0));
            self.current.resize(i + 1, Current::default());
        }
        let (start, n) = self.at[i];
        for k in start..start + n {
            // An empty interval never contains a date.
            self.from[k as usize] = FUTURE;
            self.to[k as usize] = PAST;
        }
        self.dead += n as usize;
        let start = self.from.len() as u32;
        for s in spans {
            self.push(org, s);
        }
        self.at[i] = (start, spans.len() as u32);
        self.current[i] = current;
        if self.dead > 1024 && self.dead * 4 > self.from.len() {
            self.compact();
        }
    }

    /// Drops the dead spans.
    fn compact(&mut self) {
        let mut next = SpanIndex {
            at: vec![(0, 0); self.at.len()],
            current: std::mem::take(&mut self.current),
            ..SpanIndex::default()
        };
        for (org, &(start, n)) in self.at.iter().enumerate() {
            let first = next.from.len() as u32;
            for k in start as usize..(start + n) as usize {
                next.org.push(self.org[k]);
                next.from.push(self.from[k]);
                next.to.push(self.to[k]);
                next.region.push(self.region[k]);
                next.kind.push(self.kind[k]);
                next.flags.push(self.flags[k]);
                next.members.push(self.members[k]);
                next.supervising.push(self.supervising[k]);
            }
            next.at[org] = (first, n);
        }
        *self = next;
    }

    /// The orgs in scope at `day` (a span containing it) whose attributes now pass `keep`,
    /// counted by `group` of those attributes (a group below `groups`; others are dropped): a
    /// census campaign's orgs by their responsible unit now.
    pub fn population(
        &self,
        day: Day,
        keep: impl Fn(&Current) -> bool,
        group: impl Fn(&Current) -> usize,
        groups: usize,
    ) -> Vec<i64> {
        let mut out = vec![0; groups];
        for (org, &(start, n)) in self.at.iter().enumerate() {
            let (start, end) = (start as usize, (start + n) as usize);
            if (start..end).any(|k| self.from[k] <= day && day < self.to[k]) {
                let c = &self.current[org];
                if keep(c) {
                    let g = group(c);
                    if g < groups {
                        out[g] += 1;
                    }
                }
            }
        }
        out
    }

    fn span(&self, k: usize) -> Span {
        Span {
            from: self.from[k],
            to: self.to[k],
            region: self.region[k],
            kind: self.kind[k],
            flags: self.flags[k],
            formal_members: self.members[k],
            supervising_unit: self.supervising[k],
        }
    }

    fn chosen(&self, filter: &Filter, k: usize) -> bool {
        match filter {
            Filter::All => true,
            Filter::Regions(r) => r.get(usize::from(self.region[k])).copied().unwrap_or(false),
            Filter::Orgs(o) => o.get(self.org[k] as usize).copied().unwrap_or(false),
        }
    }

    /// The counts as of each date (`dates`, in any order, with the formal-member threshold of
    /// an own organization in force at each: `own_min[i]` for `dates[i]`), by group:
    /// `result[group][i]` are the counts of group `group` at `dates[i]`. `regions` is the size
    /// of the loader's region table.
    pub fn count(
        &self,
        dates: &[Day],
        own_min: &[i64],
        filter: &Filter,
        group: &Group,
        regions: usize,
    ) -> Vec<Vec<Counts>> {
        let groups = group.len(regions);
        let mut out = vec![vec![Counts::default(); dates.len()]; groups];
        // One pass per threshold (the rule rarely changes within a trend).
        let mut thresholds: Vec<i64> = own_min.to_vec();
        thresholds.sort_unstable();
        thresholds.dedup();
        for t in thresholds {
            // The dates of this threshold, sorted, with their places in `dates`.
            let mut these: Vec<(Day, usize)> = dates
                .iter()
                .zip(own_min)
                .enumerate()
                .filter(|(_, (_, m))| **m == t)
                .map(|(i, (d, _))| (*d, i))
                .collect();
            these.sort_unstable();
            let days: Vec<Day> = these.iter().map(|(d, _)| *d).collect();
            let sums = self.count_sorted(&days, t, filter, group, groups);
            for (g, row) in sums.into_iter().enumerate() {
                for (j, c) in row.into_iter().enumerate() {
                    out[g][these[j].1] = c;
                }
            }
        }
        out
    }

    /// Counts as of sorted dates with one threshold.
    fn count_sorted(
        &self,
        days: &[Day],
        own_min: i64,
        filter: &Filter,
        group: &Group,
        groups: usize,
    ) -> Vec<Vec<Counts>> {
        let n = days.len();
        if n == 1 {
            // One date: add directly.
            let d = days[0];
            let mut out = vec![vec![Counts::default(); 1]; groups];
            for k in 0..self.from.len() {
                if self.from[k] <= d && d < self.to[k] && self.chosen(filter, k) {
                    let s = self.span(k);
                    add(&mut out[group.of(&s)][0], &s, own_min, 1);
                }
            }
            return out;
        }
        // Differences: a span valid over [from, to) counts at the dates from the first ≥ from
        // to the last < to.
        let mut diff = vec![vec![Counts::default(); n + 1]; groups];
        for k in 0..self.from.len() {
            let (from, to) = (self.from[k], self.to[k]);
            if from >= to {
                continue;
            }
            let lo = days.partition_point(|&d| d < from);
            let hi = days.partition_point(|&d| d < to);
            if lo >= hi || !self.chosen(filter, k) {
                continue;
            }
            let s = self.span(k);
            let g = group.of(&s);
            add(&mut diff[g][lo], &s, own_min, 1);
            add(&mut diff[g][hi], &s, own_min, -1);
        }
        diff.into_iter()
            .map(|d| {
                let mut run = Counts::default();
                d.into_iter()
                    .take(n)
                    .map(|c| {
                        run.add(&c);
                        run
                    })
                    .collect()
            })
            .collect()
    }
}

/// Adds (`sign` 1) or takes away (−1) one in-scope org's figures.
fn add(c: &mut Counts, s: &Span, own_min: i64, sign: i64) {
    let covered = s.flags & COVERED != 0;
    let own = s.flags & OWN_COVERED != 0;
    let enough = i64::from(s.formal_members) >= own_min;
    c.in_scope += sign;
    c.abnormal += sign * i64::from(s.flags & ABNORMAL != 0);
    c.covered += sign * i64::from(covered);
    c.own_covered += sign * i64::from(own);
    c.work_covered += sign * i64::from(covered || s.flags & STATIONED != 0);
    c.should_establish_own += sign * i64::from(enough && !own);
    c.should_establish_none += sign * i64::from(enough && !covered);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn span(from: Day, to: Day, region: u16, flags: u8, members: u32, unit: u32) -> Span {
        Span {
            from,
            to,
            region,
            kind: region as u8 % 3,
            flags,
            formal_members: members,
            supervising_unit: unit,
        }
    }

    /// The counts of one date by looking at every span: the definition the index must meet.
    fn brute(
        spans: &[(u32, Span)],
        d: Day,
        own_min: i64,
        filter: &Filter,
        group: &Group,
        groups: usize,
    ) -> Vec<Counts> {
        let mut out = vec![Counts::default(); groups];
        for (org, s) in spans {
            let chosen = match filter {
                Filter::All => true,
                Filter::Regions(r) => r[usize::from(s.region)],
                Filter::Orgs(o) => o[*org as usize],
            };
            if s.from <= d && d < s.to && chosen {
                add(&mut out[group.of(s)], s, own_min, 1);
            }
        }
        out
    }

    #[test]
    fn one_org_counts_where_its_spans_are() {
        // Org 1: in scope from day 10, uncovered until 20, then covered by its own party org
        // with 3 formal members (threshold 3: not "should establish own" once own-covered);
        // stationed only from 30.
        let mut ix = SpanIndex::default();
        ix.replace(
            1,
            Current::default(),
            &[
                span(10, 20, 0, 0, 3, 0),
                span(20, 30, 0, COVERED | OWN_COVERED, 3, 0),
                span(30, FUTURE, 0, COVERED | OWN_COVERED | STATIONED, 3, 0),
            ],
        );
        let r = ix.count(
            &[5, 10, 19, 20, 40],
            &[3; 5],
            &Filter::All,
            &Group::Total,
            1,
        );
        let at = |i: usize| r[0][i];
        assert_eq!(at(0), Counts::default()); // before registration
        assert_eq!(
            (at(1).in_scope, at(1).covered, at(1).should_establish_none),
            (1, 0, 1)
        );
        assert_eq!(at(2).should_establish_own, 1);
        assert_eq!(
            (at(3).covered, at(3).own_covered, at(3).should_establish_own),
            (1, 1, 0)
        );
        assert_eq!((at(4).work_covered, at(4).should_establish_none), (1, 0));
        // Replacing the spans takes the old ones away.
        ix.replace(1, Current::default(), &[span(10, FUTURE, 0, 0, 0, 0)]);
        let r = ix.count(&[40], &[3], &Filter::All, &Group::Total, 1);
        assert_eq!((r[0][0].in_scope, r[0][0].covered), (1, 0));
        assert_eq!(ix.len(), 1);
    }

    #[test]
    fn the_responsible_unit_is_the_carrying_supervisor_or_the_committee() {
        // Units 1..=3: unit 2 carries party building; region 0's committee is unit 1, region
        // 1's is unit 3. Org 1 (region 0, supervised by 2) → 2; org 2 (region 1, supervised by
        // 1, which does not carry) → 3; org 3 (region 2, no committee) → unresolved (group 4).
        let mut ix = SpanIndex::default();
        ix.replace(1, Current::default(), &[span(0, FUTURE, 0, 0, 0, 2)]);
        ix.replace(2, Current::default(), &[span(0, FUTURE, 1, 0, 0, 1)]);
        ix.replace(3, Current::default(), &[span(0, FUTURE, 2, 0, 0, 0)]);
        let group = Group::Unit {
            carries: vec![false, false, true, false],
            committee: vec![Some(1), Some(3), None],
            units: 4,
        };
        let r = ix.count(&[1], &[3], &Filter::All, &group, 3);
        let n: Vec<i64> = r.iter().map(|g| g[0].in_scope).collect();
        assert_eq!(n, vec![0, 0, 1, 1, 1]);
    }

    #[test]
    fn replacing_an_org_many_times_compacts_and_keeps_the_counts() {
        let mut ix = SpanIndex::default();
        ix.replace(2, Current::default(), &[span(0, FUTURE, 0, COVERED, 0, 0)]);
        for i in 0..3000 {
            ix.replace(
                1,
                Current::default(),
                &[
                    span(i, i + 10, 0, 0, 0, 0),
                    span(i + 10, FUTURE, 0, COVERED, 0, 0),
                ],
            );
        }
        // 6,000 spans were written for org 1; the dead ones were dropped along the way.
        assert_eq!(ix.len(), 3);
        assert!(ix.from.len() < 3000, "columns compacted: {}", ix.from.len());
        let r = ix.count(&[2995, 3000, 3020], &[3; 3], &Filter::All, &Group::Total, 1);
        let covered: Vec<i64> = r[0].iter().map(|c| c.covered).collect();
        let in_scope: Vec<i64> = r[0].iter().map(|c| c.in_scope).collect();
        // Org 1's last spans start on day 2999: not yet in scope on 2995.
        assert_eq!(in_scope, vec![1, 2, 2]);
        assert_eq!(covered, vec![1, 1, 2]);
    }

    #[test]
    fn a_population_is_the_orgs_in_scope_at_a_day_by_their_attributes_now() {
        // Org 1 (region 0, unit 2) in scope from day 10; org 2 (region 1, unit 3) from 0 to 5;
        // org 3 (region 1, unit 2) from 0 on. At day 7: orgs 1 and 3, grouped by unit: unit 2
        // has both; keeping region 1 only: org 3.
        let mut ix = SpanIndex::default();
        let at = |region, supervising_unit| Current {
            region,
            supervising_unit,
        };
        ix.replace(1, at(0, 2), &[span(10, FUTURE, 0, 0, 0, 2)]);
        ix.replace(2, at(1, 3), &[span(0, 5, 1, 0, 0, 3)]);
        ix.replace(3, at(1, 2), &[span(0, FUTURE, 1, 0, 0, 2)]);
        let unit = |c: &Current| c.supervising_unit as usize;
        assert_eq!(ix.population(12, |_| true, unit, 4), vec![0, 0, 2, 0]);
        assert_eq!(ix.population(7, |_| true, unit, 4), vec![0, 0, 1, 0]);
        assert_eq!(
            ix.population(3, |c| c.region == 1, unit, 4),
            vec![0, 0, 1, 1]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Counting many dates at once, after replacements (and compactions), equals counting
        /// each date by looking at every live span.
        #[test]
        fn many_dates_equal_each_date_alone(
            orgs in proptest::collection::vec(
                proptest::collection::vec((0i32..60, 1i32..30, 0u16..4, 0u8..16, 0u32..6, 0u32..4), 0..4),
                1..40),
            replace in proptest::collection::vec((0usize..40, 0i32..60), 0..40),
            dates in proptest::collection::vec(0i32..100, 1..12),
            min_a in 1i64..5, min_b in 1i64..5,
        ) {
            let mut ix = SpanIndex::default();
            let mut truth: Vec<Vec<Span>> = Vec::new();
            for (org, list) in orgs.iter().enumerate() {
                // Non-overlapping spans of one org, in order.
                let mut at = 0;
                let spans: Vec<Span> = list.iter().map(|&(gap, len, region, flags, members, unit)| {
                    let s = span(at + gap, at + gap + len, region, flags, members, unit);
                    at += gap + len;
                    s
                }).collect();
                ix.replace(org as u32, Current::default(), &spans);
                truth.push(spans);
            }
            for (org, start) in replace {
                let org = org % truth.len();
                let spans = vec![span(start, FUTURE, (org % 4) as u16, COVERED, 4, 1)];
                ix.replace(org as u32, Current::default(), &spans);
                truth[org] = spans;
            }
            let all: Vec<(u32, Span)> = truth.iter().enumerate()
                .flat_map(|(o, l)| l.iter().map(move |s| (o as u32, *s))).collect();
            let own_min: Vec<i64> = dates.iter().map(|d| if d % 2 == 0 { min_a } else { min_b }).collect();
            let filters = [
                Filter::All,
                Filter::Regions(vec![true, false, true, false]),
                Filter::Orgs((0..40).map(|i| i % 3 == 0).collect()),
            ];
            let groups = [
                (Group::Total, 1),
                (Group::Region, 4),
                (Group::Unit { carries: vec![false, true, false, false], committee: vec![Some(2), None, Some(3), Some(0)], units: 4 }, 5),
            ];
            for f in &filters {
                for (g, n) in &groups {
                    let got = ix.count(&dates, &own_min, f, g, 4);
                    for (i, d) in dates.iter().enumerate() {
                        let want = brute(&all, *d, own_min[i], f, g, *n);
                        for (k, w) in want.iter().enumerate() {
                            prop_assert_eq!(got[k][i], *w, "date {} group {}", d, k);
                        }
                    }
                }
            }
        }
    }
}
