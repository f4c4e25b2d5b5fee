//! The 派驻记录 sheet: instructors' stations with their own dates (`import-format.md`). Read
//! before the 党建指导员 sheet: an instructor's first row there takes the stations whole (they
//! replace its rows' 派驻日期 / 撤回日期, and every org its rows list must be among them); the
//! stations of instructors of the registry without a row are written as they are at the end.

use super::cx::Cx;
use super::index::*;
use super::instructor_key;
use super::links::overlap;
use super::validator::{Mapped, Validator};
use crate::domain::codes::{CitizenId, CreditCode};
use crate::domain::dataset::{InstructorStations, StationRecord};
use crate::excel::problems::{Problem, Severity};
use crate::excel::source::Row;

#[derive(Debug, Clone, Copy)]
struct StationRow {
    code: CodeKey,
    from: Day,
    to: Day,
    row: u32,
}

/// The stations of one instructor, until its 党建指导员 row (or the end) takes them.
#[derive(Debug)]
pub(super) struct StationGroup {
    name: String,
    citizen_id: Option<CitizenId>,
    home_unit: String,
    stations: Vec<StationRow>,
}

impl StationGroup {
    /// Another group's stations added (rows of one person given with and without the ID).
    pub(super) fn merge(&mut self, other: StationGroup) {
        self.stations.extend(other.stations);
        if self.citizen_id.is_none() {
            self.citizen_id = other.citizen_id;
        }
    }

    pub(super) fn records(&self) -> Vec<StationRecord> {
        self.stations
            .iter()
            .filter_map(|s| {
                Some(StationRecord {
                    credit_code: code_of(&s.code)?,
                    from: date_of(s.from)?,
                    to: date_of(s.to),
                })
            })
            .collect()
    }

    /// The orgs of the stations, for the checks of the instructor's rows.
    pub(super) fn orgs(&self) -> Vec<CodeKey> {
        let mut out: Vec<CodeKey> = self.stations.iter().map(|s| s.code).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

const SHEET: &str = "派驻记录";

impl Validator<'_> {
    /// One row of the 派驻记录 sheet.
    pub(super) fn station_row(&mut self, m: &Mapped, row: &Row) {
        let known = self.known;
        let mut cx = Cx::new(m, row, &mut self.report);
        let name = cx.required_text("姓名");
        let citizen_id = cx.parsed("身份证号", |t| {
            CitizenId::parse(t).map_err(|e| e.to_string())
        });
        let home = cx.required_text("派出单位");
        let org = cx
            .required_text("统一社会信用代码")
            .and_then(|t| match CreditCode::parse(&t) {
                Err(e) => cx.error(
                    "统一社会信用代码",
                    format!("不是有效的统一社会信用代码：{e}"),
                ),
                Ok(code) => match org_date(&self.orgs, known, &code) {
                    Some(_) => Some(code),
                    None => cx.error("统一社会信用代码", "在工作簿和系统中均不存在".into()),
                },
            });
        let from = cx.date("派驻日期", true);
        let to = cx.date("撤回日期", false);
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            cx.error::<()>("撤回日期", format!("撤回日期 {t} 应晚于派驻日期 {f}"));
        }
        let (false, Some(name), Some(home), Some(code), Some(from)) =
            (cx.failed, name, home, org, from)
        else {
            return;
        };
        let key = instructor_key(citizen_id.as_ref().map(|c| c.as_str()), &name, &home);
        // A row with a citizen ID is also found by name and home unit (a 党建指导员 row without
        // the ID is the same person).
        if citizen_id.is_some() {
            let by_name = name_key(&instructor_key(None, &name, &home));
            let aliases = self.station_aliases.entry(by_name).or_default();
            if !aliases.contains(&name_key(&key)) {
                aliases.push(name_key(&key));
            }
        }
        let group = self
            .stations
            .entry(name_key(&key))
            .or_insert_with(|| StationGroup {
                name,
                citizen_id,
                home_unit: home,
                stations: Vec::new(),
            });
        group.stations.push(StationRow {
            code: code_key(&code),
            from: day(Some(from)),
            to: day(to),
            row: row.number,
        });
    }

    /// The end of the 派驻记录 sheet: the stations of one instructor in one org must not
    /// overlap.
    pub(super) fn end_stations(&mut self) {
        let mut problems = Vec::new();
        for group in self.stations.values_mut() {
            group.stations.sort_by_key(|s| (s.code, s.from));
            for pair in group.stations.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                if a.code == b.code && (a.to == NO_DAY || a.to > b.from) {
                    problems.push(overlap(SHEET, "派驻日期", b.row, a.row, "派驻"));
                }
            }
        }
        for p in problems {
            self.report.push(p);
        }
    }

    /// The stations of instructors of the registry without a row in the 党建指导员 sheet, to be
    /// written as they are; the stations of an instructor neither the workbook nor the
    /// registry has are errors.
    pub(super) fn leftover_stations(&mut self) -> Vec<InstructorStations> {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        for (_, g) in self.stations.drain() {
            let key = instructor_key(
                g.citizen_id.as_ref().map(|c| c.as_str()),
                &g.name,
                &g.home_unit,
            );
            if self.known.instructors.contains(&key) {
                out.push(InstructorStations {
                    stations: g.records(),
                    name: g.name,
                    citizen_id: g.citizen_id,
                    home_unit: g.home_unit,
                });
            } else {
                let first = g.stations.iter().map(|s| s.row).min().unwrap_or(1);
                problems.push(Problem {
                    severity: Severity::Error,
                    sheet: SHEET.into(),
                    row: Some(first),
                    column: None,
                    header: "姓名".into(),
                    value: g.name,
                    message: "该指导员（按身份证号，无身份证号时按姓名和派出单位）在本工作簿“党建指导员”表和系统中均不存在".into(),
                });
            }
        }
        problems.sort_by_key(|p| p.row);
        for p in problems {
            self.report.push(p);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}
