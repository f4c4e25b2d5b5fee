//! Writing a [`Dataset`] into the registry (upsert, in one transaction) and reading the registry
//! back as one. Matching follows `import-format.md`: orgs by credit code, party orgs and units by
//! name, instructors by citizen ID (else name + home unit), persons by citizen ID (else name).

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use sqlx::AnyConnection;
use sqlx::AssertSqlSafe;

use super::values::{Value, bind_all, insert_rows};
use super::{Db, DbError, DbResult, Scope, read, spans};
use crate::domain::dataset::{Dataset, PositionTarget};

/// What a write changed, for the import report.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteSummary {
    pub units_added: usize,
    pub units_updated: usize,
    pub orgs_added: usize,
    pub orgs_updated: usize,
    pub party_orgs_added: usize,
    pub party_orgs_updated: usize,
    pub links_added: usize,
    pub links_updated: usize,
    pub links_closed: usize,
    pub instructors_added: usize,
    pub instructors_updated: usize,
    pub stations_added: usize,
    pub stations_updated: usize,
    pub positions_added: usize,
    pub positions_updated: usize,
    /// Census returns added or changed (sheet 摸排).
    pub census_returns: usize,
}

impl WriteSummary {
    /// True when the write changed nothing (re-importing the same workbook).
    pub fn is_noop(&self) -> bool {
        *self == WriteSummary::default()
    }

    /// What the write did, in words (the audit log's detail of an import).
    pub fn describe(&self) -> String {
        format!(
            "社会组织 新增 {} 更新 {}；党组织 新增 {} 更新 {}；覆盖关系 新增 {} 更新 {} 结束 {}；指导员 新增 {} 更新 {}；派驻 新增 {} 更新 {}；任职 新增 {} 更新 {}；单位 新增 {} 更新 {}；摸排表 {}",
            self.orgs_added,
            self.orgs_updated,
            self.party_orgs_added,
            self.party_orgs_updated,
            self.links_added,
            self.links_updated,
            self.links_closed,
            self.instructors_added,
            self.instructors_updated,
            self.stations_added,
            self.stations_updated,
            self.positions_added,
            self.positions_updated,
            self.units_added,
            self.units_updated,
            self.census_returns
        )
    }
}

/// An org's facts that an import checks a workbook against.
#[derive(Debug, Clone)]
pub struct OrgKey {
    pub credit_code: String,
    pub name: String,
    pub region: crate::domain::codes::RegionCode,
    pub registered_on: NaiveDate,
    pub terminated_on: Option<NaiveDate>,
    pub counts_on: Option<NaiveDate>,
}

/// Options for reading the registry back.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Leave out closed coverage links (an export lists a party org's current coverage).
    pub open_links_only: bool,
}

impl Db {
    /// Upserts a validated dataset in one transaction: all of it is saved, or nothing.
    /// Only a whole-city scope may write the registry for now.
    pub async fn write_dataset(
        &self,
        scope: &Scope,
        data: &Dataset,
        actor: &str,
        today: NaiveDate,
    ) -> DbResult<WriteSummary> {
        let mut w = self.begin_dataset_write(scope, actor, today).await?;
        w.write(data).await?;
        w.finish().await
    }

    /// Starts a write of a dataset in parts (see [`DatasetWrite`]). A whole-city scope writes
    /// anything; a county's or a unit's scope writes social orgs only, each inside the scope as
    /// stored and as written (checked against the stored rows inside the transaction).
    pub async fn begin_dataset_write(
        &self,
        scope: &Scope,
        actor: &str,
        today: NaiveDate,
    ) -> DbResult<DatasetWrite> {
        if matches!(scope, Scope::Instructor(_) | Scope::Org(_)) {
            return Err(DbError::OutOfScope);
        }
        Ok(DatasetWrite {
            scope: scope.clone(),
            tx: self.write_tx().await?,
            backend: self.backend(),
            actor: actor.to_string(),
            today,
            at: self.clock.now_text(),
            summary: WriteSummary::default(),
            touched: BTreeSet::new(),
            all_touched: false,
            written: Written::default(),
            started: std::time::Instant::now(),
        })
    }

    /// One org as a record, if in scope (for the edit form).
    pub async fn org_record(
        &self,
        scope: &Scope,
        credit_code: &str,
    ) -> DbResult<Option<crate::domain::dataset::OrgRecord>> {
        let mut conn = self.pool().acquire().await?;
        read::org(&mut conn, scope, credit_code).await
    }

    /// What an import checks references against, read narrowly (no links, stations, persons or
    /// positions): unit names, party-org names with their stored 上级党组织, and each org's key
    /// facts, handed to `on_org` as the rows arrive.
    pub async fn registry_keys(
        &self,
        on_org: impl FnMut(OrgKey) + Send,
    ) -> DbResult<(Vec<String>, Vec<(String, Option<String>)>)> {
        let mut conn = self.pool().acquire().await?;
        read::each_org_key(&mut conn, on_org).await?;
        let units: Vec<String> = sqlx::query_scalar("SELECT name FROM units ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
        let party: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT name, parent_name FROM party_orgs")
                .fetch_all(&mut *conn)
                .await?;
        Ok((units, party))
    }

    /// Reads the whole registry within the scope as a dataset.
    pub async fn read_dataset(&self, scope: &Scope, options: ReadOptions) -> DbResult<Dataset> {
        let mut conn = self.pool().acquire().await?;
        read::dataset(&mut conn, scope, options).await
    }
}

/// What the parts of one import wrote so far, for the rule that the first of two rows with one
/// key wins however the workbook is cut into parts (as within a part, where the second is not
/// written): instructors by id, stations and positions by a hash of their upsert key.
#[derive(Default)]
struct Written {
    instructors: HashSet<i64>,
    stations: HashSet<u64>,
    positions: HashSet<u64>,
}

fn key_hash(key: &impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

/// New rows held before they are written (see [`Writer::insert_orgs`]).
const FLUSH_ROWS: usize = 10_000;

/// An upsert of a dataset given in parts, in one transaction: [`write`](Self::write) the parts
/// in order (each part's records may refer to the registry and to earlier parts), then
/// [`finish`](Self::finish), which refreshes the coverage spans of the orgs touched and commits.
/// Dropped without `finish` (an error, or a workbook found invalid on the way), nothing is saved.
/// A large workbook is thus streamed into the registry without being held whole.
pub struct DatasetWrite {
    /// Whose write: every stored record it changes must be in this scope, before and after.
    scope: Scope,
    tx: sqlx::Transaction<'static, sqlx::Any>,
    backend: super::Backend,
    actor: String,
    today: NaiveDate,
    at: String,
    summary: WriteSummary,
    /// Orgs whose coverage spans the parts written may have changed; once so many that every
    /// span is rebuilt anyway (`spans::FULL_REBUILD_AT`), no longer listed (`all_touched`).
    touched: BTreeSet<i64>,
    all_touched: bool,
    /// What the parts so far wrote.
    written: Written,
    started: std::time::Instant,
}

impl DatasetWrite {
    /// Upserts one part.
    pub async fn write(&mut self, data: &Dataset) -> DbResult<()> {
        let orgs_only = data.party_orgs.is_empty()
            && data.instructors.is_empty()
            && data.positions.is_empty()
            && data.census.is_empty();
        if !self.scope.is_city() && !orgs_only {
            return Err(DbError::OutOfScope);
        }
        let mut w = Writer {
            scope: &self.scope,
            conn: &mut self.tx,
            backend: self.backend,
            actor: &self.actor,
            today: self.today,
            at: self.at.clone(),
            summary: std::mem::take(&mut self.summary),
            touched: Touched::default(),
            written: std::mem::take(&mut self.written),
        };
        w.units(data).await?;
        w.orgs(data).await?;
        w.party_orgs(data).await?;
        w.instructors(data).await?;
        w.positions(data).await?;
        w.census(data).await?;
        let touched = w.touched_orgs().await?;
        self.summary = w.summary;
        self.written = w.written;
        if !self.all_touched {
            self.touched.extend(touched);
            if self.touched.len() >= spans::FULL_REBUILD_AT {
                self.all_touched = true;
                self.touched = BTreeSet::new();
            }
        }
        tracing::trace!(elapsed = ?self.started.elapsed(), orgs = data.orgs.len(), party_orgs = data.party_orgs.len(), positions = data.positions.len(), "part written");
        Ok(())
    }

    /// Writes an audit row in the write's transaction: it is kept exactly when the write is.
    pub async fn audit(
        &mut self,
        action: &str,
        target: &str,
        detail: &str,
        client: &str,
    ) -> DbResult<()> {
        super::users::audit_on(
            &mut self.tx,
            &super::users::AuditRow {
                at: &self.at,
                username: &self.actor,
                action,
                target,
                detail,
                client,
            },
        )
        .await
    }

    /// What the parts written so far changed.
    pub fn summary(&self) -> &WriteSummary {
        &self.summary
    }

    /// Refreshes the coverage spans of the orgs touched and commits; returns what changed. A
    /// write that changed anything leaves the ledger detection pending in the same transaction
    /// ([`Db::detection_pending`]), so that a crash between the commit and the detection is
    /// caught up at the next start.
    pub async fn finish(mut self) -> DbResult<WriteSummary> {
        if !self.summary.is_noop() {
            super::ledger::mark_detection_pending(&mut self.tx).await?;
        }
        let started = self.started;
        tracing::debug!(elapsed = ?started.elapsed(), orgs = self.touched.len(), all = self.all_touched, "parts written");
        if self.all_touched || !self.touched.is_empty() {
            let which = if self.all_touched {
                spans::Which::All
            } else {
                spans::Which::Orgs(&self.touched)
            };
            let n = spans::refresh(&mut self.tx, self.backend, which).await?;
            tracing::debug!(elapsed = ?started.elapsed(), spans = n, "coverage spans refreshed");
        }
        self.tx.commit().await?;
        tracing::debug!(elapsed = ?started.elapsed(), "committed");
        Ok(self.summary)
    }
}

struct Writer<'a> {
    scope: &'a Scope,
    conn: &'a mut AnyConnection,
    backend: super::Backend,
    actor: &'a str,
    today: NaiveDate,
    at: String,
    summary: WriteSummary,
    touched: Touched,
    /// What earlier parts of this import wrote.
    written: Written,
}

/// What a write changed that the coverage spans depend on.
#[derive(Default)]
struct Touched {
    /// Orgs whose links or stations changed.
    orgs: BTreeSet<i64>,
    /// Orgs added or updated (by credit code: new ones have no id until inserted).
    org_codes: Vec<String>,
    /// Party orgs whose dates or formation changed: every org they link is touched.
    party_orgs: Vec<String>,
}

impl Writer<'_> {
    /// The ids of the orgs whose coverage spans the write may have changed.
    async fn touched_orgs(&mut self) -> DbResult<BTreeSet<i64>> {
        let mut orgs = std::mem::take(&mut self.touched.orgs);
        if !self.touched.org_codes.is_empty() {
            let codes = std::mem::take(&mut self.touched.org_codes);
            let keys = read::text_keys(codes.iter().map(String::as_str));
            let ids = read::org_ids_for(self.conn, &keys).await?;
            orgs.extend(ids.into_values());
        }
        if !self.touched.party_orgs.is_empty() {
            let keys = read::text_keys(self.touched.party_orgs.iter().map(String::as_str));
            let ids = read::party_org_ids_for(self.conn, &keys).await?;
            let party: Vec<String> = self
                .touched
                .party_orgs
                .iter()
                .filter_map(|n| ids.get(n).map(i64::to_string))
                .collect();
            for chunk in party.chunks(500) {
                let sql = format!(
                    "SELECT DISTINCT org_id FROM coverage_links WHERE party_org_id IN ({})",
                    chunk.join(", ")
                );
                let linked: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(sql))
                    .fetch_all(&mut *self.conn)
                    .await?;
                orgs.extend(linked);
            }
        }
        Ok(orgs)
    }

    async fn log(
        &mut self,
        entity: &str,
        key: &str,
        action: &str,
        before: String,
        after: String,
    ) -> DbResult<()> {
        sqlx::query(
            "INSERT INTO change_log (at, actor, entity, entity_key, action, before, after) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(self.at.clone())
        .bind(self.actor.to_string())
        .bind(entity.to_string())
        .bind(key.to_string())
        .bind(action.to_string())
        .bind(before)
        .bind(after)
        .execute(&mut *self.conn)
        .await?;
        Ok(())
    }

    async fn units(&mut self, data: &Dataset) -> DbResult<()> {
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
                    self.log("unit", &u.name, "update", unit_text(old), unit_text(u))
                        .await?;
                    self.summary.units_updated += 1;
                }
                None => new.push(vec![
                    Value::text(&u.name),
                    Value::text(u.kind.code()),
                    Value::text(u.region.as_str()),
                    Value::int(i64::from(u.carries_party_building)),
                ]),
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

    async fn orgs(&mut self, data: &Dataset) -> DbResult<()> {
        let unit_ids = read::unit_ids(self.conn).await?;
        let keys = read::text_keys(data.orgs.iter().map(|o| o.credit_code.as_str()));
        // A stored org outside the writer's scope is not found, whatever the record says.
        if let Some(_code) = self.first_outside_scope(&keys).await? {
            return Err(DbError::OutOfScope);
        }
        let existing = read::orgs_for(self.conn, &keys).await?;
        let by_code: HashMap<&str, _> = existing
            .iter()
            .map(|o| (o.credit_code.as_str(), o))
            .collect();
        let mut new = Vec::new();
        for o in &data.orgs {
            let unit_id =
                match &o.supervising_unit {
                    Some(name) => Some(*unit_ids.get(name).ok_or_else(|| {
                        DbError::Inconsistent(format!("业务主管单位 {name} 不存在"))
                    })?),
                    None => None,
                };
            let mut values = vec![
                Value::text(&o.name),
                Value::text(o.kind.code()),
                Value::text(o.region.as_str()),
                Value::opt_int(unit_id),
                Value::date(o.registered_on),
                Value::text(o.status.code()),
                Value::opt_date(o.terminated_on),
                Value::opt_text(o.address.as_deref()),
                Value::opt_text(o.legal_representative.as_deref()),
                Value::opt_int(o.staff_count),
                Value::opt_int(o.member_count),
                Value::int(o.formal_members),
                Value::opt_int(o.probationary_members),
                Value::opt_flag(o.charter_party_building),
                Value::opt_flag(o.charter_core_values),
                Value::opt_date(o.counts_on),
                Value::text(&self.at),
            ];
            match by_code.get(o.credit_code.as_str()) {
                Some(old) if *old == o => {}
                Some(old) => {
                    // A change of the registration attributes keeps the old ones, in force
                    // until today (spec/domain.md §4.2; migration 0009).
                    if old.region != o.region
                        || old.kind != o.kind
                        || old.status != o.status
                        || old.supervising_unit != o.supervising_unit
                    {
                        let old_unit = old
                            .supervising_unit
                            .as_ref()
                            .and_then(|name| unit_ids.get(name).copied());
                        sqlx::query(
                            "INSERT INTO org_history (org_id, valid_to, region_code, kind, status, \
                             supervising_unit_id, recorded_by, recorded_at) \
                             SELECT id, $1, $2, $3, $4, $5, $6, $7 FROM social_orgs WHERE credit_code = $8",
                        )
                        .bind(self.today.to_string())
                        .bind(old.region.as_str().to_string())
                        .bind(old.kind.code())
                        .bind(old.status.code())
                        .bind(old_unit)
                        .bind(self.actor.to_string())
                        .bind(self.at.clone())
                        .bind(o.credit_code.as_str().to_string())
                        .execute(&mut *self.conn)
                        .await?;
                    }
                    values.push(Value::text(o.credit_code.as_str()));
                    let sql = format!(
                        "UPDATE social_orgs SET {} WHERE credit_code = $18",
                        ORG_COLUMNS[1..]
                            .iter()
                            .enumerate()
                            .map(|(i, c)| format!("{c} = ${}", i + 1))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    bind_all(sqlx::query(AssertSqlSafe(sql.as_str())), &values)
                        .execute(&mut *self.conn)
                        .await?;
                    let (before, after) = read::org_diff(old, o);
                    self.log(
                        "social_org",
                        o.credit_code.as_str(),
                        "update",
                        before,
                        after,
                    )
                    .await?;
                    self.touched
                        .org_codes
                        .push(o.credit_code.as_str().to_string());
                    self.summary.orgs_updated += 1;
                }
                None => {
                    self.touched
                        .org_codes
                        .push(o.credit_code.as_str().to_string());
                    values.insert(0, Value::text(o.credit_code.as_str()));
                    values.push(Value::text(&self.at));
                    new.push(values);
                    if new.len() >= FLUSH_ROWS {
                        self.insert_orgs(&mut new).await?;
                    }
                }
            }
        }
        self.insert_orgs(&mut new).await?;
        // And what was written stays inside it (a county cannot move an org to another county,
        // a department cannot hand its org to another unit).
        match self.first_outside_scope(&keys).await? {
            Some(code) => Err(DbError::LeavesScope(code)),
            None => Ok(()),
        }
    }

    /// The first of these orgs (by credit code) that is stored outside the writer's scope.
    async fn first_outside_scope(&mut self, keys: &[Value]) -> DbResult<Option<String>> {
        if self.scope.is_city() {
            return Ok(None);
        }
        // (CASE, not NOT: a condition on a NULL supervising unit is NULL, and NOT NULL would
        // let the org through.)
        let select = format!(
            "SELECT o.credit_code FROM social_orgs o \
             WHERE (CASE WHEN {} THEN 0 ELSE 1 END) = 1 AND o.credit_code",
            self.scope.org_condition("o")
        );
        let rows = read::rows_in(self.conn, &select, keys).await?;
        rows.first()
            .map(|r| sqlx::Row::try_get::<String, _>(r, 0))
            .transpose()
            .map_err(DbError::from)
    }

    /// Inserts new org rows and empties the buffer (the rows of a large workbook are written in
    /// bounded batches rather than held whole).
    async fn insert_orgs(&mut self, new: &mut Vec<Vec<Value>>) -> DbResult<()> {
        self.summary.orgs_added += new.len();
        let mut columns = ORG_COLUMNS.to_vec();
        columns.push("created_at");
        insert_rows(self.conn, self.backend, "social_orgs", &columns, new).await?;
        new.clear();
        Ok(())
    }

    async fn party_orgs(&mut self, data: &Dataset) -> DbResult<()> {
        let names = read::text_keys(data.party_orgs.iter().map(|p| p.name.as_str()));
        let existing = read::party_org_fields_for(self.conn, &names).await?;
        let by_name: HashMap<&str, _> = existing.iter().map(|p| (p.name.as_str(), p)).collect();
        let mut new = Vec::new();
        for p in &data.party_orgs {
            let values = vec![
                Value::text(p.kind.code()),
                Value::text(p.formation.code()),
                Value::opt_text(p.parent.as_deref()),
                Value::date(p.founded_on),
                Value::opt_date(p.dissolved_on),
                Value::opt_int(p.member_count),
                Value::opt_text(p.secretary.as_deref()),
                Value::text(&self.at),
                Value::text(&p.name),
            ];
            match by_name.get(p.name.as_str()) {
                Some(old) => {
                    if old.formation != p.formation
                        || old.founded_on != p.founded_on
                        || old.dissolved_on != p.dissolved_on
                    {
                        self.touched.party_orgs.push(p.name.clone());
                    }
                    let same_fields = old.kind == p.kind
                        && old.formation == p.formation
                        && old.parent == p.parent
                        && old.founded_on == p.founded_on
                        && old.dissolved_on == p.dissolved_on
                        && old.member_count == p.member_count
                        && old.secretary == p.secretary;
                    if !same_fields {
                        bind_all(
                            sqlx::query(
                                "UPDATE party_orgs SET kind = $1, formation = $2, parent_name = $3, \
                                 founded_on = $4, dissolved_on = $5, member_count = $6, secretary = $7, \
                                 updated_at = $8 WHERE name = $9",
                            ),
                            &values,
                        )
                        .execute(&mut *self.conn)
                        .await?;
                        self.log(
                            "party_org",
                            &p.name,
                            "update",
                            party_org_text(old),
                            party_org_text(p),
                        )
                        .await?;
                        self.summary.party_orgs_updated += 1;
                    }
                }
                None => {
                    let mut row = values;
                    row.push(Value::text(&self.at));
                    new.push(row);
                }
            }
        }
        self.summary.party_orgs_added += new.len();
        insert_rows(
            self.conn,
            self.backend,
            "party_orgs",
            &[
                "kind",
                "formation",
                "parent_name",
                "founded_on",
                "dissolved_on",
                "member_count",
                "secretary",
                "updated_at",
                "name",
                "created_at",
            ],
            &new,
        )
        .await?;
        self.links(data).await
    }

    /// Reconciles each listed party org's coverage links with the record: a link matching
    /// (party org, org, from) gets the record's end; an open link to a listed org takes the
    /// record's start and end (a dissolved party org's links end with it); other open links of
    /// the party org are closed today (the org was removed from its list), or deleted when they
    /// had not started yet.
    async fn links(&mut self, data: &Dataset) -> DbResult<()> {
        if data.party_orgs.is_empty() {
            return Ok(());
        }
        let codes = read::text_keys(
            data.party_orgs
                .iter()
                .flat_map(|p| p.covers.iter().map(|c| c.credit_code.as_str())),
        );
        let org_ids = read::org_ids_for(self.conn, &codes).await?;
        let names = read::text_keys(data.party_orgs.iter().map(|p| p.name.as_str()));
        let party_ids = read::party_org_ids_for(self.conn, &names).await?;
        let pids = read::int_keys(party_ids.values().copied());
        let mut existing: HashMap<i64, Vec<read::LinkRow>> = HashMap::new();
        for l in read::link_rows_for(self.conn, &pids).await? {
            existing.entry(l.party_org_id).or_default().push(l);
        }
        let mut new = Vec::new();
        for p in &data.party_orgs {
            let pid = *party_ids
                .get(&p.name)
                .ok_or_else(|| DbError::Inconsistent(format!("党组织 {} 未写入", p.name)))?;
            let old = existing.remove(&pid).unwrap_or_default();
            let mut kept = HashSet::new();
            for c in &p.covers {
                let oid = *org_ids.get(c.credit_code.as_str()).ok_or_else(|| {
                    DbError::Inconsistent(format!("社会组织 {} 不存在", c.credit_code))
                })?;
                let same_start = old
                    .iter()
                    .find(|l| l.org_id == oid && l.from == c.from && !kept.contains(&l.id));
                let open = old
                    .iter()
                    .find(|l| l.org_id == oid && l.to.is_none() && !kept.contains(&l.id));
                match (same_start, c.to) {
                    (Some(l), _) => {
                        kept.insert(l.id);
                        if l.to != c.to {
                            self.touched.orgs.insert(oid);
                            self.set_link(l.id, l.from, c.to).await?;
                            self.summary.links_updated += 1;
                        }
                    }
                    (None, to) if open.is_some() => {
                        let l = open.ok_or_else(|| DbError::Inconsistent("link".into()))?;
                        kept.insert(l.id);
                        self.touched.orgs.insert(oid);
                        self.set_link(l.id, c.from, to).await?;
                        self.summary.links_updated += 1;
                    }
                    _ => {
                        self.touched.orgs.insert(oid);
                        new.push(vec![
                            Value::int(pid),
                            Value::int(oid),
                            Value::date(c.from),
                            Value::opt_date(c.to),
                        ]);
                    }
                }
            }
            // A link no longer listed ends today, or when the party org was dissolved.
            let end = p.dissolved_on.map_or(self.today, |d| d.min(self.today));
            for l in old
                .iter()
                .filter(|l| l.to.is_none() && !kept.contains(&l.id))
            {
                self.touched.orgs.insert(l.org_id);
                if l.from >= end {
                    sqlx::query("DELETE FROM coverage_links WHERE id = $1")
                        .bind(l.id)
                        .execute(&mut *self.conn)
                        .await?;
                } else {
                    self.set_link(l.id, l.from, Some(end)).await?;
                }
                let code: Option<String> =
                    sqlx::query_scalar("SELECT credit_code FROM social_orgs WHERE id = $1")
                        .bind(l.org_id)
                        .fetch_optional(&mut *self.conn)
                        .await?;
                self.log(
                    "party_org",
                    &p.name,
                    "close_link",
                    format!("覆盖 {}（自 {}）", code.unwrap_or_default(), l.from),
                    format!("{end} 起不再覆盖（导入的工作簿未再列出）"),
                )
                .await?;
                self.summary.links_closed += 1;
            }
        }
        self.summary.links_added += new.len();
        insert_rows(
            self.conn,
            self.backend,
            "coverage_links",
            &["party_org_id", "org_id", "valid_from", "valid_to"],
            &new,
        )
        .await
    }

    async fn set_link(&mut self, id: i64, from: NaiveDate, to: Option<NaiveDate>) -> DbResult<()> {
        sqlx::query("UPDATE coverage_links SET valid_from = $1, valid_to = $2 WHERE id = $3")
            .bind(from.to_string())
            .bind(to.map(|d| d.to_string()))
            .bind(id)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    async fn instructors(&mut self, data: &Dataset) -> DbResult<()> {
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

    /// Census returns: upserted per (campaign, org); a confirmed one changes the org's counts.
    async fn census(&mut self, data: &Dataset) -> DbResult<()> {
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
            let w = super::census::ReturnWrite {
                campaign_id,
                org_id,
                ret: &r.ret,
                confirmed: r.confirmed,
            };
            if super::census::write_return(self.conn, &w, self.actor, &self.at).await? {
                self.summary.census_returns += 1;
                self.touched.orgs.insert(org_id);
            }
        }
        Ok(())
    }

    async fn positions(&mut self, data: &Dataset) -> DbResult<()> {
        if data.positions.is_empty() {
            return Ok(());
        }
        let lookup = read::person_lookup(
            data.positions
                .iter()
                .map(|p| (p.citizen_id.as_ref().map(|c| c.as_str()), p.name.as_str())),
        );
        let mut persons = read::person_keys_for(self.conn, &lookup).await?;
        let mut new = Vec::new();
        let mut new_keys = HashSet::new();
        for p in &data.positions {
            let key = read::person_key(p.citizen_id.as_ref().map(|c| c.as_str()), &p.name);
            if !persons.contains_key(&key) && new_keys.insert(key) {
                new.push(vec![
                    Value::text(&p.name),
                    Value::opt_text(p.citizen_id.as_ref().map(|c| c.as_str())),
                    Value::opt_flag(p.is_party_member),
                ]);
            }
        }
        insert_rows(
            self.conn,
            self.backend,
            "persons",
            &["name", "citizen_id", "is_party_member"],
            &new,
        )
        .await?;
        if !new.is_empty() {
            persons = read::person_keys_for(self.conn, &lookup).await?;
        }
        let codes = read::text_keys(data.positions.iter().filter_map(|p| match &p.target {
            PositionTarget::Org(code) => Some(code.as_str()),
            PositionTarget::PartyOrg(_) => None,
        }));
        let org_ids = read::org_ids_for(self.conn, &codes).await?;
        let names = read::text_keys(data.positions.iter().filter_map(|p| match &p.target {
            PositionTarget::Org(_) => None,
            PositionTarget::PartyOrg(name) => Some(name.as_str()),
        }));
        let party_ids = read::party_org_ids_for(self.conn, &names).await?;
        let person_ids = read::int_keys(persons.values().copied());
        let existing = read::position_keys_for(self.conn, &person_ids).await?;
        let mut new = Vec::new();
        let mut seen = HashSet::new();
        let mut part_keys = Vec::new();
        for p in &data.positions {
            let key = read::person_key(p.citizen_id.as_ref().map(|c| c.as_str()), &p.name);
            let person = *persons
                .get(&key)
                .ok_or_else(|| DbError::Inconsistent(format!("人员 {} 未写入", p.name)))?;
            let (org_id, party_id) =
                match &p.target {
                    PositionTarget::Org(code) => (
                        Some(*org_ids.get(code.as_str()).ok_or_else(|| {
                            DbError::Inconsistent(format!("社会组织 {code} 不存在"))
                        })?),
                        None,
                    ),
                    PositionTarget::PartyOrg(name) => (
                        None,
                        Some(*party_ids.get(name).ok_or_else(|| {
                            DbError::Inconsistent(format!("党组织 {name} 不存在"))
                        })?),
                    ),
                };
            let k = (person, org_id, party_id, p.title.clone(), p.from);
            part_keys.push(key_hash(&k));
            match existing.get(&k) {
                Some((_, to)) if *to == p.to => {}
                // Written by an earlier part: its first row stands, as within a part.
                Some(_) if self.written.positions.contains(&key_hash(&k)) => {}
                Some((id, _)) => {
                    sqlx::query("UPDATE positions SET valid_to = $1 WHERE id = $2")
                        .bind(p.to.map(|d| d.to_string()))
                        .bind(*id)
                        .execute(&mut *self.conn)
                        .await?;
                    self.summary.positions_updated += 1;
                }
                None if seen.insert(k) => new.push(vec![
                    Value::int(person),
                    Value::opt_int(org_id),
                    Value::opt_int(party_id),
                    Value::text(&p.title),
                    Value::date(p.from),
                    Value::opt_date(p.to),
                ]),
                None => {}
            }
        }
        self.written.positions.extend(part_keys);
        self.summary.positions_added += new.len();
        insert_rows(
            self.conn,
            self.backend,
            "positions",
            &[
                "person_id",
                "org_id",
                "party_org_id",
                "title",
                "valid_from",
                "valid_to",
            ],
            &new,
        )
        .await
    }
}

/// Stored columns of a social org, credit code first, in the order of the write.
pub(super) const ORG_COLUMNS: &[&str] = &[
    "credit_code",
    "name",
    "kind",
    "region_code",
    "supervising_unit_id",
    "registered_on",
    "status",
    "terminated_on",
    "address",
    "legal_representative",
    "staff_count",
    "member_count",
    "formal_members",
    "probationary_members",
    "charter_party_building",
    "charter_core_values",
    "counts_on",
    "updated_at",
];

/// A unit's attributes in words, for the change log.
fn unit_text(u: &crate::domain::dataset::UnitRecord) -> String {
    format!(
        "类别 {}，区划 {}，承担党建工作 {}",
        u.kind.label(),
        u.region.as_str(),
        if u.carries_party_building {
            "是"
        } else {
            "否"
        }
    )
}

/// A party org's own fields in words (its coverage links are logged as links), for the change
/// log.
fn party_org_text(p: &crate::domain::dataset::PartyOrgRecord) -> String {
    let date = |d: Option<NaiveDate>| d.map_or("无".to_string(), |d| d.to_string());
    format!(
        "组织类别 {}，组建方式 {}，上级 {}，成立日期 {}，撤销日期 {}，党员人数 {}，书记 {}",
        p.kind.label(),
        p.formation.label(),
        p.parent.as_deref().unwrap_or("无"),
        p.founded_on,
        date(p.dissolved_on),
        p.member_count.map_or("未填".to_string(), |n| n.to_string()),
        p.secretary.as_deref().unwrap_or("未填")
    )
}
