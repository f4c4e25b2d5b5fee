//! Problems found in a workbook, located by sheet, row and column, in the form users read:
//! `社会组织!A7 统一社会信用代码 "51140300MJY00001XM": 校验位错误，应为 N`.

use std::fmt;

use serde::Serialize;

/// Errors block the import; warnings are reported and do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
        }
    }
}

/// One problem. `row` is the row number as Excel shows it; `column` the 0-based column index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub sheet: String,
    pub row: Option<u32>,
    pub column: Option<usize>,
    pub header: String,
    pub value: String,
    pub message: String,
}

/// The column letters Excel shows for a 0-based index: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

impl Problem {
    /// The cell reference: `A7`, or the row number alone, or nothing.
    pub fn cell(&self) -> String {
        match (self.column, self.row) {
            (Some(c), Some(r)) => format!("{}{r}", column_letters(c)),
            (None, Some(r)) => format!("第{r}行"),
            (Some(c), None) => column_letters(c),
            (None, None) => String::new(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.sheet)?;
        let cell = self.cell();
        if !cell.is_empty() {
            write!(f, "!{cell}")?;
        }
        if !self.header.is_empty() {
            write!(f, " {}", self.header)?;
        }
        // The value is shown with its quotes even when empty, so that "missing" is visible.
        let value: String = self.value.chars().take(60).collect();
        let ellipsis = if self.value.chars().count() > 60 {
            "…"
        } else {
            ""
        };
        if self.row.is_some() || !self.value.is_empty() {
            write!(f, " \"{value}{ellipsis}\"")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// How many problems a report keeps in full; beyond it only counts are kept, so that a workbook
/// with a million errors cannot exhaust memory.
pub const MAX_KEPT: usize = 20_000;

/// All problems of one validation: every error and warning, kept up to [`MAX_KEPT`], counted
/// beyond.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub problems: Vec<Problem>,
    pub errors: usize,
    pub warnings: usize,
}

/// The longest value or header a problem keeps (a cell may hold up to 32,767 characters; a
/// report quotes a cell, it does not copy it).
pub const MAX_QUOTED: usize = 200;

fn bounded(text: &mut String) {
    if let Some((cut, _)) = text.char_indices().nth(MAX_QUOTED) {
        text.truncate(cut);
        text.push('…');
    }
}

impl Report {
    pub fn push(&mut self, mut p: Problem) {
        bounded(&mut p.value);
        bounded(&mut p.header);
        match p.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
        if self.problems.len() < MAX_KEPT {
            self.problems.push(p);
        }
    }

    /// Puts a problem at a place in the list (a finding about the whole workbook, made only
    /// once all of it was read, goes before the rows' problems).
    pub fn insert(&mut self, index: usize, mut p: Problem) {
        bounded(&mut p.value);
        bounded(&mut p.header);
        match p.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
        self.problems.insert(index.min(self.problems.len()), p);
        self.problems.truncate(MAX_KEPT);
    }

    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// Problems not kept in full.
    pub fn omitted(&self) -> usize {
        self.errors + self.warnings - self.problems.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_quotes_a_long_cell_cut_short() {
        let mut r = Report::default();
        r.push(Problem {
            severity: Severity::Warning,
            sheet: "社会组织".into(),
            row: Some(1),
            column: Some(30),
            header: "列".repeat(10_000),
            value: "值".repeat(10_000),
            message: "未知的列，已忽略".into(),
        });
        let p = &r.problems[0];
        assert_eq!(p.value.chars().count(), MAX_QUOTED + 1);
        assert!(p.value.ends_with('…'));
        assert_eq!(p.header.chars().count(), MAX_QUOTED + 1);
    }

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn display_matches_the_spec_form() {
        let p = Problem {
            severity: Severity::Error,
            sheet: "社会组织".into(),
            row: Some(7),
            column: Some(0),
            header: "统一社会信用代码".into(),
            value: "51140300MJY00001XM".into(),
            message: "校验位错误，应为 N".into(),
        };
        assert_eq!(
            p.to_string(),
            "社会组织!A7 统一社会信用代码 \"51140300MJY00001XM\": 校验位错误，应为 N"
        );
    }

    #[test]
    fn report_counts_beyond_what_it_keeps() {
        let mut r = Report::default();
        for i in 0..(MAX_KEPT + 5) {
            r.push(Problem {
                severity: Severity::Error,
                sheet: "社会组织".into(),
                row: Some(i as u32 + 2),
                column: None,
                header: String::new(),
                value: String::new(),
                message: "x".into(),
            });
        }
        assert_eq!(r.errors, MAX_KEPT + 5);
        assert_eq!(r.problems.len(), MAX_KEPT);
        assert_eq!(r.omitted(), 5);
    }
}
