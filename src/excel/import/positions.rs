//! The 任职 sheet.

use super::cx::Cx;
use super::index::*;
use super::validator::{Mapped, Validator};
use crate::domain::codes::{CitizenId, CreditCode};
use crate::domain::dataset::{PositionRecord, PositionTarget};
use crate::domain::model::{ORG_TITLES, PARTY_TITLES};
use crate::excel::source::Row;

impl Validator<'_> {
    /// One row of the 任职 sheet.
    pub(super) fn position_row(&mut self, m: &Mapped, row: &Row) {
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
            let in_workbook = self.party.get(&name_key(&t)).is_some_and(|p| p.valid);
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
