//! The validator's state across sheets, and what every sheet shares: locating columns by header,
//! regions by code or name.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::index::*;
use super::{Known, OrgPlace};
use crate::domain::codes::{RegionCode, normalize_code};
use crate::domain::dataset::Dataset;
use crate::domain::region::Region;
use crate::excel::cells;
use crate::excel::columns::{ERROR_COLUMN, SheetSpec};
use crate::excel::problems::{Problem, Report, Severity};
use crate::excel::source::Cell;

/// Locates a sheet's columns by header: the index, and the problems of the header row.
pub(super) fn locate(
    spec: &'static SheetSpec,
    header: &[Cell],
) -> (HashMap<&'static str, usize>, Vec<Problem>) {
    let mut index = HashMap::new();
    let mut problems = Vec::new();
    for (i, cell) in header.iter().enumerate() {
        let Some(text) = cells::text(cell) else {
            continue;
        };
        let h = cells::normalize_header(&text);
        if h.is_empty() || h == ERROR_COLUMN {
            continue;
        }
        let column = spec
            .columns
            .iter()
            .find(|c| c.header == h || c.aliases.contains(&h.as_str()));
        let problem = |message: String| Problem {
            severity: Severity::Warning,
            sheet: spec.name.into(),
            row: Some(1),
            column: Some(i),
            header: h.clone(),
            value: text.clone(),
            message,
        };
        match column {
            Some(c) if index.contains_key(c.header) => {
                problems.push(problem(format!("列“{}”重复，只读取第一列", c.header)));
            }
            Some(c) => {
                index.insert(c.header, i);
            }
            None => problems.push(problem("未知的列，已忽略".into())),
        }
    }
    (index, problems)
}

pub(super) struct Validator<'k> {
    pub(super) known: &'k Known,
    pub(super) today: NaiveDate,
    pub(super) report: Report,
    pub(super) data: Dataset,
    /// Units known so far: the registry's, the 单位 sheet's, and those created on the way.
    pub(super) unit_names: HashSet<String>,
    /// The workbook's orgs by credit code: the row a code is first met in, and the org's
    /// 成立登记日期 once that row proves valid.
    pub(super) orgs: Sharded<CodeKey, Seen>,
    /// Org names met so far, the registry's and then the workbook's: for each name (by
    /// [`name_key`]) the smallest code of the registry that has it, or the first row's code
    /// (also by [`name_key`]: only "is it this org" is asked).
    pub(super) names: Sharded<u64, u64>,
    /// Codes the 摸排 sheet names, and the workbook's orgs among them (for its checks).
    pub(super) census_codes: HashSet<String>,
    pub(super) places: HashMap<String, OrgPlace>,
    /// Party-org names of the 党组织 sheet (by [`name_key`]): the row each is first met in, and
    /// whether a valid record carries it.
    pub(super) party: Sharded<u64, PartySeen>,
    /// The workbook's campaigns (the 摸排活动 sheet): reference date and the regions covered.
    pub(super) campaigns:
        HashMap<String, (chrono::NaiveDate, Vec<crate::domain::codes::RegionCode>)>,
    /// The 覆盖关系 sheet's links by party-org name (by [`name_key`]), until the party org's
    /// 党组织 row takes them (what is left at the end is of party orgs of the registry).
    pub(super) links: Sharded<u64, super::links::LinkGroup>,
    /// The 派驻记录 sheet's stations by instructor (by [`name_key`] of the match key), until the
    /// instructor's 党建指导员 row takes them.
    pub(super) stations: Sharded<u64, super::stations::StationGroup>,
    /// Station groups by name and home unit (by [`name_key`]) for those given with a citizen ID:
    /// the keys of their groups.
    pub(super) station_aliases: HashMap<u64, Vec<u64>>,
    /// The orgs of the stations an instructor's rows took (by the same key), for the checks of
    /// that instructor's further rows.
    pub(super) claimed: HashMap<u64, Vec<CodeKey>>,
    /// The stations taken from the 派驻记录 sheet, until the row's record is made.
    pub(super) taken: HashMap<u64, Vec<crate::domain::dataset::StationRecord>>,
}

/// A sheet with its columns located.
pub(super) struct Mapped {
    pub(super) spec: &'static SheetSpec,
    pub(super) index: HashMap<&'static str, usize>,
}

impl<'k> Validator<'k> {
    pub(super) fn new(
        known: &'k Known,
        today: NaiveDate,
        unit_names: HashSet<String>,
    ) -> Validator<'k> {
        Validator {
            known,
            today,
            report: Report::default(),
            data: Dataset::default(),
            unit_names,
            orgs: Sharded::new(),
            names: Sharded::new(),
            census_codes: HashSet::new(),
            places: HashMap::new(),
            party: Sharded::new(),
            campaigns: HashMap::new(),
            links: Sharded::new(),
            stations: Sharded::new(),
            claimed: HashMap::new(),
            station_aliases: HashMap::new(),
            taken: HashMap::new(),
        }
    }
}

impl Validator<'_> {
    pub(super) fn sheet_error(&mut self, sheet: &str, message: &str) {
        self.report.push(Problem {
            severity: Severity::Error,
            sheet: sheet.into(),
            row: None,
            column: None,
            header: String::new(),
            value: String::new(),
            message: message.into(),
        });
    }

    /// Locates the columns by header; reports unknown, duplicate and missing required ones.
    /// `None` when a required column is missing (the sheet's rows cannot be read then).
    pub(super) fn map(&mut self, spec: &'static SheetSpec, header: &[Cell]) -> Option<Mapped> {
        let (index, problems) = locate(spec, header);
        for p in problems {
            self.report.push(p);
        }
        let mut complete = true;
        for c in spec.columns.iter().filter(|c| c.required) {
            if !index.contains_key(c.header) {
                complete = false;
                self.report.push(Problem {
                    severity: Severity::Error,
                    sheet: spec.name.into(),
                    row: Some(1),
                    column: None,
                    header: c.header.into(),
                    value: String::new(),
                    message: format!("缺少必填列“{}”；请按模板在第1行填写表头", c.header),
                });
            }
        }
        complete.then_some(Mapped { spec, index })
    }

    pub(super) fn resolve_region(regions: &[Region], text: &str) -> Result<RegionCode, String> {
        let t = normalize_code(text);
        let name = text.trim();
        // "阳泉市城区" names a county by its full name: the root's name as a prefix is accepted.
        let root = regions.iter().find(|r| r.parent.is_none());
        let short = root
            .and_then(|r| name.strip_prefix(r.name.as_str()))
            .filter(|s| !s.is_empty());
        if (name == "市本级" || matches!(short, Some("本级" | "市本级")))
            && let Some(root) = root
        {
            return Ok(root.code.clone());
        }
        let found = regions
            .iter()
            .find(|r| r.code.as_str() == t || r.name == name || Some(r.name.as_str()) == short);
        found.map(|r| r.code.clone()).ok_or_else(|| {
            let examples: Vec<String> = regions
                .iter()
                .take(3)
                .map(|r| format!("{} {}", r.code.as_str(), r.name))
                .collect();
            format!(
                "区划不存在；应为系统中的区划代码或名称，例如 {}",
                examples.join("、")
            )
        })
    }
}
