//! Instructors and their stations.

use std::collections::HashSet;

use super::super::values::{Value, insert_rows};
use super::super::{DbError, DbResult, read};
use super::*;
use crate::domain::dataset::Dataset;

impl Writer<'_> {
    pub(super) async fn instructors(&mut self, data: &Dataset) -> DbResult<()> {
        let unit_ids = read::unit_ids(self.conn).await?;
        let home = |name: &str| {
            unit_ids
                .get(name)
                .copied()
                .ok_or_else(|| DbError::Inconsistent(format!("派出单位 {name} 不存在")))
        };
        // Instructors first (so that stations can refer to them), then stations.
        if data.instructors.is_empty() {
            return Ok(());
        }
        let lookup = read::person_lookup(
            data.instructors
                .iter()
                .map(|i| (i.citizen_id.as_ref().map(|c| c.as_str()), i.name.as_str())),
        );
        let mut known = read::instructor_keys_for(self.conn, &lookup).await?;
        let mut new_keys = HashSet::new();
        let mut new = Vec::new();
        for i in &data.instructors {
            let key = read::instructor_key(
                i.citizen_id.as_ref().map(|c| c.as_str()),
                &i.name,
                home(&i.home_unit)?,
            );
            match known.get(&key) {
                // Written by an earlier part of this import: its first row's fields stand (the
                // rows of one person are one record within a part).
                Some(row) if self.written.instructors.contains(&row.id) => {}
                Some(row) => {
                    let phone = i.phone.as_ref().map(|p| p.as_str().to_string());
                    if row.phone != phone || row.role != i.role.code() || row.name != i.name {
                        sqlx::query(
                            "UPDATE instructors SET name = $1, phone = $2, role = $3 WHERE id = $4",
                        )
                        .bind(i.name.clone())
                        .bind(phone)
                        .bind(i.role.code())
                        .bind(row.id)
                        .execute(&mut *self.conn)
                        .await?;
                        self.summary.instructors_updated += 1;
                    }
                }
                None if new_keys.insert(key) => new.push(vec![
                    Value::text(&i.name),
                    Value::opt_text(i.citizen_id.as_ref().map(|c| c.as_str())),
                    Value::opt_text(i.phone.as_ref().map(|p| p.as_str())),
                    Value::int(home(&i.home_unit)?),
                    Value::text(i.role.code()),
                ]),
                None => {}
            }
        }
        self.summary.instructors_added += new.len();
        insert_rows(
            self.conn,
            self.backend,
            "instructors",
            &["name", "citizen_id", "phone", "home_unit_id", "role"],
            &new,
        )
        .await?;
        if !new.is_empty() {
            known = read::instructor_keys_for(self.conn, &lookup).await?;
        }
        let codes = read::text_keys(
            data.instructors
                .iter()
                .flat_map(|i| i.stations.iter().map(|s| s.credit_code.as_str())),
        );
        let org_ids = read::org_ids_for(self.conn, &codes).await?;
        let ids = read::int_keys(known.values().map(|r| r.id));
        // (Only the instructors of this part's records: the lookup by name also found the
        // namesakes of other home units.)
        for i in &data.instructors {
            let key = read::instructor_key(
                i.citizen_id.as_ref().map(|c| c.as_str()),
                &i.name,
                home(&i.home_unit)?,
            );
            if let Some(row) = known.get(&key) {
                self.written.instructors.insert(row.id);
            }
        }
        let stations = read::station_keys_for(self.conn, &ids).await?;
        let mut new = Vec::new();
        let mut seen = HashSet::new();
        let mut part_keys = Vec::new();
        for i in &data.instructors {
            let key = read::instructor_key(
                i.citizen_id.as_ref().map(|c| c.as_str()),
                &i.name,
                home(&i.home_unit)?,
            );
            let iid = known
                .get(&key)
                .map(|r| r.id)
                .ok_or_else(|| DbError::Inconsistent(format!("指导员 {} 未写入", i.name)))?;
            for s in &i.stations {
                let oid = *org_ids.get(s.credit_code.as_str()).ok_or_else(|| {
                    DbError::Inconsistent(format!("社会组织 {} 不存在", s.credit_code))
                })?;
                let key = (iid, oid, s.from);
                part_keys.push(key_hash(&key));
                match stations.get(&key) {
                    Some((_, to)) if *to == s.to => {}
                    // Written by an earlier part: its first row stands, as within a part.
                    Some(_) if self.written.stations.contains(&key_hash(&key)) => {}
                    Some((sid, _)) => {
                        self.touched.orgs.insert(oid);
                        sqlx::query("UPDATE stations SET valid_to = $1 WHERE id = $2")
                            .bind(s.to.map(|d| d.to_string()))
                            .bind(*sid)
                            .execute(&mut *self.conn)
                            .await?;
                        self.summary.stations_updated += 1;
                    }
                    None if seen.insert((iid, oid, s.from)) => {
                        self.touched.orgs.insert(oid);
                        new.push(vec![
                            Value::int(iid),
                            Value::int(oid),
                            Value::date(s.from),
                            Value::opt_date(s.to),
                        ]);
                    }
                    None => {}
                }
            }
        }
        self.written.stations.extend(part_keys);
        self.summary.stations_added += new.len();
        insert_rows(
            self.conn,
            self.backend,
            "stations",
            &["instructor_id", "org_id", "valid_from", "valid_to"],
            &new,
        )
        .await
    }
}
