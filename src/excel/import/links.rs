//! The 覆盖关系 sheet: coverage links with their own dates (`import-format.md`). Read after the
//! 党组织 sheet's names and before its rows: each party org's 党组织 row takes its links whole
//! (they replace the defaults of its 覆盖社会组织 cell, which must agree with them); the links of
//! party orgs of the registry without a row are written as they are at the end.

use super::cx::Cx;
use super::index::*;
use super::validator::{Mapped, Validator};
use crate::domain::dataset::{CoverageRecord, PartyLinks};
use crate::excel::problems::{Problem, Severity};
use crate::excel::source::Row;

/// One link as the sheet gives it, compact (a workbook of a million orgs has about as many).
#[derive(Debug, Clone, Copy)]
pub(super) struct LinkRow {
    code: CodeKey,
    from: Day,
    to: Day,
    row: u32,
}

/// The links of one party org, until its 党组织 row (or the end of the workbook) takes them.
#[derive(Debug, Default)]
pub(super) struct LinkGroup {
    /// The party org's name when it is not in the workbook's 党组织 sheet (a party org of the
    /// registry, whose links are written at the end); `None` when its row takes them.
    name: Option<Box<str>>,
    links: Vec<LinkRow>,
}

impl LinkGroup {
    /// The links as records, in the sheet's order.
    pub(super) fn covers(&self) -> Vec<CoverageRecord> {
        self.links
            .iter()
            .filter_map(|l| {
                Some(CoverageRecord {
                    credit_code: code_of(&l.code)?,
                    from: date_of(l.from)?,
                    to: date_of(l.to),
                })
            })
            .collect()
    }
}

const SHEET: &str = "覆盖关系";

impl Validator<'_> {
    /// One row of the 覆盖关系 sheet.
    pub(super) fn link_row(&mut self, m: &Mapped, row: &Row) {
        let known = self.known;
        let mut cx = Cx::new(m, row, &mut self.report);
        let party = cx.required_text("党组织名称");
        // The party org's dates: its 党组织 row's (as far as they parse), or the registry's.
        let in_workbook = party
            .as_ref()
            .and_then(|n| self.party.get(&name_key(n)).copied());
        let dates = match (&party, in_workbook) {
            (_, Some(p)) => Some((date_of(p.founded), date_of(p.dissolved))),
            (Some(n), None) => known.party_org_dates.get(n).map(|(f, d)| (Some(*f), *d)),
            (None, None) => None,
        };
        if party.is_some() && dates.is_none() {
            cx.error::<()>("党组织名称", "在工作簿“党组织”表和系统中均不存在".into());
        }
        let org = cx.required_text("统一社会信用代码").and_then(|t| {
            match crate::domain::codes::CreditCode::parse(&t) {
                Err(e) => cx.error(
                    "统一社会信用代码",
                    format!("不是有效的统一社会信用代码：{e}"),
                ),
                Ok(code) => match org_date(&self.orgs, known, &code) {
                    Some(registered) => Some((code, registered)),
                    None => cx.error("统一社会信用代码", "在工作簿和系统中均不存在".into()),
                },
            }
        });
        let from = cx.date("起始日期", true);
        let mut to = cx.date("终止日期", false);
        let (founded, dissolved) = dates.unwrap_or((None, None));
        if let Some(f) = from {
            if let Some(p) = founded
                && f < p
            {
                cx.error::<()>("起始日期", format!("起始日期 {f} 早于党组织的成立日期 {p}"));
            }
            if let Some((_, registered)) = &org
                && f < *registered
            {
                cx.error::<()>(
                    "起始日期",
                    format!("起始日期 {f} 早于社会组织的成立登记日期 {registered}"),
                );
            }
            if let Some(d) = dissolved
                && f >= d
            {
                cx.error::<()>(
                    "起始日期",
                    format!("起始日期 {f} 不早于党组织的撤销日期 {d}"),
                );
            }
            if let Some(t) = to
                && t <= f
            {
                cx.error::<()>("终止日期", format!("终止日期 {t} 应晚于起始日期 {f}"));
            }
        }
        match (to, dissolved) {
            (Some(t), Some(d)) if t > d => {
                cx.error::<()>("终止日期", format!("终止日期 {t} 晚于党组织的撤销日期 {d}"));
            }
            // A dissolved party org's open link ends with it (statistics.md §2).
            (None, Some(d)) => to = Some(d),
            _ => {}
        }
        let (false, Some(party), Some((code, _)), Some(from)) = (cx.failed, party, org, from)
        else {
            return;
        };
        let group = self.links.entry(name_key(&party)).or_default();
        if in_workbook.is_none() && group.name.is_none() {
            group.name = Some(party.into());
        }
        group.links.push(LinkRow {
            code: code_key(&code),
            from: day(Some(from)),
            to: day(to),
            row: row.number,
        });
    }

    /// The end of the 覆盖关系 sheet: the links of one party org and one social org must not
    /// overlap.
    pub(super) fn end_links(&mut self) {
        let mut problems = Vec::new();
        for group in self.links.values_mut() {
            group.links.sort_by_key(|l| (l.code, l.from));
            for pair in group.links.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                if a.code == b.code && (a.to == NO_DAY || a.to > b.from) {
                    problems.push(overlap(SHEET, "起始日期", b.row, a.row, "覆盖"));
                }
            }
        }
        for p in problems {
            self.report.push(p);
        }
    }

    /// The links of party orgs of the registry that have no row in the workbook's 党组织 sheet,
    /// to be written as they are.
    pub(super) fn leftover_links(&mut self) -> Vec<PartyLinks> {
        let mut out: Vec<PartyLinks> = self
            .links
            .drain()
            .filter_map(|(_, g)| {
                let covers = g.covers();
                g.name.map(|name| PartyLinks {
                    party_org: name.into(),
                    covers,
                })
            })
            .collect();
        out.sort_by(|a, b| a.party_org.cmp(&b.party_org));
        out
    }
}

/// An error for a row whose period overlaps an earlier row's.
pub(super) fn overlap(sheet: &str, header: &str, row: u32, other: u32, what: &str) -> Problem {
    Problem {
        severity: Severity::Error,
        sheet: sheet.into(),
        row: Some(row),
        column: None,
        header: header.into(),
        value: String::new(),
        message: format!("与第{other}行的{what}期间重叠；同一对象的各段期间不得重叠"),
    }
}
