//! Coverage figures on the golden workbook (tests/it/fixture.rs), derived by hand there.

use chrono::NaiveDate;
use dangjian::db::Scope;
use dangjian::excel::source;
use dangjian::stats::{self, By};

use crate::support::TestDb;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

pub async fn golden_db() -> TestDb {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().expect("dir");
    crate::fixture::write_csv_dir(dir.path());
    let wb = source::open(dir.path()).expect("read the golden workbook");
    // The registry only: the ledger tests detect at dates of their own.
    let (report, written) = crate::support::write_wb(&t.db, &wb).await;
    let errors: Vec<String> = report
        .problems
        .iter()
        .filter(|p| p.severity == dangjian::excel::problems::Severity::Error)
        .map(|p| p.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "golden workbook must import cleanly: {errors:#?}"
    );
    assert!(written);
    t
}

fn row<'a>(r: &'a stats::CoverageReport, key: &str) -> &'a stats::Row {
    r.rows.iter().find(|row| row.key == key).unwrap_or_else(|| {
        panic!(
            "row {key} in {:?}",
            r.rows.iter().map(|r| &r.key).collect::<Vec<_>>()
        )
    })
}

/// (in_scope, abnormal, covered, own, work, should_own, should_none)
fn figures(r: &stats::Row) -> (i64, i64, i64, i64, i64, i64, i64) {
    let c = &r.counts;
    (
        c.in_scope,
        c.abnormal,
        c.covered,
        c.own_covered,
        c.work_covered,
        c.should_establish_own,
        c.should_establish_none,
    )
}

#[tokio::test]
async fn by_region_as_of_the_boundary_date() {
    let t = golden_db().await;
    let r = stats::coverage(&t.db, &Scope::City, date("2021-12-31"), By::Region)
        .await
        .expect("stats");
    // In scope at 2021-12-31: A, B, C, D, G, I (E deregistered before, F registered after,
    // H revoked on the date).
    // 市本级: A, G — A own-covered; G has 5 members and no party org.
    assert_eq!(figures(row(&r, "140300")), (2, 0, 1, 1, 1, 1, 1));
    assert_eq!(row(&r, "140300").name, "阳泉市市本级");
    assert_eq!(row(&r, "140300").covered_rate, "50.0");
    // 城区: B, C, both jointly covered by J1; C abnormal with 3 members → should establish own.
    assert_eq!(figures(row(&r, "140302")), (2, 1, 2, 0, 2, 1, 0));
    assert_eq!(row(&r, "140302").covered_rate, "100.0");
    // 矿区: D (instructor only), I (J2 dissolved and the liaison withdrawn on the date).
    assert_eq!(figures(row(&r, "140303")), (2, 0, 0, 0, 1, 0, 0));
    assert_eq!(row(&r, "140303").work_covered_rate, "50.0");
    assert_eq!(figures(row(&r, "140311")), (0, 0, 0, 0, 0, 0, 0));
    // Total: 6 in scope, covered 3 → 50.0%, work covered 4 → 66.7%.
    assert_eq!(figures(&r.total), (6, 1, 3, 1, 4, 2, 1));
    assert_eq!(r.total.key, "140300");
    assert_eq!(r.total.covered_rate, "50.0");
    assert_eq!(r.total.work_covered_rate, "66.7");
    let keys: Vec<&str> = r.rows.iter().map(|r| r.key.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "rows sorted by key");
    assert_eq!(keys.len(), 7, "six regions below the root plus 市本级");
}

#[tokio::test]
async fn one_day_earlier_the_population_and_coverage_differ() {
    let t = golden_db().await;
    let r = stats::coverage(&t.db, &Scope::City, date("2021-12-30"), By::Region)
        .await
        .expect("stats");
    // At 2021-12-30: G not yet registered, H not yet revoked (in scope, uncovered), I still
    // covered by J2 (link from max(2017-01-01, 2018-01-01)) and stationed.
    // In scope A, B, C, D, H, I = 6; covered A, B, C, I = 4; work adds D = 5.
    assert_eq!(figures(&r.total), (6, 1, 4, 1, 5, 1, 0));
    assert_eq!(figures(row(&r, "140303")), (2, 0, 1, 0, 2, 0, 0));
    assert_eq!(r.total.covered_rate, "66.7");
}

#[tokio::test]
async fn by_responsible_unit_follows_the_supervising_unit_or_the_region() {
    let t = golden_db().await;
    let r = stats::coverage(&t.db, &Scope::City, date("2021-12-31"), By::ResponsibleUnit)
        .await
        .expect("stats");
    let keys: Vec<&str> = r.rows.iter().map(|r| r.key.as_str()).collect();
    // Units that carry party building, sorted by name; 阳泉市体育局 does not carry, so C falls
    // to 城区工委 (区域兜底); the created 阳泉市总工会 does not carry either.
    assert_eq!(
        keys,
        [
            "城区工委",
            "矿区工委",
            "阳泉市教育行业党委",
            "阳泉市社会组织党委"
        ]
    );
    assert_eq!(figures(row(&r, "城区工委")), (2, 1, 2, 0, 2, 1, 0));
    assert_eq!(figures(row(&r, "矿区工委")), (2, 0, 0, 0, 1, 0, 0));
    assert_eq!(
        figures(row(&r, "阳泉市教育行业党委")),
        (1, 0, 1, 1, 1, 0, 0)
    );
    assert_eq!(
        figures(row(&r, "阳泉市社会组织党委")),
        (1, 0, 0, 0, 0, 1, 1)
    );
    assert_eq!(figures(&r.total), (6, 1, 3, 1, 4, 2, 1));
}

#[tokio::test]
async fn by_kind_lists_every_kind() {
    let t = golden_db().await;
    let r = stats::coverage(&t.db, &Scope::City, date("2021-12-31"), By::Kind)
        .await
        .expect("stats");
    // Associations A, D, I: covered A; work A, D. Service institutions B, C, G: covered B, C;
    // C and G should establish own; G has none.
    assert_eq!(figures(row(&r, "association")), (3, 0, 1, 1, 2, 0, 0));
    assert_eq!(
        figures(row(&r, "service_institution")),
        (3, 1, 2, 0, 2, 2, 1)
    );
    assert_eq!(figures(row(&r, "foundation")), (0, 0, 0, 0, 0, 0, 0));
    assert_eq!(r.rows.len(), 5);
    assert_eq!(row(&r, "foundation").covered_rate, "0.0");
}

#[tokio::test]
async fn the_json_has_the_contract_shape() {
    let t = golden_db().await;
    let r = stats::coverage(&t.db, &Scope::City, date("2021-12-31"), By::Region)
        .await
        .expect("stats");
    let v = serde_json::to_value(&r).expect("json");
    assert_eq!(v["as_of"], "2021-12-31");
    assert_eq!(v["by"], "region");
    let mut keys: Vec<String> = v["total"]
        .as_object()
        .expect("object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "abnormal",
            "covered",
            "covered_rate",
            "in_scope",
            "key",
            "name",
            "own_covered",
            "should_establish_none",
            "should_establish_own",
            "work_covered",
            "work_covered_rate"
        ]
    );
    assert_eq!(v["total"]["in_scope"], 6);
    assert_eq!(v["total"]["work_covered_rate"], "66.7");
}

#[tokio::test]
async fn cross_appointment_counts_persons_in_both_the_org_and_its_party_org() {
    let t = golden_db().await;
    // Covered at 2021-12-31: A, B, C. 赵一 is 主要负责人 of A and 书记 of A's own branch: two-way
    // entry and head-is-secretary. 钱二 is 理事 of B and 书记 of J1 (covers B): two-way only.
    // C has no positions. → 3, 2, 1; rates 66.7 and 33.3.
    let r = stats::cross_appointment(&t.db, &Scope::City, date("2021-12-31"))
        .await
        .expect("stats");
    assert_eq!((r.covered, r.two_way_entry, r.head_is_secretary), (3, 2, 1));
    assert_eq!(
        (
            r.two_way_entry_rate.as_str(),
            r.head_is_secretary_rate.as_str()
        ),
        ("66.7", "33.3")
    );
    // At 2018-12-31: covered A (own branch since 2018-06-01) and I (J2, link from 2018-01-01);
    // 钱二's positions start in 2019 → 2, 1, 1.
    let r = stats::cross_appointment(&t.db, &Scope::City, date("2018-12-31"))
        .await
        .expect("stats");
    assert_eq!((r.covered, r.two_way_entry, r.head_is_secretary), (2, 1, 1));
    // At 2018-05-31 A is not yet covered: its 主要负责人 counts for nothing.
    let r = stats::cross_appointment(&t.db, &Scope::City, date("2018-05-31"))
        .await
        .expect("stats");
    assert_eq!((r.covered, r.two_way_entry, r.head_is_secretary), (1, 0, 0));
}

/// The golden workbook with more 任职 rows, imported into a fresh database.
async fn golden_with_positions(extra: &str) -> TestDb {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().expect("dir");
    for (name, mut text) in crate::fixture::sheets() {
        if name == "任职.csv" {
            text.push_str(extra);
        }
        std::fs::write(dir.path().join(name), text).expect("write csv");
    }
    let wb = source::open(dir.path()).expect("read");
    let outcome = crate::support::import_wb(&t.db, &wb).await;
    assert!(outcome.written.is_some(), "{:#?}", outcome.report.problems);
    t
}

#[tokio::test]
async fn a_person_with_an_id_number_in_one_row_only_is_matched_by_name() {
    let c = crate::fixture::codes()[2].clone(); // 丙, covered by 城区第一联合党支部 (J1) since 2019
    // 孙三 is 监事 of 丙 with an ID number and 委员 of J1 without one: the same person by name
    // within the pair (statistics.md §4) → 丙 becomes two-way: (3, 2 + 1, 1) at 2021-12-31.
    let t = golden_with_positions(&format!(
        "孙三,110105198001010016,是,{c},监事,2019-01-01,\n\
         孙三,,是,城区第一联合党支部,委员,2019-01-01,\n"
    ))
    .await;
    let r = stats::cross_appointment(&t.db, &Scope::City, date("2021-12-31"))
        .await
        .expect("stats");
    assert_eq!((r.covered, r.two_way_entry, r.head_is_secretary), (3, 3, 1));
    // 周四 holds the two positions under two different ID numbers: two people, nothing changes.
    let t = golden_with_positions(&format!(
        "周四,110105198001010016,是,{c},监事,2019-01-01,\n\
         周四,110105198001010024,是,城区第一联合党支部,委员,2019-01-01,\n"
    ))
    .await;
    let r = stats::cross_appointment(&t.db, &Scope::City, date("2021-12-31"))
        .await
        .expect("stats");
    assert_eq!((r.covered, r.two_way_entry, r.head_is_secretary), (3, 2, 1));
}

#[tokio::test]
async fn an_org_moved_to_another_county_counts_there_from_the_day_of_the_change() {
    // On 2026-11-28 C (城区 140302, supervised by 体育局 which carries no party building,
    // 异常) is re-registered in 矿区 (140303) and back to 正常. In scope on both days: A, G
    // (140300); B, C, F (140302 until the change); D, I (140303).
    // 2026-11-27: 城区 3 in scope (B, C, F), 1 abnormal (C); 矿区 2 (D, I), 0 abnormal;
    //             城区工委 responsible for 3 (B, C, F), 矿区工委 for 2.
    // 2026-11-28: 城区 2 (B, F), 0 abnormal; 矿区 3 (C, D, I), 0 abnormal;
    //             城区工委 2, 矿区工委 3.
    let t = golden_db().await;
    let mut data =
        t.db.read_dataset(&Scope::City, dangjian::db::ReadOptions::default())
            .await
            .expect("read");
    let c = crate::fixture::codes()[2].clone();
    let org = data
        .orgs
        .iter_mut()
        .find(|o| o.credit_code.as_str() == c)
        .expect("C");
    org.region = dangjian::domain::codes::RegionCode::parse("140303").expect("code");
    org.status = dangjian::domain::model::OrgStatus::Normal;
    t.db.write_dataset(&Scope::City, &data, "test", date("2026-11-28"))
        .await
        .expect("write");
    let (before, after) = (date("2026-11-27"), date("2026-11-28"));
    let by_region = |d| stats::coverage(&t.db, &Scope::City, d, By::Region);
    let r = by_region(before).await.expect("stats");
    assert_eq!(
        (
            row(&r, "140302").counts.in_scope,
            row(&r, "140302").counts.abnormal
        ),
        (3, 1)
    );
    assert_eq!(row(&r, "140303").counts.in_scope, 2);
    let r = by_region(after).await.expect("stats");
    assert_eq!(
        (
            row(&r, "140302").counts.in_scope,
            row(&r, "140302").counts.abnormal
        ),
        (2, 0)
    );
    assert_eq!(
        (
            row(&r, "140303").counts.in_scope,
            row(&r, "140303").counts.abnormal
        ),
        (3, 0)
    );
    let by_unit = |d| stats::coverage(&t.db, &Scope::City, d, By::ResponsibleUnit);
    let r = by_unit(before).await.expect("stats");
    assert_eq!(row(&r, "城区工委").counts.in_scope, 3);
    assert_eq!(row(&r, "矿区工委").counts.in_scope, 2);
    let r = by_unit(after).await.expect("stats");
    assert_eq!(row(&r, "城区工委").counts.in_scope, 2);
    assert_eq!(row(&r, "矿区工委").counts.in_scope, 3);
    // The drill-down of 城区 as of the day before still lists C, with the unit of that day.
    let filter = dangjian::db::OrgFilter {
        as_of: Some(before),
        in_scope_only: true,
        regions: Some(vec![
            dangjian::domain::codes::RegionCode::parse("140302").expect("code"),
        ]),
        limit: 50,
        ..dangjian::db::OrgFilter::default()
    };
    let (items, total) =
        t.db.list_orgs(&Scope::City, &filter, 3, after)
            .await
            .expect("list");
    assert_eq!(total, 3);
    let listed = items.iter().find(|o| o.credit_code == c).expect("C listed");
    assert_eq!(listed.responsible_unit.as_deref(), Some("城区工委"));
    assert_eq!(listed.region, "140302");
}

/// The cross-appointment figures as `statistics.md` §4 words them, org by org (one correlated
/// EXISTS per covered org, as the first version of the product counted them): the definition
/// the set-based count must meet.
async fn cross_appointment_by_org(
    db: &dangjian::db::Db,
    region: Option<&str>,
    d: &str,
) -> (i64, i64, i64) {
    let active =
        |a: &str| format!("{a}.valid_from <= $1 AND ({a}.valid_to IS NULL OR $1 < {a}.valid_to)");
    let titles = |t: &[&str]| {
        t.iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let management: Vec<&str> = dangjian::domain::model::ORG_TITLES
        .iter()
        .copied()
        .filter(|t| dangjian::domain::model::is_management_title(t))
        .collect();
    let both = |org_titles: &str, party_titles: &str| {
        format!(
            "EXISTS (SELECT 1 FROM positions pm JOIN persons a ON a.id = pm.person_id \
             JOIN coverage_links l ON l.org_id = pm.org_id JOIN party_orgs p ON p.id = l.party_org_id \
             JOIN positions pp ON pp.party_org_id = l.party_org_id JOIN persons b ON b.id = pp.person_id \
             WHERE pm.org_id = s.org_id AND pm.title IN ({org_titles}) AND pp.title IN ({party_titles}) \
             AND (pp.person_id = pm.person_id OR (a.name = b.name AND (a.citizen_id IS NULL OR b.citizen_id IS NULL))) \
             AND {} AND {} AND {} AND p.founded_on <= $1 AND (p.dissolved_on IS NULL OR $1 < p.dissolved_on))",
            active("pm"),
            active("pp"),
            active("l")
        )
    };
    let sql = format!(
        "SELECT COUNT(*), SUM(CASE WHEN {} THEN 1 ELSE 0 END), SUM(CASE WHEN {} THEN 1 ELSE 0 END) \
         FROM coverage_spans s WHERE s.valid_from <= $1 AND $1 < s.valid_to AND s.in_scope = 1 \
         AND s.covered = 1 AND {}",
        both(
            &titles(&management),
            &titles(dangjian::domain::model::PARTY_TITLES)
        ),
        both("'主要负责人'", "'书记'"),
        region.map_or("1 = 1".to_string(), |r| format!("s.region_code = '{r}'"))
    );
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(d.to_string())
        .fetch_one(db.pool())
        .await
        .expect("oracle");
    use sqlx::Row;
    (
        r.try_get(0).expect("n"),
        r.try_get::<Option<i64>, _>(1)
            .expect("two-way")
            .unwrap_or(0),
        r.try_get::<Option<i64>, _>(2).expect("head").unwrap_or(0),
    )
}

#[tokio::test]
async fn cross_appointment_counted_set_by_set_equals_org_by_org() {
    let t = crate::support::TestDb::new().await;
    dangjian::app::demo::populate(&t.db, 5, 500)
        .await
        .expect("demo");
    let county = Scope::Regions(vec![
        dangjian::domain::codes::RegionCode::parse("140302").expect("code"),
    ]);
    let mut some = 0;
    for d in ["2016-06-30", "2019-12-31", "2021-12-31", "2026-11-28"] {
        for (scope, region) in [(&Scope::City, None), (&county, Some("140302"))] {
            let r = stats::cross_appointment(&t.db, scope, date(d))
                .await
                .expect("figures");
            let want = cross_appointment_by_org(&t.db, region, d).await;
            assert_eq!(
                (r.covered, r.two_way_entry, r.head_is_secretary),
                want,
                "{d} {scope:?}"
            );
            some += want.1;
        }
    }
    assert!(some > 0, "the demo has cross-appointments");
}

#[tokio::test]
async fn derived_figures_follow_a_registry_write() {
    // The cross-appointment figures are kept until the registry changes: a head made secretary
    // of the party org covering the org counts at the next read.
    use dangjian::domain::dataset::{Dataset, PositionRecord, PositionTarget};
    let t = crate::support::TestDb::new().await;
    let today = t.db.clock().today();
    let data = dangjian::demo::generate(5, 500, today);
    t.db.write_dataset(&Scope::City, &data, "test", today)
        .await
        .expect("demo");
    let d = today.to_string();
    let before = stats::cross_appointment(&t.db, &Scope::City, today)
        .await
        .expect("figures");
    assert_eq!(
        (
            before.covered,
            before.two_way_entry,
            before.head_is_secretary
        ),
        cross_appointment_by_org(&t.db, None, &d).await
    );
    // A head whose person holds nothing else, of an org covered now by an active party org.
    let holds = |name: &str| data.positions.iter().filter(|p| p.name == name).count();
    let (head, party) = data
        .positions
        .iter()
        .filter(|p| p.title == "主要负责人" && p.to.is_none() && holds(&p.name) == 1)
        .find_map(|p| {
            let PositionTarget::Org(code) = &p.target else {
                return None;
            };
            let party = data.party_orgs.iter().find(|po| {
                po.dissolved_on.is_none()
                    && po.founded_on <= today
                    && po
                        .covers
                        .iter()
                        .any(|c| &c.credit_code == code && c.to.is_none() && c.from <= today)
            })?;
            Some((p.clone(), party.name.clone()))
        })
        .expect("a head of a covered org");
    let secretary = PositionRecord {
        target: PositionTarget::PartyOrg(party),
        title: "书记".into(),
        from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date"),
        to: None,
        ..head
    };
    let write = Dataset {
        positions: vec![secretary],
        ..Dataset::default()
    };
    t.db.write_dataset(&Scope::City, &write, "test", today)
        .await
        .expect("write");
    let after = stats::cross_appointment(&t.db, &Scope::City, today)
        .await
        .expect("figures");
    assert_eq!(
        (after.covered, after.two_way_entry, after.head_is_secretary),
        cross_appointment_by_org(&t.db, None, &d).await
    );
    assert_eq!(after.head_is_secretary, before.head_is_secretary + 1);
}
