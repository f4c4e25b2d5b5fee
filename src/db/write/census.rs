//! Census returns of the 摸排 sheet.

use std::collections::HashMap;

use super::super::{DbError, DbResult, read};
use super::*;
use crate::domain::dataset::Dataset;

impl Writer<'_> {
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
            if crate::db::census::write_return(self.conn, &w, self.actor, &self.at).await? {
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
