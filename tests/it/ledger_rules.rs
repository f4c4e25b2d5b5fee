//! The ledger's everyday rules (issue 11 item 6) on the golden workbook (tests/it/fixture.rs):
//! the time limit of 同步建立 runs from the registration; item texts follow the data they quote;
//! a new census campaign moves the org's one 四清 item to it instead of adding one; closing
//! against the data needs a reason kept in the history; the one who submits does not close
//! (a rule-table switch); the bulk close asks first, naming how many.

use chrono::NaiveDate;
use dangjian::app::Actor;
use dangjian::app::ledger::{Done, act};
use dangjian::db::{ReadOptions, Scope};
use dangjian::domain::census::CampaignInput;
use dangjian::domain::codes::RegionCode;
use dangjian::domain::dataset::Dataset;
use dangjian::domain::ledger::{ItemKind, ItemState};
use dangjian::domain::role::Role;

use crate::support::{TestApp, set_today};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

async fn golden() -> crate::support::TestDb {
    let t = crate::stats::golden_db().await;
    t.db.set_setting("ledger.start_date", "2021-06-01")
        .await
        .expect("setting");
    t
}

#[tokio::test]
async fn the_time_limit_of_a_new_registration_runs_from_the_registration() {
    // G was registered on 2021-12-31; detected on 2022-02-15 its 同步建立 item is due three
    // months after the registration, 2022-03-31 (not 2022-05-15).
    let t = golden().await;
    let g = &crate::fixture::codes()[6];
    t.db.detect(&Scope::City, "test", date("2022-02-15"))
        .await
        .expect("detect");
    let items =
        t.db.ledger_items(&Scope::City, date("2022-02-15"))
            .await
            .expect("items");
    let sync = items
        .iter()
        .find(|i| i.kind == ItemKind::SyncWithRegistration && &i.subject == g)
        .expect("sync item");
    assert_eq!(sync.deadline.as_deref(), Some("2022-03-31"));
    // Other kinds still run from the day they are raised: G's 建立党组织, 6 months.
    let establish = items
        .iter()
        .find(|i| i.kind == ItemKind::EstablishPartyOrg && &i.subject == g)
        .expect("establish item");
    assert_eq!(establish.deadline.as_deref(), Some("2022-08-15"));
}

#[tokio::test]
async fn an_items_text_follows_the_data_it_quotes() {
    // G has 5 formal members: "有正式党员 5 名，尚未建立党组织（应单独组建）". Its count is then
    // corrected to 6: the next detection rewrites the text and keeps the old one in the history.
    let t = golden().await;
    let g = crate::fixture::codes()[6].clone();
    let d = date("2021-12-31");
    t.db.detect(&Scope::City, "test", d).await.expect("detect");
    let item = |items: &[dangjian::db::LedgerItem]| {
        items
            .iter()
            .find(|i| i.kind == ItemKind::EstablishPartyOrg && i.subject == g)
            .cloned()
            .expect("item")
    };
    let before = item(&t.db.ledger_items(&Scope::City, d).await.expect("items"));
    assert!(before.gap.contains("有正式党员 5 名"), "{}", before.gap);
    let mut data =
        t.db.read_dataset(&Scope::City, ReadOptions::default())
            .await
            .expect("read");
    let mut org = data
        .orgs
        .drain(..)
        .find(|o| o.credit_code.as_str() == g)
        .expect("G");
    org.formal_members = 6;
    let one = Dataset {
        orgs: vec![org],
        ..Dataset::default()
    };
    t.db.write_dataset(&Scope::City, &one, "test", d)
        .await
        .expect("write");
    let s = t.db.detect(&Scope::City, "test", d).await.expect("detect");
    assert_eq!((s.raised, s.updated), (0, 1));
    let after = item(&t.db.ledger_items(&Scope::City, d).await.expect("items"));
    assert_eq!(after.id, before.id, "the same item, not a new one");
    assert!(after.gap.contains("有正式党员 6 名"), "{}", after.gap);
    let history = t.db.ledger_history(after.id).await.expect("history");
    let last = history.last().expect("history");
    assert_eq!(last.action, "update");
    assert!(last.comment.contains("有正式党员 5 名"), "{}", last.comment);
    // Nothing moved since: a third detection changes nothing.
    let s = t.db.detect(&Scope::City, "test", d).await.expect("detect");
    assert_eq!((s.raised, s.updated), (0, 0));
}

#[tokio::test]
async fn a_new_campaign_moves_the_orgs_census_item_instead_of_adding_one() {
    // 城区's orgs in scope on 2026-10-31 and on 2026-11-20 (B, C, F): one 四清未完成 item each,
    // naming the first campaign, then the second once it is open.
    let t = golden().await;
    let db = &t.db;
    let open = |name: &'static str, reference: &'static str, end: &'static str| async move {
        db.create_campaign(
            &CampaignInput {
                name: name.into(),
                reference_date: date(reference),
                end_date: date(end),
            },
            &RegionCode::parse("140302").expect("code"),
            "test",
        )
        .await
        .expect("db")
        .expect("campaign")
    };
    let today = db.clock().today();
    let first = open("城区十月摸排", "2026-10-31", "2026-11-30").await;
    db.detect(&Scope::City, "test", today)
        .await
        .expect("detect");
    let census = |items: Vec<dangjian::db::LedgerItem>| -> Vec<dangjian::db::LedgerItem> {
        items
            .into_iter()
            .filter(|i| i.kind == ItemKind::CensusMissing && i.state.is_active())
            .collect()
    };
    let before = census(db.ledger_items(&Scope::City, today).await.expect("items"));
    assert_eq!(before.len(), 3, "B, C and F");
    assert!(before.iter().all(|i| i.campaign_id == Some(first)));
    let second = open("城区十一月摸排", "2026-11-20", "2026-12-20").await;
    let s = db
        .detect(&Scope::City, "test", today)
        .await
        .expect("detect");
    assert_eq!(
        (s.raised, s.updated),
        (0, 3),
        "no flood: the three items move"
    );
    let after = census(db.ledger_items(&Scope::City, today).await.expect("items"));
    assert_eq!(after.len(), 3);
    for i in &after {
        assert_eq!(i.campaign_id, Some(second));
        assert!(i.gap.contains("城区十一月摸排"), "{}", i.gap);
        assert_eq!(i.deadline.as_deref(), Some("2026-12-20"));
    }
}

fn operator(name: &str) -> Actor {
    Actor::operator(name)
}

#[tokio::test]
async fn closing_needs_another_verifier_and_a_reason_against_the_data() {
    // C's 清理僵尸组织 item (C is abnormal): its condition is not met. 甲 starts and submits it.
    let t = golden().await;
    let db = &t.db;
    let today = date("2021-12-31");
    set_today(db, today);
    db.detect(&Scope::City, "test", today)
        .await
        .expect("detect");
    let c = crate::fixture::codes()[2].clone();
    let items = db.ledger_items(&Scope::City, today).await.expect("items");
    let item = items
        .iter()
        .find(|i| i.kind == ItemKind::CleanDormant && i.subject == c)
        .expect("item")
        .clone();
    assert!(!item.condition_met);
    let (jia, yi) = (operator("甲"), operator("乙"));
    let done = |r: dangjian::app::AppResult<(dangjian::db::LedgerItem, Done)>| r.expect("act").1;
    assert_eq!(
        done(act(db, &jia, item.id, "start", "", "").await),
        Done::Done
    );
    assert_eq!(
        done(act(db, &jia, item.id, "submit", "", "已核实，正在办理注销").await),
        Done::Done
    );
    // 甲 may not close what 甲 submitted.
    match done(act(db, &jia, item.id, "close", "理由", "").await) {
        Done::Refused(why) => assert!(why.contains("提交销号的人不能自己核销"), "{why}"),
        Done::Done => panic!("the submitter closed the item"),
    }
    // 乙 may, against the data only with a reason, which the history keeps.
    match done(act(db, &yi, item.id, "close", "", "").await) {
        Done::Refused(why) => assert!(why.contains("须在“意见”中写明理由"), "{why}"),
        Done::Done => panic!("closed against the data without a reason"),
    }
    assert_eq!(
        done(act(db, &yi, item.id, "close", "已由登记机关撤销登记", "").await),
        Done::Done
    );
    let closed = db
        .ledger_item(&Scope::City, item.id, today)
        .await
        .expect("db")
        .expect("item");
    assert_eq!(closed.state, ItemState::Closed);
    let history = db.ledger_history(item.id).await.expect("history");
    let last = history.last().expect("history");
    assert_eq!((last.action.as_str(), last.actor.as_str()), ("close", "乙"));
    assert_eq!(
        last.comment,
        "登记数据尚未满足销号条件，仍予销号。理由：已由登记机关撤销登记"
    );

    // With the rule off from 2021-01-01 (a version of 0), the submitter may close.
    sqlx::query(
        "INSERT INTO rules (key, value, source, effective_from, note) \
         VALUES ('ledger.separate_submit_and_verify', '0', 'test', '2021-01-01', '')",
    )
    .execute(db.pool())
    .await
    .expect("rule");
    db.forget_reference();
    let other = items
        .iter()
        .find(|i| i.kind == ItemKind::EstablishOwnOrg && i.subject == c)
        .expect("item")
        .clone();
    done(act(db, &jia, other.id, "start", "", "").await);
    done(act(db, &jia, other.id, "submit", "", "已单独组建").await);
    assert_eq!(
        done(act(db, &jia, other.id, "close", "党委已批复", "").await),
        Done::Done
    );
}

#[tokio::test]
async fn the_bulk_close_asks_first_naming_how_many() {
    let t = golden().await;
    t.db.detect(&Scope::City, "test", t.db.clock().today())
        .await
        .expect("detect");
    // Make two items' conditions met by marking them so (as the detection does when the data
    // satisfies them).
    sqlx::query(
        "UPDATE ledger_items SET condition_met = 1 WHERE id IN \
         (SELECT id FROM ledger_items ORDER BY id LIMIT 2)",
    )
    .execute(t.db.pool())
    .await
    .expect("mark");
    let app = TestApp::new(t);
    let city = app
        .user("city", Role::CityAdmin, dangjian::db::ScopeTarget::City)
        .await;
    let r = app.get(&city, "/ledger").await;
    assert!(
        r.body.contains(
            "data-confirm=\"将按登记数据批量销号 2 项已满足销号条件的事项，销号后不能恢复。确定吗？\""
        ),
        "{}",
        r.body
    );
}
