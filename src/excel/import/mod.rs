//! Validating a workbook into a [`Dataset`] (`import-format.md`): every sheet, every row, every
//! problem reported with its place; cross-references checked against the workbook and the
//! registry. Nothing is written here: [`import`] writes only a workbook without errors, in one
//! transaction (all or nothing).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::cells;
use super::columns::{self, HELP_SHEET, SheetSpec};
use super::problems::{Problem, Report, Severity};
use super::source::{Cell, Row, Sheet, Workbook};
use crate::domain::codes::{CreditCode, RegionCode};
use crate::domain::dataset::{Dataset, OrgRecord};
use crate::domain::region::Region;

/// An org as the census sheet checks a row against it.
#[derive(Debug, Clone)]
pub struct OrgPlace {
    pub name: String,
    pub region: RegionCode,
    pub registered_on: NaiveDate,
    pub terminated_on: Option<NaiveDate>,
}

impl OrgPlace {
    fn of(o: &OrgRecord) -> OrgPlace {
        OrgPlace {
            name: o.name.clone(),
            region: o.region.clone(),
            registered_on: o.registered_on,
            terminated_on: o.terminated_on,
        }
    }
}

/// What the registry already holds, for cross-references and defaults.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub regions: Vec<Region>,
    pub units: HashSet<String>,
    /// Credit code → (registered_on, counts_on).
    pub orgs: HashMap<String, (NaiveDate, Option<NaiveDate>)>,
    pub party_orgs: HashSet<String>,
    /// Party org name → its stored 上级党组织, where it has one (accepted as it is: see
    /// `party_orgs` in the validator).
    pub party_org_parents: HashMap<String, String>,
    /// Party org name → its 成立日期 and 撤销日期 (for the 覆盖关系 sheet's checks).
    pub party_org_dates: HashMap<String, (NaiveDate, Option<NaiveDate>)>,
    /// The instructors by their match key ([`instructor_key`]), for the 派驻记录 sheet.
    pub instructors: HashSet<String>,
    /// Credit code → the org's name, region and dates, for the census sheet's checks.
    pub org_places: HashMap<String, OrgPlace>,
    /// Census campaigns by name: (reference date, the regions they cover).
    pub campaigns: HashMap<String, (NaiveDate, Vec<RegionCode>)>,
}

/// How an instructor is matched (`import-format.md`): by citizen ID, else by name and home unit.
pub fn instructor_key(citizen_id: Option<&str>, name: &str, home_unit: &str) -> String {
    match citizen_id {
        Some(id) => format!("id:{id}"),
        None => format!("name:{name}\u{1f}{home_unit}"),
    }
}

/// Validates a workbook. The dataset is complete only when the report has no error.
pub fn validate(wb: &Workbook, known: &Known, today: NaiveDate) -> (Dataset, Report) {
    let names: Vec<String> = wb.sheets.iter().map(|s| s.name.clone()).collect();
    let mut v = Validation::new(known, today, &names);
    let find = |spec: &SheetSpec| wb.sheets.iter().find(|s| s.name.trim() == spec.name);
    if let Some(s) = find(&columns::CENSUS) {
        v.census_codes(s);
    }
    if let Some(s) = find(&columns::UNITS) {
        v.units(s);
    }
    if let Some(s) = find(&columns::CAMPAIGNS) {
        v.campaigns(s);
    }
    for pass in Pass::STREAMED {
        if let Some(s) = find(pass.spec()) {
            v.begin(pass, &s.header);
            for row in &s.rows {
                v.row(row);
            }
            v.end();
        }
    }
    if let Some(s) = find(&columns::CENSUS) {
        v.census(s);
    }
    v.finish()
}

/// The passes over the sheets that may be long, in the order they are read; each reads its
/// sheet row by row (see [`Validation`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    Orgs,
    /// The names of the 党组织 sheet, read first: a 上级党组织 may be named further down.
    PartyNames,
    /// The 覆盖关系 sheet, before the 党组织 rows that take its links.
    Links,
    PartyOrgs,
    /// The 派驻记录 sheet, before the 党建指导员 rows that take its stations.
    Stations,
    Instructors,
    Positions,
}

impl Pass {
    pub const STREAMED: [Pass; 7] = [
        Pass::Orgs,
        Pass::PartyNames,
        Pass::Links,
        Pass::PartyOrgs,
        Pass::Stations,
        Pass::Instructors,
        Pass::Positions,
    ];

    /// The sheet the pass reads.
    pub fn spec(self) -> &'static SheetSpec {
        match self {
            Pass::Orgs => &columns::ORGS,
            Pass::PartyNames | Pass::PartyOrgs => &columns::PARTY_ORGS,
            Pass::Links => &columns::LINKS,
            Pass::Stations => &columns::STATIONS,
            Pass::Instructors => &columns::INSTRUCTORS,
            Pass::Positions => &columns::POSITIONS,
        }
    }
}

/// A validation fed sheet by sheet and row by row, so that a workbook too large to hold is read
/// as it streams out of its file ([`validate`] feeds it a workbook held in memory; the CLI's
/// import of an .xlsx file streams it). The order: the 摸排 sheet's codes
/// ([`census_codes`](Self::census_codes)), the 单位 sheet, each [`Pass`] (`begin`, every `row`,
/// `end`), the 摸排 sheet, [`finish`](Self::finish). What sheets refer to across (credit codes
/// with their dates, org names, party-org names) is kept in compact indexes rather than as
/// records, and the records validated so far can be [`take`](Self::take)n at any point and
/// written, so that only a part of a large workbook is ever held.
pub struct Validation<'k> {
    v: Validator<'k>,
    /// Problems reported before any sheet was read (where "no data rows" goes).
    head: usize,
    has_orgs_sheet: bool,
    data_rows: usize,
    current: Option<Current>,
}

/// The pass being read.
struct Current {
    pass: Pass,
    /// The sheet's columns; `None` when a required one is missing (the rows are not read then).
    m: Option<Mapped>,
    /// Instructor key → index among the records not yet taken (rows of one person merge).
    instructors: HashMap<String, usize>,
    /// The city's own region (a new home unit of an instructor is placed there).
    root: Option<RegionCode>,
}

impl<'k> Validation<'k> {
    /// Starts a validation of a workbook with these sheets: unknown sheets are reported, and a
    /// workbook without the 社会组织 sheet is refused.
    pub fn new(known: &'k Known, today: NaiveDate, sheet_names: &[String]) -> Validation<'k> {
        let mut v = Validator::new(known, today, known.units.clone());
        for sheet in sheet_names {
            let name = sheet.trim();
            if name != HELP_SHEET && !columns::SHEETS.iter().any(|s| s.name == name) {
                v.report.push(Problem {
                    severity: Severity::Warning,
                    sheet: sheet.clone(),
                    row: None,
                    column: None,
                    header: String::new(),
                    value: String::new(),
                    message: "未知的工作表，已忽略".into(),
                });
            }
        }
        let has_orgs_sheet = sheet_names.iter().any(|s| s.trim() == columns::ORGS.name);
        if !has_orgs_sheet {
            v.sheet_error(
                columns::ORGS.name,
                "缺少必需的工作表“社会组织”：文件不是导入模板格式的工作簿。请在“导入”页面下载模板（命令行：dangjian template）填写后导入；单个 CSV 文件请以工作表命名，如“社会组织.csv”",
            );
        }
        Validation {
            head: v.report.problems.len(),
            v,
            has_orgs_sheet,
            data_rows: 0,
            current: None,
        }
    }

    /// Notes the orgs the 摸排 sheet names: the 摸排 rows are checked against those orgs' names,
    /// regions and dates, which are kept for them alone as the 社会组织 sheet is read.
    pub fn census_codes(&mut self, sheet: &Sheet) {
        let index = locate(&columns::CENSUS, &sheet.header).0;
        if let Some(&col) = index.get("统一社会信用代码") {
            self.v.census_codes = sheet
                .rows
                .iter()
                .filter_map(|r| r.cells.get(col).and_then(cells::text))
                .filter_map(|t| CreditCode::parse(&t).ok())
                .map(|c| c.as_str().to_string())
                .collect();
        }
    }

    /// The 单位 sheet, whole (it is short).
    pub fn units(&mut self, sheet: &Sheet) {
        self.data_rows += sheet.rows.len();
        self.v.units(sheet);
    }

    /// The 摸排活动 sheet, whole (it is short), before the 摸排 sheet.
    pub fn campaigns(&mut self, sheet: &Sheet) {
        self.data_rows += sheet.rows.len();
        self.v.campaigns(sheet);
    }

    /// Starts a pass over its sheet, given the sheet's first row.
    pub fn begin(&mut self, pass: Pass, header: &[Cell]) {
        let m = match pass {
            // Only the names are read: the sheet's columns are reported by its main pass.
            Pass::PartyNames => Some(Mapped {
                spec: pass.spec(),
                index: locate(pass.spec(), header).0,
            }),
            _ => self.v.map(pass.spec(), header),
        };
        if pass == Pass::Orgs {
            self.v.start_names();
        }
        self.current = Some(Current {
            pass,
            m,
            instructors: HashMap::new(),
            root: self
                .v
                .known
                .regions
                .iter()
                .find(|r| r.parent.is_none())
                .map(|r| r.code.clone()),
        });
    }

    /// One row of the current pass (blank rows are not given).
    pub fn row(&mut self, row: &Row) {
        let Some(cur) = &mut self.current else {
            return;
        };
        if cur.pass != Pass::PartyNames {
            self.data_rows += 1;
        }
        let Some(m) = &cur.m else {
            return;
        };
        match cur.pass {
            Pass::Orgs => self.v.org_row(m, row),
            Pass::PartyNames => self.v.party_name(m, row),
            Pass::Links => self.v.link_row(m, row),
            Pass::PartyOrgs => self.v.party_row(m, row),
            Pass::Stations => self.v.station_row(m, row),
            Pass::Instructors => {
                self.v
                    .instructor_row(m, &mut cur.instructors, cur.root.as_ref(), row);
            }
            Pass::Positions => self.v.position_row(m, row),
        }
    }

    /// Ends the current pass.
    pub fn end(&mut self) {
        match self.current.as_ref().map(|c| c.pass) {
            // The org names serve the 社会组织 sheet alone.
            Some(Pass::Orgs) => self.v.names = Sharded::new(),
            Some(Pass::Links) => self.v.end_links(),
            Some(Pass::Stations) => self.v.end_stations(),
            _ => {}
        }
        self.current = None;
    }

    /// The 摸排 sheet, whole, after the other sheets.
    pub fn census(&mut self, sheet: &Sheet) {
        self.data_rows += sheet.rows.len();
        let workbook = std::mem::take(&mut self.v.places);
        let known = &self.v.known.org_places;
        self.v.data.census = self.v.census(sheet, [&workbook, known], &|_| true);
    }

    /// The records validated since the last take, in order; complete only when the whole
    /// workbook turns out to have no error.
    pub fn take(&mut self) -> Dataset {
        if let Some(cur) = &mut self.current {
            cur.instructors.clear();
        }
        std::mem::take(&mut self.v.data)
    }

    /// Records held (not yet taken), for deciding when to take a part.
    pub fn held(&self) -> usize {
        let d = &self.v.data;
        d.orgs.len() + d.party_orgs.len() + d.instructors.len() + d.positions.len()
    }

    pub fn has_errors(&self) -> bool {
        self.v.report.has_errors()
    }

    /// The records not taken, and the report of the whole workbook.
    pub fn finish(mut self) -> (Dataset, Report) {
        // What the 覆盖关系 and 派驻记录 sheets give for records of the registry that the
        // workbook's own sheets do not have.
        let links = self.v.leftover_links();
        self.v.data.party_links = links;
        let stations = self.v.leftover_stations();
        self.v.data.instructor_stations = stations;
        if self.data_rows == 0 && self.has_orgs_sheet {
            self.v.report.insert(
                self.head,
                Problem {
                    severity: Severity::Error,
                    sheet: columns::ORGS.name.into(),
                    row: None,
                    column: None,
                    header: String::new(),
                    value: String::new(),
                    message: "工作簿中没有任何数据行（只有表头）；请在表头下方逐行填写后再导入"
                        .into(),
                },
            );
        }
        (self.v.data, self.v.report)
    }
}

mod campaigns;
mod census;
mod cx;
mod index;
mod instructors;
mod links;
mod orgs;
mod party_orgs;
mod positions;
mod stations;
mod units;
mod validator;

pub use census::validate_census;
use index::*;
use validator::{Mapped, Validator, locate};

#[cfg(test)]
mod tests;
