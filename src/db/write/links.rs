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

    /// A 党组织 row's current list, with default dates: a link matching (party org, org, from)
    /// gets the record's end; an open link to a listed org takes the record's start and end (a
    /// dissolved party org's links end with it); other open links of the party org are closed
    /// today (the org was removed from its list), or deleted when they had not started yet.
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
            let same_start = old
                .iter()
                .find(|l| l.org_id == oid && l.from == c.from && !kept.contains(&l.id));
            let open = old
                .iter()
                .find(|l| l.org_id == oid && l.to.is_none() && !kept.contains(&l.id));
            let target = period(c.from, c.to);
            match same_start.or(open) {
                Some(l) => {
                    kept.insert(l.id);
                    let was = period(l.from, l.to);
                    if was != target {
                        self.touched.orgs.insert(oid);
                        self.set_link(l.id, target.from, target.to).await?;
                        self.link_change(ctx, oid, Some(was), Some(target)).await?;
                    }
                }
                None => {
                    self.touched.orgs.insert(oid);
                    new.push(link_values(ctx.pid, oid, target));
                    self.link_change(ctx, oid, None, Some(target)).await?;
                }
            }
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
