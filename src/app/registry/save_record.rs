//! Saving one registry record from its form: a social org, a party org with its coverage, an
//! instructor's dispatch, a position or a unit. The form is validated as a one-row sheet of the
//! import workbook (the rules and messages are exactly the import's), then written as the
//! import's upsert inside one transaction that checks the stored record against the actor's
//! scope (a county admin naming another county's org gets "not found", and nothing changes) and
//! holds the audit row.

use chrono::NaiveDate;

use super::super::{Actor, AppError, AppResult};
use crate::db::{Db, DbError, WriteSummary};
use crate::domain::role::Role;
use crate::excel::columns::{self, SheetSpec};
use crate::excel::import;
use crate::excel::problems::{Problem, Severity};
use crate::excel::source::{Cell, Row, Sheet, Workbook};

/// The kinds of record a form saves, by their name in the form's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Org,
    PartyOrg,
    Station,
    Position,
    Unit,
}

impl RecordKind {
    pub const ALL: [RecordKind; 5] = [
        RecordKind::Org,
        RecordKind::PartyOrg,
        RecordKind::Station,
        RecordKind::Position,
        RecordKind::Unit,
    ];

    /// The kind's name in addresses (`/forms/{kind}`).
    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Org => "org",
            RecordKind::PartyOrg => "party-org",
            RecordKind::Station => "station",
            RecordKind::Position => "position",
            RecordKind::Unit => "unit",
        }
    }

    pub fn from_code(code: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The sheet whose one row the form is.
    pub fn spec(self) -> &'static SheetSpec {
        match self {
            RecordKind::Org => &columns::ORGS,
            RecordKind::PartyOrg => &columns::PARTY_ORGS,
            RecordKind::Station => &columns::INSTRUCTORS,
            RecordKind::Position => &columns::POSITIONS,
            RecordKind::Unit => &columns::UNITS,
        }
    }

    /// What the form saves, in words (its heading after 新增 / 修改).
    pub fn label(self) -> &'static str {
        match self {
            RecordKind::Org => "社会组织",
            RecordKind::PartyOrg => "党组织及其覆盖的社会组织",
            RecordKind::Station => "党建指导员派驻",
            RecordKind::Position => "任职",
            RecordKind::Unit => "单位",
        }
    }

    /// Who may use the form: county admins and departments keep the social orgs of their scope,
    /// county admins also their party orgs and stations; positions and units are the city's.
    pub fn editable_by(self, role: Role) -> bool {
        role.is_city_admin()
            || match self {
                RecordKind::Org => role.may_edit_registry(),
                // A county keeps its county's party orgs and stations (checked record by
                // record against the stored links and stations).
                RecordKind::PartyOrg | RecordKind::Station => role == Role::CountyAdmin,
                RecordKind::Position | RecordKind::Unit => false,
            }
    }
}

/// A submitted form.
#[derive(Debug, Clone)]
pub struct RecordInput {
    pub kind: RecordKind,
    /// The values by column of the kind's sheet (missing or blank: empty).
    pub values: Vec<String>,
    /// Editing a stored record: its key (the first column) was not typed now, so warnings
    /// about it were accepted when it was entered.
    pub editing: bool,
    /// The fingerprint of the warnings the user confirmed, if any.
    pub confirmed: Option<String>,
}

/// What became of a submitted form.
#[derive(Debug, Clone)]
pub enum Saved {
    /// Saved; `target` is the page of the record.
    Done {
        target: String,
        summary: WriteSummary,
    },
    /// Not saved: the errors (by column header; an empty header is about the whole record).
    Invalid(Vec<Problem>),
    /// Not saved yet: the warnings to confirm, and the fingerprint that confirms exactly them.
    Confirm {
        problems: Vec<Problem>,
        fingerprint: String,
    },
}

/// A short fingerprint of the warnings a confirmation confirms: a changed entry with other
/// warnings is shown again.
pub(super) fn fingerprint(warnings: &[String]) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    warnings.hash(&mut h);
    format!("{:016x}", h.finish())
}

/// A form as a workbook: its sheet with the rows (row 2 on), and an empty 社会组织 sheet when
/// the form is for another sheet (a workbook must have it).
pub fn workbook(spec: &SheetSpec, rows: &[Vec<String>]) -> Workbook {
    let header = |spec: &SheetSpec| {
        spec.columns
            .iter()
            .map(|c| Cell::Text(c.header.to_string()))
            .collect()
    };
    let rows = rows
        .iter()
        .enumerate()
        .map(|(n, values)| Row {
            number: n as u32 + 2,
            cells: (0..spec.columns.len())
                .map(|i| match values.get(i).map(|v| v.trim()) {
                    Some(v) if !v.is_empty() => Cell::Text(v.to_string()),
                    _ => Cell::Empty,
                })
                .collect(),
        })
        .collect();
    let mut sheets = vec![Sheet {
        name: spec.name.to_string(),
        header: header(spec),
        rows,
    }];
    if spec.name != columns::ORGS.name {
        sheets.push(Sheet {
            name: columns::ORGS.name.to_string(),
            header: header(&columns::ORGS),
            rows: Vec::new(),
        });
    }
    Workbook { sheets }
}

/// A problem about the whole record (shown above the form).
pub(super) fn general(message: String) -> Problem {
    Problem {
        severity: Severity::Error,
        sheet: String::new(),
        row: None,
        column: None,
        header: String::new(),
        value: String::new(),
        message,
    }
}

/// The audit row of a saved form.
pub(super) struct Audit {
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// What became of a validated dataset's write.
pub(super) enum Written {
    Done(WriteSummary),
    /// Not saved: the org (by credit code) the write would have put outside the actor's scope.
    Leaves(String),
}

/// The message of a record that would leave the actor's scope.
pub(super) fn leaves_scope(kind: RecordKind, code: &str) -> String {
    if let Some(name) = code.strip_prefix("党组织 ") {
        return format!(
            "保存后党组织“{name}”将没有任何覆盖关系（撤销日期早于全部覆盖的起始日期），不再属于您的管理范围，未保存；请核对撤销日期，或联系市级管理员"
        );
    }
    match kind {
        RecordKind::Org => {
            "保存后该社会组织将不在您的管理范围内（登记管理机关区划或业务主管单位不属于您），未保存"
                .into()
        }
        _ => format!(
            "社会组织 {code} 不在您的管理范围内，不能为其登记党组织覆盖或指导员派驻，未保存"
        ),
    }
}

/// Writes a validated dataset in one transaction with its audit row, then has the ledger
/// detection run when anything changed (`app::ledger::detect_after_write`: a gap the change
/// opened becomes a task). The record is saved whatever the detection does: it is left pending
/// in the record's transaction, and a failed run is caught up by the next.
pub(super) async fn write_audited(
    db: &Db,
    actor: &Actor,
    data: &crate::domain::dataset::Dataset,
    audit: &Audit,
) -> AppResult<Written> {
    let today: NaiveDate = db.clock().today();
    let mut w = db
        .begin_dataset_write(&actor.scope, actor.name(), today)
        .await?;
    match w.write(data).await {
        Ok(()) => {}
        Err(DbError::LeavesScope(code)) => return Ok(Written::Leaves(code)),
        Err(e) => return Err(e.into()),
    }
    w.audit(&audit.action, &audit.target, &audit.detail, &actor.client)
        .await?;
    let summary = w.finish().await?;
    if !summary.is_noop() {
        crate::app::ledger::detect_after_write(db, actor).await;
    }
    Ok(Written::Done(summary))
}

/// Validates and saves a form. Out of the actor's scope (the form's kind, or the stored record
/// its key names) is [`AppError::NotFound`]; a record that would leave the scope is an error on
/// the form; the audit row is written in the record's transaction.
pub async fn save_record(db: &Db, actor: &Actor, input: &RecordInput) -> AppResult<Saved> {
    let kind = input.kind;
    if !kind.editable_by(actor.role()) {
        return Err(AppError::NotFound);
    }
    let spec = kind.spec();
    let today: NaiveDate = db.clock().today();
    let known =
        crate::app::registry::known::known_for(db, std::slice::from_ref(&input.values)).await?;
    let (data, report) = import::validate(
        &workbook(spec, std::slice::from_ref(&input.values)),
        &known,
        today,
    );
    if report.has_errors() {
        return Ok(Saved::Invalid(report.problems));
    }
    let key_header = spec.columns.first().map(|c| c.header);
    let to_confirm: Vec<String> = report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Warning)
        .filter(|p| !(input.editing && Some(p.header.as_str()) == key_header))
        .map(|p| p.to_string())
        .collect();
    let print = fingerprint(&to_confirm);
    if !to_confirm.is_empty() && input.confirmed.as_deref() != Some(print.as_str()) {
        return Ok(Saved::Confirm {
            problems: report.problems,
            fingerprint: print,
        });
    }
    // A unit is the city's reference data: outside the city admins, a form names units that
    // exist (a new one would be made by the save).
    if !actor.scope.is_city() && !data.units.is_empty() {
        let names: Vec<&str> = data.units.iter().map(|u| u.name.as_str()).collect();
        let mut p = general(format!(
            "系统中没有单位“{}”；请从已有单位中选择，新增单位请联系市级管理员",
            names.join("、")
        ));
        p.header = "业务主管单位".into();
        return Ok(Saved::Invalid(vec![p]));
    }
    let key = input.values.first().map(|v| v.trim()).unwrap_or_default();
    let audit = Audit {
        action: format!("form_{}", kind.code()),
        target: format!("{} {key}", kind.label()),
        detail: if input.editing {
            "修改"
        } else {
            "新增或按键更新"
        }
        .to_string(),
    };
    let summary = match write_audited(db, actor, &data, &audit).await? {
        Written::Done(summary) => summary,
        Written::Leaves(code) => {
            return Ok(Saved::Invalid(vec![general(leaves_scope(kind, &code))]));
        }
    };
    // The page of the record saved, which says so.
    let page = match (data.orgs.first(), data.party_orgs.first(), kind) {
        (Some(o), _, _) => format!("/orgs/{}", o.credit_code.as_str()),
        (None, Some(p), _) => match db.party_org_id(&p.name).await? {
            Some(id) => format!("/party-orgs/{id}"),
            None => "/party-orgs".to_string(),
        },
        (_, _, RecordKind::Station) => match data.instructors.first() {
            Some(i) => {
                let key = i
                    .citizen_id
                    .as_ref()
                    .map_or(i.name.as_str(), |c| c.as_str());
                match db.instructor_ids(key).await?.as_slice() {
                    [id] => format!("/instructors/{id}"),
                    _ => "/instructors".to_string(),
                }
            }
            None => "/instructors".to_string(),
        },
        (_, _, RecordKind::Unit) => match data.units.first() {
            Some(u) => match db.unit_id(&u.name).await? {
                Some(id) => format!("/units/{id}"),
                None => "/units".to_string(),
            },
            None => "/units".to_string(),
        },
        _ => "/orgs".to_string(),
    };
    let target = format!("{page}?notice=saved");
    Ok(Saved::Done { target, summary })
}
