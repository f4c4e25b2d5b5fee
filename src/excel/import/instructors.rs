//! The 党建指导员 sheet.

use std::collections::HashMap;

use super::cx::Cx;
use super::index::*;
use super::instructor_key;
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
        let orgs = Self::org_list(&mut cx, "指导社会组织", &self.orgs, self.known, true);
        let from = cx.date("派驻日期", true);
        let to = cx.date("撤回日期", false);
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            cx.error::<()>("撤回日期", format!("撤回日期 {t} 应晚于派驻日期 {f}"));
        }
        // Its stations from the 派驻记录 sheet, taken by the person's first row (by its match
        // key; a row with a citizen ID also takes stations listed by name and home unit): they
        // are its stations, and every org its rows list must be among them.
        let hash = match (&name, &home) {
            (Some(n), Some(h)) => {
                let id = citizen_id.as_ref().map(|c| c.as_str());
                let key = name_key(&instructor_key(id, n, h));
                if !self.claimed.contains_key(&key) {
                    // The person's stations under every key they may be given by: the row's own,
                    // and the other way of matching (with the ID, the rows given by name and
                    // home unit; without it, the rows given with an ID for this name and unit).
                    let by_name = name_key(&instructor_key(None, n, h));
                    let mut keys = vec![key];
                    if id.is_some() {
                        keys.push(by_name);
                    } else if let Some(aliases) = self.station_aliases.get(&by_name) {
                        keys.extend(aliases.iter().copied());
                    }
                    let mut group: Option<super::stations::StationGroup> = None;
                    for k in keys {
                        if let Some(g) = self.stations.remove(&k) {
                            match &mut group {
                                Some(all) => all.merge(g),
                                None => group = Some(g),
                            }
                        }
                    }
                    if let Some(g) = group {
                        self.claimed.insert(key, g.orgs());
                        self.taken.insert(key, g.records());
                    }
                }
                Some(key)
            }
            _ => None,
        };
        if let Some(listed) = hash.and_then(|h| self.claimed.get(&h)) {
            let missing: Vec<&str> = orgs
                .iter()
                .filter(|(c, _)| listed.binary_search(&code_key(c)).is_err())
                .map(|(c, _)| c.as_str())
                .collect();
            if !missing.is_empty() {
                cx.error::<()>(
                    "指导社会组织",
                    format!(
                        "与“派驻记录”表不一致：该指导员在派驻记录表中没有派驻 {} 的记录",
                        super::party_orgs::codes_text(&missing)
                    ),
                );
            }
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
        // The stations the 派驻记录 sheet gives (taken by this row, or by an earlier one of the
        // person's: then they are in that row's record already), else those of the row.
        let exact = hash.and_then(|h| self.taken.remove(&h));
        let from_sheet = hash.is_some_and(|h| self.claimed.contains_key(&h));
        let stations_exact = exact.is_some();
        let stations: Vec<StationRecord> = match exact {
            Some(s) => s,
            None if from_sheet => Vec::new(),
            None => orgs
                .into_iter()
                .map(|(credit_code, _)| StationRecord {
                    credit_code,
                    from,
                    to,
                })
                .collect(),
        };
        // Several rows of one person (matched by citizen ID, else name and home unit) are one
        // instructor with several stations.
        let key = instructor_key(citizen_id.as_ref().map(|c| c.as_str()), &name, &home_unit);
        match seen.get(&key) {
            Some(&i) => {
                let record = &mut self.data.instructors[i];
                record.stations.extend(stations);
                record.stations_exact |= stations_exact;
            }
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
                    stations,
                    stations_exact,
                });
            }
        }
    }
}
