//! The changes of a party org, an instructor or a unit in words, newest first: the record's own
//! fields (change_log rows of the record) and the periods of its relations logged on the orgs'
//! timelines (a party org's coverage, an instructor's stations: `覆盖（名称）`, `派驻（姓名）`).

use serde::Serialize;

use super::org_detail::change_text;
use super::values::{Value, bind_all};
use super::{Db, DbResult};

/// One change: when (the day), by whom, what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordChange {
    pub date: String,
    pub actor: String,
    pub text: String,
}

/// Whose changes.
pub struct ChangesOf<'a> {
    /// The change_log entity and key of the record itself (`party_org`/name, `instructor`/id,
    /// `unit`/name).
    pub entity: &'a str,
    pub key: &'a str,
    /// The relation's name on the orgs' timelines, and the orgs (credit codes) it names.
    pub relation: Option<(&'a str, &'a [String])>,
}

/// Changes shown at most (the newest).
const SHOWN: usize = 200;

impl Db {
    pub async fn record_changes(&self, of: &ChangesOf<'_>) -> DbResult<Vec<RecordChange>> {
        type Row = (String, String, String, Option<String>, Option<String>);
        let own: Vec<Row> = sqlx::query_as(
            "SELECT at, actor, entity_key, before, after FROM change_log \
             WHERE entity = $1 AND entity_key = $2 ORDER BY id DESC LIMIT 200",
        )
        .bind(of.entity.to_string())
        .bind(of.key.to_string())
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<(String, RecordChange)> = own
            .into_iter()
            .map(|(at, actor, _, before, after)| {
                let text = change_text(
                    before.as_deref().unwrap_or_default(),
                    after.as_deref().unwrap_or_default(),
                );
                (
                    at.clone(),
                    RecordChange {
                        date: at.chars().take(10).collect(),
                        actor,
                        text,
                    },
                )
            })
            .collect();
        if let Some((name, codes)) = of.relation {
            // (The orgs' period rows name the relation as a JSON key: matched on its text.)
            let pattern = format!("%{name}%");
            for chunk in codes.chunks(500) {
                let params: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                let sql = format!(
                    "SELECT at, actor, entity_key, before, after FROM change_log \
                     WHERE entity = 'social_org' AND action = 'period' \
                     AND (before LIKE $1 OR after LIKE $1) AND entity_key IN ({}) \
                     ORDER BY id DESC LIMIT 200",
                    params.join(", ")
                );
                let mut values = vec![Value::text(pattern.clone())];
                values.extend(chunk.iter().map(|c| Value::text(c.clone())));
                let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())), &values)
                    .fetch_all(self.pool())
                    .await?;
                for r in rows {
                    use sqlx::Row as _;
                    let at: String = r.try_get(0)?;
                    let code: String = r.try_get(2)?;
                    let before: Option<String> = r.try_get(3)?;
                    let after: Option<String> = r.try_get(4)?;
                    let text = format!(
                        "社会组织 {code}：{}",
                        change_text(
                            before.as_deref().unwrap_or_default(),
                            after.as_deref().unwrap_or_default()
                        )
                    );
                    out.push((
                        at.clone(),
                        RecordChange {
                            date: at.chars().take(10).collect(),
                            actor: r.try_get(1)?,
                            text,
                        },
                    ));
                }
            }
        }
        out.sort_by(|a, b| b.0.cmp(&a.0));
        out.truncate(SHOWN);
        Ok(out.into_iter().map(|(_, c)| c).collect())
    }
}
