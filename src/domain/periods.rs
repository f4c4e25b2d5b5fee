//! Making a stored relation's periods (a party org covering an org, an instructor stationed in
//! one) exactly those a workbook gives, with as few changes as possible and each change named:
//! a period kept, one whose end changed (ended, or re-dated), one whose dates both changed
//! (re-dated), one added, one removed. The plan is pure; the data layer carries it out and logs
//! every step on the record's timeline.

use chrono::NaiveDate;

/// A period `[from, to)`; `to` empty while it lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// What to do with one stored period (by its id) or one given period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<Id> {
    /// A stored period gets new dates.
    Redate { id: Id, old: Period, new: Period },
    /// A given period that is not stored yet.
    Add(Period),
    /// A stored period that the workbook no longer has.
    Remove { id: Id, old: Period },
}

/// The steps that make the stored periods of one relation (`stored`, with their ids) exactly
/// `given`: periods stored as given stay; a given period takes a stored one of the same start
/// (its end re-dated), then the remaining ones in the order of their starts; what is left is
/// added or removed. Steps come in the order of the periods' starts.
pub fn plan<Id: Copy>(stored: &[(Id, Period)], given: &[Period]) -> Vec<Step<Id>> {
    let mut stored: Vec<(Id, Period)> = stored.to_vec();
    let mut given: Vec<Period> = given.to_vec();
    stored.sort_by_key(|(_, p)| *p);
    given.sort();
    given.dedup();
    // Exactly as stored: nothing to do.
    let mut left_stored = Vec::new();
    for (id, p) in stored {
        if let Some(i) = given.iter().position(|g| *g == p) {
            given.remove(i);
        } else {
            left_stored.push((id, p));
        }
    }
    let mut steps = Vec::new();
    // The same start: the end changed.
    let mut left_given = Vec::new();
    for g in given {
        match left_stored.iter().position(|(_, p)| p.from == g.from) {
            Some(i) => {
                let (id, old) = left_stored.remove(i);
                steps.push(Step::Redate { id, old, new: g });
            }
            None => left_given.push(g),
        }
    }
    // The rest in order: re-dated while both sides last, then added or removed.
    let mut stored = left_stored.into_iter();
    for g in left_given {
        match stored.next() {
            Some((id, old)) => steps.push(Step::Redate { id, old, new: g }),
            None => steps.push(Step::Add(g)),
        }
    }
    steps.extend(stored.map(|(id, old)| Step::Remove { id, old }));
    steps.sort_by_key(|s| match s {
        Step::Redate { new, .. } | Step::Add(new) => new.from,
        Step::Remove { old, .. } => old.from,
    });
    steps
}

impl Period {
    /// The period in words: "2019-01-01 起" or "2019-01-01 至 2021-06-30".
    pub fn text(&self) -> String {
        match self.to {
            None => format!("{} 起", self.from),
            Some(to) => format!("{} 至 {to}", self.from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(from: &str, to: Option<&str>) -> Period {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        Period {
            from: d(from),
            to: to.map(d),
        }
    }

    #[test]
    fn periods_as_stored_need_nothing() {
        let stored = [
            (1, p("2019-01-01", None)),
            (2, p("2015-01-01", Some("2017-01-01"))),
        ];
        let given = [p("2015-01-01", Some("2017-01-01")), p("2019-01-01", None)];
        assert!(plan(&stored, &given).is_empty());
    }

    #[test]
    fn an_end_changed_is_redated_not_replaced() {
        // Stored: open since 2019; given: ended 2021-06-30 → one re-dating of the same row.
        let stored = [(7, p("2019-01-01", None))];
        let given = [p("2019-01-01", Some("2021-06-30"))];
        assert_eq!(
            plan(&stored, &given),
            vec![Step::Redate {
                id: 7,
                old: p("2019-01-01", None),
                new: p("2019-01-01", Some("2021-06-30")),
            }]
        );
    }

    #[test]
    fn a_start_moved_redates_and_the_rest_is_added_or_removed() {
        // Stored: 2020 (open) as a default start; given: the real start 2021-08-16 (open), and
        // an earlier period 2015–2016 that was never stored.
        let stored = [(3, p("2020-05-06", None))];
        let given = [p("2015-01-01", Some("2016-01-01")), p("2021-08-16", None)];
        // In order of starts: the stored row takes the earliest given period, the later one
        // is added.
        assert_eq!(
            plan(&stored, &given),
            vec![
                Step::Redate {
                    id: 3,
                    old: p("2020-05-06", None),
                    new: p("2015-01-01", Some("2016-01-01")),
                },
                Step::Add(p("2021-08-16", None)),
            ]
        );
        // Nothing given: the stored period is removed.
        assert_eq!(
            plan(&stored, &[]),
            vec![Step::Remove {
                id: 3,
                old: p("2020-05-06", None),
            }]
        );
        // A given period twice counts once.
        assert_eq!(
            plan::<i64>(&[], &[p("2019-01-01", None), p("2019-01-01", None)]),
            vec![Step::Add(p("2019-01-01", None))]
        );
    }

    #[test]
    fn periods_in_words() {
        assert_eq!(p("2019-01-01", None).text(), "2019-01-01 起");
        assert_eq!(
            p("2019-01-01", Some("2021-06-30")).text(),
            "2019-01-01 至 2021-06-30"
        );
    }
}
