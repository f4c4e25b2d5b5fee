//! A record's periods edited as a table: a party org's coverage links (the 覆盖关系 sheet) or an
//! instructor's stations (the 派驻记录 sheet). The table is validated as those rows of the
//! import workbook (the same rules and messages) and written as the import writes them: the
//! periods of each org in the table become exactly the rows given (added, ended, re-dated);
//! an org left out of the table keeps its periods. Every change is on the org's timeline.

use chrono::NaiveDate;

use super::super::{Actor, AppError, AppResult};
use super::save_record::{Audit, Written, fingerprint, workbook, write_audited};
use crate::db::{Db, OrgLink};
use crate::excel::columns;
use crate::excel::import;
use crate::excel::problems::Severity;

/// Whose periods: a party org's links or an instructor's stations, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodsOf {
    Links(i64),
    Stations(i64),
}

impl PeriodsOf {
    /// The page of the record.
    pub fn page(self) -> String {
        match self {
            PeriodsOf::Links(id) => format!("/party-orgs/{id}"),
            PeriodsOf::Stations(id) => format!("/instructors/{id}"),
        }
    }
}

/// One row of the table: the org, the start, the end (empty: lasting).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeriodRow {
    pub code: String,
    pub from: String,
    pub to: String,
}

impl PeriodRow {
    fn is_blank(&self) -> bool {
        self.code.trim().is_empty() && self.from.trim().is_empty() && self.to.trim().is_empty()
    }
}

/// The record as the editor shows it.
#[derive(Debug, Clone)]
pub struct Periods {
    /// The party org's or the instructor's name.
    pub name: String,
    /// The periods the actor edits: of the orgs in the actor's scope.
    pub rows: Vec<PeriodRow>,
    /// The org names of the rows, by code (for the table's names).
    pub names: Vec<(String, String)>,
    /// Periods in orgs outside the actor's scope (an instructor's stations elsewhere): shown,
    /// not edited, and left as they are.
    pub elsewhere: Vec<OrgLink>,
    /// For stations: the instructor's keys (citizen ID, home unit), which the rows carry.
    keys: Option<(Option<String>, String)>,
}

/// What became of a submitted table.
#[derive(Debug, Clone)]
pub enum PeriodsSaved {
    Done {
        target: String,
    },
    /// Not saved: the problems, each with the table's row (0-based) it is about, if any.
    Invalid(Vec<(Option<usize>, String)>),
    /// Not saved yet: warnings to confirm by this fingerprint.
    Confirm {
        problems: Vec<(Option<usize>, String)>,
        fingerprint: String,
    },
}

/// Whether the actor keeps a party org with these links: a city admin any; a county admin one
/// whose every covered org (now or before) is in its scope — one without links is the city's.
pub fn keeps_party_org(actor: &Actor, links: &[OrgLink]) -> bool {
    let role = actor.role();
    role.is_city_admin()
        || (role == crate::domain::role::Role::CountyAdmin
            && !links.is_empty()
            && links.iter().all(|l| l.visible))
}

/// The stored periods of the record, as the actor may edit them. Not found when the record is
/// outside the actor's scope or the actor may not keep it: a party org is a county's when every
/// org it covers or covered is in the county.
pub async fn load_periods(db: &Db, actor: &Actor, of: PeriodsOf) -> AppResult<Periods> {
    let role = actor.role();
    if !(role.is_city_admin() || role == crate::domain::role::Role::CountyAdmin) {
        return Err(AppError::NotFound);
    }
    let city = actor.scope.is_city();
    let (name, links, keys) = match of {
        PeriodsOf::Links(id) => {
            let (p, links) = db
                .party_org_detail(&actor.scope, id)
                .await?
                .ok_or(AppError::NotFound)?;
            if !keeps_party_org(actor, &links) {
                return Err(AppError::NotFound);
            }
            (p.name, links, None)
        }
        PeriodsOf::Stations(id) => {
            let (i, links) = db
                .instructor_detail(&actor.scope, id)
                .await?
                .ok_or(AppError::NotFound)?;
            (i.name, links, Some((i.citizen_id, i.home_unit)))
        }
    };
    let (mine, elsewhere): (Vec<OrgLink>, Vec<OrgLink>) =
        links.into_iter().partition(|l| city || l.visible);
    Ok(Periods {
        name,
        names: mine
            .iter()
            .map(|l| (l.credit_code.clone(), l.org_name.clone()))
            .collect(),
        rows: mine
            .into_iter()
            .map(|l| PeriodRow {
                code: l.credit_code,
                from: l.from,
                to: l.to.unwrap_or_default(),
            })
            .collect(),
        elsewhere,
        keys,
    })
}

/// Validates and saves the table (blank rows are skipped; rows keep their numbers in the
/// messages). `confirmed`: the fingerprint of the warnings the user confirmed.
pub async fn save_periods(
    db: &Db,
    actor: &Actor,
    of: PeriodsOf,
    rows: &[PeriodRow],
    confirmed: Option<&str>,
) -> AppResult<PeriodsSaved> {
    let stored = load_periods(db, actor, of).await?;
    let given: Vec<(usize, &PeriodRow)> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_blank())
        .collect();
    if given.is_empty() {
        return Ok(PeriodsSaved::Invalid(vec![(
            None,
            "没有填写任何期间，未保存".to_string(),
        )]));
    }
    let (spec, cells): (_, Vec<Vec<String>>) = match &stored.keys {
        None => (
            &columns::LINKS,
            given
                .iter()
                .map(|(_, r)| {
                    vec![
                        stored.name.clone(),
                        r.code.clone(),
                        r.from.clone(),
                        r.to.clone(),
                    ]
                })
                .collect(),
        ),
        Some((citizen_id, unit)) => (
            &columns::STATIONS,
            given
                .iter()
                .map(|(_, r)| {
                    vec![
                        stored.name.clone(),
                        citizen_id.clone().unwrap_or_default(),
                        unit.clone(),
                        r.code.clone(),
                        r.from.clone(),
                        r.to.clone(),
                    ]
                })
                .collect(),
        ),
    };
    let today: NaiveDate = db.clock().today();
    let known = super::known::known_for(db, &cells).await?;
    let (data, report) = import::validate(&workbook(spec, &cells), &known, today);
    // A problem's row in the table: workbook row 2 is the first given row.
    let at = |row: Option<u32>| {
        row.and_then(|r| given.get((r as usize).checked_sub(2)?).map(|(i, _)| *i))
    };
    let rows_given: Vec<usize> = given.iter().map(|(i, _)| *i).collect();
    let text = |p: &crate::excel::problems::Problem| {
        let message = renumber(&p.message, &rows_given);
        if p.header.is_empty() || message.starts_with(p.header.as_str()) {
            message
        } else {
            format!("{}：{message}", p.header)
        }
    };
    if report.has_errors() {
        return Ok(PeriodsSaved::Invalid(
            report
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .map(|p| (at(p.row), text(p)))
                .collect(),
        ));
    }
    let warnings: Vec<&crate::excel::problems::Problem> = report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Warning)
        .collect();
    let print = fingerprint(&warnings.iter().map(|p| p.to_string()).collect::<Vec<_>>());
    if !warnings.is_empty() && confirmed != Some(print.as_str()) {
        return Ok(PeriodsSaved::Confirm {
            problems: warnings.iter().map(|p| (at(p.row), text(p))).collect(),
            fingerprint: print,
        });
    }
    let (action, what) = match of {
        PeriodsOf::Links(_) => ("form_links", "覆盖关系"),
        PeriodsOf::Stations(_) => ("form_stations", "派驻记录"),
    };
    let audit = Audit {
        action: action.to_string(),
        target: format!("{what} {}", stored.name),
        detail: format!("{} 行", given.len()),
    };
    match write_audited(db, actor, &data, &audit).await? {
        Written::Done(_) => Ok(PeriodsSaved::Done {
            target: format!("{}?notice=saved", of.page()),
        }),
        Written::Leaves(code) if code.starts_with("党组织 ") => {
            Ok(PeriodsSaved::Invalid(vec![(
                None,
                super::save_record::leaves_scope(super::RecordKind::PartyOrg, &code),
            )]))
        }
        Written::Leaves(code) => {
            let row = given
                .iter()
                .find(|(_, r)| crate::domain::codes::normalize_code(&r.code) == code)
                .map(|(i, _)| *i);
            Ok(PeriodsSaved::Invalid(vec![(
                row,
                format!("社会组织 {code} 不在您的管理范围内，未保存"),
            )]))
        }
    }
}

/// A message's "第N行" (a workbook row: the header is row 1, blank rows of the table skipped)
/// as the table's 序号 (`rows[k]` is the table row of workbook row k + 2).
fn renumber(message: &str, rows: &[usize]) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find('第') {
        out.push_str(&rest[..at]);
        let after = &rest[at + '第'.len_utf8()..];
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        let tail = &after[digits.len()..];
        let mapped = digits
            .parse::<usize>()
            .ok()
            .filter(|_| tail.starts_with('行'))
            .and_then(|n| rows.get(n.checked_sub(2)?))
            .map(|i| i + 1);
        match mapped {
            Some(n) => {
                out.push_str(&format!("第{n}行"));
                rest = &tail['行'.len_utf8()..];
            }
            None => {
                out.push('第');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::renumber;

    #[test]
    fn workbook_rows_read_as_the_tables_numbers() {
        // Table rows 0 and 2 given (row 1 blank): workbook rows 2 and 3.
        let rows = [0, 2];
        assert_eq!(renumber("与第2行的期间重叠", &rows), "与第1行的期间重叠");
        assert_eq!(renumber("第3行与第2行重叠", &rows), "第3行与第1行重叠");
        // Not a row (第二, 第9行 beyond the table): left as written.
        assert_eq!(renumber("第二联合党支部", &rows), "第二联合党支部");
        assert_eq!(renumber("见第9行", &rows), "见第9行");
    }
}
