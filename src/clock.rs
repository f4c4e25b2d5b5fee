//! The one clock of the application. Dates are Beijing dates (UTC+8, no daylight saving): the
//! users' "today" flips at midnight in Beijing whatever time zone the server runs in, and the
//! times shown next to a deadline agree with it. Timestamps are stored in UTC (RFC 3339).
//!
//! Everything that needs the time takes it from a [`Clock`] (the database's, the web state's,
//! the CLI's); clippy's `disallowed-methods` refuses `Utc::now` and `Local::now` elsewhere.
//! Tests fix the clock and move it.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, SecondsFormat, Utc};

/// Beijing time, UTC+8.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("8 hours is within the ±24 hours an offset may have")
}

/// The clock: the system's, or one fixed at an instant (tests) that only moves when told to.
#[derive(Debug, Clone)]
pub struct Clock(Arc<Source>);

#[derive(Debug)]
enum Source {
    System,
    Fixed(Mutex<DateTime<Utc>>),
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(Source::System))
    }

    /// A clock that stands at `at` until [`set`](Self::set) or [`advance`](Self::advance).
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock(Arc::new(Source::Fixed(Mutex::new(at))))
    }

    /// A fixed clock at noon, Beijing time, of a date.
    pub fn at_beijing_noon(date: NaiveDate) -> Clock {
        let noon = date
            .and_hms_opt(12, 0, 0)
            .and_then(|t| t.and_local_timezone(beijing()).single())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        Clock::fixed(noon)
    }

    /// Moves a fixed clock to `at` (a system clock ignores it).
    pub fn set(&self, at: DateTime<Utc>) {
        if let Source::Fixed(t) = &*self.0
            && let Ok(mut t) = t.lock()
        {
            *t = at;
        }
    }

    /// Moves a fixed clock on by `by` (a system clock ignores it).
    pub fn advance(&self, by: Duration) {
        if let Source::Fixed(t) = &*self.0
            && let Ok(mut t) = t.lock()
        {
            *t += by;
        }
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            #[expect(
                clippy::disallowed_methods,
                reason = "the one place that reads the system clock"
            )]
            Source::System => Utc::now(),
            Source::Fixed(t) => t.lock().map(|t| *t).unwrap_or_default(),
        }
    }

    /// Today's date in Beijing.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&beijing()).date_naive()
    }

    /// The current instant as stored (RFC 3339, UTC, whole seconds).
    pub fn now_text(&self) -> String {
        stamp(self.now())
    }
}

/// An instant as stored (RFC 3339, UTC, whole seconds).
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A stored timestamp shown in Beijing time (`YYYY-MM-DD HH:MM`); text that is no timestamp is
/// shown as it is.
pub fn beijing_text(at: &str) -> String {
    DateTime::parse_from_rfc3339(at)
        .map(|t| {
            t.with_timezone(&beijing())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn today_is_the_beijing_date() {
        // 2026-12-02 15:59 UTC is 23:59 in Beijing: still the 2nd; a minute later it is the 3rd.
        let c = Clock::fixed(utc("2026-12-02T15:59:00Z"));
        assert_eq!(c.today().to_string(), "2026-12-02");
        c.advance(Duration::minutes(1));
        assert_eq!(c.today().to_string(), "2026-12-03");
        // 07:59 UTC on the 3rd is 15:59 in Beijing, the 3rd.
        c.set(utc("2026-12-03T07:59:00Z"));
        assert_eq!(c.today().to_string(), "2026-12-03");
        assert_eq!(c.now_text(), "2026-12-03T07:59:00Z");
    }

    #[test]
    fn noon_in_beijing_is_four_utc() {
        let d = NaiveDate::from_ymd_opt(2021, 6, 30).expect("date");
        let c = Clock::at_beijing_noon(d);
        assert_eq!(c.now_text(), "2021-06-30T04:00:00Z");
        assert_eq!(c.today(), d);
    }

    #[test]
    fn stored_times_show_in_beijing() {
        assert_eq!(beijing_text("2026-12-02T16:30:00Z"), "2026-12-03 00:30");
        assert_eq!(beijing_text("导入"), "导入");
    }
}
