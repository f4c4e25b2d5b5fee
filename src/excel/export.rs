//! Building workbooks: the export of a dataset, the empty template with its 填写说明 sheet, and
//! the error workbook (the uploaded sheets with a 错误说明 column). The columns come from
//! [`super::columns`], the same table the importer reads by, so an export always re-imports.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::cells;
use super::columns::{self, HELP_SHEET, SheetSpec};
use super::problems::Report;
use super::source::{Cell, Workbook};
use super::writer::{OutCell, OutSheet};
use crate::domain::dataset::{Dataset, PositionTarget, listed_orgs};

fn text(s: &str) -> OutCell {
    OutCell::Text(s.to_string())
}
fn opt_text(s: Option<&str>) -> OutCell {
    s.map(text).unwrap_or(OutCell::Empty)
}
fn opt_int(i: Option<i64>) -> OutCell {
    i.map(OutCell::Int).unwrap_or(OutCell::Empty)
}
fn opt_date(d: Option<NaiveDate>) -> OutCell {
    d.map(OutCell::Date).unwrap_or(OutCell::Empty)
}
fn yes_no(b: Option<bool>) -> OutCell {
    b.map(|b| text(if b { "是" } else { "否" }))
        .unwrap_or(OutCell::Empty)
}

fn sheet(spec: &SheetSpec, rows: Vec<Vec<OutCell>>) -> OutSheet {
    OutSheet {
        name: spec.name.to_string(),
        headers: spec.columns.iter().map(|c| c.header.to_string()).collect(),
        required: spec.columns.iter().map(|c| c.required).collect(),
        rows,
        notes: Vec::new(),
        choices: choices(spec),
    }
}

/// The drop-down lists of a sheet's columns that take one of a few words: the vocabularies'
/// labels, and 是/否 for the yes/no columns (the importer accepts their synonyms too).
pub fn choices(spec: &SheetSpec) -> Vec<(usize, Vec<String>)> {
    use crate::domain::model::{
        Formation, OperatingState, OrgKind, OrgStatus, PartyOrgKind, PartyOrgStatus, StationRole,
        UnitKind,
    };
    fn labels<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|v| label(*v).to_string()).collect()
    }
    let yes_no = || vec!["是".to_string(), "否".to_string()];
    spec.columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let values = match (spec.name, c.header) {
                (_, "类型") => labels(OrgKind::ALL, OrgKind::label),
                (_, "登记状态") => labels(OrgStatus::ALL, OrgStatus::label),
                (_, "组织类别") if spec.name == columns::PARTY_ORGS.name => {
                    labels(PartyOrgKind::ALL, PartyOrgKind::label)
                }
                (_, "组建方式") => labels(Formation::ALL, Formation::label),
                (_, "角色") => labels(StationRole::ALL, StationRole::label),
                (_, "单位类别") => labels(UnitKind::ALL, UnitKind::label),
                (_, "运行状态") => labels(OperatingState::ALL, OperatingState::label),
                (_, "党组织状况") => labels(PartyOrgStatus::ALL, PartyOrgStatus::label),
                (_, "党建入章" | "核心价值观入章" | "承担党建工作" | "是否党员" | "已确认") => {
                    yes_no()
                }
                _ => return None,
            };
            Some((i, values))
        })
        .collect()
}

/// The sheets of a dataset, in template column order, written on `today`: a party org's row
/// lists the orgs it covers now ([`listed_orgs`]) and the 覆盖关系 sheet every link with its
/// dates; an instructor's stations are grouped into one row per (派驻日期, 撤回日期) and the
/// 派驻记录 sheet has each. The workbook imports back into the same registry changing nothing
/// (`import-format.md`, "round trip, exactly").
pub fn dataset_sheets(data: &Dataset, today: NaiveDate) -> Vec<OutSheet> {
    let units = data
        .units
        .iter()
        .map(|u| {
            vec![
                text(&u.name),
                text(u.kind.label()),
                text(u.region.as_str()),
                yes_no(Some(u.carries_party_building)),
            ]
        })
        .collect();
    let orgs = data
        .orgs
        .iter()
        .map(|o| {
            vec![
                text(o.credit_code.as_str()),
                text(&o.name),
                text(o.kind.label()),
                text(o.region.as_str()),
                opt_text(o.supervising_unit.as_deref()),
                OutCell::Date(o.registered_on),
                text(o.status.label()),
                opt_date(o.terminated_on),
                opt_text(o.address.as_deref()),
                opt_text(o.legal_representative.as_deref()),
                opt_int(o.staff_count),
                opt_int(o.member_count),
                OutCell::Int(o.formal_members),
                opt_int(o.probationary_members),
                yes_no(o.charter_party_building),
                yes_no(o.charter_core_values),
                opt_date(o.counts_on),
            ]
        })
        .collect();
    let party_orgs = data
        .party_orgs
        .iter()
        .map(|p| {
            let codes: Vec<&str> = listed_orgs(&p.covers, p.dissolved_on, today)
                .into_iter()
                .map(|c| c.as_str())
                .collect();
            vec![
                text(&p.name),
                text(p.kind.label()),
                text(p.formation.label()),
                opt_text(p.parent.as_deref()),
                OutCell::Date(p.founded_on),
                opt_date(p.dissolved_on),
                text(&codes.join("，")),
                opt_int(p.member_count),
                opt_text(p.secretary.as_deref()),
            ]
        })
        .collect();
    let mut instructors = Vec::new();
    for i in &data.instructors {
        let mut groups: BTreeMap<(NaiveDate, Option<NaiveDate>), Vec<&str>> = BTreeMap::new();
        for s in &i.stations {
            groups
                .entry((s.from, s.to))
                .or_default()
                .push(s.credit_code.as_str());
        }
        for ((from, to), codes) in groups {
            instructors.push(vec![
                text(&i.name),
                opt_text(i.citizen_id.as_ref().map(|c| c.as_str())),
                opt_text(i.phone.as_ref().map(|p| p.as_str())),
                text(&i.home_unit),
                text(i.role.label()),
                text(&codes.join("，")),
                OutCell::Date(from),
                opt_date(to),
            ]);
        }
    }
    let links = data
        .party_orgs
        .iter()
        .flat_map(|p| {
            p.covers.iter().map(|c| {
                vec![
                    text(&p.name),
                    text(c.credit_code.as_str()),
                    OutCell::Date(c.from),
                    opt_date(c.to),
                ]
            })
        })
        .collect();
    let stations = data
        .instructors
        .iter()
        .flat_map(|i| {
            i.stations.iter().map(|s| {
                vec![
                    text(&i.name),
                    opt_text(i.citizen_id.as_ref().map(|c| c.as_str())),
                    text(&i.home_unit),
                    text(s.credit_code.as_str()),
                    OutCell::Date(s.from),
                    opt_date(s.to),
                ]
            })
        })
        .collect();
    let positions = data
        .positions
        .iter()
        .map(|p| {
            let target = match &p.target {
                PositionTarget::Org(c) => c.as_str().to_string(),
                PositionTarget::PartyOrg(n) => n.clone(),
            };
            vec![
                text(&p.name),
                opt_text(p.citizen_id.as_ref().map(|c| c.as_str())),
                yes_no(p.is_party_member),
                text(&target),
                text(&p.title),
                OutCell::Date(p.from),
                opt_date(p.to),
            ]
        })
        .collect();
    let campaigns = data
        .campaigns
        .iter()
        .map(|c| {
            vec![
                text(&c.name),
                OutCell::Date(c.reference_date),
                OutCell::Date(c.end_date),
                text(c.region.as_str()),
            ]
        })
        .collect();
    let census = data
        .census
        .iter()
        .map(|r| {
            let ret = &r.ret;
            vec![
                text(&r.campaign),
                text(r.credit_code.as_str()),
                OutCell::Empty,
                text(ret.operating_state.label()),
                opt_int(ret.staff_count),
                opt_int(ret.member_count),
                OutCell::Int(ret.formal_members),
                OutCell::Int(ret.probationary_members),
                text(ret.party_org_status.label()),
                yes_no(Some(r.confirmed)),
                opt_text(ret.note.as_deref()),
            ]
        })
        .collect();
    vec![
        sheet(&columns::UNITS, units),
        sheet(&columns::ORGS, orgs),
        sheet(&columns::PARTY_ORGS, party_orgs),
        sheet(&columns::LINKS, links),
        sheet(&columns::INSTRUCTORS, instructors),
        sheet(&columns::STATIONS, stations),
        sheet(&columns::POSITIONS, positions),
        sheet(&columns::CAMPAIGNS, campaigns),
        sheet(&columns::CENSUS, census),
    ]
}

/// The empty template: every sheet with its headers (required ones marked), and a 填写说明
/// sheet explaining each column.
pub fn template_sheets() -> Vec<OutSheet> {
    let mut out: Vec<OutSheet> = vec![OutSheet {
        name: HELP_SHEET.to_string(),
        headers: vec!["工作表".into(), "列".into(), "必填".into(), "填写要求".into()],
        required: Vec::new(),
        rows: columns::SHEETS
            .iter()
            .flat_map(|s| {
                s.columns.iter().map(|c| {
                    vec![text(s.name), text(c.header), text(if c.required { "是" } else { "否" }), text(c.help)]
                })
            })
            .chain(std::iter::once(vec![
                text("全部"),
                text(""),
                text(""),
                text("第1行为表头，列的顺序不限；日期可写 2022-06-02、2022/6/2、2022.6.2 或 2022年6月2日；是/否 也可写 Y/N、1/0、有/无；工作簿有任何错误时不保存任何数据"),
            ]))
            .collect(),
        notes: Vec::new(),
        choices: Vec::new(),
    }];
    out.extend(columns::SHEETS.iter().map(|s| sheet(s, Vec::new())));
    out
}

/// A 填写说明 sheet for one sheet's columns (a campaign's 摸排 download).
pub fn help_sheet(spec: &SheetSpec, note: &str) -> OutSheet {
    OutSheet {
        name: HELP_SHEET.to_string(),
        headers: vec!["列".into(), "必填".into(), "填写要求".into()],
        required: Vec::new(),
        rows: spec
            .columns
            .iter()
            .map(|c| {
                vec![
                    text(c.header),
                    text(if c.required { "是" } else { "否" }),
                    text(c.help),
                ]
            })
            .chain(std::iter::once(vec![text("说明"), text(""), text(note)]))
            .collect(),
        notes: Vec::new(),
        choices: Vec::new(),
    }
}

/// The uploaded workbook's known sheets, with each problem row's messages in a 错误说明 column
/// and the cells the problems name marked; numbers and dates stay numbers and dates.
pub fn error_sheets(wb: &Workbook, report: &Report) -> Vec<OutSheet> {
    let mut notes: HashMap<(&str, u32), Vec<String>> = HashMap::new();
    let mut marked: std::collections::HashSet<(&str, u32, usize)> = Default::default();
    for p in &report.problems {
        if let (Some(row), Some(col)) = (p.row, p.column)
            && row > 1
        {
            marked.insert((p.sheet.as_str(), row, col));
        }
        let key = (p.sheet.as_str(), p.row.unwrap_or(1));
        let place = if p.header.is_empty() {
            String::new()
        } else {
            format!(
                "{}{}：",
                p.cell(),
                if p.cell().is_empty() { "" } else { " " }
            ) + &p.header
                + "："
        };
        notes.entry(key).or_default().push(format!(
            "【{}】{}{}",
            p.severity.label(),
            place,
            p.message
        ));
    }
    wb.sheets
        .iter()
        .map(|s| {
            let width = s
                .header
                .len()
                .max(s.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0));
            let as_out = |c: &Cell| match c {
                Cell::Number(n) => OutCell::Number(*n),
                Cell::Date(d) => OutCell::Serial(*d),
                Cell::Empty => OutCell::Empty,
                c => match cells::text(c) {
                    Some(t) => OutCell::Text(t),
                    None => OutCell::Text(cells::display(c)),
                },
            };
            let mut header_notes = notes.remove(&(s.name.trim(), 1)).unwrap_or_default();
            header_notes.extend(notes.remove(&(s.name.as_str(), 1)).unwrap_or_default());
            let headers = (0..width)
                .map(|i| s.header.get(i).map(cells::display).unwrap_or_default())
                .collect();
            let mut rows = Vec::new();
            let mut row_notes = Vec::new();
            for r in &s.rows {
                rows.push(
                    (0..width)
                        .map(|i| {
                            let cell = r.cells.get(i).map(as_out).unwrap_or(OutCell::Empty);
                            if marked.contains(&(s.name.trim(), r.number, i))
                                || marked.contains(&(s.name.as_str(), r.number, i))
                            {
                                OutCell::Marked(Box::new(cell))
                            } else {
                                cell
                            }
                        })
                        .collect(),
                );
                row_notes.push(notes.get(&(s.name.trim(), r.number)).map(|n| n.join("；")));
            }
            if !header_notes.is_empty() {
                rows.insert(0, (0..width).map(|_| OutCell::Empty).collect());
                row_notes.insert(0, Some(format!("（表头）{}", header_notes.join("；"))));
            }
            OutSheet {
                name: s.name.clone(),
                headers,
                required: Vec::new(),
                rows,
                notes: row_notes,
                choices: Vec::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::excel::problems::{Problem, Severity};
    use crate::excel::source::{Row, Sheet};

    #[test]
    fn the_error_workbook_marks_the_bad_cell_and_keeps_numbers_and_dates() {
        // Row 2: a date (serial 43831 = 2020-01-01), a number, a bad text in column C.
        let sheet = Sheet {
            name: "社会组织".into(),
            header: vec![
                Cell::Text("成立登记日期".into()),
                Cell::Text("正式党员数".into()),
                Cell::Text("类型".into()),
            ],
            rows: vec![Row {
                number: 2,
                cells: vec![
                    Cell::Date(43831.0),
                    Cell::Number(5.0),
                    Cell::Text("协会".into()),
                ],
            }],
        };
        let wb = Workbook {
            sheets: vec![sheet],
        };
        let mut report = Report::default();
        report.push(Problem {
            severity: Severity::Error,
            sheet: "社会组织".into(),
            row: Some(2),
            column: Some(2),
            header: "类型".into(),
            value: "协会".into(),
            message: "不是已知的类型".into(),
        });
        let out = error_sheets(&wb, &report);
        let row = &out[0].rows[0];
        assert_eq!(row[0], OutCell::Serial(43831.0));
        assert_eq!(row[1], OutCell::Number(5.0));
        assert_eq!(
            row[2],
            OutCell::Marked(Box::new(OutCell::Text("协会".into())))
        );
        assert!(
            out[0].notes[0]
                .as_deref()
                .is_some_and(|n| n.contains("不是已知的类型"))
        );
        // Written and read again: the date is a date, the number a number.
        let bytes = crate::excel::writer::write_xlsx(&out).expect("xlsx");
        let back = crate::excel::source::read_bytes("e.xlsx", &bytes).expect("read");
        let cells = &back.sheets[0].rows[0].cells;
        assert_eq!(cells[0], Cell::Date(43831.0));
        assert_eq!(cells[1], Cell::Number(5.0));
        assert_eq!(cells[2], Cell::Text("协会".into()));
    }
}
