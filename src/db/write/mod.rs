//! Writing a [`Dataset`] into the registry: an upsert in one transaction (all of it, or
//! nothing), in parts for a large workbook. Matching follows `import-format.md`: orgs by credit
//! code, party orgs and units by name, instructors by citizen ID (else name + home unit),
//! persons by citizen ID (else name). Every change is logged on the record's timeline and
//! listed in the [`WriteSummary`] (what an import will change, shown before it is confirmed).
//! One file per kind of record.

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;
use sqlx::AnyConnection;
use sqlx::AssertSqlSafe;

use super::{Db, DbError, DbResult, Scope, read, spans};
use crate::domain::dataset::Dataset;

mod census;
mod changes;
mod instructors;
mod links;
mod orgs;
mod party_orgs;
mod positions;
mod units;

pub use changes::{CHANGES_KEPT, Change, ChangeKind};

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
    /// Links re-dated (a start or an end corrected).
    pub links_updated: usize,
    /// Links that lasted and now end.
    pub links_closed: usize,
    /// Links deleted (a workbook's 覆盖关系 no longer has them).
    pub links_removed: usize,
    pub instructors_added: usize,
    pub instructors_updated: usize,
    pub stations_added: usize,
    pub stations_updated: usize,
    pub stations_closed: usize,
    pub stations_removed: usize,
    pub positions_added: usize,
    pub positions_updated: usize,
    /// Census campaigns opened or changed (sheet 摸排活动).
    pub campaigns: usize,
    /// Census returns added or changed (sheet 摸排).
    pub census_returns: usize,
    /// The changes one by one (the first [`CHANGES_KEPT`]), and how many more there are.
    pub changes: Vec<Change>,
    pub more_changes: usize,
}

impl WriteSummary {
    /// True when the write changed nothing (re-importing the same workbook).
    pub fn is_noop(&self) -> bool {
        *self == WriteSummary::default()
    }

    /// What the write did, in words (the audit log's detail of an import).
    pub fn describe(&self) -> String {
        format!(
            "社会组织 新增 {} 更新 {}；党组织 新增 {} 更新 {}；覆盖关系 新增 {} 改期 {} 结束 {} 删除 {}；指导员 新增 {} 更新 {}；派驻 新增 {} 改期 {} 结束 {} 删除 {}；任职 新增 {} 更新 {}；单位 新增 {} 更新 {}；摸排 {}；摸排表 {}",
            self.orgs_added,
            self.orgs_updated,
            self.party_orgs_added,
            self.party_orgs_updated,
            self.links_added,
            self.links_updated,
            self.links_closed,
            self.links_removed,
            self.instructors_added,
            self.instructors_updated,
            self.stations_added,
            self.stations_updated,
            self.stations_closed,
            self.stations_removed,
            self.positions_added,
            self.positions_updated,
            self.units_added,
            self.units_updated,
            self.campaigns,
            self.census_returns
        )
    }
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
    /// anything; a county's scope writes social orgs, party orgs with their links and
    /// instructors' stations, a unit's scope social orgs only, each inside the scope as stored
    /// and as written (checked against the stored rows inside the transaction).
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
}

/// What the parts of one import wrote so far, for the rule that the first of two rows with one
/// key wins however the workbook is cut into parts (as within a part, where the second is not
/// written): instructors by id, stations and positions by a hash of their upsert key.
#[derive(Default)]
pub(super) struct Written {
    pub(super) instructors: HashSet<i64>,
    pub(super) stations: HashSet<u64>,
    pub(super) positions: HashSet<u64>,
    /// The orgs of the dataset's 社会组织 records (of every part so far).
    pub(super) orgs: HashSet<i64>,
    /// Instructors whose stations an earlier part wrote whole.
    pub(super) exact_instructors: HashSet<i64>,
}

pub(super) fn key_hash(key: &impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

/// New rows held before they are written (see [`Writer::insert_orgs`]).
pub(super) const FLUSH_ROWS: usize = 10_000;

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
        // Outside the city, a county keeps its orgs, party orgs and stations (each checked
        // against the stored rows below); a unit its orgs. Positions, census data and units are
        // the city's.
        let orgs_only = data.party_orgs.is_empty()
            && data.party_links.is_empty()
            && data.instructors.is_empty()
            && data.instructor_stations.is_empty();
        let city_only =
            data.positions.is_empty() && data.campaigns.is_empty() && data.census.is_empty();
        let allowed = match self.scope {
            Scope::City => true,
            Scope::Regions(_) => city_only,
            _ => city_only && orgs_only,
        };
        if !allowed {
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
        w.campaigns(data).await?;
        w.census(data).await?;
        let (registered, party) = (
            std::mem::take(&mut w.touched.registered),
            w.touched.party_orgs.clone(),
        );
        w.clamp_links(&registered, &party).await?;
        if !self.scope.is_city() {
            w.check_party_orgs_kept(data).await?;
        }
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

    /// Ends the write without keeping anything (a preview, or a dry run): what it would have
    /// changed.
    pub async fn rollback(self) -> DbResult<WriteSummary> {
        self.tx.rollback().await?;
        Ok(self.summary)
    }

    /// Refreshes the coverage spans of the orgs touched and commits; returns what changed. A
    /// write that changed anything leaves the ledger detection pending in the same transaction
    /// ([`Db::detection_pending`]), so that a crash between the commit and the detection is
    /// caught up at the next start.
    pub async fn finish(mut self) -> DbResult<WriteSummary> {
        if !self.summary.is_noop() {
            super::ledger_detect::mark_detection_pending(&mut self.tx).await?;
            // Figures derived from the registry (cross-appointment, data quality) are stale.
            sqlx::query(
                "UPDATE generations SET generation = generation + 1 WHERE name = 'registry'",
            )
            .execute(&mut *self.tx)
            .await?;
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

pub(super) struct Writer<'a> {
    pub(super) scope: &'a Scope,
    pub(super) conn: &'a mut AnyConnection,
    pub(super) backend: super::Backend,
    pub(super) actor: &'a str,
    pub(super) today: NaiveDate,
    pub(super) at: String,
    pub(super) summary: WriteSummary,
    pub(super) touched: Touched,
    /// What earlier parts of this import wrote.
    pub(super) written: Written,
}

/// What a write changed that the coverage spans depend on.
#[derive(Default)]
pub(super) struct Touched {
    /// Orgs whose links or stations changed.
    pub(super) orgs: BTreeSet<i64>,
    /// Orgs added or updated (by credit code: new ones have no id until inserted).
    pub(super) org_codes: Vec<String>,
    /// Party orgs whose dates or formation changed: every org they link is touched.
    pub(super) party_orgs: Vec<String>,
    /// Party orgs this part creates.
    pub(super) new_party_orgs: HashSet<String>,
    /// Orgs whose 成立登记日期 changed (their links are kept inside it).
    pub(super) registered: Vec<String>,
}

impl Writer<'_> {
    /// The ids of the orgs whose coverage spans the write may have changed.
    pub(super) async fn touched_orgs(&mut self) -> DbResult<BTreeSet<i64>> {
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

    pub(super) async fn log(
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
pub(super) fn unit_text(u: &crate::domain::dataset::UnitRecord) -> String {
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
pub(super) fn party_org_text(p: &crate::domain::dataset::PartyOrgRecord) -> String {
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
