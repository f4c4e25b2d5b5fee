//! The 单位 sheet, and units named elsewhere that the registry does not know.

use std::collections::HashMap;

use super::cx::Cx;
use super::validator::Validator;
use crate::domain::codes::RegionCode;
use crate::domain::dataset::UnitRecord;
use crate::domain::model::UnitKind;
use crate::excel::columns::{self};
use crate::excel::source::Sheet;

impl Validator<'_> {
    pub(super) fn units(&mut self, sheet: &Sheet) {
        let known = self.known;
        let Some(m) = self.map(&columns::UNITS, &sheet.header) else {
            return;
        };
        let mut seen: HashMap<String, u32> = HashMap::new();
        for row in &sheet.rows {
            let mut cx = Cx::new(&m, row, &mut self.report);
            let name = cx.required_text("单位名称");
            let kind = cx.label("单位类别", true, UnitKind::from_label, UnitKind::labels);
            let region = cx.required_text("所属区划").and_then(|t| {
                match Self::resolve_region(&known.regions, &t) {
                    Ok(r) => Some(r),
                    Err(e) => cx.error("所属区划", e),
                }
            });
            let carries = cx.yes_no("承担党建工作");
            if let Some(n) = &name {
                if let Some(first) = seen.get(n) {
                    cx.error::<()>("单位名称", format!("单位名称与第{first}行重复"));
                } else {
                    seen.insert(n.clone(), row.number);
                }
            }
            if let (false, Some(name), Some(kind), Some(region)) = (cx.failed, name, kind, region) {
                self.unit_names.insert(name.clone());
                self.data.units.push(UnitRecord {
                    name,
                    kind,
                    region,
                    carries_party_building: carries
                        .unwrap_or_else(|| kind.carries_party_building_by_default()),
                });
            }
        }
    }

    /// Creates a unit named in another sheet that neither the registry nor the 单位 sheet knows.
    pub(super) fn implicit_unit(
        &mut self,
        name: &str,
        kind: UnitKind,
        region: &RegionCode,
    ) -> bool {
        if self.unit_names.contains(name) {
            return false;
        }
        self.unit_names.insert(name.to_string());
        self.data.units.push(UnitRecord {
            name: name.to_string(),
            kind,
            region: region.clone(),
            carries_party_building: kind.carries_party_building_by_default(),
        });
        true
    }
}
