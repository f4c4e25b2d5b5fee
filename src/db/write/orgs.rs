//! Social orgs, inside the writer's scope as stored and as written.

use std::collections::HashMap;

use sqlx::AssertSqlSafe;

use super::super::values::{Value, bind_all, insert_rows};
use super::super::{DbError, DbResult, read};
use super::*;
use crate::domain::dataset::Dataset;

impl Writer<'_> {
    pub(super) async fn orgs(&mut self, data: &Dataset) -> DbResult<()> {
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
                    if old.registered_on != o.registered_on {
                        self.touched
                            .registered
                            .push(o.credit_code.as_str().to_string());
                    }
                    let (before, after) = read::org_diff(old, o);
                    self.summary.note(
                        "社会组织",
                        o.credit_code.as_str(),
                        super::ChangeKind::Changed,
                        crate::db::change_text(&before, &after),
                    );
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
                    self.summary.note(
                        "社会组织",
                        o.credit_code.as_str(),
                        super::ChangeKind::Added,
                        o.name.clone(),
                    );
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
        // The orgs the workbook speaks for: whole links and stations are made exact for these
        // (and for the orgs they name), and left alone for the registry's others.
        if !data.orgs.is_empty() {
            let ids = read::org_ids_for(self.conn, &keys).await?;
            self.written.orgs.extend(ids.into_values());
        }
        // And what was written stays inside it (a county cannot move an org to another county,
        // a department cannot hand its org to another unit).
        match self.first_outside_scope(&keys).await? {
            Some(code) => Err(DbError::LeavesScope(code)),
            None => Ok(()),
        }
    }

    /// The first of these orgs (by credit code) that is stored outside the writer's scope.
    pub(super) async fn first_outside_scope(&mut self, keys: &[Value]) -> DbResult<Option<String>> {
        self.first_outside_scope_by("o.credit_code", keys).await
    }

    /// The first of these orgs (by id) that is stored outside the writer's scope: its credit
    /// code. On PostgreSQL the orgs are locked first (`FOR SHARE`, until the write commits), so
    /// that a concurrent write cannot move one out of the scope between this check and the
    /// commit (SQLite runs one writer at a time).
    pub(super) async fn first_id_outside_scope(&mut self, ids: &[i64]) -> DbResult<Option<String>> {
        if self.scope.is_city() || ids.is_empty() {
            return Ok(None);
        }
        if self.backend == crate::db::Backend::Postgres {
            for chunk in ids.chunks(500) {
                let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
                // (Integers from the database: nothing to inject.)
                let sql = format!(
                    "SELECT id FROM social_orgs WHERE id IN ({}) FOR SHARE",
                    list.join(", ")
                );
                sqlx::query(AssertSqlSafe(sql))
                    .fetch_all(&mut *self.conn)
                    .await?;
            }
        }
        self.first_outside_scope_by("o.id", &read::int_keys(ids.iter().copied()))
            .await
    }

    /// The first org whose `column` is one of `keys` and that is stored outside the writer's
    /// scope: its credit code.
    async fn first_outside_scope_by(
        &mut self,
        column: &str,
        keys: &[Value],
    ) -> DbResult<Option<String>> {
        if self.scope.is_city() {
            return Ok(None);
        }
        // (CASE, not NOT: a condition on a NULL supervising unit is NULL, and NOT NULL would
        // let the org through.)
        let select = format!(
            "SELECT o.credit_code FROM social_orgs o \
             WHERE (CASE WHEN {} THEN 0 ELSE 1 END) = 1 AND {column}",
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
    pub(super) async fn insert_orgs(&mut self, new: &mut Vec<Vec<Value>>) -> DbResult<()> {
        self.summary.orgs_added += new.len();
        let mut columns = ORG_COLUMNS.to_vec();
        columns.push("created_at");
        insert_rows(self.conn, self.backend, "social_orgs", &columns, new).await?;
        new.clear();
        Ok(())
    }
}
