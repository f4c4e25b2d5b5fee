//! The coverage spans (src/domain/spans.rs, src/db/spans.rs) against the relations they are
//! derived from: the state every list and count reads at a date must be what an independent
//! query over the links, party orgs and stations says, at every date where anything changes,
//! and writes must keep the spans exactly as a fresh rebuild would make them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use dangjian::db::{Db, OrgFilter, Scope};
use dangjian::domain::dataset::StationRecord;
use sqlx::Row;

use crate::support::TestDb;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).expect("date")
}

/// (in scope, covered, own-covered, stationed) of every org at `d`, by credit code, written
/// straight from `statistics.md` §1–2 with one correlated EXISTS per fact — no spans involved.
async fn oracle(db: &Db, d: NaiveDate) -> BTreeMap<String, (bool, bool, bool, bool)> {
    let active =
        |a: &str| format!("{a}.valid_from <= $1 AND ({a}.valid_to IS NULL OR $1 < {a}.valid_to)");
    let link = |own: &str| {
        format!(
            "EXISTS (SELECT 1 FROM coverage_links l JOIN party_orgs p ON p.id = l.party_org_id \
             WHERE l.org_id = o.id AND {} AND p.founded_on <= $1 \
             AND (p.dissolved_on IS NULL OR $1 < p.dissolved_on){own})",
            active("l")
        )
    };
    let sql = format!(
        "SELECT o.credit_code, \
         CASE WHEN o.registered_on <= $1 AND (o.terminated_on IS NULL OR $1 < o.terminated_on) THEN 1 ELSE 0 END, \
         CASE WHEN {} THEN 1 ELSE 0 END, CASE WHEN {} THEN 1 ELSE 0 END, \
         CASE WHEN EXISTS (SELECT 1 FROM stations s WHERE s.org_id = o.id AND {}) THEN 1 ELSE 0 END \
         FROM social_orgs o",
        link(""),
        link(" AND p.formation = 'own'"),
        active("s")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(d.to_string())
        .fetch_all(db.pool())
        .await
        .expect("oracle");
    rows.iter()
        .map(|r| {
            let flag = |i: usize| r.try_get::<i64, _>(i).expect("flag") == 1;
            (
                r.try_get::<String, _>(0).expect("code"),
                (flag(1), flag(2), flag(3), flag(4)),
            )
        })
        .collect()
}

/// The same facts as the product reads them: the org list of the whole registry at `d` (covered,
/// own-covered, work-covered) and the list of the orgs in scope at `d`.
async fn product(
    db: &Db,
    d: NaiveDate,
) -> (BTreeMap<String, (bool, bool, bool)>, BTreeSet<String>) {
    let list = |in_scope_only| OrgFilter {
        as_of: Some(d),
        in_scope_only,
        limit: 100_000,
        ..OrgFilter::default()
    };
    let (all, total) = db
        .list_orgs(&Scope::City, &list(false), 5, today())
        .await
        .expect("list");
    assert_eq!(total as usize, all.len());
    let (in_scope, _) = db
        .list_orgs(&Scope::City, &list(true), 5, today())
        .await
        .expect("list in scope");
    (
        all.into_iter()
            .map(|o| (o.credit_code, (o.covered, o.own_covered, o.work_covered)))
            .collect(),
        in_scope.into_iter().map(|o| o.credit_code).collect(),
    )
}

/// Every date where a relation starts or ends, and the day before each.
async fn boundary_dates(db: &Db) -> Vec<NaiveDate> {
    let mut dates = BTreeSet::new();
    for sql in [
        "SELECT registered_on FROM social_orgs",
        "SELECT terminated_on FROM social_orgs WHERE terminated_on IS NOT NULL",
        "SELECT valid_from FROM coverage_links",
        "SELECT valid_to FROM coverage_links WHERE valid_to IS NOT NULL",
        "SELECT founded_on FROM party_orgs",
        "SELECT dissolved_on FROM party_orgs WHERE dissolved_on IS NOT NULL",
        "SELECT valid_from FROM stations",
        "SELECT valid_to FROM stations WHERE valid_to IS NOT NULL",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(db.pool())
            .await
            .expect("dates");
        for r in rows {
            let d = NaiveDate::parse_from_str(&r, "%Y-%m-%d").expect("iso date");
            dates.insert(d);
            dates.insert(d - Duration::days(1));
        }
    }
    dates.into_iter().collect()
}

/// Checks the product against the oracle at `dates` (every k-th boundary date, so that the
/// test stays quick while still crossing every kind of change).
async fn check(db: &Db, dates: &[NaiveDate]) -> usize {
    for &d in dates {
        let truth = oracle(db, d).await;
        let (states, in_scope) = product(db, d).await;
        assert_eq!(states.len(), truth.len(), "{d}: every org listed");
        for (code, (scope, covered, own, stationed)) in &truth {
            assert_eq!(
                states.get(code),
                Some(&(*covered, *own, *covered || *stationed)),
                "{d} {code}"
            );
            assert_eq!(in_scope.contains(code), *scope, "{d} {code} in scope");
        }
    }
    dates.len()
}

/// The stored spans, in order, for comparing with a rebuild.
async fn stored(db: &Db) -> Vec<String> {
    let rows = sqlx::query(
        "SELECT org_id, valid_from, valid_to, region_code, kind, status, formal_members, in_scope, \
         covered, own_covered, stationed FROM coverage_spans ORDER BY org_id, valid_from",
    )
    .fetch_all(db.pool())
    .await
    .expect("spans");
    rows.iter()
        .map(|r| {
            format!(
                "{} {} {} {} {} {} {} {} {} {} {}",
                r.try_get::<i64, _>(0).expect("id"),
                r.try_get::<String, _>(1).expect("from"),
                r.try_get::<String, _>(2).expect("to"),
                r.try_get::<String, _>(3).expect("region"),
                r.try_get::<String, _>(4).expect("kind"),
                r.try_get::<String, _>(5).expect("status"),
                r.try_get::<i64, _>(6).expect("members"),
                r.try_get::<i64, _>(7).expect("in scope"),
                r.try_get::<i64, _>(8).expect("covered"),
                r.try_get::<i64, _>(9).expect("own"),
                r.try_get::<i64, _>(10).expect("stationed"),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_state_read_at_any_date_is_what_the_relations_say() {
    let t = TestDb::new().await;
    let data = dangjian::demo::generate(11, 250, today());
    t.db.write_dataset(&Scope::City, &data, "test", today())
        .await
        .expect("demo");
    let dates = boundary_dates(&t.db).await;
    // The demo's history since 2015 gives hundreds of distinct dates; every 4th of them, plus
    // the first and the last.
    let mut sample: Vec<NaiveDate> = dates.iter().step_by(4).copied().collect();
    sample.extend([dates[0], dates[dates.len() - 1]]);
    assert!(sample.len() > 40, "a history to check: {}", sample.len());
    check(&t.db, &sample).await;
}

#[tokio::test]
async fn writes_keep_the_spans_equal_to_a_rebuild() {
    let t = TestDb::new().await;
    let mut data = dangjian::demo::generate(5, 150, today());
    t.db.write_dataset(&Scope::City, &data, "test", today())
        .await
        .expect("demo");
    assert!(stored(&t.db).await.len() > 150, "spans written");

    // A second write touching every kind of input the spans depend on:
    // - a party org that covers orgs now dissolved in 2024 (all its orgs change),
    let dissolved = data
        .party_orgs
        .iter_mut()
        .find(|p| p.dissolved_on.is_none() && p.covers.len() > 1)
        .expect("a party org with several orgs");
    dissolved.dissolved_on = NaiveDate::from_ymd_opt(2024, 3, 1);
    // (As a 党组织 row without 覆盖关系 rows gives them: its current list, default dates.)
    dissolved.covers_exact = false;
    let dissolved_orgs: Vec<String> = dissolved
        .covers
        .iter()
        .map(|c| c.credit_code.as_str().to_string())
        .collect();
    // - an org dropped from another party org's list (its open link is closed today),
    let listed = data
        .party_orgs
        .iter_mut()
        .find(|p| p.dissolved_on.is_none() && !p.covers.is_empty())
        .expect("another party org");
    listed.covers_exact = false;
    listed.covers.pop().expect("an org");
    // - an org terminated in 2025 and one moved to another region with more members,
    let terminated = data.orgs[3].credit_code.clone();
    data.orgs[3].terminated_on = NaiveDate::from_ymd_opt(2025, 5, 20);
    let moved_region = data
        .orgs
        .iter()
        .map(|o| o.region.clone())
        .find(|r| *r != data.orgs[4].region)
        .expect("two regions");
    data.orgs[4].region = moved_region;
    data.orgs[4].formal_members += 7;
    // - a new station from 2023 for an org,
    let stationed = data.orgs[5].credit_code.clone();
    data.instructors[0].stations.push(StationRecord {
        credit_code: stationed.clone(),
        from: NaiveDate::from_ymd_opt(2023, 1, 1).expect("date"),
        to: None,
    });
    let summary =
        t.db.write_dataset(&Scope::City, &data, "test", today())
            .await
            .expect("second write");

    let maintained = stored(&t.db).await;
    t.db.rebuild_spans().await.expect("rebuild");
    assert_eq!(maintained, stored(&t.db).await, "the write kept the spans");

    // And the product reads what the relations say around each change.
    let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    check(
        &t.db,
        &[
            d(2023, 1, 1),
            d(2024, 2, 29),
            d(2024, 3, 1),
            d(2025, 5, 19),
            d(2025, 5, 20),
            today(),
        ],
    )
    .await;
    // The changes happened (so the comparisons above crossed them): fewer of the dissolved
    // party org's orgs are covered after its dissolution than the day before, the terminated
    // org left the population, the new station counts.
    let after = oracle(&t.db, today()).await;
    let before = oracle(&t.db, d(2024, 2, 29)).await;
    let covered = |m: &BTreeMap<String, (bool, bool, bool, bool)>| {
        dissolved_orgs.iter().filter(|c| m[c.as_str()].1).count()
    };
    assert!(
        covered(&before) > covered(&after),
        "{} vs {}",
        covered(&before),
        covered(&after)
    );
    assert!(before[terminated.as_str()].0 && !after[terminated.as_str()].0);
    assert!(after[stationed.as_str()].3, "stationed");
    assert!(summary.links_closed >= 1, "{summary:?}");
    assert!(
        summary.orgs_updated >= 2 && summary.party_orgs_updated >= 1,
        "{summary:?}"
    );
}

#[tokio::test]
async fn concurrent_writes_to_the_same_orgs_both_succeed_and_keep_the_spans_right() {
    // Two users save changes to the same orgs at once (two transactions on two connections):
    // both writes succeed (on PostgreSQL the spans' refresh takes the orgs' row locks, so the
    // second waits instead of colliding with the first's new spans), and the spans equal a
    // rebuild afterwards.
    let t = TestDb::new().await;
    let data = dangjian::demo::generate(3, 60, today());
    t.db.write_dataset(&Scope::City, &data, "test", today())
        .await
        .expect("demo");
    let mut a = data.clone();
    let mut b = data.clone();
    for o in a.orgs.iter_mut().take(20) {
        o.formal_members += 1;
    }
    for o in b.orgs.iter_mut().take(20) {
        o.formal_members += 2;
    }
    let (ra, rb) = tokio::join!(
        t.db.write_dataset(&Scope::City, &a, "a", today()),
        t.db.write_dataset(&Scope::City, &b, "b", today())
    );
    ra.expect("first write");
    rb.expect("second write");
    let maintained = stored(&t.db).await;
    t.db.rebuild_spans().await.expect("rebuild");
    assert_eq!(maintained, stored(&t.db).await);
}
