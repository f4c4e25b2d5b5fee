//! One row being read: its cells by header, parsed by the field rules, problems located.

use chrono::NaiveDate;

use super::validator::Mapped;
use crate::excel::cells;
use crate::excel::problems::{Problem, Report, Severity};
use crate::excel::source::{Cell, Row};

/// One row being read: its cells by header, and the problems found in it.
pub(super) struct Cx<'a> {
    pub(super) m: &'a Mapped,
    pub(super) row: &'a Row,
    pub(super) report: &'a mut Report,
    pub(super) failed: bool,
}

pub(super) static EMPTY: Cell = Cell::Empty;

impl<'a> Cx<'a> {
    pub(super) fn new(m: &'a Mapped, row: &'a Row, report: &'a mut Report) -> Cx<'a> {
        Cx {
            m,
            row,
            report,
            failed: false,
        }
    }

    pub(super) fn column(&self, header: &str) -> Option<usize> {
        self.m.index.get(header).copied()
    }

    pub(super) fn raw(&self, header: &str) -> &'a Cell {
        self.column(header)
            .and_then(|i| self.row.cells.get(i))
            .unwrap_or(&EMPTY)
    }

    pub(super) fn push(
        &mut self,
        severity: Severity,
        header: &str,
        value: String,
        message: String,
    ) {
        self.report.push(Problem {
            severity,
            sheet: self.m.spec.name.into(),
            row: Some(self.row.number),
            column: self.column(header),
            header: header.into(),
            value,
            message,
        });
    }

    /// Records an error on a cell and answers `None`, so that a parse can end in it.
    pub(super) fn error<T>(&mut self, header: &str, message: String) -> Option<T> {
        let value = cells::display(self.raw(header));
        self.error_value(header, &value, message)
    }

    pub(super) fn error_value<T>(
        &mut self,
        header: &str,
        value: &str,
        message: String,
    ) -> Option<T> {
        self.failed = true;
        self.push(Severity::Error, header, value.to_string(), message);
        None
    }

    pub(super) fn warning(&mut self, header: &str, message: String) {
        let value = cells::display(self.raw(header));
        self.push(Severity::Warning, header, value, message);
    }

    /// Reports an Excel error value or a formula without a result; true when the cell is usable.
    pub(super) fn usable(&mut self, header: &str) -> bool {
        if let Cell::Error(e) = self.raw(header) {
            let e = e.clone();
            self.error::<()>(header, e);
            return false;
        }
        true
    }

    pub(super) fn text(&mut self, header: &str) -> Option<String> {
        if !self.usable(header) {
            return None;
        }
        cells::text(self.raw(header))
    }

    pub(super) fn required_text(&mut self, header: &str) -> Option<String> {
        if !self.usable(header) {
            return None;
        }
        match cells::text(self.raw(header)) {
            Some(t) => Some(t),
            None => self.error(header, "必填项为空".into()),
        }
    }

    pub(super) fn parsed<T>(
        &mut self,
        header: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.text(header)?;
        match parse(&text) {
            Ok(v) => Some(v),
            Err(e) => self.error(header, e),
        }
    }

    pub(super) fn label<T>(
        &mut self,
        header: &str,
        required: bool,
        parse: fn(&str) -> Option<T>,
        labels: fn() -> String,
    ) -> Option<T> {
        let text = if required {
            self.required_text(header)?
        } else {
            self.text(header)?
        };
        match parse(&text) {
            Some(v) => Some(v),
            None => self.error(header, format!("无法识别，应为 {}", labels())),
        }
    }

    pub(super) fn date(&mut self, header: &str, required: bool) -> Option<NaiveDate> {
        if !self.usable(header) {
            return None;
        }
        match cells::date(self.raw(header)) {
            Ok(Some(d)) => Some(d),
            Ok(None) if required => {
                self.error(header, "必填项为空；应为日期，如 2022-06-02".into())
            }
            Ok(None) => None,
            Err(e) => self.error(header, e),
        }
    }

    pub(super) fn count(&mut self, header: &str, required: bool) -> Option<i64> {
        if !self.usable(header) {
            return None;
        }
        match cells::count(self.raw(header)) {
            Ok(Some(n)) => Some(n),
            Ok(None) if required => {
                self.error(header, "必填项为空；应为不小于0的整数，没有请填 0".into())
            }
            Ok(None) => None,
            Err(e) => self.error(header, e),
        }
    }

    pub(super) fn yes_no(&mut self, header: &str) -> Option<bool> {
        if !self.usable(header) {
            return None;
        }
        match cells::yes_no(self.raw(header)) {
            Ok(v) => v,
            Err(e) => self.error(header, e),
        }
    }

    pub(super) fn list(&mut self, header: &str) -> Vec<String> {
        if !self.usable(header) {
            return Vec::new();
        }
        cells::list(self.raw(header))
    }
}
