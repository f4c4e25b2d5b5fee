//! Registry records kept in the UI by the office that owns them (issue 11, item 4): a party org's
//! coverage links edited as a table (ended, re-dated, added), a party org dissolved with a date,
//! an instructor's station withdrawn — by a county admin inside its county, refused (404, nothing
//! changed) for a record that is not the county's, refused on the form (422) for a period in
//! another county's org; every change on the record's page in words.
//!
//! The golden fixture (tests/it/fixture.rs): 城区第一联合党支部 (J1) covers B and C, both in 城区
//! (140302), from 2019-01-01; 甲协会党支部 covers A (city level, 140300); 矿区联合党支部 covers I
//! (矿区); 张三 is stationed in D (矿区) from 2021-06-01. Today is 2026-11-28.

use axum::http::StatusCode;
use dangjian::db::{OrgLink, Scope, ScopeTarget};
use dangjian::domain::codes::RegionCode;
use dangjian::domain::role::Role;

use crate::support::{TestApp, session_cookie};

fn csrf_of(body: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker).expect("a csrf field") + marker.len();
    body[start..].split('"').next().expect("value").to_string()
}

async fn county_admin(app: &TestApp, name: &str, region: &str) -> (String, String) {
    app.user(
        name,
        Role::CountyAdmin,
        ScopeTarget::Region(RegionCode::parse(region).expect("code")),
    )
    .await;
    let cookie = session_cookie(&app.sign_in(name, "pass1234").await).expect("cookie");
    let csrf = csrf_of(&app.get_with_cookie(&cookie, "/").await.body);
    (cookie, csrf)
}

/// Posts a table of periods: rows of (credit code, from, to).
async fn post_rows(
    app: &TestApp,
    (cookie, csrf): &(String, String),
    uri: &str,
    rows: &[(&str, &str, &str)],
) -> crate::support::Reply {
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf.clone())];
    for (n, (code, from, to)) in rows.iter().enumerate() {
        form.push((format!("code_{n}"), code.to_string()));
        form.push((format!("from_{n}"), from.to_string()));
        form.push((format!("to_{n}"), to.to_string()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form(Some(cookie), uri, &pairs).await
}

async fn links(app: &TestApp, id: i64) -> Vec<(String, String, Option<String>)> {
    let (_, links) = app
        .t
        .db
        .party_org_detail(&Scope::City, id)
        .await
        .expect("db")
        .expect("party org");
    let mut out: Vec<_> = links
        .into_iter()
        .map(|l: OrgLink| (l.credit_code, l.from, l.to))
        .collect();
    out.sort();
    out
}

async fn party_id(app: &TestApp, name: &str) -> i64 {
    app.t
        .db
        .party_org_id(name)
        .await
        .expect("db")
        .expect("party org")
}

#[tokio::test]
async fn a_county_admin_ends_redates_and_adds_its_party_orgs_links() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let codes = crate::fixture::codes();
    let (b, c, d) = (&codes[1], &codes[2], &codes[3]);
    let chengqu = county_admin(&app, "chengqu", "140302").await;
    let j1 = party_id(&app, "城区第一联合党支部").await;
    let uri = format!("/party-orgs/{j1}/links");

    // The table opens with J1's two links.
    let page = app.get_with_cookie(&chengqu.0, &uri).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(b.as_str()) && page.body.contains(c.as_str()));

    // B's link ends on 2024-06-30, C's starts on 2019-03-01 instead of 2019-01-01.
    let r = post_rows(
        &app,
        &chengqu,
        &uri,
        &[(b, "2019-01-01", "2024-06-30"), (c, "2019-03-01", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        links(&app, j1).await,
        vec![
            (b.clone(), "2019-01-01".into(), Some("2024-06-30".into())),
            (c.clone(), "2019-03-01".into(), None),
        ]
    );
    // Both changes are on the party org's page in words, by whom.
    let page = app
        .get_with_cookie(&chengqu.0, &format!("/party-orgs/{j1}"))
        .await;
    assert!(page.body.contains("变更记录"), "{}", page.body);
    assert!(page.body.contains("2024-06-30"), "{}", page.body);
    assert!(page.body.contains("chengqu"), "{}", page.body);
    // …and on B's timeline.
    let page = app.get_with_cookie(&chengqu.0, &format!("/orgs/{b}")).await;
    assert!(
        page.body.contains("更正覆盖、派驻或任职期间"),
        "{}",
        page.body
    );

    // B covered again from 2025-01-01 (a new period after the ended one): added.
    let r = post_rows(
        &app,
        &chengqu,
        &uri,
        &[
            (b, "2019-01-01", "2024-06-30"),
            (c, "2019-03-01", ""),
            (b, "2025-01-01", ""),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(links(&app, j1).await.len(), 3);

    // D is 矿区's: a link to it would leave the county. Refused on the form, nothing changed.
    let before = links(&app, j1).await;
    let r = post_rows(
        &app,
        &chengqu,
        &uri,
        &[(c, "2019-03-01", ""), (d, "2022-01-01", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("不在您的管理范围内"), "{}", r.body);
    assert_eq!(links(&app, j1).await, before);

    // Overlapping periods of one org: the import's message, on the form, nothing changed.
    let r = post_rows(
        &app,
        &chengqu,
        &uri,
        &[(c, "2019-03-01", ""), (c, "2020-01-01", "2021-01-01")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(links(&app, j1).await, before);
}

#[tokio::test]
async fn another_countys_or_the_citys_party_org_is_not_found() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let codes = crate::fixture::codes();
    let chengqu = county_admin(&app, "chengqu", "140302").await;
    // 甲协会党支部 covers A (city level), 矿区联合党支部 covers I (矿区): not 城区's.
    for name in ["甲协会党支部", "矿区联合党支部"] {
        let id = party_id(&app, name).await;
        let before = links(&app, id).await;
        for uri in [
            format!("/party-orgs/{id}/links"),
            format!("/party-orgs/{id}/edit"),
        ] {
            let r = app.get_with_cookie(&chengqu.0, &uri).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{name} {uri}");
        }
        let code = &before[0].0;
        let r = post_rows(
            &app,
            &chengqu,
            &format!("/party-orgs/{id}/links"),
            &[(code, "2015-01-01", "2020-01-01")],
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}: {}", r.body);
        assert_eq!(links(&app, id).await, before, "{name} unchanged");
    }
    // Through the record form too: 甲协会党支部 given 城区's B as its coverage is not found.
    let r = app
        .post_form(
            Some(&chengqu.0),
            "/forms/party-org",
            &[
                ("csrf", &chengqu.1),
                ("editing", "1"),
                ("f0", "甲协会党支部"),
                ("f1", "党支部"),
                ("f2", "单独组建"),
                ("f4", "2018-06-01"),
                ("f6", &codes[1]),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let p1 = party_id(&app, "甲协会党支部").await;
    assert!(links(&app, p1).await.iter().all(|l| l.0 == codes[0]));
}

#[tokio::test]
async fn a_county_admin_dissolves_its_party_org_with_a_date() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let codes = crate::fixture::codes();
    let chengqu = county_admin(&app, "chengqu", "140302").await;
    let j1 = party_id(&app, "城区第一联合党支部").await;
    // The form opens filled in from the record (its name read-only, its two orgs listed).
    let page = app
        .get_with_cookie(&chengqu.0, &format!("/party-orgs/{j1}/edit"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("value=\"城区第一联合党支部\""),
        "{}",
        page.body
    );
    let covered = format!("{}、{}", codes[1], codes[2]);
    assert!(page.body.contains(&covered), "{}", page.body);
    // Dissolved on 2025-12-31: saved; both links end then.
    let r = app
        .post_form(
            Some(&chengqu.0),
            "/forms/party-org",
            &[
                ("csrf", &chengqu.1),
                ("editing", "1"),
                ("f0", "城区第一联合党支部"),
                ("f1", "联合党支部"),
                ("f2", "联合组建"),
                ("f3", "城区工委"),
                ("f4", "2019-01-01"),
                ("f5", "2025-12-31"),
                ("f6", &covered),
                ("f7", "4"),
                ("f8", "钱二"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
        format!("/party-orgs/{j1}?notice=saved")
    );
    assert!(
        links(&app, j1)
            .await
            .iter()
            .all(|l| l.2.as_deref() == Some("2025-12-31")),
        "{:?}",
        links(&app, j1).await
    );
    let page = app
        .get_with_cookie(&chengqu.0, &format!("/party-orgs/{j1}"))
        .await;
    assert!(page.body.contains("已于 2025-12-31 撤销"), "{}", page.body);
    // Dissolved before its links began (2018-12-31), it would keep no link and leave the
    // county: refused on the form, nothing changed.
    let before = links(&app, j1).await;
    let r = app
        .post_form(
            Some(&chengqu.0),
            "/forms/party-org",
            &[
                ("csrf", &chengqu.1),
                ("editing", "1"),
                ("f0", "城区第一联合党支部"),
                ("f1", "联合党支部"),
                ("f2", "联合组建"),
                ("f3", "城区工委"),
                ("f4", "2018-01-01"),
                ("f5", "2018-12-31"),
                ("f7", "4"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("将没有任何覆盖关系"), "{}", r.body);
    assert_eq!(links(&app, j1).await, before);
    assert!(page.body.contains("变更记录"), "{}", page.body);
}

/// 张三's record form with a new phone (13900009999), listing one org he serves in from a date.
async fn zhang_with_new_phone(
    app: &TestApp,
    (cookie, csrf): &(String, String),
    org: &str,
    from: &str,
) -> crate::support::Reply {
    app.post_form(
        Some(cookie),
        "/forms/station",
        &[
            ("csrf", csrf),
            ("editing", "1"),
            ("f0", "张三"),
            ("f1", "11010519491231002X"),
            ("f2", "13900009999"),
            ("f3", "阳泉市总工会"),
            ("f4", "指导员"),
            ("f5", org),
            ("f6", from),
        ],
    )
    .await
}

#[tokio::test]
async fn a_county_admin_withdraws_its_station_and_leaves_the_others() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let codes = crate::fixture::codes();
    let (b, d) = (&codes[1], &codes[3]);
    let zhang = app
        .t
        .db
        .instructor_ids("11010519491231002X")
        .await
        .expect("db")[0];
    // The city stations 张三 in 城区's B as well.
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let city = (
        cookie.clone(),
        csrf_of(&app.get_with_cookie(&cookie, "/").await.body),
    );
    let uri = format!("/instructors/{zhang}/stations");
    let r = post_rows(
        &app,
        &city,
        &uri,
        &[(d, "2021-06-01", ""), (b, "2023-01-01", "")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // 矿区 sees D's station to edit and B's as outside its scope.
    let kuangqu = county_admin(&app, "kuangqu", "140303").await;
    let page = app.get_with_cookie(&kuangqu.0, &uri).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("name=\"code_0\" value=\"") && page.body.contains(d.as_str()));
    assert!(page.body.contains("您管理范围外的派驻"), "{}", page.body);
    assert!(
        !page.body.contains(&format!("value=\"{b}\"")),
        "B not editable"
    );
    // It withdraws D's station on 2026-11-30; B's stays open.
    let r = post_rows(&app, &kuangqu, &uri, &[(d, "2021-06-01", "2026-11-30")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (_, stations) = app
        .t
        .db
        .instructor_detail(&Scope::City, zhang)
        .await
        .expect("db")
        .expect("instructor");
    let of = |code: &str| {
        stations
            .iter()
            .filter(|s| s.credit_code == code)
            .map(|s| (s.from.clone(), s.to.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of(d),
        vec![("2021-06-01".into(), Some("2026-11-30".into()))]
    );
    assert_eq!(of(b), vec![("2023-01-01".into(), None)]);
    // A station in B is not 矿区's to add: refused on the form.
    let r = post_rows(&app, &kuangqu, &uri, &[(b, "2024-01-01", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // 张三's own fields are not 矿区's to change while he also serves in 城区: not found.
    let r = zhang_with_new_phone(&app, &kuangqu, d, "2021-06-01").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let (i, _) = app
        .t
        .db
        .instructor_detail(&Scope::City, zhang)
        .await
        .expect("db")
        .expect("instructor");
    assert_eq!(i.phone.as_deref(), Some("13800001234"), "unchanged");
    // The city changes his phone: on his page, masked ("139****9999"), by whom.
    let r = zhang_with_new_phone(&app, &city, b, "2023-01-01").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app
        .get_with_cookie(&city.0, &format!("/instructors/{zhang}"))
        .await;
    assert!(
        page.body.contains("手机号 138****1234 → 139****9999"),
        "{}",
        page.body
    );
    assert!(page.body.contains("派驻（张三）"), "{}", page.body);
}

async fn city_admin(app: &TestApp) -> (String, String) {
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let csrf = csrf_of(&app.get_with_cookie(&cookie, "/").await.body);
    (cookie, csrf)
}

#[tokio::test]
async fn the_city_ends_a_position_and_edits_a_unit_in_words() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let a = &crate::fixture::codes()[0];
    let city = city_admin(&app).await;
    // 赵一 is A's 主要负责人 from 2016-01-01: its row on A's page links to its form.
    let page = app.get_with_cookie(&city.0, &format!("/orgs/{a}")).await;
    let start = page
        .body
        .find("/positions/")
        .expect("a position's form link");
    let href: String = page.body[start..]
        .split('"')
        .next()
        .expect("href")
        .to_string();
    let form = app.get_with_cookie(&city.0, &href).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("value=\"主要负责人\" readonly"),
        "{}",
        form.body
    );
    // Ended on 2026-10-31: saved, on A's timeline in words.
    let r = app
        .post_form(
            Some(&city.0),
            "/forms/position",
            &[
                ("csrf", &city.1),
                ("editing", "1"),
                ("f0", "赵一"),
                ("f2", "是"),
                ("f3", a),
                ("f4", "主要负责人"),
                ("f5", "2016-01-01"),
                ("f6", "2026-10-31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get_with_cookie(&city.0, &format!("/orgs/{a}")).await;
    // (The timeline: the end as an event of its date, and the correction by whom, in words.)
    assert!(
        page.body
            .contains("<time>2026-10-31</time> <strong>离任</strong> 赵一 主要负责人"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(
            "<strong>更正覆盖、派驻或任职期间</strong> city：任职（赵一 主要负责人） 2016-01-01 起 → 2016-01-01 至 2026-10-31"
        ),
        "{}",
        page.body
    );
    // A county admin has no position form.
    let chengqu = county_admin(&app, "chengqu", "140302").await;
    assert_eq!(
        app.get_with_cookie(&chengqu.0, &href).await.status,
        StatusCode::NOT_FOUND
    );

    // 阳泉市体育局 (does not carry party building) now does: on its page in words.
    let sports = app
        .t
        .db
        .unit_id("阳泉市体育局")
        .await
        .expect("db")
        .expect("unit");
    let form = app
        .get_with_cookie(&city.0, &format!("/units/{sports}/edit"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"阳泉市体育局\" readonly"));
    let r = app
        .post_form(
            Some(&city.0),
            "/forms/unit",
            &[
                ("csrf", &city.1),
                ("editing", "1"),
                ("f0", "阳泉市体育局"),
                ("f1", "行业主管部门"),
                ("f2", "140300"),
                ("f3", "是"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app
        .get_with_cookie(&city.0, &format!("/units/{sports}"))
        .await;
    assert!(page.body.contains("✓ 承担党建工作"), "{}", page.body);
    assert!(page.body.contains("city"), "{}", page.body);
    assert!(!page.body.contains("没有变更记录"), "{}", page.body);
}

/// A form is checked against the records it names only (`known_for`), not the whole registry:
/// the same problems as against everything (`known`), for each kind of form and table —
/// among them the duplicate-name warning (another org of the same name), unknown references
/// and the 覆盖关系 table's date checks against the stored party org.
#[tokio::test]
async fn a_form_is_checked_as_against_the_whole_registry() {
    use dangjian::app::registry::known::{known, known_for};
    use dangjian::app::registry::save_record::workbook;
    use dangjian::excel::columns;
    let t = crate::stats::golden_db().await;
    let codes = crate::fixture::codes();
    let (a, b, c) = (&codes[0], &codes[1], &codes[2]);
    let today = t.db.clock().today();
    let valid = |body: &str| {
        dangjian::domain::codes::CreditCode::from_body(body)
            .expect("code")
            .as_str()
            .to_string()
    };
    let (new, unknown) = (valid("51140302MJY000999"), valid("51140302MJY000998"));
    let cases: Vec<(&columns::SheetSpec, Vec<Vec<String>>)> = vec![
        // A new org named as B (乙服务中心): a warning naming B.
        (
            &columns::ORGS,
            vec![
                [
                    &new,
                    "乙服务中心",
                    "社会团体",
                    "140302",
                    "",
                    "2024-01-01",
                    "正常",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "0",
                ]
                .map(String::from)
                .to_vec(),
            ],
        ),
        // A party org over A and an unknown code, its parent a unit, before A's registration.
        (
            &columns::PARTY_ORGS,
            vec![
                [
                    "新党支部",
                    "联合党支部",
                    "联合组建",
                    "城区工委",
                    "2014-01-01",
                    "",
                    &format!("{a}、{unknown}"),
                    "3",
                    "",
                ]
                .map(String::from)
                .to_vec(),
            ],
        ),
        // J1's links: one before J1 was founded, one to an org unknown.
        (
            &columns::LINKS,
            vec![
                ["城区第一联合党支部", b, "2018-01-01", ""]
                    .map(String::from)
                    .to_vec(),
                ["城区第一联合党支部", c, "2019-01-01", "2020-01-01"]
                    .map(String::from)
                    .to_vec(),
                ["城区第一联合党支部", &unknown, "2019-01-01", ""]
                    .map(String::from)
                    .to_vec(),
            ],
        ),
        // 张三's stations by his ID, and 李四 (no ID) under another unit: unknown.
        (
            &columns::STATIONS,
            vec![
                [
                    "张三",
                    "11010519491231002X",
                    "阳泉市总工会",
                    b,
                    "2022-01-01",
                    "",
                ]
                .map(String::from)
                .to_vec(),
                ["李四", "", "阳泉市总工会", c, "2022-01-01", ""]
                    .map(String::from)
                    .to_vec(),
            ],
        ),
    ];
    let all = known(&t.db).await.expect("known");
    let mut found = Vec::new();
    for (spec, rows) in cases {
        let wb = workbook(spec, &rows);
        let narrow = known_for(&t.db, &rows).await.expect("known_for");
        let whole = dangjian::excel::import::validate(&wb, &all, today).1;
        let named = dangjian::excel::import::validate(&wb, &narrow, today).1;
        let text = |r: &dangjian::excel::problems::Report| {
            r.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>()
        };
        assert!(
            !whole.problems.is_empty(),
            "{}: the case finds something",
            spec.name
        );
        assert_eq!(text(&named), text(&whole), "{}", spec.name);
        found.extend(text(&named));
    }
    // The checks that need the stored records themselves did find them.
    for expected in [
        "与系统或本表中的另一个社会组织同名",
        "早于党组织的成立日期 2019-01-01",
        "在工作簿和系统中均不存在",
    ] {
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{expected}: {found:#?}"
        );
    }
    // …and 张三's row (matched by his ID) raised nothing.
    assert!(!found.iter().any(|p| p.contains("张三")), "{found:#?}");
}

/// Above `ledger.inline_detection_max_orgs` orgs, the detection after a form's save runs in the
/// background (it reads every org: about 30 s at a million): the save answers at once, and the
/// gap it opened becomes a task when the background run is done.
#[tokio::test]
async fn a_large_registrys_save_raises_its_task_in_the_background() {
    let app = TestApp::new(crate::stats::golden_db().await);
    // The golden registry has 9 orgs: a bound of 5 makes it "large".
    app.t
        .db
        .set_setting("ledger.inline_detection_max_orgs", "5")
        .await
        .expect("setting");
    let city = city_admin(&app).await;
    let code = dangjian::domain::codes::CreditCode::from_body("51140302MJY000997")
        .expect("code")
        .as_str()
        .to_string();
    // A new org with 5 formal members and no party org: it should establish its own.
    let mut form = vec![
        ("csrf", city.1.clone()),
        ("f0", code.clone()),
        ("f1", "后台检查协会".to_string()),
        ("f2", "社会团体".to_string()),
        ("f3", "140302".to_string()),
        ("f5", "2024-01-01".to_string()),
        ("f6", "正常".to_string()),
        ("f12", "5".to_string()),
    ];
    let pairs = |f: &[(&'static str, String)]| -> Vec<(&'static str, String)> { f.to_vec() };
    let send = |f: Vec<(&'static str, String)>| {
        let app = &app;
        let cookie = city.0.clone();
        async move {
            let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post_form(Some(&cookie), "/forms/org", &refs).await
        }
    };
    // (The made-up code's inner check digit is asked about: confirmed as a user would.)
    let r = send(pairs(&form)).await;
    let marker = "name=\"confirm_warnings\" value=\"";
    if let Some(start) = r.body.find(marker) {
        let print = r.body[start + marker.len()..]
            .split('"')
            .next()
            .unwrap_or_default();
        form.push(("confirm_warnings", print.to_string()));
    }
    let r = send(pairs(&form)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut items = 0;
    for _ in 0..200 {
        items =
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM ledger_items WHERE subject = $1")
                .bind(code.clone())
                .fetch_one(app.t.db.pool())
                .await
                .expect("db");
        if items > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(items > 0, "the background detection raised the org's task");
    let by: String = sqlx::query_scalar("SELECT created_by FROM ledger_items WHERE subject = $1")
        .bind(code.clone())
        .fetch_one(app.t.db.pool())
        .await
        .expect("db");
    assert_eq!(by, "系统（保存后检查）");
}

/// A county's write of a party org's links holds the party org until it commits: a concurrent
/// write adding a link to it (here the city's, to 矿区's D) waits, so the county's scope check saw
/// the links it commits with (PostgreSQL: the party org's row locked; SQLite: one writer).
#[tokio::test]
async fn a_countys_write_of_links_holds_the_party_org_until_it_commits() {
    use dangjian::app::registry::save_record::workbook;
    use dangjian::excel::columns;
    let t = crate::stats::golden_db().await;
    let db = t.db.clone();
    let codes = crate::fixture::codes();
    let today = db.clock().today();
    let known = dangjian::app::registry::known(&db).await.expect("known");
    let links = |rows: &[[&str; 4]]| {
        let rows: Vec<Vec<String>> = rows.iter().map(|r| r.map(String::from).to_vec()).collect();
        let (data, report) =
            dangjian::excel::import::validate(&workbook(&columns::LINKS, &rows), &known, today);
        assert!(!report.has_errors(), "{:?}", report.problems);
        data
    };
    let county = links(&[["城区第一联合党支部", &codes[1], "2019-01-01", "2024-06-30"]]);
    let city = links(&[["城区第一联合党支部", &codes[3], "2022-01-01", ""]]);
    let chengqu = Scope::Regions(vec![RegionCode::parse("140302").expect("code")]);
    let mut w = db
        .begin_dataset_write(&chengqu, "chengqu", today)
        .await
        .expect("begin");
    w.write(&county).await.expect("the county's write");
    let other = db.clone();
    let city_write = tokio::spawn(async move {
        other
            .write_dataset(&Scope::City, &city, "city", today)
            .await
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        !city_write.is_finished(),
        "the city's write waits for the county's"
    );
    w.finish().await.expect("the county commits");
    let written = tokio::time::timeout(std::time::Duration::from_secs(20), city_write)
        .await
        .expect("the city's write goes on after the commit")
        .expect("task");
    written.expect("the city's write");
}
