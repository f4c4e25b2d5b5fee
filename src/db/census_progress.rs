//! A census campaign's progress (domain.md §4.3): its orgs in scope by responsible unit, how
//! many have returned and how many are confirmed — from the spans in memory and the returns in
//! a server (the cost follows the returns), in SQL otherwise; kept until the census or the
//! registry changes.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use super::census::{Campaign, Progress, ReturnFilter, UnitProgress};
use super::{Db, DbError, DbResult, Scope, subtree};
use crate::domain::census::ReturnState;
use crate::domain::codes::RegionCode;

impl Db {
    /// The campaign's progress over the orgs in scope.
    pub async fn campaign_progress(&self, scope: &Scope, c: &Campaign) -> DbResult<Progress> {
        Ok(Progress::sum(&self.unit_progress(scope, c).await?))
    }

    /// The campaign's progress per responsible unit, over the orgs in scope: the city committee,
    /// the county committees in region order, the other units by name, then orgs without one.
    pub async fn unit_progress(&self, scope: &Scope, c: &Campaign) -> DbResult<Vec<UnitProgress>> {
        self.derived(
            format!("census-progress|{scope:?}|{}", c.id),
            self.unit_progress_now(scope, c),
        )
        .await
    }

    async fn unit_progress_now(&self, scope: &Scope, c: &Campaign) -> DbResult<Vec<UnitProgress>> {
        let mut out = match self.unit_progress_in_memory(scope, c).await? {
            Some(out) => out,
            None => self.unit_progress_in_sql(scope, c).await?,
        };
        // The committees' order; the orgs without a unit last.
        let places = self.unit_places().await?;
        out.sort_by_cached_key(|u| match &u.unit {
            Some(name) => (false, places.of(name)),
            None => (true, Default::default()),
        });
        Ok(out)
    }

    /// The campaign's orgs by unit from the spans in memory, and its returns by unit from SQL:
    /// the cost follows the returns, not the orgs (a city-wide campaign at a million orgs).
    async fn unit_progress_in_memory(
        &self,
        scope: &Scope,
        c: &Campaign,
    ) -> DbResult<Option<Vec<UnitProgress>>> {
        let regions = self.regions().await?;
        let root = RegionCode::parse(&c.region_code)
            .map_err(|_| DbError::Inconsistent(format!("区划 {}", c.region_code)))?;
        let codes: Vec<String> = subtree(&regions, &root)
            .iter()
            .map(|r| r.as_str().to_string())
            .collect();
        let Some(population) = self
            .campaign_population(scope, &codes, c.reference_date)
            .await?
        else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT CASE WHEN su.carries_party_building = 1 THEN su.id ELSE rc.unit_id END, COUNT(*), \
             SUM(CASE WHEN r.confirmed_at IS NULL THEN 0 ELSE 1 END) \
             FROM census_returns r JOIN social_orgs o ON o.id = r.org_id \
             LEFT JOIN units su ON su.id = o.supervising_unit_id \
             LEFT JOIN region_committees rc ON rc.region_code = o.region_code \
             WHERE r.campaign_id = $1 AND {} AND {} \
             GROUP BY CASE WHEN su.carries_party_building = 1 THEN su.id ELSE rc.unit_id END",
            self.campaign_orgs(c).await?,
            scope.org_condition("o")
        );
        let returned: HashMap<Option<i64>, (i64, i64)> = sqlx::query(AssertSqlSafe(sql))
            .bind(c.id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get::<Option<i64>, _>(0)?,
                    (r.try_get(1)?, r.try_get::<Option<i64>, _>(2)?.unwrap_or(0)),
                ))
            })
            .collect::<DbResult<_>>()?;
        let names: HashMap<i64, String> = self
            .units()
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        Ok(Some(
            population
                .into_iter()
                .map(|(unit, total)| {
                    let (returned, confirmed) = returned.get(&unit).copied().unwrap_or((0, 0));
                    UnitProgress {
                        unit_id: unit,
                        unit: unit.and_then(|u| names.get(&u).cloned()),
                        progress: Progress {
                            total,
                            returned,
                            confirmed,
                        },
                    }
                })
                .collect(),
        ))
    }

    /// [`Db::unit_progress`] in SQL alone (an instructor's or an org's scope, or before the
    /// spans are in memory).
    pub async fn unit_progress_in_sql(
        &self,
        scope: &Scope,
        c: &Campaign,
    ) -> DbResult<Vec<UnitProgress>> {
        let sql = format!(
            "SELECT ru.unit_id, u.name, COUNT(*), \
             SUM(CASE WHEN r.id IS NULL THEN 0 ELSE 1 END), \
             SUM(CASE WHEN r.confirmed_at IS NULL THEN 0 ELSE 1 END) \
             FROM social_orgs o JOIN org_responsible_units ru ON ru.org_id = o.id \
             LEFT JOIN units u ON u.id = ru.unit_id \
             LEFT JOIN census_returns r ON r.campaign_id = $1 AND r.org_id = o.id \
             WHERE {} AND {} GROUP BY ru.unit_id, u.name",
            self.campaign_orgs(c).await?,
            scope.org_condition("o")
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(c.id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(UnitProgress {
                    unit_id: r.try_get(0)?,
                    unit: r.try_get(1)?,
                    progress: Progress {
                        total: r.try_get(2)?,
                        returned: r.try_get::<Option<i64>, _>(3)?.unwrap_or(0),
                        confirmed: r.try_get::<Option<i64>, _>(4)?.unwrap_or(0),
                    },
                })
            })
            .collect()
    }

    /// How many orgs a campaign list has, from the progress by unit (no count over the orgs)
    /// when the filter is by state and unit only.
    pub(super) async fn returns_total(
        &self,
        scope: &Scope,
        c: &Campaign,
        filter: &ReturnFilter,
        searched: bool,
    ) -> DbResult<Option<i64>> {
        if searched || filter.confirmable_only {
            return Ok(None);
        }
        let units = self.unit_progress(scope, c).await?;
        let chosen: Vec<&UnitProgress> = units
            .iter()
            .filter(|u| filter.unit.is_none_or(|id| u.unit_id == id))
            .collect();
        let p = chosen.iter().fold(Progress::default(), |mut acc, u| {
            acc.total += u.progress.total;
            acc.returned += u.progress.returned;
            acc.confirmed += u.progress.confirmed;
            acc
        });
        Ok(Some(match filter.state {
            None => p.total,
            Some(ReturnState::Missing) => p.missing(),
            Some(ReturnState::Returned) => p.waiting(),
            Some(ReturnState::Confirmed) => p.confirmed,
        }))
    }
}
