//! What the registry already holds, read for an import's cross-references and defaults (the
//! exchange validates against it without a database of its own).

use std::collections::HashMap;

use crate::db::{Db, DbResult};
use crate::excel::import::{Known, OrgPlace, instructor_key};

/// Loads the reference data of the registry, read narrowly: its orgs' key facts, unit names,
/// party orgs' names, parents and dates, instructors' match keys, campaigns.
pub async fn known(db: &Db) -> DbResult<Known> {
    known_of(db, None).await
}

/// The reference data a form needs: the records its values name (credit codes, names, citizen
/// IDs; a cell listing several split), every unit, region and campaign. A form's check against
/// the registry is then the same as an import's, at the cost of a few lookups.
pub async fn known_for(db: &Db, values: &[Vec<String>]) -> DbResult<Known> {
    let mut words: Vec<String> = Vec::new();
    for v in values.iter().flatten() {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        words.push(v.to_string());
        for part in v.split([',', '，', '、', ';', '；', '\n', ' ']) {
            let part = part.trim();
            if !part.is_empty() {
                words.push(part.to_string());
                words.push(crate::domain::codes::normalize_code(part));
            }
        }
    }
    words.sort();
    words.dedup();
    known_of(db, Some(&words)).await
}

async fn known_of(db: &Db, words: Option<&[String]>) -> DbResult<Known> {
    let mut orgs = HashMap::new();
    let mut org_places = HashMap::new();
    let on_org = |o: crate::db::OrgKey| {
        orgs.insert(o.credit_code.clone(), (o.registered_on, o.counts_on));
        org_places.insert(
            o.credit_code,
            OrgPlace {
                name: o.name,
                region: o.region,
                registered_on: o.registered_on,
                terminated_on: o.terminated_on,
            },
        );
    };
    let keys = match words {
        None => db.registry_keys(on_org).await?,
        Some(words) => db.registry_keys_named(words, on_org).await?,
    };
    let campaigns = db
        .campaign_index()
        .await?
        .into_iter()
        .map(|(name, (_, date, regions))| (name, (date, regions)))
        .collect();
    Ok(Known {
        org_places,
        campaigns,
        regions: db.regions().await?,
        units: keys.units.into_iter().collect(),
        orgs,
        party_org_parents: keys
            .party_orgs
            .iter()
            .filter_map(|p| p.parent.clone().map(|parent| (p.name.clone(), parent)))
            .collect(),
        party_org_dates: keys
            .party_orgs
            .iter()
            .map(|p| (p.name.clone(), (p.founded_on, p.dissolved_on)))
            .collect(),
        party_orgs: keys.party_orgs.into_iter().map(|p| p.name).collect(),
        instructors: keys
            .instructors
            .iter()
            .map(|(name, id, unit)| instructor_key(id.as_deref(), name, unit))
            .collect(),
    })
}
