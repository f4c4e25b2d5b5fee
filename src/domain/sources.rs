//! Where ledger items come from and when the data closes them (`domain.md` §5.1): every kind's
//! raise condition and close condition, in one place. Adding a kind is its line in
//! `ledger::ItemKind` and its two cases here; the data layer only streams the facts.

use chrono::NaiveDate;

use super::ledger::ItemKind;
use super::model::{OperatingState, OrgStatus};

/// What the data says of one org as of a date: the coverage flags of the `facts` query, its
/// registration, and its latest confirmed census return's operating state (with the reference
/// date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFacts {
    pub formal: i64,
    pub covered: bool,
    pub own: bool,
    pub stationed: bool,
    pub status: OrgStatus,
    pub registered_on: NaiveDate,
    pub census: Option<(OperatingState, NaiveDate)>,
}

/// The rules the conditions read: the rule table's own-formation threshold, and the ledger's
/// start (an org registered after it is "new").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub own_min: i64,
    pub ledger_start: NaiveDate,
}

/// The items an org's facts call for, each with its gap in words.
pub fn org_items(f: &OrgFacts, p: &Policy) -> Vec<(ItemKind, String)> {
    let mut out = Vec::new();
    if !f.covered && f.formal >= 1 {
        let how = if f.formal >= p.own_min {
            "应单独组建"
        } else {
            "可联合组建"
        };
        out.push((
            ItemKind::EstablishPartyOrg,
            format!("有正式党员 {} 名，尚未建立党组织（{how}）", f.formal),
        ));
    }
    if f.covered && !f.own && f.formal >= p.own_min {
        out.push((
            ItemKind::EstablishOwnOrg,
            format!("有正式党员 {} 名，仅被联合党组织覆盖，应单独组建", f.formal),
        ));
    }
    if !f.covered && f.formal == 0 && !f.stationed {
        out.push((
            ItemKind::DispatchInstructor,
            "没有党员，也没有党组织和党建指导员、联络员".into(),
        ));
    }
    if f.registered_on > p.ledger_start && !f.covered && !f.stationed {
        out.push((
            ItemKind::SyncWithRegistration,
            format!("{} 新登记，尚未同步建立党组织或派驻指导员", f.registered_on),
        ));
    }
    if f.status == OrgStatus::Abnormal {
        out.push((
            ItemKind::CleanDormant,
            "列入活动异常名录，应核实并清理".into(),
        ));
    } else if let Some((state, date)) = f.census.filter(|(s, _)| s.is_dormant()) {
        out.push((
            ItemKind::CleanDormant,
            format!("{date} 摸排确认为“{}”，应核实并清理", state.label()),
        ));
    }
    out
}

/// What the data says now of an active item's subject.
#[derive(Debug, Clone, Copy, Default)]
pub struct Now<'a> {
    /// The org's facts, for an item about an org.
    pub org: Option<&'a OrgFacts>,
    /// The item's campaign has a confirmed return of the org (census_missing).
    pub return_confirmed: bool,
    /// The party org is still over the limits (rectify_oversized_joint).
    pub still_oversized: bool,
}

/// Whether the data satisfies an item's closing condition now (§5.2: 销号 on evidence, and a
/// verifier may close what the data satisfies in bulk). Items raised by hand never are.
pub fn satisfied(kind: ItemKind, now: &Now) -> bool {
    let terminated = |f: &OrgFacts| f.status.is_terminated();
    match (kind, now.org) {
        (ItemKind::EstablishPartyOrg, Some(f)) => f.covered,
        (ItemKind::EstablishOwnOrg, Some(f)) => f.own,
        (ItemKind::DispatchInstructor | ItemKind::SyncWithRegistration, Some(f)) => {
            f.covered || f.stationed
        }
        // Back to normal: the registry no longer lists it abnormal and its latest confirmed
        // census return says 正常运行; or it no longer exists.
        (ItemKind::CleanDormant, Some(f)) => {
            terminated(f)
                || (f.status == OrgStatus::Normal && f.census.is_some_and(|(s, _)| !s.is_dormant()))
        }
        // Confirmed, or the org no longer exists (a deregistered org owes no return).
        (ItemKind::CensusMissing, Some(f)) => terminated(f) || now.return_confirmed,
        (ItemKind::RectifyOversizedJoint, _) => !now.still_oversized,
        (ItemKind::Supervision | ItemKind::Manual, _) => false,
        (_, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn facts() -> OrgFacts {
        OrgFacts {
            formal: 0,
            covered: false,
            own: false,
            stationed: false,
            status: OrgStatus::Normal,
            registered_on: d("2015-01-01"),
            census: None,
        }
    }

    const POLICY: Policy = Policy {
        own_min: 3,
        ledger_start: match NaiveDate::from_ymd_opt(2021, 6, 1) {
            Some(d) => d,
            None => NaiveDate::MIN,
        },
    };

    fn kinds(f: &OrgFacts) -> Vec<ItemKind> {
        org_items(f, &POLICY).into_iter().map(|(k, _)| k).collect()
    }

    #[test]
    fn the_facts_raise_the_items_the_spec_calls_for() {
        // No member, nothing covering, no station: an instructor is to be sent.
        assert_eq!(kinds(&facts()), vec![ItemKind::DispatchInstructor]);
        // 3 members, uncovered: establish (own); jointly covered: own formation.
        let three = OrgFacts {
            formal: 3,
            ..facts()
        };
        assert_eq!(kinds(&three), vec![ItemKind::EstablishPartyOrg]);
        assert!(org_items(&three, &POLICY)[0].1.contains("应单独组建"));
        let joint = OrgFacts {
            covered: true,
            ..three.clone()
        };
        assert_eq!(kinds(&joint), vec![ItemKind::EstablishOwnOrg]);
        // Registered after the ledger's start, neither covered nor stationed; abnormal.
        let new = OrgFacts {
            registered_on: d("2021-06-02"),
            stationed: false,
            formal: 1,
            ..facts()
        };
        assert_eq!(
            kinds(&new),
            vec![ItemKind::EstablishPartyOrg, ItemKind::SyncWithRegistration]
        );
        let abnormal = OrgFacts {
            status: OrgStatus::Abnormal,
            stationed: true,
            ..facts()
        };
        assert_eq!(kinds(&abnormal), vec![ItemKind::CleanDormant]);
        // A confirmed census return saying it stopped, while the registry says normal.
        let stopped = OrgFacts {
            census: Some((OperatingState::Stopped, d("2021-09-30"))),
            stationed: true,
            ..facts()
        };
        assert_eq!(kinds(&stopped), vec![ItemKind::CleanDormant]);
        assert!(org_items(&stopped, &POLICY)[0].1.contains("2021-09-30"));
    }

    #[test]
    fn the_data_closes_what_it_satisfies() {
        let covered = OrgFacts {
            covered: true,
            ..facts()
        };
        let now = |f| Now {
            org: Some(f),
            ..Now::default()
        };
        assert!(satisfied(ItemKind::EstablishPartyOrg, &now(&covered)));
        assert!(!satisfied(ItemKind::EstablishOwnOrg, &now(&covered)));
        assert!(satisfied(ItemKind::DispatchInstructor, &now(&covered)));
        // Dormant: normal again only with a confirmed running return; or gone.
        let plain = facts();
        assert!(!satisfied(ItemKind::CleanDormant, &now(&plain)));
        let running = OrgFacts {
            census: Some((OperatingState::Running, d("2021-09-30"))),
            ..facts()
        };
        assert!(satisfied(ItemKind::CleanDormant, &now(&running)));
        let gone = OrgFacts {
            status: OrgStatus::Deregistered,
            ..facts()
        };
        assert!(satisfied(ItemKind::CleanDormant, &now(&gone)));
        assert!(satisfied(ItemKind::CensusMissing, &now(&gone)));
        let confirmed = Now {
            org: Some(&running),
            return_confirmed: true,
            ..Now::default()
        };
        assert!(satisfied(ItemKind::CensusMissing, &confirmed));
        assert!(satisfied(ItemKind::RectifyOversizedJoint, &Now::default()));
        let still = Now {
            still_oversized: true,
            ..Now::default()
        };
        assert!(!satisfied(ItemKind::RectifyOversizedJoint, &still));
        // By hand only.
        assert!(!satisfied(ItemKind::Supervision, &now(&covered)));
        assert!(!satisfied(ItemKind::Manual, &now(&covered)));
    }
}
