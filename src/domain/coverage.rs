//! Coverage figures as exact fractions (`statistics.md` §2): counts add up exactly, and a rate is
//! kept as numerator / denominator until it is displayed, rounded half-up.

use serde::Serialize;

/// The counts of one row of the coverage table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub in_scope: i64,
    pub abnormal: i64,
    pub covered: i64,
    pub own_covered: i64,
    pub work_covered: i64,
    pub should_establish_own: i64,
    pub should_establish_none: i64,
}

impl Counts {
    /// Adds another row's counts (for parent regions and totals).
    pub fn add(&mut self, other: &Counts) {
        self.in_scope += other.in_scope;
        self.abnormal += other.abnormal;
        self.covered += other.covered;
        self.own_covered += other.own_covered;
        self.work_covered += other.work_covered;
        self.should_establish_own += other.should_establish_own;
        self.should_establish_none += other.should_establish_none;
    }

    /// 党的组织覆盖率 = covered / in scope.
    pub fn covered_rate(&self) -> Rate {
        Rate::new(self.covered, self.in_scope)
    }

    /// 党的工作覆盖率 = work covered / in scope.
    pub fn work_covered_rate(&self) -> Rate {
        Rate::new(self.work_covered, self.in_scope)
    }

    /// 单独组建率 = own-covered / in scope.
    pub fn own_rate(&self) -> Rate {
        Rate::new(self.own_covered, self.in_scope)
    }
}

/// An exact rate. The denominator may be zero (an empty region); it then displays as 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub numerator: i64,
    pub denominator: i64,
}

impl Rate {
    pub fn new(numerator: i64, denominator: i64) -> Rate {
        Rate {
            numerator,
            denominator,
        }
    }

    /// The percentage with `decimals` decimals, rounded half-up, without the `%` sign:
    /// 600/700 with one decimal is "85.7". Integer arithmetic only, so 82.25 never becomes
    /// 82.2 through a binary fraction. An empty denominator gives 0.
    pub fn percent(&self, decimals: u32) -> String {
        if self.denominator <= 0 || self.numerator <= 0 {
            return format_scaled(0, decimals);
        }
        let scale = 10i128.pow(decimals);
        let num = i128::from(self.numerator) * 100 * scale;
        let den = i128::from(self.denominator);
        // Half-up: floor((2·num + den) / (2·den)).
        let scaled = (2 * num + den) / (2 * den);
        format_scaled(scaled, decimals)
    }
}

fn format_scaled(scaled: i128, decimals: u32) -> String {
    if decimals == 0 {
        return scaled.to_string();
    }
    let scale = 10i128.pow(decimals);
    format!(
        "{}.{:0width$}",
        scaled / scale,
        scaled % scale,
        width = decimals as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_half_up() {
        // 600/700 = 85.714…% → 85.7
        assert_eq!(Rate::new(600, 700).percent(1), "85.7");
        // 101/120 = 84.1666…% → 84.2 (the spec's example row)
        assert_eq!(Rate::new(101, 120).percent(1), "84.2");
        // 112/120 = 93.333…% → 93.3
        assert_eq!(Rate::new(112, 120).percent(1), "93.3");
        // 329/400 = 82.25% exactly: half-up gives 82.3 (banker's rounding would give 82.2)
        assert_eq!(Rate::new(329, 400).percent(1), "82.3");
        // 1/8 = 12.5% → with 0 decimals, 13
        assert_eq!(Rate::new(1, 8).percent(0), "13");
        // 472/659 = 71.6236…% → 71.62 with two decimals (the source article's 71.62%)
        assert_eq!(Rate::new(472, 659).percent(2), "71.62");
        assert_eq!(Rate::new(5, 5).percent(1), "100.0");
        assert_eq!(Rate::new(0, 0).percent(1), "0.0");
        // 1/3 = 33.333…% with 3 decimals → 33.333
        assert_eq!(Rate::new(1, 3).percent(3), "33.333");
        // 2/3 = 66.666…% → 66.7
        assert_eq!(Rate::new(2, 3).percent(1), "66.7");
    }

    #[test]
    fn counts_add_and_give_rates() {
        let mut a = Counts {
            in_scope: 10,
            covered: 8,
            work_covered: 9,
            ..Counts::default()
        };
        let b = Counts {
            in_scope: 5,
            covered: 1,
            work_covered: 5,
            abnormal: 1,
            ..Counts::default()
        };
        a.add(&b);
        assert_eq!(a.in_scope, 15);
        assert_eq!(a.abnormal, 1);
        // 9/15 = 60%
        assert_eq!(a.covered_rate().percent(1), "60.0");
        // 14/15 = 93.33…%
        assert_eq!(a.work_covered_rate().percent(1), "93.3");
    }
}
