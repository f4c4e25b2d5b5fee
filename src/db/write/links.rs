//! Coverage links. A party org whose record has its links whole (`covers_exact`: the 覆盖关系
//! sheet, a read of the registry, the demo) gets exactly those, by the plan of
//! [`crate::domain::periods`]; a 党组织 row alone (its current list, default dates) keeps the
//! stored history: listed orgs keep or take their links, unlisted ones end today. Every change
//! is logged on the org's timeline and listed for the import's preview.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::changes::ChangeKind;
use super::*;
use crate::db::values::{Value, insert_rows};
use crate::domain::dataset::CoverageRecord;
use crate::domain::periods::{Period, Step, plan};

const RECORD: &str = "覆盖关系";

impl Writer<'_> {
    /// The links of the dataset's party orgs (and of the party orgs of the registry that only
    /// the 覆盖关系 sheet names).
    pub(super) async fn links(&mut self, data: &Dataset) -> DbResult<()> {
        if data.party_orgs.is_empty() && data.party_links.is_empty() {
            return Ok(());
        }
        let listed = data
            .party_orgs
            .iter()
            .map(|p| (p.name.as_str(), &p.covers, p.covers_exact, p.dissolved_on))
            .chain(
                data.party_links
                    .iter()
                    .map(|l| (l.party_org.as_str(), &l.covers, true, None)),
            )
            .collect::<Vec<_>>();
        let codes = read::text_keys(
            listed
                .iter()
                .flat_map(|(_, covers, _, _)| covers.iter().map(|c| c.credit_code.as_str())),
        );
        let org_ids = read::org_ids_for(self.conn, &codes).await?;
        let names = read::text_keys(listed.iter().map(|(name, _, _, _)| *name));
        let party_ids = read::party_org_ids_for(self.conn, &names).await?;
        if !self.scope.is_city() && self.backend == crate::db::Backend::Postgres {
            // Outside the city on PostgreSQL the party orgs are locked until the write commits
            // (before their links are read for the scope check): a concurrent write adding a
            // link to one (its foreign key takes a share of the row) waits for this one.
            let list: Vec<String> = party_ids.values().map(i64::to_string).collect();
            if !list.is_empty() {
                let sql = format!(
                    "SELECT id FROM party_orgs WHERE id IN ({}) FOR UPDATE",
                    list.join(", ")
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&mut *self.conn)
                    .await?;
            }
        }
        let pids = read::int_keys(party_ids.values().copied());
        let stored = read::link_rows_for(self.conn, &pids).await?;
        let mut codes_of: HashMap<i64, String> =
            org_ids.iter().map(|(c, i)| (*i, c.clone())).collect();
        let unknown = read::int_keys(
            stored
                .iter()
                .map(|l| l.org_id)
                .filter(|id| !codes_of.contains_key(id)),
        );
        codes_of.extend(read::org_codes_for(self.conn, &unknown).await?);
        if !self.scope.is_city() {
            self.check_link_scope(&listed, &party_ids, &stored, &org_ids)
                .await?;
        }
        let mut existing: HashMap<i64, Vec<read::LinkRow>> = HashMap::new();
        for l in stored {
            existing.entry(l.party_org_id).or_default().push(l);
        }
        let mut new = Vec::new();
        for (name, covers, exact, dissolved) in listed {
            let pid = *party_ids
                .get(name)
                .ok_or_else(|| DbError::Inconsistent(format!("党组织 {name} 未写入")))?;
            let old = existing.remove(&pid).unwrap_or_default();
            let org_id = |code: &str| {
                org_ids
                    .get(code)
                    .copied()
                    .ok_or_else(|| DbError::Inconsistent(format!("社会组织 {code} 不存在")))
            };
            let mut given: Vec<(i64, CoverageRecord)> = Vec::new();
            for c in covers {
                given.push((org_id(c.credit_code.as_str())?, c.clone()));
            }
            let ctx = LinkCtx {
                party: name,
                pid,
                codes: &codes_of,
                is_new: self.touched.new_party_orgs.contains(name),
            };
            if exact {
                self.exact_links(&ctx, &given, &old, &mut new).await?;
            } else {
                self.listed_links(&ctx, &given, &old, dissolved, &mut new)
                    .await?;
            }
        }
        insert_rows(
            self.conn,
            self.backend,
            "coverage_links",
            &["party_org_id", "org_id", "valid_from", "valid_to"],
            &new,
        )
        .await
    }

    /// Outside the city a party org is the writer's when every org it covers or covered is
    /// (a stored party org without links is nobody's but the city's): one that is not is not
    /// found; a link to an org outside the scope would leave it.
    async fn check_link_scope(
        &mut self,
        listed: &[(&str, &Vec<CoverageRecord>, bool, Option<NaiveDate>)],
        party_ids: &HashMap<String, i64>,
        stored: &[read::LinkRow],
        org_ids: &HashMap<String, i64>,
    ) -> DbResult<()> {
        for (name, ..) in listed {
            let linked = party_ids
                .get(*name)
                .is_some_and(|pid| stored.iter().any(|l| l.party_org_id == *pid));
            if !linked && !self.touched.new_party_orgs.contains(*name) {
                return Err(DbError::OutOfScope);
            }
        }
        let held: Vec<i64> = stored.iter().map(|l| l.org_id).collect();
        if self.first_id_outside_scope(&held).await?.is_some() {
            return Err(DbError::OutOfScope);
        }
        let given: Vec<i64> = org_ids.values().copied().collect();
        match self.first_id_outside_scope(&given).await? {
            Some(code) => Err(DbError::LeavesScope(code)),
            None => Ok(()),
        }
    }

    /// Outside the city, a party org written must still have a link after the write (dissolved
    /// before all its links started, or new and dissolved with none, it would have none: it
    /// would be nobody's but the city's, and its history gone).
    pub(super) async fn check_party_orgs_kept(&mut self, data: &Dataset) -> DbResult<()> {
        let names = read::text_keys(
            data.party_orgs
                .iter()
                .map(|p| p.name.as_str())
                .chain(data.party_links.iter().map(|l| l.party_org.as_str())),
        );
        if names.is_empty() {
            return Ok(());
        }
        let ids = read::party_org_ids_for(self.conn, &names).await?;
        let linked = read::link_rows_for(self.conn, &read::int_keys(ids.values().copied())).await?;
        for (name, id) in &ids {
            if !linked.iter().any(|l| l.party_org_id == *id) {
                return Err(DbError::LeavesScope(format!("党组织 {name}")));
            }
        }
        Ok(())
    }

    /// Makes a party org's stored links exactly the given ones, org by org.
    async fn exact_links(
        &mut self,
        ctx: &LinkCtx<'_>,
        given: &[(i64, CoverageRecord)],
        old: &[read::LinkRow],
        new: &mut Vec<Vec<Value>>,
    ) -> DbResult<()> {
        // The orgs the links name, and the party org's other orgs that the workbook has (a
        // workbook speaks for the orgs it has: a county's export leaves another county's alone).
        let mut orgs: Vec<i64> = given.iter().map(|(o, _)| *o).collect();
        orgs.extend(
            old.iter()
                .map(|l| l.org_id)
                .filter(|o| self.written.orgs.contains(o)),
        );
        orgs.sort_unstable();
        orgs.dedup();
        for oid in orgs {
            let stored: Vec<(i64, Period)> = old
                .iter()
                .filter(|l| l.org_id == oid)
                .map(|l| (l.id, period(l.from, l.to)))
                .collect();
            let wanted: Vec<Period> = given
                .iter()
                .filter(|(o, _)| *o == oid)
                .map(|(_, c)| period(c.from, c.to))
                .collect();
            for step in plan(&stored, &wanted) {
                self.touched.orgs.insert(oid);
                match step {
                    Step::Redate { id, old, new } => {
                        self.set_link(id, new.from, new.to).await?;
                        self.link_change(ctx, oid, Some(old), Some(new)).await?;
                    }
                    Step::Add(p) => {
                        new.push(link_values(ctx.pid, oid, p));
                        self.link_change(ctx, oid, None, Some(p)).await?;
                    }
                    Step::Remove { id, old } => {
                        sqlx::query("DELETE FROM coverage_links WHERE id = $1")
                            .bind(id)
                            .execute(&mut *self.conn)
                            .await?;
                        self.link_change(ctx, oid, Some(old), None).await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A 党组织 row's current list (no dates of its own; the record's from is the default, its
    /// end the party org's dissolution): the stored history is kept. A listed org with an open
    /// link keeps it as it is (it only ends if the party org is dissolved); a listed org without
    /// one is covered from the default start if the party org is new, else from today — never
    /// overlapping the pair's earlier links; open links of orgs no longer listed end today (or
    /// at the dissolution), or are deleted when they had not started yet.
    async fn listed_links(
        &mut self,
        ctx: &LinkCtx<'_>,
        given: &[(i64, CoverageRecord)],
        old: &[read::LinkRow],
        dissolved: Option<NaiveDate>,
        new: &mut Vec<Vec<Value>>,
    ) -> DbResult<()> {
        let mut kept = HashSet::new();
        for (oid, c) in given {
            let oid = *oid;
            let pair: Vec<&read::LinkRow> = old.iter().filter(|l| l.org_id == oid).collect();
            if let Some(open) = pair.iter().find(|l| l.to.is_none()) {
                kept.insert(open.id);
                if c.to.is_some() && open.from < c.to.unwrap_or(open.from) {
                    let was = period(open.from, None);
                    let now = period(open.from, c.to);
                    self.touched.orgs.insert(oid);
                    self.set_link(open.id, now.from, now.to).await?;
                    self.link_change(ctx, oid, Some(was), Some(now)).await?;
                }
                continue;
            }
            // Already ended with the party org (an export of a dissolved one lists these).
            if c.to.is_some() && pair.iter().any(|l| l.to == c.to) {
                continue;
            }
            let last_end = pair.iter().filter_map(|l| l.to).max();
            let mut from = if ctx.is_new {
                c.from
            } else {
                c.from.max(self.today)
            };
            if let Some(end) = last_end {
                from = from.max(end);
            }
            if c.to.is_some_and(|to| to <= from) {
                continue;
            }
            let target = period(from, c.to);
            self.touched.orgs.insert(oid);
            new.push(link_values(ctx.pid, oid, target));
            self.link_change(ctx, oid, None, Some(target)).await?;
        }
        // A link no longer listed ends today, or when the party org was dissolved.
        let end = dissolved.map_or(self.today, |d| d.min(self.today));
        for l in old
            .iter()
            .filter(|l| l.to.is_none() && !kept.contains(&l.id))
        {
            self.touched.orgs.insert(l.org_id);
            let was = period(l.from, l.to);
            if l.from >= end {
                sqlx::query("DELETE FROM coverage_links WHERE id = $1")
                    .bind(l.id)
                    .execute(&mut *self.conn)
                    .await?;
                self.link_change(ctx, l.org_id, Some(was), None).await?;
            } else {
                self.set_link(l.id, l.from, Some(end)).await?;
                self.link_change(ctx, l.org_id, Some(was), Some(period(l.from, Some(end))))
                    .await?;
            }
        }
        Ok(())
    }

    /// Keeps the links of these orgs and party orgs inside their dates after a change of them
    /// (an org registered later than stored, a party org founded later or dissolved earlier): a
    /// link starts no earlier than both and ends no later than the dissolution; one left with
    /// no time is removed. Each change is logged like any other.
    pub(super) async fn clamp_links(
        &mut self,
        orgs: &[String],
        party_orgs: &[String],
    ) -> DbResult<()> {
        if orgs.is_empty() && party_orgs.is_empty() {
            return Ok(());
        }
        const SELECT: &str = "SELECT l.id, l.party_org_id, l.org_id, l.valid_from, l.valid_to, \
             p.founded_on, p.dissolved_on, o.registered_on, p.name, o.credit_code \
             FROM coverage_links l JOIN party_orgs p ON p.id = l.party_org_id \
             JOIN social_orgs o ON o.id = l.org_id WHERE";
        let mut rows = read::rows_in(
            self.conn,
            &format!("{SELECT} o.credit_code"),
            &read::text_keys(orgs.iter().map(String::as_str)),
        )
        .await?;
        rows.extend(
            read::rows_in(
                self.conn,
                &format!("{SELECT} p.name"),
                &read::text_keys(party_orgs.iter().map(String::as_str)),
            )
            .await?,
        );
        let mut seen = HashSet::new();
        for r in &rows {
            use sqlx::Row;
            let id: i64 = r.try_get(0)?;
            if !seen.insert(id) {
                continue;
            }
            let date = |i: usize| -> DbResult<NaiveDate> {
                crate::db::values::parse_date(&r.try_get::<String, _>(i)?)
            };
            let opt = |i: usize| -> DbResult<Option<NaiveDate>> {
                crate::db::values::parse_opt_date(r.try_get(i)?)
            };
            let was = period(date(3)?, opt(4)?);
            let start = was.from.max(date(5)?).max(date(7)?);
            let end = match (was.to, opt(6)?) {
                (Some(t), Some(d)) => Some(t.min(d)),
                (t, d) => t.or(d),
            };
            let now = period(start, end);
            if now == was {
                continue;
            }
            let (pid, oid): (i64, i64) = (r.try_get(1)?, r.try_get(2)?);
            let (party, code): (String, String) = (r.try_get(8)?, r.try_get(9)?);
            let codes = HashMap::from([(oid, code)]);
            let ctx = LinkCtx {
                party: &party,
                pid,
                codes: &codes,
                is_new: false,
            };
            self.touched.orgs.insert(oid);
            if end.is_some_and(|e| e <= start) {
                sqlx::query("DELETE FROM coverage_links WHERE id = $1")
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
                self.link_change(&ctx, oid, Some(was), None).await?;
            } else {
                self.set_link(id, now.from, now.to).await?;
                self.link_change(&ctx, oid, Some(was), Some(now)).await?;
            }
        }
        Ok(())
    }

    /// One link's change: counted, listed, and on the org's timeline.
    async fn link_change(
        &mut self,
        ctx: &LinkCtx<'_>,
        org_id: i64,
        old: Option<Period>,
        new: Option<Period>,
    ) -> DbResult<()> {
        let code = ctx.codes.get(&org_id).cloned().unwrap_or_default();
        let what = format!("覆盖（{}）", ctx.party);
        match self.log_period(RECORD, &code, &what, old, new).await? {
            ChangeKind::Added => self.summary.links_added += 1,
            ChangeKind::Removed => self.summary.links_removed += 1,
            ChangeKind::Ended => self.summary.links_closed += 1,
            _ => self.summary.links_updated += 1,
        }
        Ok(())
    }

    pub(super) async fn set_link(
        &mut self,
        id: i64,
        from: NaiveDate,
        to: Option<NaiveDate>,
    ) -> DbResult<()> {
        sqlx::query("UPDATE coverage_links SET valid_from = $1, valid_to = $2 WHERE id = $3")
            .bind(from.to_string())
            .bind(to.map(|d| d.to_string()))
            .bind(id)
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }
}

/// The party org whose links are being written.
struct LinkCtx<'a> {
    party: &'a str,
    pid: i64,
    /// Org ids → credit codes, for the logs.
    codes: &'a HashMap<i64, String>,
    /// Whether this write creates the party org.
    is_new: bool,
}

fn period(from: NaiveDate, to: Option<NaiveDate>) -> Period {
    Period { from, to }
}

fn link_values(pid: i64, oid: i64, p: Period) -> Vec<Value> {
    vec![
        Value::int(pid),
        Value::int(oid),
        Value::date(p.from),
        Value::opt_date(p.to),
    ]
}
