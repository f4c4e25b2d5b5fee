//! Validating a workbook into a [`Dataset`] (`import-format.md`): every sheet, every row, every
//! problem reported with its place; cross-references checked against the workbook and the
//! registry. Nothing is written here: [`import`] writes only a workbook without errors, in one
//! transaction (all or nothing).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::cells;
use super::columns::{self, ERROR_COLUMN, HELP_SHEET, SheetSpec};
use super::problems::{Problem, Report, Severity};
use super::source::{Cell, Row, Sheet, Workbook};
use crate::db::{Db, DbResult, Region, Scope, WriteSummary};
use crate::domain::census::CensusReturn;
use crate::domain::codes::{
    CitizenId, CodeCategory, CreditCode, Phone, RegionCode, normalize_code,
};
use crate::domain::dataset::{
    CensusRecord, CoverageRecord, Dataset, InstructorRecord, OrgRecord, PartyOrgRecord,
    PositionRecord, PositionTarget, StationRecord, UnitRecord,
};
use crate::domain::model::{
    Formation, ORG_TITLES, OperatingState, OrgKind, OrgStatus, PARTY_TITLES, PartyOrgKind,
    PartyOrgStatus, StationRole, UnitKind,
};

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
    /// Credit code → the org's name, region and dates, for the census sheet's checks.
    pub org_places: HashMap<String, OrgPlace>,
    /// Census campaigns by name: (reference date, the regions they cover).
    pub campaigns: HashMap<String, (NaiveDate, Vec<RegionCode>)>,
}

impl Known {
    /// Loads the reference data of the registry (read narrowly: its orgs' key facts, unit and
    /// party-org names).
    pub async fn load(db: &Db) -> DbResult<Known> {
        let mut orgs = HashMap::new();
        let mut org_places = HashMap::new();
        let (units, party) = db
            .registry_keys(|o| {
                orgs.insert(o.credit_code.clone(), (o.registered_on, o.counts_on));
                org_places.insert(
                    o.credit_code,
                    OrgPlace {
                        name: o.name,
                        region: o.region,
                        registered_on: o.registered_on,
                        terminated_on: o.terminated_on,
                    },
                );
            })
            .await?;
        let campaigns = db
            .campaign_index()
            .await?
            .into_iter()
            .map(|(name, (_, date, regions))| (name, (date, regions)))
            .collect();
        Ok(Known {
            org_places,
            campaigns,
            regions: db.regions().await?,
            units: units.into_iter().collect(),
            orgs,
            party_org_parents: party
                .iter()
                .filter_map(|(name, parent)| parent.clone().map(|p| (name.clone(), p)))
                .collect(),
            party_orgs: party.into_iter().map(|(name, _)| name).collect(),
        })
    }
}

/// The result of an import: the report, and what was written when there was no error.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub report: Report,
    pub written: Option<WriteSummary>,
}

/// Validates a workbook and, when it has no error, writes it in one transaction.
pub async fn import(
    db: &Db,
    scope: &Scope,
    wb: &Workbook,
    actor: &str,
    today: NaiveDate,
) -> DbResult<ImportOutcome> {
    let known = Known::load(db).await?;
    let (dataset, report) = validate(wb, &known, today);
    if report.has_errors() {
        return Ok(ImportOutcome {
            report,
            written: None,
        });
    }
    let written = db.write_dataset(scope, &dataset, actor, today).await?;
    Ok(ImportOutcome {
        report,
        written: Some(written),
    })
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
    PartyOrgs,
    Instructors,
    Positions,
}

impl Pass {
    pub const STREAMED: [Pass; 5] = [
        Pass::Orgs,
        Pass::PartyNames,
        Pass::PartyOrgs,
        Pass::Instructors,
        Pass::Positions,
    ];

    /// The sheet the pass reads.
    pub fn spec(self) -> &'static SheetSpec {
        match self {
            Pass::Orgs => &columns::ORGS,
            Pass::PartyNames | Pass::PartyOrgs => &columns::PARTY_ORGS,
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
            Pass::PartyOrgs => self.v.party_row(m, row),
            Pass::Instructors => {
                self.v
                    .instructor_row(m, &mut cur.instructors, cur.root.as_ref(), row);
            }
            Pass::Positions => self.v.position_row(m, row),
        }
    }

    /// Ends the current pass.
    pub fn end(&mut self) {
        // The org names serve the 社会组织 sheet alone.
        if self.current.as_ref().is_some_and(|c| c.pass == Pass::Orgs) {
            self.v.names = Sharded::new();
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

/// A credit code as a fixed-size key: its 18 ASCII characters, 7 bits each, nine to a word, so
/// that keys order as the codes do. The indexes of a workbook of a million orgs hold codes this
/// way (24 bytes an entry with its value) rather than as strings.
type CodeKey = [u64; 2];

fn code_key(code: &CreditCode) -> CodeKey {
    let mut key = [0u64; 2];
    for (i, b) in code.as_str().bytes().take(18).enumerate() {
        key[i / 9] = (key[i / 9] << 7) | u64::from(b & 0x7f);
    }
    key
}

/// A map in 64 shards by the key: each shard grows on its own, so that a map of a million
/// entries never holds two whole tables at once while it grows (a hash table grows by copying
/// itself into one twice its size).
struct Sharded<K, V> {
    shards: Vec<HashMap<K, V>>,
}

/// Which of the 64 shards a key goes to.
trait Shard {
    fn shard(&self) -> usize;
}

impl Shard for u64 {
    /// (The keys are hashes already.)
    fn shard(&self) -> usize {
        (*self >> 58) as usize
    }
}

impl Shard for CodeKey {
    fn shard(&self) -> usize {
        ((self[0] ^ self[1]).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize
    }
}

impl<K: Shard + std::hash::Hash + Eq, V> Sharded<K, V> {
    fn new() -> Self {
        Sharded {
            shards: (0..64).map(|_| HashMap::new()).collect(),
        }
    }

    fn get(&self, key: &K) -> Option<&V> {
        self.shards[key.shard()].get(key)
    }

    fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.shards[key.shard()].get_mut(key)
    }

    fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }

    fn insert(&mut self, key: K, value: V) {
        self.shards[key.shard()].insert(key, value);
    }

    fn entry(&mut self, key: K) -> std::collections::hash_map::Entry<'_, K, V> {
        self.shards[key.shard()].entry(key)
    }
}

/// A workbook org in the index: the row its code is first met in, and its 成立登记日期 (as days
/// of the common era) once that row proves valid.
#[derive(Debug, Clone, Copy)]
struct Seen {
    row: u32,
    registered: i32,
}

impl Seen {
    const NOT_VALID: i32 = i32::MIN;

    fn first(row: u32) -> Seen {
        Seen {
            row,
            registered: Seen::NOT_VALID,
        }
    }

    fn valid(row: u32, registered: NaiveDate) -> Seen {
        use chrono::Datelike;
        Seen {
            row,
            registered: registered.num_days_from_ce(),
        }
    }

    fn registered(self) -> Option<NaiveDate> {
        (self.registered != Seen::NOT_VALID)
            .then(|| NaiveDate::from_num_days_from_ce_opt(self.registered))
            .flatten()
    }
}

/// A name as a 64-bit hash, for the indexes of names: a collision between two of a million
/// names has a chance of about 1 in 30 million (and would cost a needless "same name" warning,
/// or an accepted name of a party org that the write then refuses).
fn name_key(name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    name.hash(&mut h);
    h.finish()
}

/// The 成立登记日期 of an org named by code, from the workbook (when its row is valid) or the
/// registry.
fn org_date(orgs: &Sharded<CodeKey, Seen>, known: &Known, code: &CreditCode) -> Option<NaiveDate> {
    orgs.get(&code_key(code))
        .and_then(|s| s.registered())
        .or_else(|| known.orgs.get(code.as_str()).map(|(d, _)| *d))
}

/// Locates a sheet's columns by header: the index, and the problems of the header row.
fn locate(
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

/// Validates the 摸排 sheet of a workbook alone (a campaign's own upload): every row must be a
/// return for an org of the registry that `allowed` accepts (the uploader's scope). Other sheets
/// are ignored with a warning. The records are complete only when the report has no error.
pub fn validate_census(
    wb: &Workbook,
    known: &Known,
    allowed: &dyn Fn(&str) -> bool,
    today: NaiveDate,
) -> (Vec<CensusRecord>, Report) {
    let mut v = Validator::new(known, today, HashSet::new());
    for sheet in &wb.sheets {
        let name = sheet.name.trim();
        if name != HELP_SHEET && name != columns::CENSUS.name {
            v.report.push(Problem {
                severity: Severity::Warning,
                sheet: sheet.name.clone(),
                row: None,
                column: None,
                header: String::new(),
                value: String::new(),
                message: "摸排表上传只读取“摸排”工作表，此表已忽略".into(),
            });
        }
    }
    let records = match wb
        .sheets
        .iter()
        .find(|s| s.name.trim() == columns::CENSUS.name)
    {
        Some(s) if !s.rows.is_empty() => v.census(s, [&HashMap::new(), &known.org_places], allowed),
        Some(_) => {
            v.sheet_error(
                columns::CENSUS.name,
                "“摸排”工作表中没有任何数据行（只有表头）；请逐行填写后再上传",
            );
            Vec::new()
        }
        None => {
            v.sheet_error(
                columns::CENSUS.name,
                "缺少“摸排”工作表；请先下载本次摸排的摸排表，填写后上传",
            );
            Vec::new()
        }
    };
    (records, v.report)
}

struct Validator<'k> {
    known: &'k Known,
    today: NaiveDate,
    report: Report,
    data: Dataset,
    /// Units known so far: the registry's, the 单位 sheet's, and those created on the way.
    unit_names: HashSet<String>,
    /// The workbook's orgs by credit code: the row a code is first met in, and the org's
    /// 成立登记日期 once that row proves valid.
    orgs: Sharded<CodeKey, Seen>,
    /// Org names met so far, the registry's and then the workbook's: for each name (by
    /// [`name_key`]) the smallest code of the registry that has it, or the first row's code
    /// (also by [`name_key`]: only "is it this org" is asked).
    names: Sharded<u64, u64>,
    /// Codes the 摸排 sheet names, and the workbook's orgs among them (for its checks).
    census_codes: HashSet<String>,
    places: HashMap<String, OrgPlace>,
    /// Party-org names of the 党组织 sheet (by [`name_key`]): the row each is first met in, and
    /// whether a valid record carries it.
    party: Sharded<u64, (u32, bool)>,
}

/// A sheet with its columns located.
struct Mapped {
    spec: &'static SheetSpec,
    index: HashMap<&'static str, usize>,
}

impl<'k> Validator<'k> {
    fn new(known: &'k Known, today: NaiveDate, unit_names: HashSet<String>) -> Validator<'k> {
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
        }
    }
}

impl Validator<'_> {
    fn sheet_error(&mut self, sheet: &str, message: &str) {
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
    fn map(&mut self, spec: &'static SheetSpec, header: &[Cell]) -> Option<Mapped> {
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

    fn resolve_region(regions: &[Region], text: &str) -> Result<RegionCode, String> {
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

    fn units(&mut self, sheet: &Sheet) {
        let known = self.known;
        let Some(m) = self.map(&columns::UNITS, &sheet.header) else {
            return;
        };
        let mut seen: HashMap<String, u32> = HashMap::new();
        for row in &sheet.rows {
            let mut cx = Cx::new(&m, row, &mut self.report);
            let name = cx.required_text("单位名称");
            let kind = cx.label("单位类别", true, UnitKind::from_label, UnitKind::labels);
            let region = cx.required_text("所属区划").and_then(|t| {
                match Self::resolve_region(&known.regions, &t) {
                    Ok(r) => Some(r),
                    Err(e) => cx.error("所属区划", e),
                }
            });
            let carries = cx.yes_no("承担党建工作");
            if let Some(n) = &name {
                if let Some(first) = seen.get(n) {
                    cx.error::<()>("单位名称", format!("单位名称与第{first}行重复"));
                } else {
                    seen.insert(n.clone(), row.number);
                }
            }
            if let (false, Some(name), Some(kind), Some(region)) = (cx.failed, name, kind, region) {
                self.unit_names.insert(name.clone());
                self.data.units.push(UnitRecord {
                    name,
                    kind,
                    region,
                    carries_party_building: carries
                        .unwrap_or_else(|| kind.carries_party_building_by_default()),
                });
            }
        }
    }

    /// Creates a unit named in another sheet that neither the registry nor the 单位 sheet knows.
    fn implicit_unit(&mut self, name: &str, kind: UnitKind, region: &RegionCode) -> bool {
        if self.unit_names.contains(name) {
            return false;
        }
        self.unit_names.insert(name.to_string());
        self.data.units.push(UnitRecord {
            name: name.to_string(),
            kind,
            region: region.clone(),
            carries_party_building: kind.carries_party_building_by_default(),
        });
        true
    }

    /// Indexes the registry's org names before the 社会组织 sheet: a second org of the same name
    /// is allowed (names are not unique by law) but asked about. (The smallest code of a name
    /// shared already, so that the same workbook always gets the same warnings.)
    fn start_names(&mut self) {
        let mut smallest: HashMap<u64, &str> = HashMap::new();
        for (code, p) in &self.known.org_places {
            let entry = smallest.entry(name_key(&p.name)).or_insert(code);
            if code.as_str() < *entry {
                *entry = code;
            }
        }
        self.names = Sharded::new();
        for (name, code) in smallest {
            self.names.insert(name, name_key(code));
        }
    }

    /// One row of the 社会组织 sheet.
    fn org_row(&mut self, m: &Mapped, row: &Row) {
        let known = self.known;
        let mut cx = Cx::new(m, row, &mut self.report);
        let code = cx
            .required_text("统一社会信用代码")
            .and_then(|t| match CreditCode::parse(&t) {
                Ok(c) => Some(c),
                Err(e) => cx.error("统一社会信用代码", e.to_string()),
            });
        let mut code_kind = None;
        if let Some(c) = &code {
            match self.orgs.get(&code_key(c)) {
                Some(first) => {
                    let first = first.row;
                    cx.error::<()>("统一社会信用代码", format!("与第{first}行的信用代码重复"));
                }
                None => {
                    self.orgs.insert(code_key(c), Seen::first(row.number));
                }
            }
            let category = c.category();
            match category {
                    CodeCategory::Enterprise => {
                        cx.error::<()>(
                            "统一社会信用代码",
                            "第1位为9，是企业、个体工商户或农民专业合作社等市场主体，属于非公有制经济组织党建范围，不能作为社会组织导入".into(),
                        );
                    }
                    CodeCategory::Other => cx.warning(
                        "统一社会信用代码",
                        format!("信用代码前两位“{}”不属于社会团体、民办非企业单位、基金会或律师事务所，按“其他”类型导入", &c.as_str()[..2]),
                    ),
                    _ => {}
                }
            code_kind = category.org_kind().map(|k| (k, category));
            if !c.inner_check_ok() {
                let expected = c
                    .expected_inner_check()
                    .map(|e| format!("，应为 {e}"))
                    .unwrap_or_default();
                cx.warning(
                    "统一社会信用代码",
                    format!(
                        "第9–17位组织机构代码的校验位与 GB 11714 不符{expected}（警告，不影响导入）"
                    ),
                );
            }
        }
        let name = cx.required_text("名称");
        if let (Some(n), Some(c)) = (&name, &code) {
            match self.names.get(&name_key(n)) {
                // The other org is not named: a county's form must not reveal an org
                // outside its scope (the data-quality page lists the pairs in scope).
                Some(other) if *other != name_key(c.as_str()) => cx.warning(
                    "名称",
                    "与系统或本表中的另一个社会组织同名，请核实是否重复登记".into(),
                ),
                Some(_) => {}
                None => {
                    self.names.insert(name_key(n), name_key(c.as_str()));
                }
            }
        }
        if let Some(n) = &name
            && n.chars().count() > 100
        {
            cx.error::<()>(
                "名称",
                format!("名称过长（{} 个字符），应为1–100个字符", n.chars().count()),
            );
        }
        let kind = cx.label("类型", true, OrgKind::from_label, OrgKind::labels);
        if let (Some(k), Some((expected, category)), Some(c)) = (kind, code_kind, &code)
            && k != expected
        {
            cx.error::<()>(
                "类型",
                format!(
                    "与信用代码前两位“{}”（{}）不一致",
                    &c.as_str()[..2],
                    category.describe()
                ),
            );
        }
        let region = cx
            .required_text("登记管理机关区划")
            .and_then(|t| match Self::resolve_region(&known.regions, &t) {
                Ok(r) => Some(r),
                Err(e) => cx.error("登记管理机关区划", e),
            });
        let supervising = cx.text("业务主管单位");
        let registered_on = cx.date("成立登记日期", true);
        let status = cx.label("登记状态", true, OrgStatus::from_label, OrgStatus::labels);
        let terminated_on = cx.date("注销撤销日期", false);
        match (status, terminated_on) {
            (Some(s), None) if s.is_terminated() => {
                cx.error::<()>(
                    "注销撤销日期",
                    format!("登记状态为“{}”时必须填写注销撤销日期", s.label()),
                );
            }
            (Some(s), Some(_)) if !s.is_terminated() => {
                cx.error::<()>(
                    "注销撤销日期",
                    format!("登记状态为“{}”时注销撤销日期应为空", s.label()),
                );
            }
            _ => {}
        }
        if let (Some(r), Some(t)) = (registered_on, terminated_on)
            && t < r
        {
            cx.error::<()>(
                "注销撤销日期",
                format!("注销撤销日期 {t} 早于成立登记日期 {r}"),
            );
        }
        let address = cx.text("住所");
        let legal = cx.text("法定代表人");
        let staff = cx.count("从业人员数", false);
        let members = cx.count("会员数", false);
        let formal = cx.count("正式党员数", true);
        let probationary = cx.count("预备党员数", false);
        let charter_party = cx.yes_no("党建入章");
        let charter_values = cx.yes_no("核心价值观入章");
        let counts_on = cx.date("填报日期", false);
        let failed = cx.failed;
        let (
            Some(code),
            Some(name),
            Some(kind),
            Some(region),
            Some(registered_on),
            Some(status),
            Some(formal),
        ) = (code, name, kind, region, registered_on, status, formal)
        else {
            return;
        };
        if let Some(unit) = &supervising
            && self.implicit_unit(unit, UnitKind::Department, &region)
        {
            let mut cx = Cx::new(m, row, &mut self.report);
            cx.warning("业务主管单位", "系统中没有该单位，保存时将按“行业主管部门”新建（不承担党建工作）；如有误请改正，或先在“单位”中添加".into());
        }
        if failed {
            return;
        }
        // An empty 填报日期 means "as of the import", but re-importing the same workbook must
        // change nothing: an org already registered keeps its recorded date.
        let counts_on = counts_on
            .or_else(|| self.known.orgs.get(code.as_str()).and_then(|(_, d)| *d))
            .or(Some(self.today));
        self.orgs
            .insert(code_key(&code), Seen::valid(row.number, registered_on));
        let record = OrgRecord {
            credit_code: code,
            name,
            kind,
            region,
            supervising_unit: supervising,
            registered_on,
            status,
            terminated_on,
            address,
            legal_representative: legal,
            staff_count: staff,
            member_count: members,
            formal_members: formal,
            probationary_members: probationary,
            charter_party_building: charter_party,
            charter_core_values: charter_values,
            counts_on,
        };
        if self.census_codes.contains(record.credit_code.as_str()) {
            self.places.insert(
                record.credit_code.as_str().to_string(),
                OrgPlace::of(&record),
            );
        }
        self.data.orgs.push(record);
    }

    /// Parses a list of credit codes; each must name an org of the workbook or the registry.
    fn org_list(
        cx: &mut Cx,
        header: &str,
        orgs: &Sharded<CodeKey, Seen>,
        known: &Known,
    ) -> Vec<(CreditCode, NaiveDate)> {
        let mut out: Vec<(CreditCode, NaiveDate)> = Vec::new();
        for item in cx.list(header) {
            match CreditCode::parse(&item) {
                Err(e) => {
                    cx.error_value::<()>(header, &item, format!("不是有效的统一社会信用代码：{e}"))
                }
                Ok(code) => match org_date(orgs, known, &code) {
                    None => cx.error_value::<()>(header, &item, "在工作簿和系统中均不存在".into()),
                    Some(d) if !out.iter().any(|(c, _)| *c == code) => {
                        out.push((code, d));
                        None
                    }
                    Some(_) => None,
                },
            };
        }
        if out.is_empty() && !cx.failed {
            cx.error::<()>(header, "必填项为空；请填写至少一个统一社会信用代码".into());
        }
        out
    }

    /// A name of the 党组织 sheet, read before its rows are checked.
    fn party_name(&mut self, m: &Mapped, row: &Row) {
        let name = m
            .index
            .get("党组织名称")
            .and_then(|&i| row.cells.get(i))
            .and_then(cells::text);
        if let Some(n) = name {
            self.party
                .entry(name_key(&n))
                .or_insert((row.number, false));
        }
    }

    /// One row of the 党组织 sheet.
    fn party_row(&mut self, m: &Mapped, row: &Row) {
        let mut cx = Cx::new(m, row, &mut self.report);
        let name = cx.required_text("党组织名称");
        if let Some(n) = &name
            && let Some((first, _)) = self.party.get(&name_key(n))
            && *first != row.number
        {
            cx.error::<()>("党组织名称", format!("党组织名称与第{first}行重复"));
        }
        let kind = cx.label(
            "组织类别",
            true,
            PartyOrgKind::from_label,
            PartyOrgKind::labels,
        );
        let formation = cx.label("组建方式", true, Formation::from_label, Formation::labels);
        if kind == Some(PartyOrgKind::JointBranch) && formation == Some(Formation::Own) {
            cx.error::<()>("组建方式", "联合党支部的组建方式应为“联合组建”".into());
        }
        let parent = cx.text("上级党组织");
        if let Some(p) = &parent {
            let known = self.party.contains_key(&name_key(p))
                || self.known.party_orgs.contains(p)
                || self.unit_names.contains(p);
            // A parent stored before this rule (sessions 1–2 kept unknown parents with a
            // warning) stays acceptable for that party org, so that the registry's own
            // export re-imports; a new or changed unknown parent is an error.
            let stored = name
                .as_ref()
                .and_then(|n| self.known.party_org_parents.get(n))
                == Some(p);
            if !known && stored {
                cx.warning(
                        "上级党组织",
                        "在工作簿和系统中均不存在，系统中已按此保存，未作更改；请核实后改为党组织或单位名称".into(),
                    );
            } else if !known {
                cx.error::<()>(
                        "上级党组织",
                        "在工作簿和系统中均不存在（应为本表或系统中的党组织名称，或单位名称；上级单位可先在“单位”表中添加）".into(),
                    );
            }
        }
        let founded = cx.date("成立日期", true);
        let dissolved = cx.date("撤销日期", false);
        if let (Some(f), Some(d)) = (founded, dissolved)
            && d <= f
        {
            cx.error::<()>("撤销日期", format!("撤销日期 {d} 应晚于成立日期 {f}"));
        }
        let mut covers = Self::org_list(&mut cx, "覆盖社会组织", &self.orgs, self.known);
        if formation == Some(Formation::Own) && covers.len() > 1 {
            cx.error::<()>(
                "覆盖社会组织",
                format!(
                    "单独组建的党组织只能覆盖一个社会组织，此处填写了 {} 个",
                    covers.len()
                ),
            );
        }
        // A dissolved party org's coverage ended with it: an org registered only after that was
        // never covered by it. Asked about and left out rather than refused, so that a registry
        // holding such a link (kept before this rule) still re-imports its own export.
        if let (Some(f), Some(d)) = (founded, dissolved) {
            covers.retain(|(code, registered)| {
                let after = f.max(*registered) >= d;
                if after {
                    cx.push(
                        Severity::Warning,
                        "覆盖社会组织",
                        code.as_str().to_string(),
                        format!(
                            "该社会组织 {registered} 才成立登记，党组织已于 {d} 撤销，不计覆盖（未保存此覆盖关系）"
                        ),
                    );
                }
                !after
            });
        }
        let members = cx.count("党员人数", false);
        let secretary = cx.text("书记姓名");
        if let (false, Some(name), Some(kind), Some(formation), Some(founded)) =
            (cx.failed, name, kind, formation, founded)
        {
            // The links of a dissolved party org end with it (an export lists the orgs it
            // covered when it was dissolved).
            let covers = covers
                .into_iter()
                .map(|(credit_code, registered)| CoverageRecord {
                    credit_code,
                    from: founded.max(registered),
                    to: dissolved,
                })
                .collect();
            if let Some(entry) = self.party.get_mut(&name_key(&name)) {
                entry.1 = true;
            }
            self.data.party_orgs.push(PartyOrgRecord {
                name,
                kind,
                formation,
                parent,
                founded_on: founded,
                dissolved_on: dissolved,
                covers,
                member_count: members,
                secretary,
            });
        }
    }

    /// One row of the 党建指导员 sheet; `seen` indexes the records not yet taken by key.
    fn instructor_row(
        &mut self,
        m: &Mapped,
        seen: &mut HashMap<String, usize>,
        root: Option<&RegionCode>,
        row: &Row,
    ) {
        let mut cx = Cx::new(m, row, &mut self.report);
        let name = cx.required_text("姓名");
        let citizen_id = cx.parsed("身份证号", |t| {
            CitizenId::parse(t).map_err(|e| e.to_string())
        });
        let phone = cx.parsed("手机号", |t| Phone::parse(t).map_err(|e| e.to_string()));
        let home = cx.required_text("派出单位");
        let role = cx
            .label("角色", false, StationRole::from_label, StationRole::labels)
            .unwrap_or(StationRole::Instructor);
        let orgs = Self::org_list(&mut cx, "指导社会组织", &self.orgs, self.known);
        let from = cx.date("派驻日期", true);
        let to = cx.date("撤回日期", false);
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            cx.error::<()>("撤回日期", format!("撤回日期 {t} 应晚于派驻日期 {f}"));
        }
        let failed = cx.failed;
        if let (Some(home), Some(root)) = (&home, root)
            && self.implicit_unit(home, UnitKind::MemberUnit, root)
        {
            let mut cx = Cx::new(m, row, &mut self.report);
            cx.warning(
                "派出单位",
                "系统中没有该单位，保存时将按“其他委员单位”新建；如有误请改正，或先在“单位”中添加"
                    .into(),
            );
        }
        let (false, Some(name), Some(home_unit), Some(from)) = (failed, name, home, from) else {
            return;
        };
        let stations = orgs.into_iter().map(|(credit_code, _)| StationRecord {
            credit_code,
            from,
            to,
        });
        // Several rows of one person (matched by citizen ID, else name and home unit) are one
        // instructor with several stations.
        let key = match &citizen_id {
            Some(id) => format!("id:{}", id.as_str()),
            None => format!("name:{name}\u{1f}{home_unit}"),
        };
        match seen.get(&key) {
            Some(&i) => self.data.instructors[i].stations.extend(stations),
            // (A person whose rows fall into several parts has a record in each; the write
            // keeps the fields of the first, as here within a part.)
            None => {
                seen.insert(key, self.data.instructors.len());
                self.data.instructors.push(InstructorRecord {
                    name,
                    citizen_id,
                    phone,
                    home_unit,
                    role,
                    stations: stations.collect(),
                });
            }
        }
    }

    /// One row of the 任职 sheet.
    fn position_row(&mut self, m: &Mapped, row: &Row) {
        let known = self.known;
        let mut cx = Cx::new(m, row, &mut self.report);
        let name = cx.required_text("姓名");
        let citizen_id = cx.parsed("身份证号", |t| {
            CitizenId::parse(t).map_err(|e| e.to_string())
        });
        let is_member = cx.yes_no("是否党员");
        let target = cx.required_text("任职组织").and_then(|t| {
            let code = CreditCode::parse(&t)
                .ok()
                .filter(|c| org_date(&self.orgs, known, c).is_some());
            let in_workbook = self
                .party
                .get(&name_key(&t))
                .is_some_and(|(_, valid)| *valid);
            if let Some(code) = code {
                Some(PositionTarget::Org(code))
            } else if in_workbook || known.party_orgs.contains(&t) {
                Some(PositionTarget::PartyOrg(t))
            } else {
                cx.error(
                    "任职组织",
                    "在工作簿和系统中既不是社会组织的信用代码，也不是党组织名称".into(),
                )
            }
        });
        let title = cx.required_text("职务");
        if let (Some(t), Some(target)) = (&title, &target) {
            let (allowed, what) = match target {
                PositionTarget::Org(_) => (ORG_TITLES, "社会组织"),
                PositionTarget::PartyOrg(_) => (PARTY_TITLES, "党组织"),
            };
            if !allowed.contains(&t.as_str()) {
                cx.error::<()>("职务", format!("{what}的职务应为 {}", allowed.join(" / ")));
            }
        }
        let from = cx.date("任职日期", true);
        let to = cx.date("离任日期", false);
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            cx.error::<()>("离任日期", format!("离任日期 {t} 应晚于任职日期 {f}"));
        }
        if let (false, Some(name), Some(target), Some(title), Some(from)) =
            (cx.failed, name, target, title, from)
        {
            self.data.positions.push(PositionRecord {
                name,
                citizen_id,
                is_party_member: is_member,
                target,
                title,
                from,
                to,
            });
        }
    }
}

impl Validator<'_> {
    /// The 摸排 sheet: each row a return for an org of a known campaign, in the campaign's
    /// region and in scope at its reference date; one row per campaign and org.
    fn census(
        &mut self,
        sheet: &Sheet,
        // The workbook's orgs first, then the registry's (neither copied into the other).
        places: [&HashMap<String, OrgPlace>; 2],
        allowed: &dyn Fn(&str) -> bool,
    ) -> Vec<CensusRecord> {
        let known = self.known;
        let Some(m) = self.map(&columns::CENSUS, &sheet.header) else {
            return Vec::new();
        };
        let mut seen: HashMap<(String, String), u32> = HashMap::new();
        let mut out = Vec::new();
        // The return's own columns: a row with none of them filled is a return not yet filled in
        // (the campaign's download lists every org), skipped rather than refused.
        const RETURN_COLUMNS: [&str; 7] = [
            "运行状态",
            "从业人员数",
            "会员数",
            "正式党员数",
            "预备党员数",
            "党组织状况",
            "备注",
        ];
        for row in &sheet.rows {
            let mut cx = Cx::new(&m, row, &mut self.report);
            let blank = |cell: &Cell| match cell {
                Cell::Empty => true,
                Cell::Text(t) => t.trim().is_empty(),
                _ => false,
            };
            if RETURN_COLUMNS.iter().all(|h| blank(cx.raw(h))) {
                continue;
            }
            let campaign =
                cx.required_text("摸排名称")
                    .and_then(|name| match known.campaigns.get(&name) {
                        Some(c) => Some((name, c)),
                        None => cx.error(
                            "摸排名称",
                            "系统中没有这个摸排；请先在“摸排”页面开启，或核对名称".into(),
                        ),
                    });
            let code =
                cx.required_text("统一社会信用代码")
                    .and_then(|t| match CreditCode::parse(&t) {
                        Ok(c) => Some(c),
                        Err(e) => cx.error("统一社会信用代码", e.to_string()),
                    });
            if let (Some((name, (reference, regions))), Some(c)) = (&campaign, &code) {
                // Nothing about an org the uploader may not see is told (not even whether its
                // code exists): one message for all of those.
                match places.iter().find_map(|p| p.get(c.as_str())) {
                    _ if !allowed(c.as_str()) => {
                        cx.error::<()>(
                            "统一社会信用代码",
                            "不在本次摸排范围内，或不在您的管理范围内".into(),
                        );
                    }
                    None => {
                        cx.error::<()>("统一社会信用代码", "系统中没有这个社会组织".into());
                    }
                    Some(place) => {
                        let in_scope = place.registered_on <= *reference
                            && place.terminated_on.is_none_or(|t| *reference < t);
                        if !regions.contains(&place.region) {
                            cx.error::<()>(
                                "统一社会信用代码",
                                format!(
                                    "这个社会组织的登记区划 {} 不在摸排“{name}”的范围内",
                                    place.region.as_str()
                                ),
                            );
                        } else if !in_scope {
                            cx.error::<()>(
                                "统一社会信用代码",
                                format!(
                                    "这个社会组织在摸排基准日 {reference} 未在册（尚未成立或已注销、撤销），不在本次摸排范围内"
                                ),
                            );
                        }
                        // The name is there for checking: another name means a wrong code.
                        if let Some(given) = cx.text("社会组织名称")
                            && given.trim() != place.name
                        {
                            cx.error::<()>(
                                "社会组织名称",
                                format!(
                                    "与信用代码对应的社会组织“{}”不一致，请核对信用代码",
                                    place.name
                                ),
                            );
                        }
                    }
                }
                let key = (name.clone(), c.as_str().to_string());
                if let Some(first) = seen.get(&key) {
                    cx.error::<()>(
                        "统一社会信用代码",
                        format!("与第{first}行重复：同一摸排中每个社会组织只填一行"),
                    );
                } else {
                    seen.insert(key, row.number);
                }
            }
            let operating = cx.label(
                "运行状态",
                true,
                OperatingState::from_label,
                OperatingState::labels,
            );
            let staff = cx.count("从业人员数", false);
            let members = cx.count("会员数", false);
            let formal = cx.count("正式党员数", true);
            let probationary = cx.count("预备党员数", false);
            let party = cx.label(
                "党组织状况",
                true,
                PartyOrgStatus::from_label,
                PartyOrgStatus::labels,
            );
            let confirmed = cx.yes_no("已确认").unwrap_or(false);
            let note = cx.text("备注");
            let (Some((name, _)), Some(code), Some(operating), Some(formal), Some(party)) =
                (campaign, code, operating, formal, party)
            else {
                continue;
            };
            let ret = CensusReturn {
                operating_state: operating,
                staff_count: staff,
                member_count: members,
                formal_members: formal,
                probationary_members: probationary.unwrap_or(0),
                party_org_status: party,
                note,
            };
            for (field, message) in ret.problems() {
                let header = match field {
                    "staff_count" => "从业人员数",
                    "member_count" => "会员数",
                    "probationary_members" => "预备党员数",
                    "note" => "备注",
                    _ => "正式党员数",
                };
                cx.error::<()>(header, message);
            }
            if !cx.failed {
                out.push(CensusRecord {
                    campaign: name,
                    credit_code: code,
                    ret,
                    confirmed,
                });
            }
        }
        out
    }
}

/// One row being read: its cells by header, and the problems found in it.
struct Cx<'a> {
    m: &'a Mapped,
    row: &'a Row,
    report: &'a mut Report,
    failed: bool,
}

static EMPTY: Cell = Cell::Empty;

impl<'a> Cx<'a> {
    fn new(m: &'a Mapped, row: &'a Row, report: &'a mut Report) -> Cx<'a> {
        Cx {
            m,
            row,
            report,
            failed: false,
        }
    }

    fn column(&self, header: &str) -> Option<usize> {
        self.m.index.get(header).copied()
    }

    fn raw(&self, header: &str) -> &'a Cell {
        self.column(header)
            .and_then(|i| self.row.cells.get(i))
            .unwrap_or(&EMPTY)
    }

    fn push(&mut self, severity: Severity, header: &str, value: String, message: String) {
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
    fn error<T>(&mut self, header: &str, message: String) -> Option<T> {
        let value = cells::display(self.raw(header));
        self.error_value(header, &value, message)
    }

    fn error_value<T>(&mut self, header: &str, value: &str, message: String) -> Option<T> {
        self.failed = true;
        self.push(Severity::Error, header, value.to_string(), message);
        None
    }

    fn warning(&mut self, header: &str, message: String) {
        let value = cells::display(self.raw(header));
        self.push(Severity::Warning, header, value, message);
    }

    /// Reports an Excel error value or a formula without a result; true when the cell is usable.
    fn usable(&mut self, header: &str) -> bool {
        if let Cell::Error(e) = self.raw(header) {
            let e = e.clone();
            self.error::<()>(header, e);
            return false;
        }
        true
    }

    fn text(&mut self, header: &str) -> Option<String> {
        if !self.usable(header) {
            return None;
        }
        cells::text(self.raw(header))
    }

    fn required_text(&mut self, header: &str) -> Option<String> {
        if !self.usable(header) {
            return None;
        }
        match cells::text(self.raw(header)) {
            Some(t) => Some(t),
            None => self.error(header, "必填项为空".into()),
        }
    }

    fn parsed<T>(&mut self, header: &str, parse: impl Fn(&str) -> Result<T, String>) -> Option<T> {
        let text = self.text(header)?;
        match parse(&text) {
            Ok(v) => Some(v),
            Err(e) => self.error(header, e),
        }
    }

    fn label<T>(
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

    fn date(&mut self, header: &str, required: bool) -> Option<NaiveDate> {
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

    fn count(&mut self, header: &str, required: bool) -> Option<i64> {
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

    fn yes_no(&mut self, header: &str) -> Option<bool> {
        if !self.usable(header) {
            return None;
        }
        match cells::yes_no(self.raw(header)) {
            Ok(v) => v,
            Err(e) => self.error(header, e),
        }
    }

    fn list(&mut self, header: &str) -> Vec<String> {
        if !self.usable(header) {
            return Vec::new();
        }
        cells::list(self.raw(header))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn regions() -> Vec<Region> {
        let r = |code: &str, name: &str, parent: Option<&str>| Region {
            code: RegionCode::parse(code).unwrap(),
            name: name.into(),
            parent: parent.map(|p| RegionCode::parse(p).unwrap()),
        };
        vec![
            r("140300", "阳泉市", None),
            r("140302", "城区", Some("140300")),
            r("140322", "盂县", Some("140300")),
        ]
    }

    /// A workbook of a 社会组织 sheet with only a code column (its missing columns are its own
    /// errors) and a 党组织 sheet of one row (row 2).
    fn party_workbook(headers: &[&str], row: &[&str]) -> Workbook {
        let text = |s: &&str| Cell::Text(s.to_string());
        Workbook {
            sheets: vec![
                Sheet {
                    name: "社会组织".into(),
                    header: vec![text(&"统一社会信用代码")],
                    rows: Vec::new(),
                },
                Sheet {
                    name: "党组织".into(),
                    header: headers.iter().map(text).collect(),
                    rows: vec![Row {
                        number: 2,
                        cells: row.iter().map(text).collect(),
                    }],
                },
            ],
        }
    }

    #[test]
    fn an_unknown_parent_is_an_error_unless_the_system_stored_it_so() {
        let code = CreditCode::from_body("51140300MJY000010").unwrap();
        let date = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let known = Known {
            regions: regions(),
            units: HashSet::new(),
            orgs: HashMap::from([(code.as_str().to_string(), (date, None))]),
            party_orgs: HashSet::from(["甲协会党支部".to_string()]),
            party_org_parents: HashMap::from([("甲协会党支部".to_string(), "旧上级".to_string())]),
            org_places: HashMap::new(),
            campaigns: HashMap::new(),
        };
        let workbook = |name: &str, parent: &str| {
            party_workbook(
                &[
                    "党组织名称",
                    "组织类别",
                    "组建方式",
                    "上级党组织",
                    "成立日期",
                    "覆盖社会组织",
                ],
                &[
                    name,
                    "党支部",
                    "单独组建",
                    parent,
                    "2020-01-01",
                    code.as_str(),
                ],
            )
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        let parent_problems = |name: &str, parent: &str| {
            let (_, report) = validate(&workbook(name, parent), &known, today);
            report
                .problems
                .into_iter()
                .filter(|p| p.header == "上级党组织")
                .map(|p| p.severity)
                .collect::<Vec<_>>()
        };
        // The parent the system stored for this party org: a warning only.
        assert_eq!(
            parent_problems("甲协会党支部", "旧上级"),
            [Severity::Warning]
        );
        // Changed to another unknown name, or given to another party org: an error.
        assert_eq!(parent_problems("甲协会党支部", "新上级"), [Severity::Error]);
        assert_eq!(parent_problems("乙协会党支部", "旧上级"), [Severity::Error]);
    }

    #[test]
    fn a_dissolved_party_orgs_links_end_with_it() {
        let old = CreditCode::from_body("51140300MJY000010").unwrap();
        let young = CreditCode::from_body("51140300MJY000020").unwrap();
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let known = Known {
            regions: regions(),
            orgs: HashMap::from([
                (old.as_str().to_string(), (d(2015, 1, 1), None)),
                (young.as_str().to_string(), (d(2020, 1, 1), None)),
            ]),
            ..Known::default()
        };
        // A joint branch founded 2018-03-01 and dissolved 2019-06-30.
        let workbook = |covers: &str| {
            party_workbook(
                &[
                    "党组织名称",
                    "组织类别",
                    "组建方式",
                    "成立日期",
                    "撤销日期",
                    "覆盖社会组织",
                ],
                &[
                    "联合党支部",
                    "联合党支部",
                    "联合组建",
                    "2018-03-01",
                    "2019-06-30",
                    covers,
                ],
            )
        };
        let today = d(2026, 11, 28);
        // The org registered 2015: covered from the founding 2018-03-01 until the dissolution.
        // (The 社会组织 sheet here has only a code column: its missing columns are its errors.)
        let (data, report) = validate(&workbook(old.as_str()), &known, today);
        assert!(
            report.problems.iter().all(|p| p.sheet != "党组织"),
            "{:?}",
            report.problems
        );
        let covers = &data.party_orgs[0].covers;
        assert_eq!(covers.len(), 1);
        assert_eq!(
            (covers[0].from, covers[0].to),
            (d(2018, 3, 1), Some(d(2019, 6, 30)))
        );
        // The org registered 2020, after the dissolution, cannot have been covered by it: asked
        // about and left out, the party org kept.
        let (data, report) = validate(&workbook(young.as_str()), &known, today);
        assert_eq!(data.party_orgs.len(), 1);
        assert!(data.party_orgs[0].covers.is_empty());
        let p = report
            .problems
            .iter()
            .find(|p| p.header == "覆盖社会组织")
            .expect("an error on the list");
        assert_eq!(p.severity, Severity::Warning);
        assert_eq!(p.value, young.as_str());
        assert!(p.message.contains("2019-06-30"), "{}", p.message);
    }

    #[test]
    fn a_second_org_of_the_same_name_is_asked_about() {
        let existing = CreditCode::from_body("51140300MJY000010").unwrap();
        let new = CreditCode::from_body("51140300MJY000020").unwrap();
        let date = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        let place = OrgPlace {
            name: "甲协会".into(),
            region: RegionCode::parse("140300").unwrap(),
            registered_on: date,
            terminated_on: None,
        };
        let known = Known {
            regions: regions(),
            units: HashSet::new(),
            orgs: HashMap::from([(existing.as_str().to_string(), (date, None))]),
            party_orgs: HashSet::new(),
            party_org_parents: HashMap::new(),
            org_places: HashMap::from([(existing.as_str().to_string(), place)]),
            campaigns: HashMap::new(),
        };
        let text = |s: &str| Cell::Text(s.to_string());
        let row = |number: u32, code: &CreditCode| Row {
            number,
            cells: [
                "甲协会",
                code.as_str(),
                "社会团体",
                "140300",
                "2020-01-01",
                "正常",
                "0",
            ]
            .iter()
            .map(|v| text(v))
            .collect(),
        };
        let header = [
            "名称",
            "统一社会信用代码",
            "类型",
            "登记管理机关区划",
            "成立登记日期",
            "登记状态",
            "正式党员数",
        ]
        .iter()
        .map(|h| text(h))
        .collect::<Vec<_>>();
        let warnings = |rows: Vec<Row>| {
            let wb = Workbook {
                sheets: vec![Sheet {
                    name: "社会组织".into(),
                    header: header.clone(),
                    rows,
                }],
            };
            let (_, report) = validate(&wb, &known, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
            report
                .problems
                .into_iter()
                .filter(|p| p.header == "名称")
                .map(|p| (p.severity, p.message))
                .collect::<Vec<_>>()
        };
        // The registry's own org again: nothing to ask.
        assert!(warnings(vec![row(2, &existing)]).is_empty());
        // Another code under the same name: a warning, not naming the other org (a county's
        // form must not reveal orgs outside its scope).
        assert_eq!(
            warnings(vec![row(2, &new)]),
            [(
                Severity::Warning,
                "与系统或本表中的另一个社会组织同名，请核实是否重复登记".to_string()
            )]
        );
    }

    #[test]
    fn regions_resolve_by_code_name_full_name_and_city_level() {
        let regions = regions();
        let resolve =
            |t: &str| Validator::resolve_region(&regions, t).map(|c| c.as_str().to_string());
        assert_eq!(resolve("140302").unwrap(), "140302");
        assert_eq!(
            resolve("１４０３２２").unwrap(),
            "140322",
            "full-width digits"
        );
        assert_eq!(resolve(" 城区 ").unwrap(), "140302");
        assert_eq!(resolve("阳泉市城区").unwrap(), "140302");
        assert_eq!(resolve("阳泉市").unwrap(), "140300");
        assert_eq!(resolve("市本级").unwrap(), "140300");
        assert_eq!(resolve("阳泉市本级").unwrap(), "140300");
        assert!(resolve("140399").is_err());
        assert!(resolve("太原市").is_err());
        assert!(resolve("阳泉市").is_ok());
    }
}
