//! Party orgs and their coverage links.

use std::collections::HashMap;

use super::super::values::{Value, bind_all, insert_rows};
use super::super::{DbResult, read};
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
                        self.summary.note(
                            "党组织",
                            &p.name,
                            super::ChangeKind::Changed,
                            format!("{} → {}", party_org_text(old), party_org_text(p)),
                        );
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
                    self.summary.note(
                        "党组织",
                        &p.name,
                        super::ChangeKind::Added,
                        format!("{}，{} 成立", p.kind.label(), p.founded_on),
                    );
                    self.touched.new_party_orgs.insert(p.name.clone());
                    let mut row = values;
                    row.push(Value::text(&self.at));
                    row.push(Value::text(crate::domain::collation::name_key(&p.name)));
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
                "sort_key",
            ],
            &new,
        )
        .await?;
        self.links(data).await
    }
}
