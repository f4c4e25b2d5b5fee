//! The 摸排活动 sheet: the census campaigns a workbook's 摸排 rows belong to (an export writes
//! them, so that its returns import into an empty registry). Read whole, before the 摸排 sheet.

use std::collections::HashMap;

use super::cx::Cx;
use super::validator::Validator;
use crate::domain::census::CampaignInput;
use crate::domain::dataset::CampaignRecord;
use crate::domain::region::subtree;
use crate::excel::columns;
use crate::excel::source::Sheet;

impl Validator<'_> {
    /// The 摸排活动 sheet: each row a campaign, new or as the registry has it.
    pub(super) fn campaigns(&mut self, sheet: &Sheet) {
        let known = self.known;
        let Some(m) = self.map(&columns::CAMPAIGNS, &sheet.header) else {
            return;
        };
        let mut seen: HashMap<String, u32> = HashMap::new();
        for row in &sheet.rows {
            let mut cx = Cx::new(&m, row, &mut self.report);
            let name = cx.required_text("摸排名称");
            let reference = cx.date("摸排基准日", true);
            let end = cx.date("截止日期", true);
            let region = cx.required_text("区划").and_then(|t| {
                match Self::resolve_region(&known.regions, &t) {
                    Ok(r) => Some(r),
                    Err(e) => cx.error("区划", e),
                }
            });
            if let Some(n) = &name {
                if let Some(first) = seen.get(n) {
                    cx.error::<()>("摸排名称", format!("摸排名称与第{first}行重复"));
                } else {
                    seen.insert(n.clone(), row.number);
                }
            }
            let (Some(name), Some(reference), Some(end), Some(region)) =
                (name, reference, end, region)
            else {
                continue;
            };
            let input = CampaignInput {
                name: name.clone(),
                reference_date: reference,
                end_date: end,
            };
            for (field, message) in input.problems() {
                let header = if field == "name" {
                    "摸排名称"
                } else {
                    "截止日期"
                };
                cx.error::<()>(header, message);
            }
            let regions = subtree(&known.regions, &region);
            // A campaign of the registry: the workbook's row must be the same campaign.
            if let Some((date, covered)) = known.campaigns.get(&name)
                && (*date != reference || covered.first() != Some(&region))
            {
                cx.error::<()>(
                    "摸排基准日",
                    format!(
                        "系统中已有同名摸排，其基准日为 {date}、区划为 {}；请核对，或改用其他名称",
                        covered.first().map(|r| r.as_str()).unwrap_or_default()
                    ),
                );
            }
            if cx.failed {
                continue;
            }
            self.campaigns.insert(name.clone(), (reference, regions));
            self.data.campaigns.push(CampaignRecord {
                name,
                reference_date: reference,
                end_date: end,
                region,
            });
        }
    }
}
