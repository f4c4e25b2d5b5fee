//! The 党建指导员 sheet.

use std::collections::HashMap;

use super::cx::Cx;
use super::validator::{Mapped, Validator};
use crate::domain::codes::{CitizenId, Phone, RegionCode};
use crate::domain::dataset::{InstructorRecord, StationRecord};
use crate::domain::model::{StationRole, UnitKind};
use crate::excel::source::Row;

impl Validator<'_> {
    /// One row of the 党建指导员 sheet; `seen` indexes the records not yet taken by key.
    pub(super) fn instructor_row(
        &mut self,
        m: &Mapped,
        seen: &mut HashMap<String, usize>,
        root: Option<&RegionCode>,
        row: &Row,
    ) {
        let mut cx = Cx::new(m, row, &mut self.report);
        let name = cx.required_text("姓名");
        let citizen_id = cx.parsed("身份证号", |t| {
            CitizenId::parse(t).map_err(|e| e.to_string())
        });
        let phone = cx.parsed("手机号", |t| Phone::parse(t).map_err(|e| e.to_string()));
        let home = cx.required_text("派出单位");
        let role = cx
            .label("角色", false, StationRole::from_label, StationRole::labels)
            .unwrap_or(StationRole::Instructor);
        let orgs = Self::org_list(&mut cx, "指导社会组织", &self.orgs, self.known);
        let from = cx.date("派驻日期", true);
        let to = cx.date("撤回日期", false);
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            cx.error::<()>("撤回日期", format!("撤回日期 {t} 应晚于派驻日期 {f}"));
        }
        let failed = cx.failed;
        if let (Some(home), Some(root)) = (&home, root)
            && self.implicit_unit(home, UnitKind::MemberUnit, root)
        {
            let mut cx = Cx::new(m, row, &mut self.report);
            cx.warning(
                "派出单位",
                "系统中没有该单位，保存时将按“其他委员单位”新建；如有误请改正，或先在“单位”中添加"
                    .into(),
            );
        }
        let (false, Some(name), Some(home_unit), Some(from)) = (failed, name, home, from) else {
            return;
        };
        let stations = orgs.into_iter().map(|(credit_code, _)| StationRecord {
            credit_code,
            from,
            to,
        });
        // Several rows of one person (matched by citizen ID, else name and home unit) are one
        // instructor with several stations.
        let key = match &citizen_id {
            Some(id) => format!("id:{}", id.as_str()),
            None => format!("name:{name}\u{1f}{home_unit}"),
        };
        match seen.get(&key) {
            Some(&i) => self.data.instructors[i].stations.extend(stations),
            // (A person whose rows fall into several parts has a record in each; the write
            // keeps the fields of the first, as here within a part.)
            None => {
                seen.insert(key, self.data.instructors.len());
                self.data.instructors.push(InstructorRecord {
                    name,
                    citizen_id,
                    phone,
                    home_unit,
                    role,
                    stations: stations.collect(),
                });
            }
        }
    }
}
