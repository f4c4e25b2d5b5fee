//! Instructors and their stations. An instructor is matched by citizen ID, else by name and
//! home unit. Stations given whole (`stations_exact`: the 派驻记录 sheet, a read of the
//! registry, the demo; and the stations of instructors of the registry that only the 派驻记录
//! sheet names) make the stored ones exactly those, by the plan of [`crate::domain::periods`];
//! otherwise a station is added, or its end set, by (instructor, org, 派驻日期). Every change is
//! logged on the org's timeline and listed for the import's preview.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::super::values::{Value, insert_rows};
use super::super::{DbError, DbResult, read};
use super::changes::ChangeKind;
use super::*;
use crate::domain::dataset::{Dataset, StationRecord};
use crate::domain::periods::{Period, Step, plan};

const RECORD: &str = "派驻";

impl Writer<'_> {
    pub(super) async fn instructors(&mut self, data: &Dataset) -> DbResult<()> {
        if data.instructors.is_empty() && data.instructor_stations.is_empty() {
            return Ok(());
        }
        let unit_ids = read::unit_ids(self.conn).await?;
        let home = |name: &str| {
            unit_ids
                .get(name)
                .copied()
                .ok_or_else(|| DbError::Inconsistent(format!("派出单位 {name} 不存在")))
        };
        // Instructors first (so that stations can refer to them), then stations.
        let lookup = read::person_lookup(
            data.instructors
                .iter()
                .map(|i| (i.citizen_id.as_ref().map(|c| c.as_str()), i.name.as_str()))
                .chain(
                    data.instructor_stations
                        .iter()
                        .map(|i| (i.citizen_id.as_ref().map(|c| c.as_str()), i.name.as_str())),
                ),
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
                        // Outside the city a person's own fields are the writer's only when
                        // every station of theirs is.
                        if !self.scope.is_city() {
                            self.check_instructor_scope(row.id).await?;
                        }
                        sqlx::query(
                            "UPDATE instructors SET name = $1, phone = $2, role = $3, sort_key = $5 \
                             WHERE id = $4",
                        )
                        .bind(i.name.clone())
                        .bind(phone)
                        .bind(i.role.code())
                        .bind(row.id)
                        .bind(crate::domain::collation::name_key(&i.name))
                        .execute(&mut *self.conn)
                        .await?;
                        self.summary.instructors_updated += 1;
                        let (before, after) = instructor_fields(row, i);
                        self.log("instructor", &row.id.to_string(), "update", before, after)
                            .await?;
                        // (The phone is personal data: the list says that it changed, not to what.)
                        self.summary.note(
                            "党建指导员",
                            &i.name,
                            ChangeKind::Changed,
                            changed_fields(row, i),
                        );
                    }
                }
                None if new_keys.insert(key) => {
                    self.summary.note(
                        "党建指导员",
                        &i.name,
                        ChangeKind::Added,
                        i.home_unit.clone(),
                    );
                    new.push(vec![
                        Value::text(&i.name),
                        Value::opt_text(i.citizen_id.as_ref().map(|c| c.as_str())),
                        Value::opt_text(i.phone.as_ref().map(|p| p.as_str())),
                        Value::int(home(&i.home_unit)?),
                        Value::text(i.role.code()),
                        Value::text(crate::domain::collation::name_key(&i.name)),
                    ]);
                }
                None => {}
            }
        }
        self.summary.instructors_added += new.len();
        insert_rows(
            self.conn,
            self.backend,
            "instructors",
            &[
                "name",
                "citizen_id",
                "phone",
                "home_unit_id",
                "role",
                "sort_key",
            ],
            &new,
        )
        .await?;
        if !new.is_empty() {
            known = read::instructor_keys_for(self.conn, &lookup).await?;
        }
        // Each record's instructor id (only of this part's records: the lookup by name also
        // found the namesakes of other home units).
        let id_of = |citizen_id: Option<&str>, name: &str, unit: &str| -> DbResult<(i64, String)> {
            // (Matched by the ID alone when there is one: the unit is not looked up then.)
            let unit_id = match citizen_id {
                Some(_) => 0,
                None => home(unit)?,
            };
            let key = read::instructor_key(citizen_id, name, unit_id);
            known
                .get(&key)
                .map(|r| (r.id, r.name.clone()))
                .ok_or_else(|| DbError::Inconsistent(format!("指导员 {name} 未写入")))
        };
        // (instructor, its name, the stations, whole?)
        let mut records: Vec<(i64, String, &[StationRecord], bool)> = Vec::new();
        for i in &data.instructors {
            let (id, name) = id_of(
                i.citizen_id.as_ref().map(|c| c.as_str()),
                &i.name,
                &i.home_unit,
            )?;
            records.push((id, name, &i.stations, i.stations_exact));
        }
        for i in &data.instructor_stations {
            let (id, name) = id_of(
                i.citizen_id.as_ref().map(|c| c.as_str()),
                &i.name,
                &i.home_unit,
            )?;
            records.push((id, name, &i.stations, true));
        }
        self.stations(&records).await?;
        for (id, ..) in &records {
            self.written.instructors.insert(*id);
        }
        Ok(())
    }

    /// An instructor whose own fields a scope other than the city's changes: every org they
    /// are or were stationed in must be in it, and there must be one; else not found.
    async fn check_instructor_scope(&mut self, id: i64) -> DbResult<()> {
        // On PostgreSQL the instructor is held until the write commits (a concurrent station
        // for him waits), so the stations checked are those committed with.
        if self.backend == crate::db::Backend::Postgres {
            sqlx::query("SELECT id FROM instructors WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_all(&mut *self.conn)
                .await?;
        }
        let orgs: Vec<i64> =
            sqlx::query_scalar("SELECT org_id FROM stations WHERE instructor_id = $1")
                .bind(id)
                .fetch_all(&mut *self.conn)
                .await?;
        if orgs.is_empty() || self.first_id_outside_scope(&orgs).await?.is_some() {
            return Err(DbError::OutOfScope);
        }
        Ok(())
    }

    /// The stations of the records of a part.
    async fn stations(
        &mut self,
        records: &[(i64, String, &[StationRecord], bool)],
    ) -> DbResult<()> {
        let codes = read::text_keys(
            records
                .iter()
                .flat_map(|(_, _, stations, _)| stations.iter().map(|s| s.credit_code.as_str())),
        );
        let org_ids = read::org_ids_for(self.conn, &codes).await?;
        // Outside the city, stations only in the writer's orgs (the stations elsewhere of the
        // same instructor are left as they are: plans are made org by org).
        let given: Vec<i64> = org_ids.values().copied().collect();
        if let Some(code) = self.first_id_outside_scope(&given).await? {
            return Err(DbError::LeavesScope(code));
        }
        let ids = read::int_keys(records.iter().map(|(id, ..)| *id));
        let stored = read::station_keys_for(self.conn, &ids).await?;
        let mut codes_of: HashMap<i64, String> =
            org_ids.iter().map(|(c, i)| (*i, c.clone())).collect();
        let unknown = read::int_keys(
            stored
                .keys()
                .map(|(_, oid, _)| *oid)
                .filter(|id| !codes_of.contains_key(id)),
        );
        codes_of.extend(read::org_codes_for(self.conn, &unknown).await?);
        let org_id = |code: &str| {
            org_ids
                .get(code)
                .copied()
                .ok_or_else(|| DbError::Inconsistent(format!("社会组织 {code} 不存在")))
        };
        // The stored stations by instructor, then by org.
        let mut by_instructor: HashMap<i64, BTreeMap<i64, Vec<(i64, Period)>>> = HashMap::new();
        for ((iid, oid, from), (sid, to)) in &stored {
            by_instructor
                .entry(*iid)
                .or_default()
                .entry(*oid)
                .or_default()
                .push((
                    *sid,
                    Period {
                        from: *from,
                        to: *to,
                    },
                ));
        }
        let mut new = Vec::new();
        // Whole station lists: one plan per instructor and org, over the union of its records
        // in this part (an instructor written whole by an earlier part only gains stations).
        let mut whole: BTreeMap<i64, (String, BTreeMap<i64, Vec<Period>>)> = BTreeMap::new();
        for (iid, name, stations, _) in records.iter().filter(|r| r.3) {
            let entry = whole
                .entry(*iid)
                .or_insert_with(|| (name.clone(), BTreeMap::new()));
            for s in stations.iter() {
                entry
                    .1
                    .entry(org_id(s.credit_code.as_str())?)
                    .or_default()
                    .push(Period {
                        from: s.from,
                        to: s.to,
                    });
            }
        }
        let none = BTreeMap::new();
        for (iid, (name, mut given)) in whole {
            let additive = !self.written.exact_instructors.insert(iid);
            let stored_orgs = by_instructor.get(&iid).unwrap_or(&none);
            // The orgs the stations name, and the instructor's other orgs that the workbook has
            // (as for links).
            for oid in stored_orgs.keys() {
                if self.written.orgs.contains(oid) {
                    given.entry(*oid).or_default();
                }
            }
            for (oid, wanted) in given {
                let old = stored_orgs.get(&oid).cloned().unwrap_or_default();
                let code = codes_of.get(&oid).cloned().unwrap_or_default();
                for step in plan(&old, &wanted) {
                    match step {
                        Step::Remove { .. } | Step::Redate { .. } if additive => continue,
                        Step::Redate { id, old, new: p } => {
                            self.set_station(id, p).await?;
                            self.station_change(&name, &code, Some(old), Some(p))
                                .await?;
                        }
                        Step::Add(p) => {
                            new.push(station_values(iid, oid, p));
                            self.station_change(&name, &code, None, Some(p)).await?;
                        }
                        Step::Remove { id, old } => {
                            sqlx::query("DELETE FROM stations WHERE id = $1")
                                .bind(id)
                                .execute(&mut *self.conn)
                                .await?;
                            self.station_change(&name, &code, Some(old), None).await?;
                        }
                    }
                    self.touched.orgs.insert(oid);
                }
            }
        }
        // A 党建指导员 row without 派驻记录 rows: a station of the same 派驻日期 gets the row's
        // 撤回日期; an open station of the pair is the same station (its start is kept, it ends
        // when the row ends it); otherwise the station is added, after the pair's earlier ones.
        let mut seen = HashSet::new();
        let mut part_keys = Vec::new();
        for (iid, name, stations, _) in records.iter().filter(|r| !r.3) {
            let iid = *iid;
            for s in stations.iter() {
                let oid = org_id(s.credit_code.as_str())?;
                let key = (iid, oid, s.from);
                part_keys.push(key_hash(&key));
                let code = s.credit_code.as_str();
                let pair = by_instructor
                    .get(&iid)
                    .and_then(|m| m.get(&oid))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let same_start = pair.iter().find(|(_, p)| p.from == s.from).copied();
                let open = pair.iter().find(|(_, p)| p.to.is_none()).copied();
                match same_start.or(open) {
                    // Written by an earlier part: its first row stands, as within a part.
                    Some(_) if self.written.stations.contains(&key_hash(&key)) => {}
                    Some((_, p)) if p.to == s.to => {}
                    // An open station the row does not end stays as it is.
                    Some((_, p)) if p.from != s.from && s.to.is_none() => {}
                    Some((sid, p)) => {
                        let target = Period {
                            from: p.from,
                            to: s.to,
                        };
                        if target.to.is_some_and(|t| t <= target.from) {
                            continue;
                        }
                        self.touched.orgs.insert(oid);
                        self.set_station(sid, target).await?;
                        self.station_change(name, code, Some(p), Some(target))
                            .await?;
                    }
                    None if seen.insert(key) => {
                        let after = pair.iter().filter_map(|(_, p)| p.to).max();
                        let from = after.map_or(s.from, |a| a.max(s.from));
                        if s.to.is_some_and(|t| t <= from) {
                            continue;
                        }
                        let target = Period { from, to: s.to };
                        self.touched.orgs.insert(oid);
                        new.push(station_values(iid, oid, target));
                        self.station_change(name, code, None, Some(target)).await?;
                    }
                    None => {}
                }
            }
        }
        self.written.stations.extend(part_keys);
        insert_rows(
            self.conn,
            self.backend,
            "stations",
            &["instructor_id", "org_id", "valid_from", "valid_to"],
            &new,
        )
        .await
    }

    async fn set_station(&mut self, id: i64, p: Period) -> DbResult<()> {
        sqlx::query("UPDATE stations SET valid_from = $1, valid_to = $2 WHERE id = $3")
            .bind(p.from.to_string())
            .bind(p.to.map(|d| d.to_string()))
            .bind(id)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    /// One station's change: counted, listed, and on the org's timeline.
    async fn station_change(
        &mut self,
        instructor: &str,
        code: &str,
        old: Option<Period>,
        new: Option<Period>,
    ) -> DbResult<()> {
        let what = format!("派驻（{instructor}）");
        match self.log_period(RECORD, code, &what, old, new).await? {
            ChangeKind::Added => self.summary.stations_added += 1,
            ChangeKind::Removed => self.summary.stations_removed += 1,
            ChangeKind::Ended => self.summary.stations_closed += 1,
            _ => self.summary.stations_updated += 1,
        }
        Ok(())
    }
}

fn station_values(iid: i64, oid: i64, p: Period) -> Vec<Value> {
    vec![
        Value::int(iid),
        Value::int(oid),
        Value::date(p.from),
        Value::opt_date(p.to),
    ]
}

/// Which of an instructor's own fields a record changes, in words.
/// The changed fields of an instructor before and after, for the timeline (a phone number
/// masked: the log is read by more roles than those who may see it).
fn instructor_fields(
    row: &read::InstructorRow,
    i: &crate::domain::dataset::InstructorRecord,
) -> (String, String) {
    let mut before = serde_json::Map::new();
    let mut after = serde_json::Map::new();
    let mut put = |k: &str, a: String, b: String| {
        before.insert(k.to_string(), a.into());
        after.insert(k.to_string(), b.into());
    };
    if row.name != i.name {
        put("姓名", row.name.clone(), i.name.clone());
    }
    let phone = i.phone.as_ref().map(|p| p.masked()).unwrap_or_default();
    let old_phone = row
        .phone
        .as_deref()
        .and_then(|p| crate::domain::codes::Phone::parse(p).ok())
        .map(|p| p.masked())
        .unwrap_or_default();
    if row.phone.as_deref() != i.phone.as_ref().map(|p| p.as_str()) {
        put("手机号", old_phone, phone);
    }
    if row.role != i.role.code() {
        let old = crate::domain::model::StationRole::from_code(&row.role)
            .map_or(row.role.clone(), |r| r.label().to_string());
        put("角色", old, i.role.label().to_string());
    }
    (
        serde_json::Value::Object(before).to_string(),
        serde_json::Value::Object(after).to_string(),
    )
}

fn changed_fields(
    row: &read::InstructorRow,
    i: &crate::domain::dataset::InstructorRecord,
) -> String {
    let mut out = Vec::new();
    if row.name != i.name {
        out.push(format!("姓名 {} → {}", row.name, i.name));
    }
    if row.phone.as_deref() != i.phone.as_ref().map(|p| p.as_str()) {
        out.push("手机号已更改".to_string());
    }
    if row.role != i.role.code() {
        out.push(format!("角色 → {}", i.role.label()));
    }
    out.join("；")
}
