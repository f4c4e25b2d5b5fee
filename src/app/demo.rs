//! The demo city as a use case: generated (`crate::demo`), written, and put in the middle of
//! its year's work — a ledger started four months ago with items worked on, submitted and
//! closed, and a census campaign half returned — so that every page has something to show.

use crate::db::{Db, DbResult, Scope, WriteSummary};

/// Who the demo data says recorded it (shown as 填报人, 操作人 and in histories).
pub const DEMO_ACTOR: &str = "演示数据";
/// Who closes the demo's items (not the one who submitted them).
pub const DEMO_VERIFIER: &str = "演示数据（核销）";

/// Writes the demo city of `orgs` orgs (deterministic from `seed`) with its work in progress.
pub async fn populate(db: &Db, seed: u64, orgs: usize) -> DbResult<WriteSummary> {
    let data = crate::demo::generate(seed, orgs, db.clock().today());
    let summary = db
        .write_dataset(&Scope::City, &data, DEMO_ACTOR, db.clock().today())
        .await?;
    db.set_setting(
        crate::domain::short_names::SETTING,
        &crate::demo::short_names(),
    )
    .await?;
    campaign(db).await?;
    Ok(summary)
}

/// Puts the demo city mid-campaign: the ledger is started four months ago (items raised then,
/// some deadlines passed), and a deterministic share of the items is being worked on, submitted
/// or closed, so that the task list and the battle map show a campaign in progress.
async fn campaign(db: &Db) -> DbResult<()> {
    use crate::db::Transition;
    use crate::domain::ledger::{Action, Input, ItemState, transition};
    use crate::domain::role::Role;
    let started = db.clock().today() - chrono::Duration::days(120);
    db.set_setting(
        "ledger.start_date",
        &(started - chrono::Duration::days(365)).to_string(),
    )
    .await?;
    db.detect(&Scope::City, DEMO_ACTOR, started).await?;
    // Items raised then are worked on; the data of today decides which can be closed.
    let raised: Vec<_> = db.ledger_items(&Scope::City, db.clock().today()).await?;
    db.detect(&Scope::City, DEMO_ACTOR, db.clock().today())
        .await?;
    let met: std::collections::HashSet<i64> = db
        .ledger_items(&Scope::City, db.clock().today())
        .await?
        .iter()
        .filter(|i| i.condition_met)
        .map(|i| i.id)
        .collect();
    // Each item's steps, taken through the transition table (as a city admin would).
    for item in raised {
        let steps: &[(Action, &str)] = match item.id % 6 {
            0 | 1 => &[],
            2 => &[(Action::Start, "")],
            3 => &[(Action::Start, ""), (Action::Submit, "已完成，见佐证材料")],
            _ if met.contains(&item.id) => &[
                (Action::Start, ""),
                (Action::Submit, "已完成，见佐证材料"),
                (Action::Close, "材料齐全，数据已更新，予以销号"),
            ],
            _ => &[(Action::Start, "")],
        };
        let mut state = ItemState::Open;
        for (action, comment) in steps {
            // Submitted by the responsible unit, closed by the committee (another person, as
            // the rule table asks).
            let input = Input {
                has_comment: !comment.is_empty(),
                has_evidence: true,
                condition_met: met.contains(&item.id),
                condition_applies: !item.kind.closed_by_hand_only(),
                submitted_by_self: false,
            };
            let Ok(to) = transition(state, *action, Role::CityAdmin, input) else {
                break;
            };
            let evidence = (*action == Action::Submit)
                .then_some("演示：已召开党员大会选举产生支部委员会，上级党委已批复");
            db.ledger_transition(&Transition {
                item_id: item.id,
                from: state,
                to,
                action: *action,
                actor: if *action == Action::Close {
                    DEMO_VERIFIER
                } else {
                    DEMO_ACTOR
                },
                comment,
                evidence,
            })
            .await?;
            state = to;
        }
    }
    census(db).await
}

/// Puts a city-wide census campaign mid-way in the demo (cities up to 20,000 orgs; the large
/// benchmark cities skip it): opened four weeks ago (its census_missing items raised then), due
/// in a month; 60% of the orgs have returned, 40% are confirmed and most of their items already
/// checked off; the census finds one more formal member in one org in seven and reports the
/// abnormal orgs as stopped or unreachable.
async fn census(db: &Db) -> DbResult<()> {
    use crate::domain::census::{CampaignInput, CensusReturn};
    use crate::domain::codes::CreditCode;
    use crate::domain::dataset::CensusRecord;
    use crate::domain::model::{OperatingState, OrgStatus, PartyOrgStatus};
    let t = db.clock().today();
    let filter = crate::db::OrgFilter {
        as_of: Some(t),
        in_scope_only: true,
        limit: 20_001,
        ..crate::db::OrgFilter::default()
    };
    let (orgs, total) = db.list_orgs(&Scope::City, &filter, 3, t).await?;
    if total > 20_000 {
        return Ok(());
    }
    let Some(root) = db.regions().await?.into_iter().find(|r| r.parent.is_none()) else {
        return Ok(());
    };
    let quarter = ["一", "二", "三", "四"][(chrono::Datelike::month(&t) as usize - 1) / 3];
    let input = CampaignInput {
        name: format!(
            "{}年第{quarter}季度社会组织党建拉网式摸排",
            chrono::Datelike::year(&t)
        ),
        reference_date: t - chrono::Duration::days(28),
        end_date: t + chrono::Duration::days(33),
    };
    let id = match db.create_campaign(&input, &root.code, DEMO_ACTOR).await? {
        Ok(id) => id,
        Err(_) => return Ok(()), // already there
    };
    let Some(campaign) = db.campaign(&Scope::City, id).await? else {
        return Ok(());
    };
    let mut records = Vec::new();
    for (n, o) in orgs.iter().enumerate() {
        if o.registered_on > input.reference_date || n % 10 >= 6 {
            continue;
        }
        let Ok(code) = CreditCode::parse(&o.credit_code) else {
            continue;
        };
        let formal = o.formal_members + i64::from(n % 7 == 0);
        records.push(CensusRecord {
            campaign: campaign.name.clone(),
            credit_code: code,
            ret: CensusReturn {
                operating_state: match (o.status, n % 2) {
                    (OrgStatus::Abnormal, 0) => OperatingState::Stopped,
                    (OrgStatus::Abnormal, _) => OperatingState::Unreachable,
                    _ => OperatingState::Running,
                },
                staff_count: Some(formal + 2 + (n as i64 % 17)),
                member_count: None,
                formal_members: formal,
                probationary_members: i64::from(n % 11 == 0),
                party_org_status: match (o.own_covered, o.covered) {
                    (true, _) => PartyOrgStatus::Own,
                    (false, true) => PartyOrgStatus::Joint,
                    _ => PartyOrgStatus::None,
                },
                note: None,
            },
            confirmed: n % 10 < 4,
        });
    }
    // The items were raised the day the campaign started.
    db.detect(&Scope::City, DEMO_ACTOR, input.reference_date)
        .await?;
    db.import_returns(&campaign, &records, DEMO_ACTOR).await?;
    db.detect(&Scope::City, DEMO_ACTOR, t).await?;
    // The verifiers have checked off three in four of the items a confirmed return satisfies.
    for item in db.ledger_items(&Scope::City, t).await? {
        if item.kind == crate::domain::ledger::ItemKind::CensusMissing
            && item.condition_met
            && item.id % 4 != 0
        {
            db.ledger_transition(&crate::db::Transition {
                item_id: item.id,
                from: item.state,
                to: crate::domain::ledger::ItemState::Closed,
                action: crate::domain::ledger::Action::CloseSatisfied,
                actor: DEMO_ACTOR,
                comment: "摸排表已确认，按数据销号",
                evidence: None,
            })
            .await?;
        }
    }
    Ok(())
}
