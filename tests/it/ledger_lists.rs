//! The ledger's lists and figures in SQL (src/db/ledger_list.rs) against their definitions
//! written over the items read whole (`Db::ledger_items`): every filter of the task list, the
//! paging, the dashboard's figures, the tallies of the responsibility list and the battle map,
//! and the burn-down.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use dangjian::db::{
    Db, LedgerFilter, LedgerItem, LedgerSort, PersonFilter, Scope, StateFilter, TallyBy,
    Transition, Window,
};
use dangjian::domain::codes::RegionCode;
use dangjian::domain::ledger::{Action, ItemKind, ItemState};
use dangjian::domain::role::Role;

/// (unit, person) and (items, closed, active, overdue).
type UnitPerson = (Option<String>, Option<String>);
type Counts4 = (i64, i64, i64, i64);

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

async fn step(db: &Db, item: &LedgerItem, from: ItemState, to: ItemState, action: Action) {
    db.ledger_transition(&Transition {
        item_id: item.id,
        from,
        to,
        action,
        actor: "test",
        comment: "测试",
        evidence: None,
    })
    .await
    .expect("transition");
}

/// The filter's definition over one item (the task list's words).
fn keeps(f: &LedgerFilter, i: &LedgerItem, today: NaiveDate) -> bool {
    let t = today.to_string();
    let until = f
        .due_within
        .map(|n| (today + Duration::days(n)).to_string());
    f.kind.is_none_or(|k| i.kind == k)
        && match f.state {
            StateFilter::All => true,
            StateFilter::Active => i.state.is_active(),
            StateFilter::Only(s) => i.state == s,
        }
        && f.region
            .as_ref()
            .is_none_or(|r| i.region.as_ref() == Some(r))
        && f.unit
            .as_ref()
            .is_none_or(|u| i.responsible_unit.as_ref() == Some(u))
        && match &f.person {
            None => true,
            Some(PersonFilter::Nobody) => i.responsible_user.is_none(),
            Some(PersonFilter::User(u)) => i.responsible_user.as_ref() == Some(u),
        }
        && (!f.overdue || i.overdue)
        && until.as_ref().is_none_or(|u| {
            i.state.is_active() && i.deadline.as_ref().is_some_and(|d| *d >= t && d <= u)
        })
        && (!f.closable || (i.condition_met && i.state.is_active()))
        && f.words.as_ref().is_none_or(|w| {
            i.subject_name.contains(w.as_str())
                || i.subject.to_uppercase().contains(&w.to_uppercase())
        })
        && (!f.without_census || i.kind != ItemKind::CensusMissing)
}

#[tokio::test]
async fn the_task_list_filters_pages_and_figures_agree_with_their_definitions() {
    // A generated city of 600 orgs; its items raised on 2026-11-28; one of them is worked and
    // closed a week later, one cancelled then, one assigned; the list is read on 2026-12-20.
    let t = crate::support::TestDb::new().await;
    let db = &t.db;
    let raised_on = db.clock().today();
    let data = dangjian::demo::generate(11, 600, raised_on);
    db.write_dataset(&Scope::City, &data, "test", raised_on)
        .await
        .expect("demo");
    db.detect(&Scope::City, "test", raised_on)
        .await
        .expect("detect");
    let items = db
        .ledger_items(&Scope::City, raised_on)
        .await
        .expect("items");
    assert!(items.len() >= 30, "items: {}", items.len());
    crate::support::set_today(db, d(2026, 12, 5));
    step(
        db,
        &items[0],
        ItemState::Open,
        ItemState::InProgress,
        Action::Start,
    )
    .await;
    step(
        db,
        &items[0],
        ItemState::InProgress,
        ItemState::Submitted,
        Action::Submit,
    )
    .await;
    step(
        db,
        &items[0],
        ItemState::Submitted,
        ItemState::Closed,
        Action::Close,
    )
    .await;
    step(
        db,
        &items[1],
        ItemState::Open,
        ItemState::Cancelled,
        Action::Cancel,
    )
    .await;
    step(
        db,
        &items[2],
        ItemState::Open,
        ItemState::InProgress,
        Action::Start,
    )
    .await;
    let hash = dangjian::auth::hash_password("Pass2026word").expect("hash");
    let uid = db
        .create_user(
            "wang",
            Role::CityAdmin,
            &dangjian::db::ScopeTarget::City,
            &hash,
            false,
        )
        .await
        .expect("user");
    db.ledger_assign(&items[3], Some((uid, "wang")), "test")
        .await
        .expect("assign");
    let today = d(2026, 12, 20);
    crate::support::set_today(db, today);
    let all = db.ledger_items(&Scope::City, today).await.expect("items");

    // Every filter the page offers, one at a time and some together.
    let mut filters = vec![
        LedgerFilter::default(),
        LedgerFilter {
            state: StateFilter::All,
            ..LedgerFilter::default()
        },
    ];
    for s in ItemState::ALL {
        filters.push(LedgerFilter {
            state: StateFilter::Only(*s),
            ..LedgerFilter::default()
        });
    }
    for k in ItemKind::ALL {
        filters.push(LedgerFilter {
            kind: Some(*k),
            state: StateFilter::All,
            ..LedgerFilter::default()
        });
    }
    for r in ["140302", "140303", "140311"] {
        filters.push(LedgerFilter {
            region: Some(r.into()),
            ..LedgerFilter::default()
        });
    }
    let mut units: Vec<String> = all
        .iter()
        .filter_map(|i| i.responsible_unit.clone())
        .collect();
    units.dedup();
    for u in &units {
        filters.push(LedgerFilter {
            unit: Some(u.clone()),
            state: StateFilter::All,
            ..LedgerFilter::default()
        });
    }
    filters.push(LedgerFilter {
        person: Some(PersonFilter::User("wang".into())),
        ..LedgerFilter::default()
    });
    filters.push(LedgerFilter {
        person: Some(PersonFilter::Nobody),
        ..LedgerFilter::default()
    });
    filters.push(LedgerFilter {
        overdue: true,
        ..LedgerFilter::default()
    });
    filters.push(LedgerFilter {
        due_within: Some(30),
        ..LedgerFilter::default()
    });
    filters.push(LedgerFilter {
        due_within: Some(120),
        state: StateFilter::All,
        ..LedgerFilter::default()
    });
    filters.push(LedgerFilter {
        closable: true,
        ..LedgerFilter::default()
    });
    filters.push(LedgerFilter {
        words: Some(all[2].subject_name.chars().take(2).collect()),
        ..LedgerFilter::default()
    });
    filters.push(LedgerFilter {
        words: Some(all[2].subject.to_lowercase()),
        state: StateFilter::All,
        ..LedgerFilter::default()
    });
    filters.push(LedgerFilter {
        without_census: true,
        overdue: true,
        ..LedgerFilter::default()
    });
    let mut nonempty = 0;
    for f in &filters {
        let mut want: Vec<i64> = all
            .iter()
            .filter(|i| keeps(f, i, today))
            .map(|i| i.id)
            .collect();
        want.sort_unstable();
        let (page, total) = db
            .ledger_page(
                &Scope::City,
                today,
                f,
                Window {
                    sort: LedgerSort::Subject,
                    descending: false,
                    offset: 0,
                    limit: 10_000,
                },
            )
            .await
            .expect("page");
        let mut got: Vec<i64> = page.iter().map(|i| i.id).collect();
        got.sort_unstable();
        assert_eq!(got, want, "{f:?}");
        assert_eq!(total, want.len() as i64, "{f:?}");
        nonempty += usize::from(!want.is_empty());
    }
    assert!(nonempty > 15, "filters that keep something: {nonempty}");
    // The default list hides the closed and the cancelled item.
    let (page, _) = db
        .ledger_page(
            &Scope::City,
            today,
            &LedgerFilter::default(),
            Window {
                sort: LedgerSort::Deadline,
                descending: false,
                offset: 0,
                limit: 10_000,
            },
        )
        .await
        .expect("page");
    assert!(
        !page
            .iter()
            .any(|i| i.id == items[0].id || i.id == items[1].id)
    );

    // Pages of 3 put together are the whole list, in order (deadline, then id).
    let f = LedgerFilter {
        state: StateFilter::All,
        ..LedgerFilter::default()
    };
    let (whole, total) = db
        .ledger_page(
            &Scope::City,
            today,
            &f,
            Window {
                sort: LedgerSort::Deadline,
                descending: false,
                offset: 0,
                limit: 10_000,
            },
        )
        .await
        .expect("whole");
    let mut joined = Vec::new();
    for p in 0..=(total / 3) {
        let (page, _) = db
            .ledger_page(
                &Scope::City,
                today,
                &f,
                Window {
                    sort: LedgerSort::Deadline,
                    descending: false,
                    offset: p * 3,
                    limit: 3,
                },
            )
            .await
            .expect("page");
        joined.extend(page.into_iter().map(|i| i.id));
    }
    assert_eq!(joined, whole.iter().map(|i| i.id).collect::<Vec<_>>());
    let deadlines: Vec<String> = whole
        .iter()
        .map(|i| i.deadline.clone().unwrap_or("~".into()))
        .collect();
    let mut sorted = deadlines.clone();
    sorted.sort();
    assert_eq!(deadlines, sorted, "soonest deadline first, none last");

    // The dashboard's figures: the active items by state, due within 7 days, overdue, closable,
    // and wang's.
    let active: Vec<&LedgerItem> = all.iter().filter(|i| i.state.is_active()).collect();
    let soon = (today + Duration::days(7)).to_string();
    let s = db
        .ledger_summary(&Scope::City, today, uid, today + Duration::days(7))
        .await
        .expect("summary");
    let n = |p: &dyn Fn(&LedgerItem) -> bool| active.iter().filter(|i| p(i)).count() as i64;
    assert_eq!(s.open, n(&|i| i.state == ItemState::Open));
    assert_eq!(s.in_progress, n(&|i| i.state == ItemState::InProgress));
    assert_eq!(s.submitted, n(&|i| i.state == ItemState::Submitted));
    assert_eq!(s.overdue, n(&|i| i.overdue));
    assert_eq!(
        s.due_soon,
        n(&|i| !i.overdue && i.deadline.as_ref().is_some_and(|d| *d <= soon))
    );
    assert_eq!(s.closable, n(&|i| i.condition_met));
    assert_eq!(s.mine, 1);
    // The figures are kept until the ledger changes: one more item started shows at once.
    let open = all
        .iter()
        .find(|i| i.state == ItemState::Open)
        .expect("an open item");
    step(
        db,
        open,
        ItemState::Open,
        ItemState::InProgress,
        Action::Start,
    )
    .await;
    let again = db
        .ledger_summary(&Scope::City, today, uid, today + Duration::days(7))
        .await
        .expect("summary");
    assert_eq!(
        (again.open, again.in_progress),
        (s.open - 1, s.in_progress + 1)
    );
    step(
        db,
        open,
        ItemState::InProgress,
        ItemState::Open,
        Action::Return,
    )
    .await;

    // The responsibility list: per unit and person, the cancelled item left out.
    let tallies = db
        .ledger_tallies(&Scope::City, today, &f, TallyBy::UnitPerson)
        .await
        .expect("tallies");
    let mut want: BTreeMap<UnitPerson, Counts4> = BTreeMap::new();
    for i in all.iter().filter(|i| i.state != ItemState::Cancelled) {
        let e = want
            .entry((i.responsible_unit.clone(), i.responsible_user.clone()))
            .or_default();
        e.0 += 1;
        e.1 += i64::from(i.state == ItemState::Closed);
        e.2 += i64::from(i.state.is_active());
        e.3 += i64::from(i.overdue);
    }
    let got: BTreeMap<_, _> = tallies
        .iter()
        .map(|t| {
            (
                (t.unit.clone(), t.person.clone()),
                (t.total, t.closed, t.active, t.overdue),
            )
        })
        .collect();
    assert_eq!(got, want);
    // By region: the items of a county's orgs.
    let by_region = db
        .ledger_tallies(&Scope::City, today, &f, TallyBy::Region)
        .await
        .expect("regions");
    for t in &by_region {
        let n = all
            .iter()
            .filter(|i| i.state != ItemState::Cancelled && i.region == t.region)
            .count() as i64;
        assert_eq!(t.total, n, "{:?}", t.region);
    }

    // The burn-down: before the items were raised none was open; on 2026-12-04 all of them;
    // from the day of the closing and the cancelling (2026-12-05, Beijing) two fewer.
    let open = db
        .ledger_open_at(
            &Scope::City,
            &f,
            today,
            &[d(2026, 11, 27), d(2026, 12, 4), d(2026, 12, 5), today],
        )
        .await
        .expect("burn-down");
    let n = all.len() as i64;
    assert_eq!(open, vec![0, n, n - 2, n - 2]);

    // A county sees only its items, with the same definitions.
    let county = Scope::Regions(vec![RegionCode::parse("140302").expect("code")]);
    let (page, total) = db
        .ledger_page(
            &county,
            today,
            &f,
            Window {
                sort: LedgerSort::Deadline,
                descending: false,
                offset: 0,
                limit: 10_000,
            },
        )
        .await
        .expect("county");
    let mine = db.ledger_items(&county, today).await.expect("county items");
    assert_eq!(total, mine.len() as i64);
    let mut a: Vec<i64> = page.iter().map(|i| i.id).collect();
    let mut b: Vec<i64> = mine.iter().map(|i| i.id).collect();
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b);
    assert!(total > 0 && total < n, "a county's part: {total} of {n}");
}
