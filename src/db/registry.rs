//! The registry as the exchange sees it: the key facts an import checks a workbook against, and
//! the registry read back as a [`Dataset`] (the export).

use chrono::NaiveDate;

use super::{Db, DbResult, Scope, read};
use crate::domain::dataset::Dataset;

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

/// A party org's facts that an import checks a workbook against.
#[derive(Debug, Clone)]
pub struct PartyKey {
    pub name: String,
    /// Its stored 上级党组织.
    pub parent: Option<String>,
    pub founded_on: NaiveDate,
    pub dissolved_on: Option<NaiveDate>,
}

/// What an import checks references against besides the orgs: unit names, party orgs, and the
/// instructors as (name, citizen ID, home unit's name).
#[derive(Debug, Clone, Default)]
pub struct RegistryKeys {
    pub units: Vec<String>,
    pub party_orgs: Vec<PartyKey>,
    pub instructors: Vec<(String, Option<String>, String)>,
}

/// Options for reading the registry back.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    /// Leave out closed coverage links (an export lists a party org's current coverage).
    pub open_links_only: bool,
}

impl Db {
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
    pub async fn registry_keys(&self, on_org: impl FnMut(OrgKey) + Send) -> DbResult<RegistryKeys> {
        let mut conn = self.pool().acquire().await?;
        read::each_org_key(&mut conn, on_org).await?;
        let units: Vec<String> = sqlx::query_scalar("SELECT name FROM units ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
        let party: Vec<(String, Option<String>, String, Option<String>)> =
            sqlx::query_as("SELECT name, parent_name, founded_on, dissolved_on FROM party_orgs")
                .fetch_all(&mut *conn)
                .await?;
        let party_orgs = party
            .into_iter()
            .map(|(name, parent, founded, dissolved)| {
                Ok(PartyKey {
                    name,
                    parent,
                    founded_on: super::values::parse_date(&founded)?,
                    dissolved_on: super::values::parse_opt_date(dissolved)?,
                })
            })
            .collect::<DbResult<_>>()?;
        let instructors: Vec<(String, Option<String>, String)> = sqlx::query_as(
            "SELECT i.name, i.citizen_id, u.name FROM instructors i JOIN units u ON u.id = i.home_unit_id",
        )
        .fetch_all(&mut *conn)
        .await?;
        Ok(RegistryKeys {
            units,
            party_orgs,
            instructors,
        })
    }

    /// [`registry_keys`](Self::registry_keys) narrowed to the records a form names: the orgs
    /// whose credit code or name is one of `words`, the party orgs and instructors so named (an
    /// instructor also by citizen ID), and every unit (few). A form's check then costs a few
    /// indexed lookups at any size instead of a read of every org.
    pub async fn registry_keys_named(
        &self,
        words: &[String],
        mut on_org: impl FnMut(OrgKey) + Send,
    ) -> DbResult<RegistryKeys> {
        let mut conn = self.pool().acquire().await?;
        let words = read::text_keys(words.iter().map(String::as_str));
        for key in read::org_keys_named(&mut conn, &words).await? {
            on_org(key);
        }
        let units: Vec<String> = sqlx::query_scalar("SELECT name FROM units ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
        let mut party_orgs = Vec::new();
        for r in read::rows_in(
            &mut conn,
            "SELECT name, parent_name, founded_on, dissolved_on FROM party_orgs WHERE name",
            &words,
        )
        .await?
        {
            use sqlx::Row as _;
            party_orgs.push(PartyKey {
                name: r.try_get(0)?,
                parent: r.try_get(1)?,
                founded_on: super::values::parse_date(&r.try_get::<String, _>(2)?)?,
                dissolved_on: super::values::parse_opt_date(r.try_get(3)?)?,
            });
        }
        let mut instructors = Vec::new();
        for column in ["i.name", "i.citizen_id"] {
            for r in read::rows_in(
                &mut conn,
                &format!(
                    "SELECT i.name, i.citizen_id, u.name FROM instructors i \
                     JOIN units u ON u.id = i.home_unit_id WHERE {column}"
                ),
                &words,
            )
            .await?
            {
                use sqlx::Row as _;
                instructors.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
            }
        }
        Ok(RegistryKeys {
            units,
            party_orgs,
            instructors,
        })
    }

    /// Reads the whole registry within the scope as a dataset.
    pub async fn read_dataset(&self, scope: &Scope, options: ReadOptions) -> DbResult<Dataset> {
        let mut conn = self.pool().acquire().await?;
        let mut data = read::dataset(&mut conn, scope, options).await?;
        let (campaigns, census) = super::census::dataset_census(&mut conn, scope).await?;
        data.campaigns = campaigns;
        data.census = census;
        Ok(data)
    }
}
