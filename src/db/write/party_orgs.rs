//! Party orgs and their coverage links.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::super::values::{Value, bind_all, insert_rows};
use super::super::{DbError, DbResult, read};
use super::*;
use crate::domain::dataset::Dataset;

impl Writer<'_> {
    pub(super) async fn party_orgs(&mut self, data: &Dataset) -> DbResult<()> {
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
    pub(super) async fn links(&mut self, data: &Dataset) -> DbResult<()> {
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
