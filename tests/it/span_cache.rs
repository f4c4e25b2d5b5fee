//! The coverage spans in memory (src/db/span_cache.rs) against the SQL count over
//! `coverage_spans`, the definition: every scope it keeps, every grouping, several dates — after
//! the first load, after a write that touches some orgs (caught up from the change log), and
//! after a full rebuild (loaded again).

use chrono::NaiveDate;
use dangjian::db::{Db, GroupCounts, Grouping, Scope};
use dangjian::domain::codes::RegionCode;

use crate::support::TestDb;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

fn sorted(mut g: Vec<GroupCounts>) -> Vec<GroupCounts> {
    g.sort_by(|a, b| a.key.cmp(&b.key));
    g
}

async fn wait_until_kept(db: &Db) {
    for _ in 0..200 {
        if db.spans_in_memory().await.expect("db") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the spans were not loaded into memory within 10 s");
}

/// Compares the counts from memory with SQL's; returns how many group rows were compared.
async fn compare(db: &Db, units: &[i64]) -> usize {
    assert!(
        db.spans_in_memory().await.expect("db"),
        "counting from memory"
    );
    let mut scopes = vec![
        Scope::City,
        Scope::Regions(vec![RegionCode::parse("140302").expect("code")]),
        Scope::Regions(vec![
            RegionCode::parse("140303").expect("code"),
            RegionCode::parse("140311").expect("code"),
        ]),
    ];
    scopes.extend(units.iter().map(|u| Scope::Unit(*u)));
    let dates = [
        d(2012, 5, 1),
        d(2019, 3, 31),
        d(2021, 1, 1),
        d(2022, 6, 30),
        d(2026, 11, 28),
    ];
    let mut compared = 0;
    for scope in &scopes {
        for grouping in [
            Grouping::Region,
            Grouping::Kind,
            Grouping::ResponsibleUnit,
            Grouping::SupervisingUnit,
        ] {
            for date in dates {
                for own_min in [3, 5] {
                    let memory = db
                        .coverage_counts(scope, date, own_min, grouping)
                        .await
                        .expect("memory");
                    let sql = db
                        .coverage_counts_in_sql(scope, date, own_min, grouping)
                        .await
                        .expect("sql");
                    compared += sql.len();
                    assert_eq!(
                        sorted(memory),
                        sorted(sql),
                        "{scope:?} by {grouping:?} at {date} (threshold {own_min})"
                    );
                }
            }
        }
        // The trend: every date in one pass, each with its own threshold.
        let thresholds = [3, 5, 3, 4, 3];
        let totals = db
            .coverage_totals(scope, &dates, &thresholds)
            .await
            .expect("totals");
        for (i, date) in dates.iter().enumerate() {
            let mut want = dangjian::domain::coverage::Counts::default();
            for g in db
                .coverage_counts_in_sql(scope, *date, thresholds[i], Grouping::Kind)
                .await
                .expect("sql")
            {
                want.add(&g.counts);
            }
            assert_eq!(totals[i], want, "{scope:?} total at {date}");
        }
    }
    compared
}

#[tokio::test]
async fn counts_from_memory_equal_the_sql_counts_after_loads_and_writes() {
    let t = TestDb::new().await;
    dangjian::app::demo::populate(&t.db, 9, 300)
        .await
        .expect("demo");
    // Units of departments and committees that have orgs (a department's scope).
    let units: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT supervising_unit_id FROM social_orgs WHERE supervising_unit_id IS NOT NULL \
         ORDER BY supervising_unit_id LIMIT 4",
    )
    .fetch_all(t.db.pool())
    .await
    .expect("units");
    assert!(units.len() >= 2, "departments to compare: {units:?}");

    t.db.keep_spans_in_memory();
    wait_until_kept(&t.db).await;
    let n = compare(&t.db, &units).await;
    assert!(n > 100, "groups compared: {n}");

    // A write of some orgs: the cache catches up from the change log at the next count.
    let before: i64 =
        sqlx::query_scalar("SELECT generation FROM generations WHERE name = 'coverage_spans'")
            .fetch_one(t.db.pool())
            .await
            .expect("generation");
    // Forty orgs move to 盂县, directly registered, with seven formal members.
    let mut data = dangjian::demo::generate(9, 300, t.db.clock().today());
    data.orgs.truncate(40);
    for o in &mut data.orgs {
        o.region = RegionCode::parse("140322").expect("code");
        o.supervising_unit = None;
        o.formal_members = 7;
    }
    data.party_orgs.clear();
    data.instructors.clear();
    data.positions.clear();
    data.campaigns.clear();
    data.census.clear();
    t.db.write_dataset(&Scope::City, &data, "test", t.db.clock().today())
        .await
        .expect("second write");
    let after: i64 =
        sqlx::query_scalar("SELECT generation FROM generations WHERE name = 'coverage_spans'")
            .fetch_one(t.db.pool())
            .await
            .expect("generation");
    assert!(
        after > before,
        "the write raised the generation: {before} → {after}"
    );
    compare(&t.db, &units).await;

    // A full rebuild: loaded again in the background, SQL meanwhile.
    t.db.rebuild_spans().await.expect("rebuild");
    wait_until_kept(&t.db).await;
    compare(&t.db, &units).await;
}

#[tokio::test]
async fn a_campaigns_progress_from_memory_equals_the_sql_progress() {
    use dangjian::domain::census::{CampaignInput, CensusReturn};
    use dangjian::domain::model::{OperatingState, PartyOrgStatus};
    let t = TestDb::new().await;
    dangjian::app::demo::populate(&t.db, 9, 300)
        .await
        .expect("demo");
    let db = &t.db;
    // A city-wide campaign at 2026-10-31; a few returns, some confirmed.
    let id = db
        .create_campaign(
            &CampaignInput {
                name: "全市摸排（测试）".into(),
                reference_date: d(2026, 10, 31),
                end_date: d(2026, 12, 31),
            },
            &RegionCode::parse("140300").expect("code"),
            "test",
        )
        .await
        .expect("db")
        .expect("campaign");
    let campaign = db
        .campaign(&Scope::City, id)
        .await
        .expect("db")
        .expect("campaign");
    let orgs: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM social_orgs WHERE registered_on <= '2026-10-31' \
         AND (terminated_on IS NULL OR terminated_on > '2026-10-31') ORDER BY id LIMIT 60",
    )
    .fetch_all(db.pool())
    .await
    .expect("orgs");
    let ret = CensusReturn {
        operating_state: OperatingState::Running,
        staff_count: Some(5),
        member_count: None,
        formal_members: 2,
        probationary_members: 0,
        party_org_status: PartyOrgStatus::None,
        note: None,
    };
    for (i, org) in orgs.iter().enumerate() {
        db.save_return(
            &dangjian::db::ReturnWrite {
                campaign_id: id,
                org_id: *org,
                ret: &ret,
                confirmed: i % 3 == 0,
            },
            "test",
        )
        .await
        .expect("return");
    }
    db.keep_spans_in_memory();
    wait_until_kept(db).await;
    let units: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT supervising_unit_id FROM social_orgs WHERE supervising_unit_id IS NOT NULL \
         ORDER BY supervising_unit_id LIMIT 3",
    )
    .fetch_all(db.pool())
    .await
    .expect("units");
    let mut scopes = vec![
        Scope::City,
        Scope::Regions(vec![RegionCode::parse("140302").expect("code")]),
    ];
    scopes.extend(units.into_iter().map(Scope::Unit));
    let key = |u: &dangjian::db::UnitProgress| {
        let p = u.progress;
        (u.unit_id, u.unit.clone(), p.total, p.returned, p.confirmed)
    };
    for scope in &scopes {
        let memory = db.unit_progress(scope, &campaign).await.expect("memory");
        let sql = db
            .unit_progress_in_sql(scope, &campaign)
            .await
            .expect("sql");
        let mut a: Vec<_> = memory.iter().map(key).collect();
        let mut b: Vec<_> = sql.iter().map(key).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "{scope:?}");
        assert!(!a.is_empty(), "{scope:?} has orgs in the campaign");
        // The list's totals by state agree with a count over the orgs.
        for state in [
            None,
            Some(dangjian::domain::census::ReturnState::Missing),
            Some(dangjian::domain::census::ReturnState::Returned),
            Some(dangjian::domain::census::ReturnState::Confirmed),
        ] {
            let filter = dangjian::db::ReturnFilter {
                state,
                limit: 100_000,
                ..Default::default()
            };
            let (rows, total) = db
                .campaign_returns(scope, &campaign, &filter)
                .await
                .expect("list");
            assert_eq!(rows.len() as i64, total, "{scope:?} {state:?}");
        }
    }
    let p = db
        .campaign_progress(&Scope::City, &campaign)
        .await
        .expect("progress");
    assert_eq!((p.returned, p.confirmed), (60, 20));
}
