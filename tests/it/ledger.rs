//! The work ledger on the golden workbook (tests/it/fixture.rs), items derived by hand.

use chrono::NaiveDate;
use dangjian::db::{Scope, Transition};
use dangjian::domain::ledger::{ItemKind, ItemState};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// (kind, subject, responsible unit, deadline) of every item, sorted.
fn items(list: &[dangjian::db::LedgerItem]) -> Vec<(&'static str, String, String, String)> {
    let mut out: Vec<_> = list
        .iter()
        .map(|i| {
            (
                i.kind.code(),
                i.subject.clone(),
                i.responsible_unit.clone().unwrap_or_default(),
                i.deadline.clone().unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn detection_raises_exactly_the_items_the_spec_calls_for_once() {
    let t = crate::stats::golden_db().await;
    t.db.set_setting("ledger.start_date", "2021-06-01")
        .await
        .expect("setting");
    let c = crate::fixture::codes();
    let s =
        t.db.detect(&Scope::City, "test", date("2021-12-31"))
            .await
            .expect("detect");
    // As of 2021-12-31 (in scope: A, B, C, D, G, I):
    // - C: 3 formal members, covered only jointly (J1) → establish_own_org (6 months);
    //      abnormal → clean_dormant (3 months).
    // - G: 5 members, uncovered, no station → establish_party_org (6 months); registered on
    //      2021-12-31, after the ledger start 2021-06-01, neither covered nor stationed →
    //      sync_with_registration (3 months).
    // - I: 2 members, J2 dissolved and the liaison withdrawn that day → establish_party_org.
    // - A own-covered; B jointly covered with 1 member; D has an instructor (no party members,
    //   registered before the start): nothing. No joint branch covers more than 5 orgs, none
    //   has more than 50 members.
    assert_eq!(s.raised, 5);
    let list =
        t.db.ledger_items(&Scope::City, date("2021-12-31"))
            .await
            .expect("list");
    let (city, chengqu, kuangqu) = (
        "阳泉市社会组织党委".to_string(),
        "城区工委".to_string(),
        "矿区工委".to_string(),
    );
    assert_eq!(
        items(&list),
        vec![
            (
                "clean_dormant",
                c[2].clone(),
                chengqu.clone(),
                "2022-03-31".to_string()
            ),
            (
                "establish_own_org",
                c[2].clone(),
                chengqu,
                "2022-06-30".to_string()
            ),
            (
                "establish_party_org",
                c[8].clone(),
                kuangqu,
                "2022-06-30".to_string()
            ),
            (
                "establish_party_org",
                c[6].clone(),
                city.clone(),
                "2022-06-30".to_string()
            ),
            (
                "sync_with_registration",
                c[6].clone(),
                city,
                "2022-03-31".to_string()
            ),
        ]
    );
    assert!(
        list.iter()
            .all(|i| i.state == ItemState::Open && !i.overdue)
    );
    // Running again raises nothing.
    assert_eq!(
        t.db.detect(&Scope::City, "test", date("2021-12-31"))
            .await
            .expect("detect")
            .raised,
        0
    );
    // After the deadlines, the open items are overdue.
    let later =
        t.db.ledger_items(&Scope::City, date("2022-07-01"))
            .await
            .expect("list");
    assert!(later.iter().all(|i| i.overdue));
    let mid =
        t.db.ledger_items(&Scope::City, date("2022-04-01"))
            .await
            .expect("list");
    assert_eq!(
        mid.iter().filter(|i| i.overdue).count(),
        2,
        "the two 3-month items only"
    );
}

#[tokio::test]
async fn items_whose_condition_the_data_satisfies_are_marked_and_can_be_closed() {
    let t = crate::stats::golden_db().await;
    t.db.set_setting("ledger.start_date", "2021-06-01")
        .await
        .expect("setting");
    t.db.detect(&Scope::City, "test", date("2021-12-31"))
        .await
        .expect("detect");
    // I gets its own branch on 2022-01-10 (2 members: allowed with approval; any party org
    // covers it) → establish_party_org(I) is closable on 2022-01-15; the others are not.
    let c = crate::fixture::codes();
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("社会组织.csv"),
        "统一社会信用代码,名称,类型,登记管理机关区划,成立登记日期,登记状态,正式党员数\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("党组织.csv"),
        format!("党组织名称,组织类别,组建方式,成立日期,覆盖社会组织\n壬促进会党支部,党支部,单独组建,2022-01-10,{}\n", c[8]),
    )
    .expect("write");
    let wb = dangjian::excel::source::open(dir.path()).expect("read");
    crate::support::set_today(&t.db, date("2022-01-15"));
    crate::support::import_wb(&t.db, &wb).await;
    let s =
        t.db.detect(&Scope::City, "test", date("2022-01-15"))
            .await
            .expect("detect");
    assert_eq!(s.closable, 1);
    let list =
        t.db.ledger_items(&Scope::City, date("2022-01-15"))
            .await
            .expect("list");
    let item = list
        .iter()
        .find(|i| i.kind == ItemKind::EstablishPartyOrg && i.subject == c[8])
        .expect("item");
    assert!(item.condition_met);
    let close = Transition {
        item_id: item.id,
        from: ItemState::Open,
        to: ItemState::Closed,
        action: dangjian::domain::ledger::Action::CloseSatisfied,
        actor: "verifier",
        comment: "数据已满足销号条件",
        evidence: None,
    };
    t.db.ledger_transition(&close).await.expect("close");
    let history = t.db.ledger_history(item.id).await.expect("history");
    assert_eq!(history.len(), 2);
    assert_eq!(
        (history[1].actor.as_str(), history[1].to_state.as_str()),
        ("verifier", "closed")
    );
    // A closed item never reopens; if the gap reappears a new item is raised.
    let reopen = Transition {
        to: ItemState::InProgress,
        action: dangjian::domain::ledger::Action::Start,
        ..close
    };
    assert!(
        t.db.ledger_transition(&reopen).await.is_err(),
        "the stored state guards the transition"
    );
}

#[tokio::test]
async fn the_responsible_person_is_one_of_the_units_users_and_the_choice_is_recorded() {
    use dangjian::db::ScopeTarget;
    use dangjian::domain::codes::RegionCode;
    use dangjian::domain::role::Role;
    let t = crate::stats::golden_db().await;
    t.db.detect(&Scope::City, "test", date("2021-12-31"))
        .await
        .expect("detect");
    // Users: a city admin, two county admins (城区, 矿区), a department user of 体育局.
    let hash = dangjian::auth::hash_password("pass1234").expect("hash");
    let region = |c: &str| ScopeTarget::Region(RegionCode::parse(c).expect("code"));
    let sports =
        t.db.unit_id("阳泉市体育局")
            .await
            .expect("db")
            .expect("unit");
    for (name, role, scope) in [
        ("市管理员", Role::CityAdmin, ScopeTarget::City),
        ("城区管理员", Role::CountyAdmin, region("140302")),
        ("矿区管理员", Role::CountyAdmin, region("140303")),
        ("体育局", Role::Department, ScopeTarget::Unit(sports)),
    ] {
        t.db.create_user(name, role, &scope, &hash, false)
            .await
            .expect("user");
    }
    // 城区工委 (county committee of 140302) → its county admin only; 阳泉市社会组织党委 (city
    // committee) → the city admin; 阳泉市体育局 → its department user.
    let names = |v: Vec<(i64, String)>| v.into_iter().map(|(_, n)| n).collect::<Vec<_>>();
    assert_eq!(
        names(t.db.unit_users("城区工委").await.expect("db")),
        vec!["城区管理员"]
    );
    assert_eq!(
        names(t.db.unit_users("阳泉市社会组织党委").await.expect("db")),
        vec!["市管理员"]
    );
    assert_eq!(
        names(t.db.unit_users("阳泉市体育局").await.expect("db")),
        vec!["体育局"]
    );

    // C's establish_own_org item belongs to 城区工委: assign its county admin.
    let c = crate::fixture::codes()[2].clone();
    let items =
        t.db.ledger_items(&Scope::City, date("2021-12-31"))
            .await
            .expect("items");
    let item = items
        .iter()
        .find(|i| i.kind == ItemKind::EstablishOwnOrg && i.subject == c)
        .expect("item");
    let (id, name) = t.db.unit_users("城区工委").await.expect("db").remove(0);
    t.db.ledger_assign(item, Some((id, &name)), "市管理员")
        .await
        .expect("assign");
    let items =
        t.db.ledger_items(&Scope::City, date("2021-12-31"))
            .await
            .expect("items");
    let after = items.iter().find(|i| i.id == item.id).expect("item");
    assert_eq!(after.responsible_user.as_deref(), Some("城区管理员"));
    assert_eq!(
        after.state, item.state,
        "assigning does not change the state"
    );
    let history = t.db.ledger_history(item.id).await.expect("history");
    let last = history.last().expect("history row");
    assert_eq!(
        (
            last.action.as_str(),
            last.actor.as_str(),
            last.comment.as_str()
        ),
        ("assign", "市管理员", "责任人：城区管理员")
    );
}
