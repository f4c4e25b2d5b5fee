//! An org's coverage state over time as a list of spans (`statistics.md` §1–2).
//!
//! Every fact the coverage engine asks of an org at a date D — in scope at D, covered by a party
//! org at D (and whether one of those is an own formation), stationed by an instructor at D —
//! changes only at the dates its relations start or end. Between two such dates the state is
//! constant, so the whole history of an org is a short list of spans that partition time. The
//! database keeps these spans (table `coverage_spans`, recomputed from the relations whenever
//! they change), and every count and drill-down as of D reads the one span of each org that
//! contains D, instead of re-deriving the state from every link and station on each query.

use chrono::NaiveDate;

/// A half-open date interval `[from, to)`; `to = None` is open-ended. An interval whose end is
/// not after its start contains no date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Interval {
    pub fn new(from: NaiveDate, to: Option<NaiveDate>) -> Interval {
        Interval { from, to }
    }

    /// `from <= d` and (`to` empty or `d < to`): the activity test of `statistics.md` §1.
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && self.to.is_none_or(|t| d < t)
    }
}

/// A coverage link as the state needs it: the link's own dates, the covering party org's dates
/// (founded, dissolved) and whether that party org is an own formation (单独组建).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkSpan {
    pub link: Interval,
    pub party_org: Interval,
    pub own: bool,
}

/// An org's formal party members over time (`statistics.md` §3): the latest confirmed census
/// return whose reference date is on or before D, or the imported count when there is none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Members {
    pub imported: i64,
    /// (reference date, formal members) of the confirmed returns, in the order they were
    /// confirmed (of two returns with the same reference date the later confirmed one counts).
    pub returns: Vec<(NaiveDate, i64)>,
}

impl Members {
    pub fn imported(n: i64) -> Members {
        Members {
            imported: n,
            returns: Vec::new(),
        }
    }

    /// The count in force at `d`.
    pub fn at(&self, d: NaiveDate) -> i64 {
        let mut best: Option<(NaiveDate, i64)> = None;
        for &(date, n) in &self.returns {
            if date <= d && best.is_none_or(|(b, _)| date >= b) {
                best = Some((date, n));
            }
        }
        best.map_or(self.imported, |(_, n)| n)
    }
}

/// The state of an org at a date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State {
    /// Registered on or before the date and not terminated by then.
    pub in_scope: bool,
    /// An active link from an active party org.
    pub covered: bool,
    /// One of those party orgs is an own formation.
    pub own_covered: bool,
    /// An active station (instructor or liaison).
    pub stationed: bool,
    /// Formal party members on staff ([`Members::at`]).
    pub formal_members: i64,
    /// Which version of the org's registration attributes (region, kind, status, supervising
    /// unit) is in force: the number of attribute changes on or before the date
    /// ([`version_at`]).
    pub version: usize,
}

/// The version of an org's registration attributes in force at `d`, given the dates of its
/// changes (sorted or not): how many of them are on or before `d`. Version 0 is the oldest.
pub fn version_at(changes: &[NaiveDate], d: NaiveDate) -> usize {
    changes.iter().filter(|c| **c <= d).count()
}

/// A stretch of time with one state: `[from, to)`, where `from = None` is the beginning of time
/// and `to = None` the open future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub state: State,
}

/// The state at a date, straight from the definitions.
pub fn state_at(org: &OrgTimeline<'_>, d: NaiveDate) -> State {
    let OrgTimeline {
        registration,
        links,
        stations,
        members,
        changes,
    } = *org;
    let mut state = State {
        in_scope: registration.contains(d),
        stationed: stations.iter().any(|s| s.contains(d)),
        formal_members: members.at(d),
        version: version_at(changes, d),
        ..State::default()
    };
    for l in links {
        if l.link.contains(d) && l.party_org.contains(d) {
            state.covered = true;
            state.own_covered |= l.own;
        }
    }
    state
}

/// Everything an org's state over time depends on.
#[derive(Debug, Clone, Copy)]
pub struct OrgTimeline<'a> {
    /// `[registered_on, terminated_on)`.
    pub registration: Interval,
    pub links: &'a [LinkSpan],
    pub stations: &'a [Interval],
    pub members: &'a Members,
    /// The dates its registration attributes changed.
    pub changes: &'a [NaiveDate],
}

/// The spans of one org: consecutive, non-overlapping, covering all time, adjacent spans always
/// in different states.
pub fn spans(org: &OrgTimeline<'_>) -> Vec<Span> {
    let OrgTimeline {
        registration,
        links,
        stations,
        members,
        changes,
    } = *org;
    // Every date where some relation starts or ends; the state can change only there.
    let mut dates = vec![registration.from];
    dates.extend(registration.to);
    for l in links {
        dates.push(l.link.from);
        dates.extend(l.link.to);
        dates.push(l.party_org.from);
        dates.extend(l.party_org.to);
    }
    for s in stations {
        dates.push(s.from);
        dates.extend(s.to);
    }
    dates.extend(members.returns.iter().map(|(d, _)| *d));
    dates.extend(changes.iter().copied());
    dates.sort_unstable();
    dates.dedup();
    // Before the first date nothing has started: the empty state, with the imported count.
    let mut out = vec![Span {
        from: None,
        to: None,
        state: State {
            formal_members: members.imported,
            ..State::default()
        },
    }];
    for d in dates {
        let state = state_at(org, d);
        let last = out.last_mut().expect("starts with one span");
        if last.state != state {
            last.to = Some(d);
            out.push(Span {
                from: Some(d),
                to: None,
                state,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn iv(from: &str, to: Option<&str>) -> Interval {
        Interval::new(d(from), to.map(d))
    }

    fn timeline<'a>(
        registration: Interval,
        links: &'a [LinkSpan],
        stations: &'a [Interval],
        members: &'a Members,
        changes: &'a [NaiveDate],
    ) -> OrgTimeline<'a> {
        OrgTimeline {
            registration,
            links,
            stations,
            members,
            changes,
        }
    }

    const EMPTY: State = State {
        in_scope: false,
        covered: false,
        own_covered: false,
        stationed: false,
        formal_members: 0,
        version: 0,
    };
    const NONE: &Members = &Members {
        imported: 0,
        returns: Vec::new(),
    };

    #[test]
    fn an_org_without_relations_has_three_spans() {
        // Registered 2018-03-01, terminated 2021-06-30: out, in, out.
        let s = spans(&timeline(
            iv("2018-03-01", Some("2021-06-30")),
            &[],
            &[],
            NONE,
            &[],
        ));
        let in_scope = State {
            in_scope: true,
            ..EMPTY
        };
        assert_eq!(
            s,
            vec![
                Span {
                    from: None,
                    to: Some(d("2018-03-01")),
                    state: EMPTY
                },
                Span {
                    from: Some(d("2018-03-01")),
                    to: Some(d("2021-06-30")),
                    state: in_scope
                },
                Span {
                    from: Some(d("2021-06-30")),
                    to: None,
                    state: EMPTY
                },
            ]
        );
    }

    #[test]
    fn a_link_counts_only_while_its_party_org_exists() {
        // Org registered 2016-01-01, never terminated. A joint party org founded 2019-05-01
        // links it from 2019-01-01 (before the party org existed) and is dissolved 2022-01-01:
        // covered over [2019-05-01, 2022-01-01) only. An own party org founded 2020-01-01 links
        // it from 2020-07-01 on: own-covered (and covered) from 2020-07-01 on.
        let links = [
            LinkSpan {
                link: iv("2019-01-01", None),
                party_org: iv("2019-05-01", Some("2022-01-01")),
                own: false,
            },
            LinkSpan {
                link: iv("2020-07-01", None),
                party_org: iv("2020-01-01", None),
                own: true,
            },
        ];
        let s = spans(&timeline(iv("2016-01-01", None), &links, &[], NONE, &[]));
        let states: Vec<(Option<NaiveDate>, bool, bool)> = s
            .iter()
            .map(|s| (s.from, s.state.covered, s.state.own_covered))
            .collect();
        // The dates 2019-01-01 and 2020-01-01 change nothing, so they start no span; 2022-01-01
        // ends the joint org but the own one still covers, so no change either.
        assert_eq!(
            states,
            vec![
                (None, false, false),
                (Some(d("2016-01-01")), false, false),
                (Some(d("2019-05-01")), true, false),
                (Some(d("2020-07-01")), true, true),
            ]
        );
        assert!(s.iter().skip(1).all(|s| s.state.in_scope));
    }

    #[test]
    fn spans_partition_time_and_agree_with_the_definitions_every_day() {
        // A busy org: every kind of relation, touching and overlapping intervals, an empty link
        // (end before start) and a station ending on the day the registration ends.
        let registration = iv("2017-04-10", Some("2023-02-01"));
        let links = [
            LinkSpan {
                link: iv("2017-04-10", Some("2018-01-01")),
                party_org: iv("2015-01-01", None),
                own: false,
            },
            LinkSpan {
                link: iv("2018-01-01", Some("2019-06-30")),
                party_org: iv("2015-01-01", Some("2019-03-01")),
                own: true,
            },
            LinkSpan {
                link: iv("2020-01-01", Some("2019-01-01")),
                party_org: iv("2015-01-01", None),
                own: true,
            },
        ];
        let stations = [
            iv("2018-06-01", Some("2020-01-01")),
            iv("2019-12-31", Some("2023-02-01")),
        ];
        // Imported: 2 formal members; confirmed returns: 4 as of 2019-10-31, then 1 as of
        // 2021-10-31.
        let members = Members {
            imported: 2,
            returns: vec![(d("2021-10-31"), 1), (d("2019-10-31"), 4)],
        };
        // Moved to another region on 2020-03-15 and another status on 2022-05-01.
        let changes = [d("2022-05-01"), d("2020-03-15")];
        let org = timeline(registration, &links, &stations, &members, &changes);
        let s = spans(&org);
        assert_eq!(s.first().and_then(|s| s.from), None);
        assert_eq!(s.last().and_then(|s| s.to), None);
        for pair in s.windows(2) {
            assert_eq!(pair[0].to, pair[1].from, "consecutive");
            assert_ne!(pair[0].state, pair[1].state, "merged when equal");
        }
        let mut day = d("2014-01-01");
        while day < d("2024-12-31") {
            let span = s
                .iter()
                .find(|s| s.from.is_none_or(|f| f <= day) && s.to.is_none_or(|t| day < t))
                .expect("one span contains every day");
            assert_eq!(span.state, state_at(&org, day), "{day}");
            day = day.succ_opt().unwrap();
        }
        // Spot checks by hand: 2019-02-01 in scope, covered by the own org (link 2018-01-01..
        // 2019-06-30, party org to 2019-03-01), stationed (2018-06-01..2020-01-01).
        // Before the first return: the imported 2 members.
        let at = state_at(&org, d("2019-02-01"));
        assert_eq!(
            at,
            State {
                in_scope: true,
                covered: true,
                own_covered: true,
                stationed: true,
                formal_members: 2,
                version: 0,
            }
        );
        // 2019-03-01 the own party org is dissolved: uncovered, still stationed.
        let at = state_at(&org, d("2019-03-01"));
        assert!(at.in_scope && !at.covered && !at.own_covered && at.stationed);
        // The returns: 4 from 2019-10-31, 1 from 2021-10-31 (listed out of date order).
        let members_at = |day| state_at(&org, d(day));
        assert_eq!(members_at("2019-10-30").formal_members, 2);
        assert_eq!(members_at("2019-10-31").formal_members, 4);
        assert_eq!(members_at("2021-10-30").formal_members, 4);
        assert_eq!(members_at("2021-10-31").formal_members, 1);
        // 2023-02-01: terminated, and the second station ended the same day.
        assert_eq!(
            state_at(&org, d("2023-02-01")),
            State {
                formal_members: 1,
                version: 2,
                ..EMPTY
            }
        );
        // The attribute versions: 0 before 2020-03-15, 1 from then, 2 from 2022-05-01.
        assert_eq!(state_at(&org, d("2020-03-14")).version, 0);
        assert_eq!(state_at(&org, d("2020-03-15")).version, 1);
        assert_eq!(state_at(&org, d("2022-04-30")).version, 1);
        assert_eq!(state_at(&org, d("2022-05-01")).version, 2);
        assert!(s.iter().any(|x| x.from == Some(d("2020-03-15"))));
    }
}
