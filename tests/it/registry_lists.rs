//! The party-org, instructor and unit lists (src/db/registry_pages.rs, web/pages/registry/):
//! every filter against its definition over the records read whole, the order users expect
//! (names in pinyin order with ordinals by value, units as the committees keep them), paging,
//! and the sort keys filled by `migrate` for a database from before them.

use chrono::NaiveDate;
use dangjian::db::{Db, InstructorFilter, PartyOrgFilter, Rows, Scope};
use dangjian::domain::collation::cmp_names;
use dangjian::domain::role::Role;

use crate::support::{TestApp, TestDb};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

fn all(sort: &str) -> Rows<'_> {
    Rows {
        sort,
        descending: false,
        offset: 0,
        limit: 1_000_000,
    }
}

async fn demo() -> TestDb {
    let t = TestDb::new().await;
    let today = t.db.clock().today();
    let data = dangjian::demo::generate(11, 600, today);
    t.db.write_dataset(&Scope::City, &data, "test", today)
        .await
        .expect("demo");
    t
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(db.pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn party_orgs_filter_sort_and_page_by_their_definitions() {
    let t = demo().await;
    let db = &t.db;
    let whole = db.party_org_rows(&Scope::City).await.expect("rows");
    assert!(whole.len() > 100, "party orgs: {}", whole.len());
    let ids = |v: &[dangjian::db::PartyOrgRow]| {
        let mut ids: Vec<i64> = v.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids
    };
    let page = |f: PartyOrgFilter| async move {
        db.party_org_page(&Scope::City, &f, all("name"))
            .await
            .expect("page")
    };
    // By name: the collation's order — the demo's joint branches are numbered (第一, 第二, …,
    // 第十一), so code-point order would differ.
    let (by_name, total) = page(PartyOrgFilter::default()).await;
    assert_eq!(total, whole.len() as i64);
    let mut want: Vec<String> = whole.iter().map(|p| p.name.clone()).collect();
    want.sort_by(|a, b| cmp_names(a, b));
    let got: Vec<String> = by_name.iter().map(|p| p.name.clone()).collect();
    assert_eq!(got, want);
    let mut code_points = want.clone();
    code_points.sort();
    assert_ne!(
        want, code_points,
        "the demo's names tell the two orders apart"
    );
    // Kind, formation, words, active at a date.
    for kind in ["branch", "joint_branch", "committee"] {
        let (rows, n) = page(PartyOrgFilter {
            kind: Some(kind.into()),
            ..Default::default()
        })
        .await;
        let want: Vec<_> = whole.iter().filter(|p| p.kind == kind).cloned().collect();
        assert_eq!((ids(&rows), n), (ids(&want), want.len() as i64), "{kind}");
    }
    let (rows, _) = page(PartyOrgFilter {
        formation: Some("own".into()),
        ..Default::default()
    })
    .await;
    let want: Vec<_> = whole
        .iter()
        .filter(|p| p.formation == "own")
        .cloned()
        .collect();
    assert_eq!(ids(&rows), ids(&want));
    let (rows, _) = page(PartyOrgFilter {
        q: Some("联合".into()),
        ..Default::default()
    })
    .await;
    let want: Vec<_> = whole
        .iter()
        .filter(|p| p.name.contains("联合"))
        .cloned()
        .collect();
    assert!(!want.is_empty());
    assert_eq!(ids(&rows), ids(&want));
    for date in [d(2015, 1, 1), d(2021, 6, 30)] {
        let (rows, _) = page(PartyOrgFilter {
            active_on: Some(date),
            ..Default::default()
        })
        .await;
        let ds = date.to_string();
        let want: Vec<_> = whole
            .iter()
            .filter(|p| p.founded_on <= ds && p.dissolved_on.as_ref().is_none_or(|x| *x > ds))
            .cloned()
            .collect();
        assert_eq!(ids(&rows), ids(&want), "active on {date}");
    }
    // A region: the party orgs covering (now) an org registered there.
    let (rows, n) = page(PartyOrgFilter {
        regions: Some(vec!["140302".into()]),
        ..Default::default()
    })
    .await;
    let want = count(
        db,
        "SELECT COUNT(DISTINCT l.party_org_id) FROM coverage_links l JOIN social_orgs o ON o.id = l.org_id \
         WHERE l.valid_to IS NULL AND o.region_code = '140302'",
    )
    .await;
    assert_eq!((rows.len() as i64, n), (want, want));
    // Over the limits: exactly the subjects of the rectification items the detection raises.
    let today = db.clock().today();
    db.detect(&Scope::City, "test", today)
        .await
        .expect("detect");
    let rules = dangjian::db::RuleTable::load(db, today)
        .await
        .expect("rules");
    use dangjian::domain::rules::Rule;
    let (rows, _) = page(PartyOrgFilter {
        oversized: Some((
            today,
            rules.int(Rule::MaxOrgsPerJointBranch).expect("rule"),
            rules.int(Rule::MaxMembersPerBranch).expect("rule"),
        )),
        ..Default::default()
    })
    .await;
    let mut names: Vec<String> = rows.into_iter().map(|p| p.name).collect();
    names.sort();
    let mut subjects: Vec<String> = db
        .ledger_items(&Scope::City, today)
        .await
        .expect("items")
        .into_iter()
        .filter(|i| i.kind == dangjian::domain::ledger::ItemKind::RectifyOversizedJoint)
        .map(|i| i.subject)
        .collect();
    subjects.sort();
    assert!(!subjects.is_empty(), "the demo has oversized branches");
    assert_eq!(names, subjects);
    // Pages of 7 put together are the whole list; descending is the reverse.
    let mut joined = Vec::new();
    for p in 0..=(total / 7) {
        let rows = Rows {
            sort: "name",
            descending: false,
            offset: p * 7,
            limit: 7,
        };
        joined.extend(
            db.party_org_page(&Scope::City, &PartyOrgFilter::default(), rows)
                .await
                .expect("page")
                .0
                .into_iter()
                .map(|p| p.name),
        );
    }
    assert_eq!(joined, want_names(&by_name));
    let rows = Rows {
        descending: true,
        ..all("name")
    };
    let (desc, _) = db
        .party_org_page(&Scope::City, &PartyOrgFilter::default(), rows)
        .await
        .expect("desc");
    let mut reversed = want_names(&by_name);
    reversed.reverse();
    assert_eq!(want_names(&desc), reversed);
}

fn want_names(rows: &[dangjian::db::PartyOrgRow]) -> Vec<String> {
    rows.iter().map(|p| p.name.clone()).collect()
}

#[tokio::test]
async fn instructors_filter_and_sort_by_their_definitions() {
    let t = demo().await;
    let db = &t.db;
    let whole = db.instructor_rows(&Scope::City).await.expect("rows");
    assert!(whole.len() > 20, "instructors: {}", whole.len());
    let page = |f: InstructorFilter, sort: &'static str| async move {
        db.instructor_page(&Scope::City, &f, all(sort))
            .await
            .expect("page")
    };
    let (by_name, total) = page(InstructorFilter::default(), "name").await;
    assert_eq!(total, whole.len() as i64);
    let names: Vec<&str> = by_name.iter().map(|i| i.name.as_str()).collect();
    let mut want: Vec<&str> = whole.iter().map(|i| i.name.as_str()).collect();
    want.sort_by(|a, b| cmp_names(a, b));
    assert_eq!(names, want);
    let ids = |v: Vec<&dangjian::db::InstructorRow>| {
        let mut ids: Vec<i64> = v.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids
    };
    let got = |v: Vec<dangjian::db::InstructorRow>| {
        let mut ids: Vec<i64> = v.iter().map(|i| i.id).collect();
        ids.sort_unstable();
        ids
    };
    // Role, home unit, with and without orgs in care now.
    let (rows, _) = page(
        InstructorFilter {
            role: Some("liaison".into()),
            ..Default::default()
        },
        "name",
    )
    .await;
    assert_eq!(
        got(rows),
        ids(whole.iter().filter(|i| i.role == "liaison").collect())
    );
    let unit = &whole[0].home_unit;
    let unit_id = db.unit_id(unit).await.expect("db").expect("unit");
    let (rows, _) = page(
        InstructorFilter {
            home_unit: Some(unit_id),
            ..Default::default()
        },
        "unit",
    )
    .await;
    assert_eq!(
        got(rows),
        ids(whole.iter().filter(|i| &i.home_unit == unit).collect())
    );
    for care in [true, false] {
        let (rows, _) = page(
            InstructorFilter {
                in_care: Some(care),
                ..Default::default()
            },
            "care",
        )
        .await;
        assert_eq!(
            got(rows),
            ids(whole.iter().filter(|i| (i.stationed > 0) == care).collect()),
            "in care: {care}"
        );
    }
    // Stationed at a date: a station in force then.
    let date = d(2021, 6, 30);
    let (rows, _) = page(
        InstructorFilter {
            stationed_on: Some(date),
            ..Default::default()
        },
        "name",
    )
    .await;
    let mut want = Vec::new();
    for i in &whole {
        let (_, links) = db
            .instructor_detail(&Scope::City, i.id)
            .await
            .expect("detail")
            .expect("in scope");
        let ds = date.to_string();
        if links
            .iter()
            .any(|l| l.from <= ds && l.to.as_ref().is_none_or(|x| *x > ds))
        {
            want.push(i.id);
        }
    }
    want.sort_unstable();
    assert!(!want.is_empty());
    assert_eq!(got(rows), want);
}

#[tokio::test]
async fn the_unit_list_follows_the_committees_order_and_pages() {
    let app = TestApp::new(demo().await);
    let city = app
        .user("city", Role::CityAdmin, dangjian::db::ScopeTarget::City)
        .await;
    let r = app.get(&city, "/units?per_page=100").await;
    assert_eq!(r.status, 200);
    let at = |name: &str| r.body.find(&format!(">{name}</a>")).unwrap_or(usize::MAX);
    // The city committee, then the county committees by region code (城区 140302, 矿区 140303,
    // 郊区 140311, 平定县 140321, 盂县 140322), then the industry committees, then departments.
    let committees = [
        "阳泉市社会组织党委",
        "城区非公有制经济组织和社会组织工作委员会",
        "矿区非公有制经济组织和社会组织工作委员会",
        "郊区非公有制经济组织和社会组织工作委员会",
        "平定县非公有制经济组织和社会组织工作委员会",
        "盂县非公有制经济组织和社会组织工作委员会",
    ];
    let places: Vec<usize> = committees.iter().map(|n| at(n)).collect();
    assert!(places.iter().all(|p| *p < usize::MAX), "{places:?}");
    assert!(places.windows(2).all(|w| w[0] < w[1]), "{places:?}");
    assert!(at("阳泉市律师行业党委") > places[5]);
    assert!(at("阳泉市教育局") > at("阳泉市律师行业党委"));
    // 序号 and pages of 20: the second page starts at 21.
    let r = app.get(&city, "/units?page=2").await;
    assert!(r.body.contains("<td class=\"num\">21</td>"), "{}", r.body);
    assert!(r.body.contains("第 2 / "), "pager");
    // A filter by kind keeps only that kind.
    let r = app.get(&city, "/units?kind=county_committee").await;
    assert_eq!(r.body.matches("工作委员会</a>").count(), 6, "{}", r.body);
    // The same order wherever units are listed: the statistics by responsible unit, the
    // dashboard, the responsibility list, the battle map.
    let today = app.t.db.clock().today();
    app.t
        .db
        .detect(&dangjian::db::Scope::City, "test", today)
        .await
        .expect("detect");
    for path in [
        "/stats?by=responsible-unit",
        "/",
        "/ledger/units",
        "/battle-map",
    ] {
        let r = app.get(&city, path).await;
        let places: Vec<usize> = committees
            .iter()
            .map(|n| r.body.find(n).unwrap_or(usize::MAX))
            .collect();
        assert!(
            places.iter().all(|p| *p < usize::MAX) && places.windows(2).all(|w| w[0] < w[1]),
            "{path}: {places:?}"
        );
    }
}

#[tokio::test]
async fn migrate_fills_the_sort_keys_of_an_older_database() {
    let t = demo().await;
    sqlx::query("UPDATE party_orgs SET sort_key = NULL")
        .execute(t.db.pool())
        .await
        .expect("clear");
    sqlx::query("DELETE FROM settings WHERE key = 'sort_keys.version'")
        .execute(t.db.pool())
        .await
        .expect("version");
    t.db.migrate().await.expect("migrate");
    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT name, sort_key FROM party_orgs")
            .fetch_all(t.db.pool())
            .await
            .expect("keys");
    assert!(rows.len() > 100);
    for (name, key) in rows {
        assert_eq!(
            key.as_deref(),
            Some(dangjian::domain::collation::name_key(&name).as_str()),
            "{name}"
        );
    }
}

#[tokio::test]
async fn the_api_lists_party_orgs_and_instructors_a_page_at_a_time_in_scope() {
    let app = TestApp::new(demo().await);
    let city = app
        .user("city", Role::CityAdmin, dangjian::db::ScopeTarget::City)
        .await;
    let county = app
        .user(
            "county",
            Role::CountyAdmin,
            dangjian::db::ScopeTarget::Region(
                dangjian::domain::codes::RegionCode::parse("140302").expect("code"),
            ),
        )
        .await;
    let whole = app
        .t
        .db
        .party_org_rows(&Scope::City)
        .await
        .expect("rows")
        .len() as i64;
    let r = app
        .get(&city, "/api/v1/party-orgs?per_page=30&page=2")
        .await
        .json();
    assert_eq!(r["total"], whole);
    assert_eq!(
        (r["page"].as_i64(), r["per_page"].as_i64()),
        (Some(2), Some(30))
    );
    assert_eq!(r["items"].as_array().expect("items").len(), 30);
    // One by name, with its links.
    let name = r["items"][0]["name"].as_str().expect("name").to_string();
    let one = app
        .get(
            &city,
            &format!(
                "/api/v1/party-orgs/{}",
                dangjian::web::auth::url_encode(&name)
            ),
        )
        .await
        .json();
    assert_eq!(one["name"], name.as_str());
    assert!(one["covers"].is_array());
    // A county sees its share, and each listed link is to an org of the county.
    let r = app
        .get(&county, "/api/v1/party-orgs?per_page=1000")
        .await
        .json();
    let total = r["total"].as_i64().expect("total");
    assert!(total > 0 && total < whole, "{total} of {whole}");
    for p in r["items"].as_array().expect("items") {
        for l in p["covers"].as_array().expect("covers") {
            let code = l["credit_code"].as_str().expect("code");
            let org = app.get(&county, &format!("/api/v1/orgs/{code}")).await;
            assert_eq!(org.status, 200, "{code} is the county's");
        }
    }
    // Instructors likewise, their personal data masked for a viewer.
    let viewer = app
        .user("viewer", Role::Viewer, dangjian::db::ScopeTarget::City)
        .await;
    let r = app
        .get(&viewer, "/api/v1/instructors?per_page=5")
        .await
        .json();
    assert_eq!(r["items"].as_array().expect("items").len(), 5);
    for i in r["items"].as_array().expect("items") {
        if let Some(id) = i["citizen_id"].as_str() {
            assert!(id.contains('*'), "masked: {id}");
        }
    }
    assert_eq!(
        app.get(&viewer, "/api/v1/instructors?stationed_on=1899-01-01")
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn the_registry_list_read_in_key_order_equals_the_general_list() {
    // The list as it opens (every org, today, by credit code) takes a path of its own; it must
    // give what the general list of the same orgs at today's date gives, page by page.
    let t = demo().await;
    let db = &t.db;
    let today = db.clock().today();
    let county = Scope::Regions(vec![
        dangjian::domain::codes::RegionCode::parse("140302").expect("code"),
    ]);
    for scope in [Scope::City, county] {
        for (offset, limit, descending) in [(0, 100_000, false), (40, 20, false), (0, 20, true)] {
            let opening = dangjian::db::OrgFilter {
                offset,
                limit,
                descending,
                ..Default::default()
            };
            let general = dangjian::db::OrgFilter {
                as_of: Some(today),
                ..opening.clone()
            };
            let a = db
                .list_orgs(&scope, &opening, 3, today)
                .await
                .expect("opening");
            let b = db
                .list_orgs(&scope, &general, 3, today)
                .await
                .expect("general");
            assert_eq!(a, b, "{scope:?} {offset} {limit} {descending}");
            assert!(!a.0.is_empty());
        }
    }
}
