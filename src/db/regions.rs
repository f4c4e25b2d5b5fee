//! Regions and units as reference data (small tables, read whole).

use serde::Serialize;

use super::{Db, DbError, DbResult};
use crate::domain::codes::RegionCode;
use crate::domain::model::UnitKind;
pub use crate::domain::region::{Region, subtree};

/// A unit with its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub kind: UnitKind,
    pub region: RegionCode,
    pub carries_party_building: bool,
}

fn region_code(s: &str) -> DbResult<RegionCode> {
    RegionCode::parse(s).map_err(|_| DbError::Inconsistent(format!("区划代码 {s} 无效")))
}

impl Db {
    /// All regions from the table, parents before children where the sort order says so
    /// (callers use the cached [`Db::regions`]).
    pub(super) async fn read_regions(&self) -> DbResult<Vec<Region>> {
        let rows: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT code, name, parent_code FROM regions ORDER BY sort_order, code")
                .fetch_all(self.pool())
                .await?;
        rows.into_iter()
            .map(|(code, name, parent)| {
                Ok(Region {
                    code: region_code(&code)?,
                    name,
                    parent: parent.as_deref().map(region_code).transpose()?,
                })
            })
            .collect()
    }

    /// All units.
    pub async fn units(&self) -> DbResult<Vec<Unit>> {
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, name, kind, region_code, carries_party_building FROM units ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(id, name, kind, region, carries)| {
                Ok(Unit {
                    id,
                    kind: UnitKind::from_code(&kind)
                        .ok_or_else(|| DbError::Inconsistent(format!("单位类别 {kind}")))?,
                    name,
                    region: region_code(&region)?,
                    carries_party_building: carries != 0,
                })
            })
            .collect()
    }

    /// Each unit's place in lists of units (`domain::collation::unit_key`), by name.
    pub async fn unit_places(&self) -> DbResult<UnitPlaces> {
        Ok(UnitPlaces(
            self.units()
                .await?
                .into_iter()
                .map(|u| {
                    let key =
                        crate::domain::collation::unit_key(u.kind, u.region.as_str(), &u.name);
                    (u.name, key)
                })
                .collect(),
        ))
    }
}

/// The places of units in lists, by name; a name of no unit comes last.
#[derive(Debug, Clone, Default)]
pub struct UnitPlaces(std::collections::HashMap<String, (u8, String, String)>);

impl UnitPlaces {
    /// The sort key of a unit's name.
    pub fn of(&self, name: &str) -> (u8, String, String) {
        self.0
            .get(name)
            .cloned()
            .unwrap_or_else(|| (u8::MAX, String::new(), name.to_string()))
    }
}
