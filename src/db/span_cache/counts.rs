//! Counting from the spans in memory: coverage counts grouped as of dates, and a census
//! campaign's orgs by their responsible unit now.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::unit_id;
use crate::db::{Db, DbResult, GroupCounts, Grouping, Scope, Unit};
use crate::domain::model::{OrgKind, UnitKind};
use crate::domain::span_index::{Current, Day, Filter, Group};

/// Who is responsible for an org (the view org_responsible_units, in memory): its supervising
/// unit when that unit carries party building, else its region's committee.
pub(super) struct Responsibility {
    pub max_unit: usize,
    /// By unit id.
    pub carries: Vec<bool>,
    /// By region index: the smallest id among the units of the committee kind of the region
    /// (the city's committee for the root) — the view region_committees.
    pub committee: Vec<Option<u32>>,
}

impl Responsibility {
    pub fn new(units: &[Unit], root: Option<&str>, regions: &[String]) -> Responsibility {
        let max_unit = units
            .iter()
            .map(|u| unit_id(Some(u.id)) as usize)
            .max()
            .unwrap_or(0);
        let mut carries = vec![false; max_unit + 1];
        for u in units {
            carries[unit_id(Some(u.id)) as usize] = u.carries_party_building;
        }
        let committee = regions
            .iter()
            .map(|code| {
                let kind = if root == Some(code.as_str()) {
                    UnitKind::CityCommittee
                } else {
                    UnitKind::CountyCommittee
                };
                units
                    .iter()
                    .filter(|u| u.kind == kind && u.region.as_str() == code)
                    .map(|u| unit_id(Some(u.id)))
                    .min()
            })
            .collect();
        Responsibility {
            max_unit,
            carries,
            committee,
        }
    }

    /// The responsible unit of an org with these attributes now.
    pub fn of(&self, c: &Current) -> Option<u32> {
        let su = c.supervising_unit as usize;
        if su != 0 && self.carries.get(su).copied().unwrap_or(false) {
            Some(c.supervising_unit)
        } else {
            self.committee.get(usize::from(c.region)).copied().flatten()
        }
    }
}

impl Db {
    /// Coverage counts as of each date from the spans in memory, grouped: for each date, the
    /// groups with an org in scope (as the SQL `GROUP BY` gives them). None when the cache
    /// cannot answer (not kept or not loaded, or a scope it does not keep: an instructor's or
    /// an org's, which SQL counts from an index at once).
    pub(crate) async fn counts_in_memory(
        &self,
        scope: &Scope,
        dates: &[NaiveDate],
        own_min: &[i64],
        grouping: Option<Grouping>,
    ) -> DbResult<Option<Vec<Vec<GroupCounts>>>> {
        if !matches!(scope, Scope::City | Scope::Regions(_) | Scope::Unit(_)) {
            return Ok(None);
        }
        if !self.spans_current().await? {
            return Ok(None);
        }
        // Units and region committees, read now (a unit's flag may change without a span).
        let units = self.units().await?;
        let regions = self.regions().await?;
        let root = regions
            .iter()
            .find(|r| r.parent.is_none())
            .map(|r| r.code.clone());
        let Ok(state) = self.spans.state.read() else {
            return Ok(None);
        };
        let Some(loaded) = state.as_ref() else {
            return Ok(None);
        };
        let r = Responsibility::new(&units, root.as_ref().map(|c| c.as_str()), &loaded.regions);
        let (max_unit, carries, committee) = (r.max_unit, &r.carries, &r.committee);
        let responsible = |c: &Current| r.of(c);
        let filter = match scope {
            Scope::City => Filter::All,
            Scope::Regions(codes) => Filter::Regions(
                loaded
                    .regions
                    .iter()
                    .map(|r| codes.iter().any(|c| c.as_str() == r))
                    .collect(),
            ),
            Scope::Unit(id) => {
                let id = unit_id(Some(*id));
                Filter::Orgs(
                    loaded
                        .index
                        .current()
                        .iter()
                        .map(|c| {
                            id != 0 && (c.supervising_unit == id || responsible(c) == Some(id))
                        })
                        .collect(),
                )
            }
            _ => return Ok(None),
        };
        let group = match grouping {
            None => Group::Total,
            Some(Grouping::Region) => Group::Region,
            Some(Grouping::Kind) => Group::Kind,
            Some(Grouping::ResponsibleUnit) => Group::Unit {
                carries: carries.clone(),
                committee: committee.clone(),
                units: max_unit + 1,
            },
            Some(Grouping::SupervisingUnit) => Group::Supervising {
                units: max_unit + 1,
            },
        };
        let days: Vec<Day> = dates.iter().map(|d| d.num_days_from_ce()).collect();
        let counts = loaded
            .index
            .count(&days, own_min, &filter, &group, loaded.regions.len());
        let key = |g: usize| -> Option<String> {
            match grouping {
                None => None,
                Some(Grouping::Region) => loaded.regions.get(g).cloned(),
                Some(Grouping::Kind) => OrgKind::ALL.get(g).map(|k| k.code().to_string()),
                Some(Grouping::ResponsibleUnit) => (g <= max_unit).then(|| g.to_string()),
                Some(Grouping::SupervisingUnit) => (g != 0).then(|| g.to_string()),
            }
        };
        let mut out = vec![Vec::new(); dates.len()];
        for (g, per_date) in counts.iter().enumerate() {
            for (i, c) in per_date.iter().enumerate() {
                if c.in_scope > 0 || (grouping.is_none() && g == 0) {
                    out[i].push(GroupCounts {
                        key: key(g),
                        counts: *c,
                    });
                }
            }
        }
        Ok(Some(out))
    }
}

impl Db {
    /// A census campaign's orgs in scope — in scope at its reference date, registered now in
    /// one of `regions` — counted by their responsible unit now (None: unresolved), from the
    /// spans in memory; None when the cache cannot answer (as for the counts).
    pub(crate) async fn campaign_population(
        &self,
        scope: &Scope,
        regions: &[String],
        reference: NaiveDate,
    ) -> DbResult<Option<HashMap<Option<i64>, i64>>> {
        if !matches!(scope, Scope::City | Scope::Regions(_) | Scope::Unit(_)) {
            return Ok(None);
        }
        if !self.spans_current().await? {
            return Ok(None);
        }
        let units = self.units().await?;
        let all_regions = self.regions().await?;
        let root = all_regions
            .iter()
            .find(|r| r.parent.is_none())
            .map(|r| r.code.as_str().to_string());
        let Ok(state) = self.spans.state.read() else {
            return Ok(None);
        };
        let Some(loaded) = state.as_ref() else {
            return Ok(None);
        };
        let r = Responsibility::new(&units, root.as_deref(), &loaded.regions);
        let region_in = |codes: &[String]| -> Vec<bool> {
            loaded
                .regions
                .iter()
                .map(|code| codes.iter().any(|c| c == code))
                .collect()
        };
        let campaign = region_in(regions);
        let scoped: Option<Vec<bool>> = match scope {
            Scope::Regions(codes) => Some(region_in(
                &codes
                    .iter()
                    .map(|c| c.as_str().to_string())
                    .collect::<Vec<_>>(),
            )),
            _ => None,
        };
        let unit = match scope {
            Scope::Unit(id) => Some(unit_id(Some(*id))),
            _ => None,
        };
        let keep = |c: &Current| {
            let region = usize::from(c.region);
            campaign.get(region).copied().unwrap_or(false)
                && scoped
                    .as_ref()
                    .is_none_or(|s| s.get(region).copied().unwrap_or(false))
                && unit.is_none_or(|u| u != 0 && (c.supervising_unit == u || r.of(c) == Some(u)))
        };
        let unresolved = r.max_unit + 1;
        let counts = loaded.index.population(
            reference.num_days_from_ce(),
            keep,
            |c| r.of(c).map_or(unresolved, |u| u as usize),
            unresolved + 1,
        );
        Ok(Some(
            counts
                .into_iter()
                .enumerate()
                .filter(|(_, n)| *n > 0)
                .map(|(g, n)| ((g != unresolved).then_some(g as i64), n))
                .collect(),
        ))
    }
}
