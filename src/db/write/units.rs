//! Units: the city's reference data.

use std::collections::HashMap;

use super::super::values::{Value, insert_rows};
use super::super::{DbError, DbResult, read};
use super::*;
use crate::domain::dataset::Dataset;

impl Writer<'_> {
    pub(super) async fn units(&mut self, data: &Dataset) -> DbResult<()> {
        let existing = read::units(self.conn).await?;
        let by_name: HashMap<&str, _> = existing.iter().map(|u| (u.name.as_str(), u)).collect();
        let mut new = Vec::new();
        for u in &data.units {
            match by_name.get(u.name.as_str()) {
                Some(old) if *old == u => {}
                // A unit is the city's reference data: only a whole-city write changes one.
                Some(_) if !self.scope.is_city() => return Err(DbError::OutOfScope),
                Some(old) => {
                    sqlx::query(
                        "UPDATE units SET kind = $1, region_code = $2, carries_party_building = $3 \
                         WHERE name = $4",
                    )
                    .bind(u.kind.code())
                    .bind(u.region.as_str())
                    .bind(i64::from(u.carries_party_building))
                    .bind(u.name.as_str())
                    .execute(&mut *self.conn)
                    .await?;
                    self.summary.note(
                        "单位",
                        &u.name,
                        super::ChangeKind::Changed,
                        format!("{} → {}", unit_text(old), unit_text(u)),
                    );
                    self.log("unit", &u.name, "update", unit_text(old), unit_text(u))
                        .await?;
                    self.summary.units_updated += 1;
                }
                // …and only a whole-city write makes one.
                None if !self.scope.is_city() => return Err(DbError::OutOfScope),
                None => {
                    self.summary
                        .note("单位", &u.name, super::ChangeKind::Added, unit_text(u));
                    new.push(vec![
                        Value::text(&u.name),
                        Value::text(u.kind.code()),
                        Value::text(u.region.as_str()),
                        Value::int(i64::from(u.carries_party_building)),
                    ]);
                }
            }
        }
        self.summary.units_added += new.len();
        insert_rows(
            self.conn,
            self.backend,
            "units",
            &["name", "kind", "region_code", "carries_party_building"],
            &new,
        )
        .await
    }
}
