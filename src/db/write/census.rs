//! Census returns of the 摸排 sheet.

use std::collections::HashMap;

use super::super::{DbError, DbResult, read};
use super::*;
use crate::domain::dataset::Dataset;

impl Writer<'_> {
    /// Campaigns (the 摸排活动 sheet), matched by name: a new one is opened, a known one may get
    /// a new end date (its reference date and region were checked to be the same).
    pub(super) async fn campaigns(&mut self, data: &Dataset) -> DbResult<()> {
        for c in &data.campaigns {
            let stored: Option<(i64, String)> =
                sqlx::query_as("SELECT id, end_date FROM census_campaigns WHERE name = $1")
                    .bind(c.name.clone())
                    .fetch_optional(&mut *self.conn)
                    .await?;
            match stored {
                Some((_, end)) if end == c.end_date.to_string() => {}
                Some((id, end)) => {
                    sqlx::query("UPDATE census_campaigns SET end_date = $1 WHERE id = $2")
                        .bind(c.end_date.to_string())
                        .bind(id)
                        .execute(&mut *self.conn)
                        .await?;
                    self.summary.note(
                        "摸排",
                        &c.name,
                        super::ChangeKind::Changed,
                        format!("截止日期 {end} → {}", c.end_date),
                    );
                    self.summary.campaigns += 1;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO census_campaigns (name, reference_date, end_date, region_code, \
                         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(c.name.clone())
                    .bind(c.reference_date.to_string())
                    .bind(c.end_date.to_string())
                    .bind(c.region.as_str().to_string())
                    .bind(self.actor.to_string())
                    .bind(self.at.clone())
                    .execute(&mut *self.conn)
                    .await?;
                    self.summary.note(
                        "摸排",
                        &c.name,
                        super::ChangeKind::Added,
                        format!(
                            "基准日 {}，截止 {}，区划 {}",
                            c.reference_date,
                            c.end_date,
                            c.region.as_str()
                        ),
                    );
                    self.summary.campaigns += 1;
                }
            }
        }
        Ok(())
    }

    /// Census returns: upserted per (campaign, org); a confirmed one changes the org's counts.
    pub(super) async fn census(&mut self, data: &Dataset) -> DbResult<()> {
        if data.census.is_empty() {
            return Ok(());
        }
        let campaigns: HashMap<String, i64> =
            sqlx::query_as::<_, (String, i64)>("SELECT name, id FROM census_campaigns")
                .fetch_all(&mut *self.conn)
                .await?
                .into_iter()
                .collect();
        let codes = read::text_keys(data.census.iter().map(|r| r.credit_code.as_str()));
        let org_ids = read::org_ids_for(self.conn, &codes).await?;
        for r in &data.census {
            let campaign_id = *campaigns
                .get(&r.campaign)
                .ok_or_else(|| DbError::Inconsistent(format!("摸排 {} 不存在", r.campaign)))?;
            let org_id = *org_ids.get(r.credit_code.as_str()).ok_or_else(|| {
                DbError::Inconsistent(format!("社会组织 {} 不存在", r.credit_code))
            })?;
            let w = crate::db::census::ReturnWrite {
                campaign_id,
                org_id,
                ret: &r.ret,
                confirmed: r.confirmed,
            };
            if crate::db::census_returns::write_return(self.conn, &w, self.actor, &self.at).await? {
                self.summary.census_returns += 1;
                self.summary.note(
                    "摸排表",
                    r.credit_code.as_str(),
                    super::ChangeKind::Changed,
                    format!("{}：{}", r.campaign, r.ret.describe()),
                );
                self.touched.orgs.insert(org_id);
            }
        }
        Ok(())
    }
}
