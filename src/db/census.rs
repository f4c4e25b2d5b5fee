//! Census campaigns and their returns (`domain.md` §4.3). A campaign's orgs are those of its
//! region and the region's descendants that are in scope at its reference date; every query
//! here also takes the actor's scope, so a county sees its own orgs of a city-wide campaign.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use super::census_returns::log;
use super::values::parse_date;
use super::{Db, DbError, DbResult, Scope, subtree};
use crate::domain::census::{CampaignInput, CensusReturn, ReturnState};
use crate::domain::codes::RegionCode;
use crate::domain::model::{OperatingState, PartyOrgStatus};

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub reference_date: NaiveDate,
    pub end_date: NaiveDate,
    pub region_code: String,
    pub region_name: String,
    pub created_by: String,
    pub created_at: String,
}

/// How far a campaign's returns have come: orgs to return, returned (filled, confirmed or not),
/// confirmed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub total: i64,
    pub returned: i64,
    pub confirmed: i64,
}

impl Progress {
    /// Orgs without a return (未填报).
    pub fn missing(&self) -> i64 {
        self.total - self.returned
    }

    /// Returned but not yet confirmed (待确认).
    pub fn waiting(&self) -> i64 {
        self.returned - self.confirmed
    }

    /// The progress of all the units together.
    pub fn sum(units: &[UnitProgress]) -> Progress {
        units.iter().fold(Progress::default(), |mut acc, u| {
            acc.total += u.progress.total;
            acc.returned += u.progress.returned;
            acc.confirmed += u.progress.confirmed;
            acc
        })
    }
}

/// A campaign with its progress within the actor's scope.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignSummary {
    #[serde(flatten)]
    pub campaign: Campaign,
    pub progress: Progress,
}

/// One responsible unit's progress in a campaign.
#[derive(Debug, Clone, Serialize)]
pub struct UnitProgress {
    pub unit_id: Option<i64>,
    pub unit: Option<String>,
    pub progress: Progress,
}

/// One org of a campaign with its return, if any.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnRow {
    #[serde(skip)]
    pub org_id: i64,
    pub credit_code: String,
    pub org_name: String,
    pub region_code: String,
    pub responsible_unit: Option<String>,
    pub state: ReturnState,
    #[serde(rename = "return")]
    pub ret: Option<CensusReturn>,
    pub filled_by: Option<String>,
    pub filled_at: Option<String>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<String>,
}

/// Filters of a campaign's org list.
#[derive(Debug, Clone, Default)]
pub struct ReturnFilter {
    pub state: Option<ReturnState>,
    /// Responsible unit id; `Some(None)`: orgs without a resolvable responsible unit.
    pub unit: Option<Option<i64>>,
    /// Text in the org's name or credit code.
    pub q: Option<String>,
    /// Only the orgs whose returns the actor's unit confirms ([`confirmable`]).
    pub confirmable_only: bool,
    pub offset: i64,
    pub limit: i64,
}

/// The SQL condition (on the social org `o`) for the orgs whose returns an actor with this scope
/// confirms: those it is the responsible unit of (`domain.md` §4.3). City admins confirm for the
/// whole city; a county admin for the orgs whose responsible unit is its county committee; a
/// department user for the orgs its unit is responsible for. Other scopes confirm nothing.
pub(crate) fn confirmable(scope: &Scope) -> String {
    match scope {
        Scope::City => "1 = 1".to_string(),
        Scope::Regions(codes) if !codes.is_empty() => {
            let list: Vec<String> = codes.iter().map(|c| format!("'{}'", c.as_str())).collect();
            // Per org (its own responsible unit, by key), not the set of every org's.
            format!(
                "EXISTS (SELECT 1 FROM org_responsible_units ru \
                 JOIN region_committees rc ON rc.unit_id = ru.unit_id \
                 WHERE ru.org_id = o.id AND rc.region_code IN ({}))",
                list.join(", ")
            )
        }
        Scope::Unit(id) => {
            format!(
                "EXISTS (SELECT 1 FROM org_responsible_units ru WHERE ru.org_id = o.id AND ru.unit_id = {id})"
            )
        }
        _ => "1 = 0".to_string(),
    }
}

/// A return to save for an org of a campaign (a form, or a workbook row).
#[derive(Debug, Clone)]
pub struct ReturnWrite<'a> {
    pub campaign_id: i64,
    pub org_id: i64,
    pub ret: &'a CensusReturn,
    /// Confirmed at once (a responsible unit entering its own confirmed figures).
    pub confirmed: bool,
}

/// What a census-missing detection needs: an org of a started campaign without a confirmed
/// return.
#[derive(Debug, Clone)]
pub(super) struct MissingReturn {
    pub campaign_id: i64,
    pub campaign_name: String,
    pub end_date: NaiveDate,
    pub org_id: i64,
    pub code: String,
    pub name: String,
    pub unit: Option<i64>,
}

const CAMPAIGN_SELECT: &str = "SELECT c.id, c.name, c.reference_date, c.end_date, c.region_code, \
    r.name, c.created_by, c.created_at FROM census_campaigns c JOIN regions r ON r.code = c.region_code";

fn campaign_from_row(r: &AnyRow) -> DbResult<Campaign> {
    Ok(Campaign {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        reference_date: parse_date(&r.try_get::<String, _>(2)?)?,
        end_date: parse_date(&r.try_get::<String, _>(3)?)?,
        region_code: r.try_get(4)?,
        region_name: r.try_get(5)?,
        created_by: r.try_get(6)?,
        created_at: r.try_get(7)?,
    })
}

/// Columns of a return (`r`), in the order [`return_from_row`] reads them from `at`.
pub(super) const RETURN_COLUMNS: &str = "r.id, r.operating_state, r.staff_count, r.member_count, \
    r.formal_members, r.probationary_members, r.party_org_status, r.note, r.filled_by, r.filled_at, \
    r.confirmed_by, r.confirmed_at";

type ReturnFields = (
    ReturnState,
    Option<CensusReturn>,
    [Option<String>; 4], // filled_by, filled_at, confirmed_by, confirmed_at
);

pub(super) fn return_from_row(r: &AnyRow, at: usize) -> DbResult<ReturnFields> {
    let id: Option<i64> = r.try_get(at)?;
    if id.is_none() {
        return Ok((ReturnState::Missing, None, Default::default()));
    }
    let operating: String = r.try_get(at + 1)?;
    let party: String = r.try_get(at + 6)?;
    let ret = CensusReturn {
        operating_state: OperatingState::from_code(&operating)
            .ok_or_else(|| DbError::Inconsistent(format!("运行状态 {operating}")))?,
        staff_count: r.try_get(at + 2)?,
        member_count: r.try_get(at + 3)?,
        formal_members: r.try_get(at + 4)?,
        probationary_members: r.try_get(at + 5)?,
        party_org_status: PartyOrgStatus::from_code(&party)
            .ok_or_else(|| DbError::Inconsistent(format!("党组织状况 {party}")))?,
        note: r.try_get(at + 7)?,
    };
    let confirmed_at: Option<String> = r.try_get(at + 11)?;
    let state = if confirmed_at.is_some() {
        ReturnState::Confirmed
    } else {
        ReturnState::Returned
    };
    Ok((
        state,
        Some(ret),
        [
            r.try_get(at + 8)?,
            r.try_get(at + 9)?,
            r.try_get(at + 10)?,
            confirmed_at,
        ],
    ))
}

impl Db {
    /// The SQL condition (on the social org `o`) for the orgs of a campaign: its region's subtree,
    /// in scope at the reference date. Codes and the date are validated values, safe to inline.
    pub(super) async fn campaign_orgs(&self, c: &Campaign) -> DbResult<String> {
        let regions = self.regions().await?;
        let root = RegionCode::parse(&c.region_code)
            .map_err(|_| DbError::Inconsistent(format!("区划 {}", c.region_code)))?;
        let codes: Vec<String> = subtree(&regions, &root)
            .iter()
            .map(|r| format!("'{}'", r.as_str()))
            .collect();
        let d = c.reference_date;
        Ok(format!(
            "o.region_code IN ({}) AND o.registered_on <= '{d}' \
             AND (o.terminated_on IS NULL OR '{d}' < o.terminated_on)",
            codes.join(", ")
        ))
    }

    /// Every campaign the actor may see, newest reference date first, with its progress within
    /// the scope. A campaign is visible to the whole city, to the regions it covers and to the
    /// units, instructors and orgs that have orgs in it.
    pub async fn campaigns(&self, scope: &Scope) -> DbResult<Vec<CampaignSummary>> {
        let sql = format!("{CAMPAIGN_SELECT} ORDER BY c.reference_date DESC, c.id DESC");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let campaign = campaign_from_row(r)?;
            if self.sees_campaign(scope, &campaign).await? {
                let progress = self.campaign_progress(scope, &campaign).await?;
                out.push(CampaignSummary { campaign, progress });
            }
        }
        Ok(out)
    }

    /// Whether the actor sees a campaign: the whole city; a county, the campaigns of its regions
    /// and of the regions above them; units, instructors and orgs, those with one of their orgs.
    async fn sees_campaign(&self, scope: &Scope, c: &Campaign) -> DbResult<bool> {
        Ok(match scope {
            Scope::City => true,
            Scope::Regions(codes) => {
                // The county's own campaigns, and the campaigns of regions above it.
                let regions = self.regions().await?;
                let root = RegionCode::parse(&c.region_code)
                    .map_err(|_| DbError::Inconsistent(format!("区划 {}", c.region_code)))?;
                let covered = subtree(&regions, &root);
                codes.iter().any(|code| covered.contains(code))
            }
            _ => {
                let sql = format!(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM social_orgs o WHERE {} AND {} LIMIT 1) x",
                    self.campaign_orgs(c).await?,
                    scope.org_condition("o")
                );
                let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                    .fetch_one(self.pool())
                    .await?;
                n > 0
            }
        })
    }

    /// One campaign, if the actor may see it.
    pub async fn campaign(&self, scope: &Scope, id: i64) -> DbResult<Option<Campaign>> {
        let sql = format!("{CAMPAIGN_SELECT} WHERE c.id = $1");
        let Some(row) = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let c = campaign_from_row(&row)?;
        Ok(self.sees_campaign(scope, &c).await?.then_some(c))
    }

    /// Opens a campaign for a region (within the actor's scope: checked by the caller). A
    /// duplicate name is refused with a message.
    pub async fn create_campaign<'a>(
        &self,
        input: &CampaignInput,
        region: &RegionCode,
        by: impl Into<super::By<'a>>,
    ) -> DbResult<Result<i64, String>> {
        let by = by.into();
        let actor = by.name;
        if let Some((_, message)) = input.problems().into_iter().next() {
            return Ok(Err(message));
        }
        let name = input.name.trim().to_string();
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM census_campaigns WHERE name = $1")
                .bind(name.clone())
                .fetch_optional(self.pool())
                .await?;
        if taken.is_some() {
            return Ok(Err(format!("已有名为“{name}”的摸排")));
        }
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO census_campaigns (name, reference_date, end_date, region_code, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(name.clone())
        .bind(input.reference_date.to_string())
        .bind(input.end_date.to_string())
        .bind(region.as_str().to_string())
        .bind(actor.to_string())
        .bind(self.clock.now_text())
        .execute(&mut *tx)
        .await?;
        let id: i64 = sqlx::query_scalar("SELECT id FROM census_campaigns WHERE name = $1")
            .bind(name.clone())
            .fetch_one(&mut *tx)
            .await?;
        log(
            &mut tx,
            actor,
            &self.clock.now_text(),
            &name,
            "create",
            String::new(),
            format!(
                "基准日 {}，截止 {}，区划 {}",
                input.reference_date,
                input.end_date,
                region.as_str()
            ),
        )
        .await?;
        by.audit_on(&mut tx, &self.clock.now_text()).await?;
        // Its census_missing items are raised once its reference date has come.
        super::ledger_detect::mark_detection_pending(&mut tx).await?;
        super::derived::raise(&mut tx, "census").await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// The operating state of each org's latest confirmed return on or before `d` (by the
    /// campaign's reference date), with that date.
    pub(super) async fn census_states(
        &self,
        d: NaiveDate,
    ) -> DbResult<HashMap<i64, (OperatingState, NaiveDate)>> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT r.org_id, r.operating_state, c.reference_date FROM census_returns r \
             JOIN census_campaigns c ON c.id = r.campaign_id \
             WHERE r.confirmed_at IS NOT NULL AND c.reference_date <= $1 \
             ORDER BY c.reference_date, r.confirmed_at, r.id",
        )
        .bind(d.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out = HashMap::new();
        for (org, state, date) in rows {
            let state = OperatingState::from_code(&state)
                .ok_or_else(|| DbError::Inconsistent(format!("运行状态 {state}")))?;
            // Later rows replace earlier ones: the latest return wins.
            out.insert(org, (state, parse_date(&date)?));
        }
        Ok(out)
    }

    /// The orgs in scope of every campaign started by `today` (reference date on or before it)
    /// without a confirmed return, leaving out orgs terminated since (they owe no return).
    pub(super) async fn missing_returns(
        &self,
        scope: &Scope,
        today: NaiveDate,
    ) -> DbResult<Vec<MissingReturn>> {
        let sql = format!(
            "{CAMPAIGN_SELECT} WHERE c.reference_date <= $1 ORDER BY c.reference_date, c.id"
        );
        let campaigns = sqlx::query(AssertSqlSafe(sql))
            .bind(today.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(campaign_from_row)
            .collect::<DbResult<Vec<_>>>()?;
        let mut out = Vec::new();
        for c in campaigns {
            let sql = format!(
                "SELECT o.id, o.credit_code, o.name, ru.unit_id FROM social_orgs o \
                 JOIN org_responsible_units ru ON ru.org_id = o.id \
                 WHERE {} AND {} AND (o.terminated_on IS NULL OR $2 < o.terminated_on) \
                 AND NOT EXISTS (SELECT 1 FROM census_returns r WHERE r.campaign_id = $1 \
                 AND r.org_id = o.id AND r.confirmed_at IS NOT NULL) ORDER BY o.credit_code",
                self.campaign_orgs(&c).await?,
                scope.org_condition("o")
            );
            let rows: Vec<(i64, String, String, Option<i64>)> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(c.id)
                .bind(today.to_string())
                .fetch_all(self.pool())
                .await?;
            out.extend(
                rows.into_iter()
                    .map(|(id, code, name, unit)| MissingReturn {
                        campaign_id: c.id,
                        campaign_name: c.name.clone(),
                        end_date: c.end_date,
                        org_id: id,
                        code,
                        name,
                        unit,
                    }),
            );
        }
        Ok(out)
    }

    /// (campaign id, org id) of every confirmed return, for the closing condition of
    /// census-missing items.
    pub(super) async fn confirmed_returns(&self) -> DbResult<BTreeSet<(i64, i64)>> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT campaign_id, org_id FROM census_returns WHERE confirmed_at IS NOT NULL",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Campaigns by name: (id, reference date, region subtree), for validating a workbook's
    /// 摸排 sheet.
    pub async fn campaign_index(
        &self,
    ) -> DbResult<HashMap<String, (i64, NaiveDate, Vec<RegionCode>)>> {
        let regions = self.regions().await?;
        let rows = sqlx::query(AssertSqlSafe(CAMPAIGN_SELECT))
            .fetch_all(self.pool())
            .await?;
        let mut out = HashMap::new();
        for r in &rows {
            let c = campaign_from_row(r)?;
            let root = RegionCode::parse(&c.region_code)
                .map_err(|_| DbError::Inconsistent(format!("区划 {}", c.region_code)))?;
            out.insert(c.name, (c.id, c.reference_date, subtree(&regions, &root)));
        }
        Ok(out)
    }
}

/// The campaigns and the returns of the registry as records (the export): every return of an
/// org in the scope, confirmed or not, and the campaigns they belong to.
pub(super) async fn dataset_census(
    conn: &mut AnyConnection,
    scope: &Scope,
) -> DbResult<(
    Vec<crate::domain::dataset::CampaignRecord>,
    Vec<crate::domain::dataset::CensusRecord>,
)> {
    use crate::domain::codes::CreditCode;
    use crate::domain::dataset::{CampaignRecord, CensusRecord};
    let sql = format!(
        "SELECT c.name, o.credit_code, {RETURN_COLUMNS} FROM census_returns r \
         JOIN census_campaigns c ON c.id = r.campaign_id JOIN social_orgs o ON o.id = r.org_id \
         WHERE {} ORDER BY c.reference_date, c.name, o.credit_code",
        scope.org_condition("o")
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?;
    let mut census = Vec::new();
    let mut names = BTreeSet::new();
    for r in &rows {
        let (state, ret, _) = return_from_row(r, 2)?;
        let Some(ret) = ret else { continue };
        let code: String = r.try_get(1)?;
        let name: String = r.try_get(0)?;
        names.insert(name.clone());
        census.push(CensusRecord {
            campaign: name,
            credit_code: CreditCode::parse(&code)
                .map_err(|_| DbError::Inconsistent(format!("信用代码 {code}")))?,
            ret,
            confirmed: state == ReturnState::Confirmed,
        });
    }
    let all = sqlx::query(AssertSqlSafe(format!(
        "{CAMPAIGN_SELECT} ORDER BY c.reference_date, c.name"
    )))
    .fetch_all(&mut *conn)
    .await?;
    let mut campaigns = Vec::new();
    for r in &all {
        let c = campaign_from_row(r)?;
        // The whole city's export has every campaign; a scope's, those of its returns.
        if scope.is_city() || names.contains(&c.name) {
            campaigns.push(CampaignRecord {
                region: RegionCode::parse(&c.region_code)
                    .map_err(|_| DbError::Inconsistent(format!("区划 {}", c.region_code)))?,
                name: c.name,
                reference_date: c.reference_date,
                end_date: c.end_date,
            });
        }
    }
    Ok((campaigns, census))
}
