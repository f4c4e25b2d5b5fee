//! Persons and their positions.

use std::collections::HashSet;

use super::super::values::{Value, insert_rows};
use super::super::{DbError, DbResult, read};
use super::*;
use crate::domain::dataset::{Dataset, PositionTarget};

impl Writer<'_> {
    pub(super) async fn positions(&mut self, data: &Dataset) -> DbResult<()> {
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
                Some((id, to)) => {
                    let period = |to: Option<chrono::NaiveDate>| crate::domain::periods::Period {
                        from: p.from,
                        to,
                    };
                    self.summary.note(
                        "任职",
                        &format!("{} {}", p.name, p.title),
                        super::changes::period_kind(Some(period(*to)), Some(period(p.to))),
                        format!("{} → {}", period(*to).text(), period(p.to).text()),
                    );
                    // On the timeline of the org or party org held.
                    let (entity, at) = match &p.target {
                        PositionTarget::Org(code) => ("social_org", code.as_str().to_string()),
                        PositionTarget::PartyOrg(name) => ("party_org", name.clone()),
                    };
                    let what = format!("任职（{} {}）", p.name, p.title);
                    let field = |to| serde_json::json!({ &what: period(to).text() }).to_string();
                    self.log(entity, &at, "period", field(*to), field(p.to))
                        .await?;
                    sqlx::query("UPDATE positions SET valid_to = $1 WHERE id = $2")
                        .bind(p.to.map(|d| d.to_string()))
                        .bind(*id)
                        .execute(&mut *self.conn)
                        .await?;
                    self.summary.positions_updated += 1;
                }
                None if seen.insert(k.clone()) => {
                    let at = match &p.target {
                        PositionTarget::Org(code) => code.as_str().to_string(),
                        PositionTarget::PartyOrg(name) => name.clone(),
                    };
                    self.summary.note(
                        "任职",
                        &format!("{} {}", p.name, p.title),
                        super::ChangeKind::Added,
                        format!(
                            "{at}，{}",
                            crate::domain::periods::Period {
                                from: p.from,
                                to: p.to
                            }
                            .text()
                        ),
                    );
                    new.push(vec![
                        Value::int(person),
                        Value::opt_int(org_id),
                        Value::opt_int(party_id),
                        Value::text(&p.title),
                        Value::date(p.from),
                        Value::opt_date(p.to),
                    ]);
                }
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
