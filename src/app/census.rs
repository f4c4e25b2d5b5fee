//! The census's use cases (`domain.md` §4.3): a campaign opened for a region in the actor's
//! scope; a return saved, saved and confirmed, or confirmed; all waiting returns confirmed; a
//! campaign's workbook uploaded (all or nothing). Each write holds its audit row and leaves the
//! ledger detection pending in its transaction; the detection then runs (its census_missing
//! items raised, or marked satisfied).

use super::{Actor, AppError, AppResult};
use crate::db::{AuditNote, By, Campaign, Db, ReturnFilter, ReturnWrite, Scope};
use crate::domain::census::{CampaignInput, CensusReturn, ReturnState, is_confirmer};
use crate::domain::codes::RegionCode;
use crate::domain::ledger::{is_verifier, is_worker};
use crate::domain::region::Region;
use crate::domain::role::Role;
use crate::excel::columns;
use crate::excel::import::validate_census;
use crate::excel::problems::{Problem, Report, Severity};
use crate::excel::source::Workbook;

/// Who writes, with the audit row the write keeps.
fn by<'a>(actor: &'a Actor, action: &'a str, target: &'a str, detail: String) -> By<'a> {
    By {
        name: actor.name(),
        audit: Some(AuditNote {
            action,
            target,
            detail,
            client: &actor.client,
        }),
    }
}

/// The detection after a write (left pending in the write's transaction: a failure is caught
/// up by the next run, so it is logged, not shown).
async fn detect(db: &Db, actor: &Actor) {
    super::ledger::detect_after_write(db, actor).await;
}

/// A campaign the actor sees (not found otherwise).
pub async fn visible(db: &Db, actor: &Actor, id: i64) -> AppResult<Campaign> {
    db.campaign(&actor.scope, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The regions an actor may open a campaign for: the whole tree for the city, the county's
/// regions for a county admin.
pub fn openable_regions(regions: Vec<Region>, actor: &Actor) -> Vec<Region> {
    regions
        .into_iter()
        .filter(|r| match &actor.scope {
            Scope::City => true,
            Scope::Regions(codes) => codes.contains(&r.code),
            _ => false,
        })
        .collect()
}

/// Opens a campaign (verifiers, for a region in their scope): its id, or why not.
pub async fn open(
    db: &Db,
    actor: &Actor,
    input: &CampaignInput,
    region: &str,
) -> AppResult<Result<i64, String>> {
    if !is_verifier(actor.role()) {
        return Err(AppError::NotFound);
    }
    if input.reference_date > db.clock().today() {
        return Ok(Err(format!(
            "摸排基准日 {} 晚于今天：摸排范围按基准日在册的社会组织确定，基准日不能在将来",
            input.reference_date
        )));
    }
    let allowed = openable_regions(db.regions().await?, actor);
    let Some(region) = allowed
        .iter()
        .find(|r| r.code.as_str() == region)
        .and_then(|r| RegionCode::parse(r.code.as_str()).ok())
    else {
        return Ok(Err("请选择您管理范围内的区划".into()));
    };
    let detail = format!(
        "基准日 {}，截止 {}，区划 {}",
        input.reference_date,
        input.end_date,
        region.as_str()
    );
    let name = input.name.trim();
    let opened = db
        .create_campaign(input, &region, by(actor, "census_open", name, detail))
        .await?;
    if opened.is_ok() {
        detect(db, actor).await;
    }
    Ok(opened)
}

/// Confirms every returned, unconfirmed return in the actor's scope, optionally of one
/// responsible unit (`Some(None)`: the orgs without one). How many.
pub async fn confirm_all(
    db: &Db,
    actor: &Actor,
    c: &Campaign,
    unit: Option<Option<i64>>,
) -> AppResult<usize> {
    if !is_confirmer(actor.role()) {
        return Err(AppError::NotFound);
    }
    let ids = match unit {
        None => None,
        Some(unit) => {
            let filter = ReturnFilter {
                state: Some(ReturnState::Returned),
                unit: Some(unit),
                limit: 10_000_000,
                ..ReturnFilter::default()
            };
            let (rows, _) = db.campaign_returns(&actor.scope, c, &filter).await?;
            Some(rows.iter().map(|r| r.org_id).collect::<Vec<_>>())
        }
    };
    let n = db
        .confirm_returns(
            &actor.scope,
            c,
            ids.as_deref(),
            by(
                actor,
                "census_confirm",
                &c.name,
                "确认待确认的摸排表".into(),
            ),
        )
        .await?;
    if n > 0 {
        detect(db, actor).await;
    }
    Ok(n)
}

/// Whether the actor fills (and changes) a return of an org in its scope: the org's own user,
/// its instructors, and verifiers do; a department only for the orgs it is the responsible unit
/// of (`confirms`) — it sees those it merely supervises, as in the ledger.
pub fn fills(actor: &Actor, confirms: bool) -> bool {
    is_worker(actor.role()) && (actor.role() != Role::Department || confirms)
}

/// An org's return of a campaign, in the actor's scope (not found otherwise).
pub async fn find_return(
    db: &Db,
    actor: &Actor,
    c: &Campaign,
    code: &str,
) -> AppResult<crate::db::ReturnRow> {
    let code = crate::domain::codes::normalize_code(code);
    db.campaign_return(&actor.scope, c, &code)
        .await?
        .ok_or(AppError::NotFound)
}

/// What is done with one org's return.
#[derive(Debug, Clone)]
pub enum ReturnAction {
    Save(CensusReturn),
    SaveAndConfirm(CensusReturn),
    Confirm,
}

/// Saves, saves and confirms, or confirms an org's return; the notice code of the outcome
/// (`saved`, `saved_confirmed`, `unchanged`, `confirmed`, `nothing_to_confirm`).
pub async fn act_on_return(
    db: &Db,
    actor: &Actor,
    c: &Campaign,
    code: &str,
    action: ReturnAction,
) -> AppResult<&'static str> {
    let row = find_return(db, actor, c, code).await?;
    let code = row.credit_code.clone();
    let confirmer = is_confirmer(actor.role()) && db.confirms(&actor.scope, row.org_id).await?;
    let target = format!("{} {code}", c.name);
    let (ret, and_confirm) = match action {
        ReturnAction::Confirm if !confirmer => {
            return Err(AppError::Invalid(
                "这个社会组织的摸排表由其责任单位确认，您不能确认".into(),
            ));
        }
        ReturnAction::Confirm => {
            let n = db
                .confirm_returns(
                    &actor.scope,
                    c,
                    Some(&[row.org_id]),
                    by(actor, "census_confirm", &target, "确认摸排表".into()),
                )
                .await?;
            detect(db, actor).await;
            return Ok(if n == 0 {
                "nothing_to_confirm"
            } else {
                "confirmed"
            });
        }
        ReturnAction::Save(ret) => (ret, false),
        ReturnAction::SaveAndConfirm(ret) => (ret, true),
    };
    if !fills(actor, confirmer) {
        return Err(AppError::Invalid(
            "这个社会组织的摸排表由本组织、其党建指导员或其责任单位填报；本单位可以查看".into(),
        ));
    }
    let confirmed = and_confirm && confirmer;
    let changed = db
        .save_return(
            &ReturnWrite {
                campaign_id: c.id,
                org_id: row.org_id,
                ret: &ret,
                confirmed,
            },
            by(actor, "census_save", &target, ret.describe()),
        )
        .await?;
    detect(db, actor).await;
    Ok(match (changed, confirmed) {
        (false, _) => "unchanged",
        (true, true) => "saved_confirmed",
        (true, false) => "saved",
    })
}

/// What an upload of a campaign's workbook came to.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub report: Report,
    /// Rows read, returns changed, rows whose 已确认 another unit gives (not confirmed now).
    pub rows: usize,
    pub changed: usize,
    pub unconfirmed: usize,
}

/// Imports a campaign's 摸排 workbook (workers), all or nothing: every row a return of an org
/// the actor fills; 已确认 counts for the returns the actor's unit confirms.
pub async fn upload(
    db: &Db,
    actor: &Actor,
    c: &Campaign,
    mut wb: Workbook,
    file: &str,
) -> AppResult<Uploaded> {
    if !is_worker(actor.role()) {
        return Err(AppError::NotFound);
    }
    // One sheet (a single CSV file, whatever its name) is the 摸排 sheet.
    if let [only] = wb.sheets.as_mut_slice()
        && only.name.trim() != columns::CENSUS.name
    {
        only.name = columns::CENSUS.name.to_string();
    }
    // A department fills the returns of the orgs it is responsible for (see `fills`).
    let mine = db
        .campaign_codes(&actor.scope, c, actor.role() == Role::Department)
        .await?;
    let known = super::registry::known(db).await?;
    let (mut records, mut report) =
        validate_census(&wb, &known, &|code| mine.contains(code), db.clock().today());
    for r in &records {
        if r.campaign != c.name {
            report.push(Problem {
                severity: Severity::Error,
                sheet: columns::CENSUS.name.into(),
                row: None,
                column: None,
                header: "摸排名称".into(),
                value: r.campaign.clone(),
                message: format!("本页只接收摸排“{}”的摸排表", c.name),
            });
        }
    }
    if report.has_errors() {
        return Ok(Uploaded {
            report,
            rows: 0,
            changed: 0,
            unconfirmed: 0,
        });
    }
    // 已确认=是 counts only for the returns this actor's unit confirms.
    let confirmable = if is_confirmer(actor.role()) {
        db.campaign_codes(&actor.scope, c, true).await?
    } else {
        Default::default()
    };
    let mut unconfirmed = 0;
    for r in &mut records {
        if r.confirmed && !confirmable.contains(r.credit_code.as_str()) {
            r.confirmed = false;
            unconfirmed += 1;
        }
    }
    let detail = format!("{file}：{} 行", records.len());
    let changed = db
        .import_returns(c, &records, by(actor, "census_upload", &c.name, detail))
        .await?;
    if changed > 0 {
        detect(db, actor).await;
    }
    Ok(Uploaded {
        report,
        rows: records.len(),
        changed,
        unconfirmed,
    })
}
