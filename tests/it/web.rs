//! Pages: sign-in, throttling, CSRF, the forced password change, the dashboard's drill-down links,
//! and a county user confined to its county.

use axum::http::StatusCode;
use dangjian::db::ScopeTarget;
use dangjian::domain::codes::RegionCode;
use dangjian::domain::role::Role;

use crate::support::{TestApp, session_cookie};

fn csrf_of(body: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker).expect("a csrf field") + marker.len();
    body[start..].split('"').next().expect("value").to_string()
}

#[tokio::test]
async fn sign_in_shows_the_dashboard_and_sign_out_ends_the_session() {
    let app = TestApp::new(crate::stats::golden_db().await);
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    // Not signed in: pages redirect to the sign-in page, keeping the target.
    let r = app.get_with_cookie("", "/orgs?covered=false").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers["location"],
        "/login?next=%2Forgs%3Fcovered%3Dfalse"
    );

    let r = app.sign_in("city", "wrong-password").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("用户名或密码错误"));
    assert!(session_cookie(&r).is_none());

    let r = app.sign_in("city", "pass1234").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cookie = session_cookie(&r).expect("session cookie");
    let set_cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("dj_session="))
        .expect("header");
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );

    // The dashboard as of the golden date: 6 in scope, 3 covered → 50.0%; the uncovered count
    // links to exactly its list.
    let r = app.get_with_cookie(&cookie, "/?as_of=2021-12-31").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("50.0%"),
        "organizational coverage rate shown"
    );
    assert!(r.body.contains("66.7%"), "work coverage rate shown");
    // The to-dos separate the items whose gap the data already closed (waiting for 销号).
    assert!(
        r.body.contains("href=\"/ledger?closable=true\"") && r.body.contains("数据已满足销号条件"),
        "to-do card of satisfied items"
    );
    assert!(
        r.body
            .contains("href=\"/orgs?as_of=2021-12-31&#38;covered=false\""),
        "uncovered figure links to its records"
    );
    let r = app
        .get_with_cookie(&cookie, "/orgs?as_of=2021-12-31&covered=false")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("共 3 条"), "three uncovered orgs listed");
    for name in ["丁研究会", "庚养老院", "壬促进会"] {
        assert!(r.body.contains(name), "{name} listed");
    }
    assert!(!r.body.contains("甲协会"));

    // Sign-out needs the form's CSRF token.
    let r = app
        .post_form(Some(&cookie), "/logout", &[("csrf", "forged")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = app.get_with_cookie(&cookie, "/").await;
    let r = app
        .post_form(Some(&cookie), "/logout", &[("csrf", &csrf_of(&page.body))])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_with_cookie(&cookie, "/").await.status,
        StatusCode::SEE_OTHER,
        "session ended"
    );
}

#[tokio::test]
async fn a_reset_password_must_be_changed_first() {
    let app = TestApp::new(crate::support::TestDb::new().await);
    let hash = dangjian::auth::hash_password("first123").expect("hash");
    app.t
        .db
        .create_user("fresh", Role::Viewer, &ScopeTarget::City, &hash, true)
        .await
        .expect("user");
    let r = app.sign_in("fresh", "first123").await;
    assert_eq!(r.headers["location"], "/password");
    let cookie = session_cookie(&r).expect("cookie");
    assert_eq!(
        app.get_with_cookie(&cookie, "/orgs").await.headers["location"],
        "/password"
    );
    let page = app.get_with_cookie(&cookie, "/password").await;
    let csrf = csrf_of(&page.body);
    let r = app
        .post_form(
            Some(&cookie),
            "/password",
            &[
                ("csrf", &csrf),
                ("current", "first123"),
                ("new", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert!(r.body.contains("密码至少8位"));
    let r = app
        .post_form(
            Some(&cookie),
            "/password",
            &[
                ("csrf", &csrf),
                ("current", "first123"),
                ("new", "better456"),
                ("confirm", "better456"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_with_cookie(&cookie, "/orgs").await.status,
        StatusCode::OK
    );
}

/// The golden registry with a county admin of 城区 (140302), signed in: (app, its cookie).
async fn golden_with_chengqu_admin() -> (TestApp, String) {
    let app = TestApp::new(crate::stats::golden_db().await);
    let county = app
        .user(
            "chengqu",
            Role::CountyAdmin,
            ScopeTarget::Region(RegionCode::parse("140302").expect("code")),
        )
        .await;
    (app, county)
}

#[tokio::test]
async fn a_county_user_sees_only_its_county() {
    let (app, county) = golden_with_chengqu_admin().await;
    let codes = crate::fixture::codes();
    // 城区 orgs: B, C, F, H (all four, whatever their state); A is city level, D 矿区.
    let r = app.get(&county, "/api/v1/orgs").await;
    assert_eq!(r.json()["total"], 4);
    assert_eq!(
        app.get(&county, &format!("/api/v1/orgs/{}", codes[1]))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&county, &format!("/api/v1/orgs/{}", codes[3]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&county, &format!("/orgs/{}", codes[3]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Its coverage figures count its county only: B and C at 2021-12-31.
    let r = app
        .get(&county, "/api/v1/stats/coverage?as_of=2021-12-31")
        .await;
    assert_eq!(r.json()["total"]["in_scope"], 2);
    assert_eq!(r.json()["total"]["covered"], 2);
}

#[tokio::test]
async fn page_errors_are_chinese_pages_and_api_errors_stay_json() {
    let (app, county) = golden_with_chengqu_admin().await;
    // (path, status, words the page must show): a page its role may not open (the guard's
    // refusal), an address that is no route, a path parameter that is not a number.
    let cases = [
        ("/admin/users", StatusCode::NOT_FOUND, "不在您的权限范围内"),
        ("/no-such-page", StatusCode::NOT_FOUND, "不在您的权限范围内"),
        ("/ledger/abc", StatusCode::BAD_REQUEST, "网址中的参数无效"),
        // A query string that does not read: a repeated parameter, a page that is no number.
        (
            "/orgs?as_of=2021-01-01&as_of=2021-06-30",
            StatusCode::BAD_REQUEST,
            "查询参数 as_of 重复出现",
        ),
        (
            "/ledger?kind=a&kind=b",
            StatusCode::BAD_REQUEST,
            "查询参数 kind 重复出现",
        ),
    ];
    for (path, status, words) in cases {
        let r = app.get(&county, path).await;
        assert_eq!(r.status, status, "{path}");
        assert!(
            r.headers["content-type"]
                .to_str()
                .expect("header")
                .starts_with("text/html"),
            "{path}"
        );
        assert!(
            r.body.contains("出错了") && r.body.contains(words),
            "{path}: {}",
            r.body
        );
        assert!(!r.body.contains("Cannot parse"), "{path}: no English");
    }
    // The API answers in JSON still, for a route and for an address that is none.
    for path in ["/api/v1/users", "/api/v1/no-such-thing"] {
        let r = app.get(&county, path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(r.json()["error"].is_string(), "{path}");
    }
    let r = app
        .get(&county, "/api/v1/stats/coverage?by=kind&by=region")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"], "查询参数 by 重复出现");
}

#[tokio::test]
async fn import_in_the_browser_names_errors_then_saves_the_fixed_workbook() {
    let app = TestApp::new(crate::support::TestDb::new().await);
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let csrf = csrf_of(&app.get_with_cookie(&cookie, "/import").await.body);
    // A valid code, and a copy with a wrong check character.
    let code = dangjian::domain::codes::CreditCode::from_body("51140302MJY000010")
        .expect("body")
        .as_str()
        .to_string();
    let mut wrong = code.clone();
    let last = wrong.pop().expect("char");
    wrong.push(if last == '0' { '1' } else { '0' });
    let csv = |c: &str| {
        format!(
            "统一社会信用代码,名称,类型,登记管理机关区划,成立登记日期,登记状态,正式党员数\n{c},新协会,社会团体,140302,2024-01-01,正常,2\n"
        )
    };
    let r = app
        .upload(
            &cookie,
            "/import",
            &csrf,
            "社会组织.csv",
            csv(&wrong).as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("发现 1 条错误"),
        "{}",
        &r.body[..r.body.len().min(3000)]
    );
    assert!(r.body.contains(&format!("校验位错误，应为 {last}")));
    assert!(r.body.contains(">A2<"), "the cell is named");
    assert!(!r.body.contains("确认导入"), "no confirmation with errors");
    assert!(app.t.db.is_empty().await.expect("db"));

    let r = app
        .upload(
            &cookie,
            "/import",
            &csrf,
            "社会组织.csv",
            csv(&code).as_bytes(),
        )
        .await;
    assert!(r.body.contains("没有错误"));
    let action = r
        .body
        .split("action=\"/import/")
        .nth(1)
        .expect("confirm form")
        .split('"')
        .next()
        .expect("path")
        .to_string();
    // Before it is confirmed, the page lists what the import will change: the new org.
    assert!(r.body.contains("确认后将发生的变化"), "{}", r.body);
    let changes = r
        .body
        .split("id=\"changes\"")
        .nth(1)
        .expect("the list of changes");
    assert!(
        changes.contains(&code) && changes.contains("新增"),
        "{changes}"
    );
    let marker = "name=\"changes\" value=\"";
    let start = r.body.find(marker).expect("the preview's fingerprint") + marker.len();
    let fingerprint = r.body[start..]
        .split('"')
        .next()
        .expect("value")
        .to_string();
    // A confirmation of other changes than those shown saves nothing, and shows them again.
    let r = app
        .post_form(
            Some(&cookie),
            &format!("/import/{action}"),
            &[("csrf", &csrf), ("changes", "0000000000000000")],
        )
        .await;
    assert!(r.body.contains("id=\"import-stale\""), "{}", r.body);
    assert!(
        app.t
            .db
            .org_record(&dangjian::db::Scope::City, &code)
            .await
            .expect("db")
            .is_none()
    );
    let r = app
        .post_form(
            Some(&cookie),
            &format!("/import/{action}"),
            &[("csrf", &csrf), ("changes", &fingerprint)],
        )
        .await;
    assert!(
        r.body.contains("导入完成"),
        "{}",
        &r.body[..r.body.len().min(2000)]
    );
    let r = app.get_with_cookie(&cookie, "/orgs?q=新协会").await;
    assert!(r.body.contains(&code), "the new org is listed");
    // A viewer may not import.
    let viewer = app.user("viewer", Role::Viewer, ScopeTarget::City).await;
    assert_eq!(
        app.get(&viewer, "/import").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn forms_validate_like_the_import_and_keep_history() {
    let app = TestApp::new(crate::stats::golden_db().await);
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let csrf = csrf_of(&app.get_with_cookie(&cookie, "/forms/org").await.body);
    let codes = crate::fixture::codes();
    // Edit B (乙服务中心): 正式党员数 typed as text is refused with the import's message under
    // the field; nothing changes.
    let edit = app
        .get_with_cookie(&cookie, &format!("/orgs/{}/edit", codes[1]))
        .await;
    assert!(edit.body.contains("乙服务中心"), "the form is prefilled");
    assert!(
        edit.body.contains("value=\"2016-05-06\""),
        "dates prefilled for the date input"
    );
    // Field order is the import's column order (f0 信用代码 … f12 正式党员数 … f16 填报日期).
    let values = [
        codes[1].as_str(),
        "乙服务中心",
        "民办非企业单位",
        "140302",
        "",
        "2016-05-06",
        "正常",
        "",
        "",
        "",
        "",
        "",
        "1",
        "",
        "是",
        "",
        "2026-11-28",
    ];
    let mut form: Vec<(String, String)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("f{i}"), v.to_string()))
        .collect();
    form.push(("csrf".into(), csrf.clone()));
    form.push(("editing".into(), "1".into()));
    let with = |changes: &[(&str, &str)]| {
        let mut f = form.clone();
        for (k, v) in changes {
            if let Some(e) = f.iter_mut().find(|(key, _)| key == k) {
                e.1 = v.to_string();
            }
        }
        f
    };
    let send = |f: Vec<(String, String)>| {
        let app = &app;
        let cookie = cookie.clone();
        async move {
            let pairs: Vec<(&str, &str)> =
                f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.post_form(Some(&cookie), "/forms/org", &pairs).await
        }
    };
    let r = send(with(&[("f12", "三人")])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("不是整数"),
        "the import's message: {}",
        &r.body[..r.body.len().min(500)]
    );
    assert!(r.body.contains("field-error"));
    // The cursor starts at the field in error, and its message is tied to it.
    assert!(
        r.body
            .contains("aria-invalid=\"true\" aria-describedby=\"f12-notes\" autofocus"),
        "{}",
        r.body
    );
    // A valid change is saved and appears in the timeline as a change, before → after.
    let r = send(with(&[("f12", "3")])).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{}",
        &r.body[..r.body.len().min(800)]
    );
    let detail = app
        .get_with_cookie(&cookie, &format!("/orgs/{}", codes[1]))
        .await;
    assert!(detail.body.contains("信息变更"));
    assert!(
        detail.body.contains("正式党员数 1 → 3"),
        "the change in words: {}",
        detail.body
    );
    assert!(
        detail.body.contains("正式党员数"),
        "the change log names the field"
    );
    // B now has 3 formal members and only the joint J1 covers it: the save raised its
    // 单独组建 task at once (no 按数据检查 needed).
    let items = app
        .t
        .db
        .ledger_items(&dangjian::db::Scope::City, app.t.db.clock().today())
        .await
        .expect("items");
    assert!(
        items.iter().any(|i| i.subject == codes[1]
            && i.kind == dangjian::domain::ledger::ItemKind::EstablishOwnOrg),
        "{items:#?}"
    );
    // B supervised by a unit that does not exist: the form shows the warning and asks first;
    // nothing is created until the user confirms.
    let r = send(with(&[("f4", "阳泉市民证局")])).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("id=\"confirm-warnings\"") && r.body.contains("确认并保存"),
        "{}",
        r.body
    );
    let units = |app: &TestApp| {
        let db = app.t.db.clone();
        async move { db.units().await.expect("units") }
    };
    assert!(!units(&app).await.iter().any(|u| u.name == "阳泉市民证局"));
    let marker = "name=\"confirm_warnings\" value=\"";
    let start = r.body.find(marker).expect("confirmation") + marker.len();
    let fingerprint = r.body[start..]
        .split('"')
        .next()
        .expect("value")
        .to_string();
    let mut confirmed = with(&[("f4", "阳泉市民证局")]);
    confirmed.push(("confirm_warnings".into(), fingerprint));
    let r = send(confirmed).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(units(&app).await.iter().any(|u| u.name == "阳泉市民证局"));
    // A county admin of 矿区 may not move an org into its scope from 城区 (out of scope: 404).
    let county = app
        .user(
            "kuangqu",
            Role::CountyAdmin,
            ScopeTarget::Region(RegionCode::parse("140303").expect("code")),
        )
        .await;
    assert_eq!(
        app.get(&county, &format!("/orgs/{}/edit", codes[1]))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn lists_export_to_xlsx_exactly_as_filtered() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let token = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    // The drill-down of "uncovered at 2021-12-31" (D, G, I) as a workbook.
    let r = app
        .get(&token, "/orgs/export.xlsx?as_of=2021-12-31&covered=false")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let workbook = |path: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let req = axum::http::Request::get(path)
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .expect("request");
            let res = tower::ServiceExt::oneshot(app.router.clone(), req)
                .await
                .expect("response");
            let bytes = http_body_util::BodyExt::collect(res.into_body())
                .await
                .expect("body")
                .to_bytes();
            dangjian::excel::source::read_bytes("x.xlsx", &bytes).expect("a workbook")
        }
    };
    let wb = workbook("/orgs/export.xlsx?as_of=2021-12-31&covered=false").await;
    let sheet = wb.sheet("社会组织").expect("sheet");
    let mut names: Vec<String> = sheet
        .rows
        .iter()
        .filter_map(|r| dangjian::excel::cells::text(&r.cells[1]))
        .collect();
    names.sort();
    assert_eq!(names, ["丁研究会", "壬促进会", "庚养老院"]);
    // The statistics table as a workbook: the total row of 2021-12-31 by region holds the
    // golden figures (6 in scope, 3 covered, 3 not), counts as numbers.
    let wb = workbook("/stats.xlsx?as_of=2021-12-31&by=region").await;
    let sheet = &wb.sheets[0];
    assert_eq!(
        dangjian::excel::cells::text(&sheet.header[1]).as_deref(),
        Some("纳入统计")
    );
    let total = sheet.rows.last().expect("total row");
    assert!(
        dangjian::excel::cells::text(&total.cells[0]).is_some_and(|t| t.starts_with("合计")),
        "{total:?}"
    );
    assert_eq!(
        total.cells[1..4].to_vec(),
        [6.0, 3.0, 3.0]
            .map(dangjian::excel::source::Cell::Number)
            .to_vec()
    );
    // The rates are numbers (3 of 6 covered: 50.0 % → 0.5), formatted as percentages, so that
    // they sort and sum in Excel.
    assert_eq!(
        total.cells[total.cells.len() - 2],
        dangjian::excel::source::Cell::Number(0.5)
    );
    for path in [
        "/party-orgs/export.xlsx",
        "/instructors/export.xlsx",
        "/units/export.xlsx",
        "/ledger/export.xlsx",
        "/ledger/units/export.xlsx",
        "/import/template.xlsx",
    ] {
        assert_eq!(app.get(&token, path).await.status, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn evidence_files_are_checked_stored_and_count_as_evidence() {
    let app = TestApp::new(crate::stats::golden_db().await);
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    app.t
        .db
        .detect(
            &dangjian::db::Scope::City,
            "test",
            chrono::NaiveDate::from_ymd_opt(2021, 12, 31).expect("date"),
        )
        .await
        .expect("detect");
    let item = app
        .t
        .db
        .ledger_items(
            &dangjian::db::Scope::City,
            chrono::NaiveDate::from_ymd_opt(2021, 12, 31).expect("date"),
        )
        .await
        .expect("items")[0]
        .id;
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let page = app
        .get_with_cookie(&cookie, &format!("/ledger/{item}"))
        .await;
    let csrf = csrf_of(&page.body);
    // A script named .pdf is refused with the reason; a real PDF is stored.
    let r = app
        .upload(
            &cookie,
            &format!("/ledger/{item}/attachments"),
            &csrf,
            "批复.pdf",
            b"<script>x</script>",
        )
        .await;
    assert!(
        r.body.contains("只接受 PDF"),
        "{}",
        &r.body[..r.body.len().min(400)]
    );
    let pdf = b"%PDF-1.4\n%demo evidence\n";
    let r = app
        .upload(
            &cookie,
            &format!("/ledger/{item}/attachments"),
            &csrf,
            "批复.pdf",
            pdf,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let files = app.t.db.attachments(item).await.expect("files");
    assert_eq!(files.len(), 1);
    let r = app
        .get_with_cookie(
            &cookie,
            &format!("/ledger/{item}/attachments/{}", files[0].id),
        )
        .await;
    assert_eq!(r.body.as_bytes(), pdf);
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    // Start, then submit without text: the file is the evidence.
    app.post_form(
        Some(&cookie),
        &format!("/ledger/{item}"),
        &[("csrf", &csrf), ("action", "start")],
    )
    .await;
    let r = app
        .post_form(
            Some(&cookie),
            &format!("/ledger/{item}"),
            &[("csrf", &csrf), ("action", "submit")],
        )
        .await;
    let error = r
        .body
        .split("alert alert-error\" role=\"alert\">")
        .nth(1)
        .map(|e| e.split('<').next().unwrap_or(""))
        .unwrap_or("");
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{error}");
    let state = app
        .t
        .db
        .ledger_items(
            &dangjian::db::Scope::City,
            chrono::NaiveDate::from_ymd_opt(2021, 12, 31).expect("date"),
        )
        .await
        .expect("items");
    assert_eq!(
        state.iter().find(|i| i.id == item).expect("item").state,
        dangjian::domain::ledger::ItemState::Submitted
    );
}

#[tokio::test]
async fn a_verifier_creates_a_supervision_item_by_hand() {
    let app = TestApp::new(crate::stats::golden_db().await);
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let viewer = app.user("viewer", Role::Viewer, ScopeTarget::City).await;
    assert_eq!(
        app.get(&viewer, "/ledger/new").await.status,
        StatusCode::NOT_FOUND
    );
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let csrf = csrf_of(&app.get_with_cookie(&cookie, "/ledger/new").await.body);
    let codes = crate::fixture::codes();
    let form = |subject: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("kind", "supervision".to_string()),
            ("subject", subject.to_string()),
            ("gap", "督办函：三个月内完成换届".to_string()),
            ("deadline", "2027-03-01".to_string()),
        ]
    };
    let unknown: Vec<(&str, String)> = form("51140300MJY00001XN");
    let pairs: Vec<(&str, &str)> = unknown.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post_form(Some(&cookie), "/ledger/new", &pairs).await;
    assert!(
        r.body.contains("找不到社会组织"),
        "an unknown subject is named"
    );
    let ok = form(&codes[0].to_lowercase());
    let pairs: Vec<(&str, &str)> = ok.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post_form(Some(&cookie), "/ledger/new", &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let items = app
        .t
        .db
        .ledger_items(
            &dangjian::db::Scope::City,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
        )
        .await
        .expect("items");
    let item = items
        .iter()
        .find(|i| i.kind == dangjian::domain::ledger::ItemKind::Supervision)
        .expect("item");
    assert_eq!(
        (item.subject.as_str(), item.deadline.as_deref()),
        (codes[0].as_str(), Some("2027-03-01"))
    );
    assert_eq!(
        item.responsible_unit.as_deref(),
        Some("阳泉市教育行业党委"),
        "A's responsible unit"
    );
}

#[tokio::test]
async fn a_joint_party_org_page_links_only_the_orgs_its_reader_may_open() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let c = crate::fixture::codes();
    let org_b = app.t.db.org_id(&c[1]).await.expect("db").expect("org");
    let own = app
        .user("org_b", Role::OrgUser, ScopeTarget::Org(org_b))
        .await;
    // 城区第一联合党支部 covers B (the reader's own org) and C (not the reader's).
    let j1 = app
        .t
        .db
        .party_org_rows(&dangjian::db::Scope::City)
        .await
        .expect("rows")
        .into_iter()
        .find(|p| p.name == "城区第一联合党支部")
        .expect("J1");
    let r = app.get(&own, &format!("/party-orgs/{}", j1.id)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains(&format!("href=\"/orgs/{}\"", c[1])),
        "{}",
        r.body
    );
    assert!(r.body.contains("丙培训学校"), "C is listed");
    assert!(
        !r.body.contains(&format!("href=\"/orgs/{}\"", c[2])),
        "C is not a link: {}",
        r.body
    );
    // Its dashboard shows its org and its state, not city-style tables of one row: at
    // 2021-12-31 B is covered by the joint J1 (since 2019) and has 1 formal member.
    let r = app.get(&own, "/?as_of=2021-12-31").await;
    assert!(
        r.body.contains("id=\"own-org\"")
            && r.body.contains("乙服务中心")
            && r.body.contains("党组织已覆盖（联合组建）；正式党员 1 名"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("按区划"), "no region table");
    // And B's page links the party org that covers it.
    let r = app.get(&own, &format!("/orgs/{}", c[1])).await;
    assert!(
        r.body.contains(&format!("href=\"/party-orgs/{}\"", j1.id)),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_census_campaign_through_the_pages() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let region = |c: &str| ScopeTarget::Region(RegionCode::parse(c).expect("code"));
    app.user("chengqu", Role::CountyAdmin, region("140302"))
        .await;
    let c = crate::fixture::codes();
    let (b, cc) = (c[1].clone(), c[2].clone());
    let org_b = app.t.db.org_id(&b).await.expect("db").expect("org");
    app.user("org_b", Role::OrgUser, ScopeTarget::Org(org_b))
        .await;
    let county = session_cookie(&app.sign_in("chengqu", "pass1234").await).expect("cookie");

    // The county admin opens a campaign for its county; a region outside it is refused.
    let page = app.get_with_cookie(&county, "/census").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = csrf_of(&page.body);
    let form = |region: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("name", "城区摸排".to_string()),
            ("reference_date", "2026-10-31".to_string()),
            ("end_date", "2026-12-31".to_string()),
            ("region", region.to_string()),
        ]
    };
    let outside = form("140303");
    let r = app
        .post_form(
            Some(&county),
            "/census",
            &outside
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert!(r.body.contains("请选择您管理范围内的区划"), "{}", r.body);
    let inside = form("140302");
    let r = app
        .post_form(
            Some(&county),
            "/census",
            &inside
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let campaign = r.headers["location"]
        .to_str()
        .expect("location")
        .to_string();

    // Its three orgs (B, C, F) are missing: the dashboard lists them as to fill.
    let dash = app.get_with_cookie(&county, "/").await;
    assert!(dash.body.contains("摸排表待填报"), "dashboard todo");
    let page = app.get_with_cookie(&county, &campaign).await;
    assert!(page.body.contains("应填报 3，已填报 0"), "{}", page.body);

    // The org's own user fills its return; a wrong number is named at its field, nothing saved.
    let own = session_cookie(&app.sign_in("org_b", "pass1234").await).expect("cookie");
    let form_page = app
        .get_with_cookie(&own, &format!("{campaign}/orgs/{b}"))
        .await;
    assert_eq!(form_page.status, StatusCode::OK);
    // Prefilled from the registry: B is covered by the joint J1 at the reference date.
    assert!(
        form_page.body.contains("<option value=\"joint\" selected>"),
        "{}",
        form_page.body
    );
    let csrf_b = csrf_of(&form_page.body);
    let r = app
        .post_form(
            Some(&own),
            &format!("{campaign}/orgs/{b}"),
            &[
                ("csrf", csrf_b.as_str()),
                ("action", "save_confirm"),
                ("operating_state", "running"),
                ("staff_count", "6"),
                ("formal_members", "三"),
                ("party_org_status", "joint"),
            ],
        )
        .await;
    assert!(r.body.contains("正式党员数“三”应为整数"), "{}", r.body);
    // An org user may not confirm: "save and confirm" saves it unconfirmed.
    let r = app
        .post_form(
            Some(&own),
            &format!("{campaign}/orgs/{b}"),
            &[
                ("csrf", csrf_b.as_str()),
                ("action", "save_confirm"),
                ("operating_state", "running"),
                ("staff_count", "6"),
                ("formal_members", "3"),
                ("party_org_status", "joint"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Another org's return is not the org user's to see.
    let other = app
        .get_with_cookie(&own, &format!("{campaign}/orgs/{cc}"))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // The county admin sees it waiting and confirms all.
    let page = app.get_with_cookie(&county, &campaign).await;
    assert!(
        page.body.contains("已填报 1（待确认 1），已确认 0"),
        "{}",
        page.body
    );
    let dash = app.get_with_cookie(&county, "/").await;
    assert!(dash.body.contains("摸排表待确认"), "dashboard todo");
    // Its figure links to the returns this county confirms, and that list says so.
    assert!(
        dash.body
            .contains(&format!("href=\"{campaign}?state=returned&#38;mine=1\"")),
        "{}",
        dash.body
    );
    let mine = app
        .get_with_cookie(&county, &format!("{campaign}?state=returned&mine=1"))
        .await;
    assert!(
        mine.body.contains("id=\"mine-only\"") && mine.body.contains("共 1 个"),
        "{}",
        mine.body
    );
    let r = app
        .post_form(
            Some(&county),
            &format!("{campaign}/confirm"),
            &[("csrf", csrf_of(&page.body).as_str())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get_with_cookie(&county, &campaign).await;
    assert!(page.body.contains("已确认 1，未填报 2"), "{}", page.body);
    // B's page says where its 3 formal members come from.
    let org = app.get_with_cookie(&county, &format!("/orgs/{b}")).await;
    assert!(
        org.body.contains("摸排“城区摸排”确认，基准日 2026-10-31"),
        "{}",
        org.body
    );
    // Its edit form says that the confirmed return, not the registered count, is counted.
    let edit = app
        .get_with_cookie(&county, &format!("/orgs/{b}/edit"))
        .await;
    assert!(
        edit.body
            .contains("统计自 2026-10-31 起采用摸排“城区摸排”确认的 3 名"),
        "{}",
        edit.body
    );
}

#[tokio::test]
async fn the_statistics_page_says_when_a_date_cannot_give_real_figures() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let city = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    // 1990: no golden org was registered yet (the earliest, 辛学会, in 2010).
    let r = app.get(&city, "/stats?as_of=1990-01-01").await;
    assert!(
        r.body.contains("id=\"stats-notice\"") && r.body.contains("没有纳入统计的社会组织"),
        "{}",
        r.body
    );
    // A date to come: figures extrapolated from today's registry, and said so.
    let r = app.get(&city, "/stats?as_of=2999-01-01").await;
    assert!(r.body.contains("晚于今天"), "{}", r.body);
    // An ordinary past date: no notice.
    let r = app.get(&city, "/stats?as_of=2021-12-31").await;
    assert!(!r.body.contains("id=\"stats-notice\""));
    // The denominator of the cross-appointment rates links to its orgs.
    assert!(
        r.body
            .contains("href=\"/orgs?as_of=2021-12-31&amp;covered=true\" id=\"cross-covered\""),
        "{}",
        r.body
    );
    // The dashboard says the same.
    let r = app.get(&city, "/?as_of=1990-01-01").await;
    assert!(r.body.contains("id=\"dashboard-notice\""), "{}", r.body);
    let r = app.get(&city, "/?as_of=2021-12-31").await;
    assert!(!r.body.contains("id=\"dashboard-notice\""));
}

#[tokio::test]
async fn a_list_of_a_past_date_gives_the_status_of_that_date() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let city = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let e = &crate::fixture::codes()[4]; // 戊基金会: registered 2019-01-01, 注销 2021-06-30
    let listed = |uri: String| {
        let app = &app;
        let city = city.clone();
        async move {
            let r = app.get(&city, &uri).await;
            r.json()["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| {
                    (
                        i["credit_code"].as_str().unwrap_or_default().to_string(),
                        i["status"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    // At 2020-12-31 it was registered (正常): the 正常 filter finds it, the 注销 filter does not.
    let normal = listed("/api/v1/orgs?as_of=2020-12-31&status=normal&per_page=100".into()).await;
    assert!(normal.contains(&(e.clone(), "normal".into())), "{normal:?}");
    let gone =
        listed("/api/v1/orgs?as_of=2020-12-31&status=deregistered&per_page=100".into()).await;
    assert!(!gone.iter().any(|(c, _)| c == e), "{gone:?}");
    // Today's list (no date) gives today's status: 注销.
    let gone = listed("/api/v1/orgs?status=deregistered&per_page=100".into()).await;
    assert!(
        gone.contains(&(e.clone(), "deregistered".into())),
        "{gone:?}"
    );
}

#[tokio::test]
async fn the_task_list_pages_and_keeps_its_filters() {
    // A generated city of 2,500 orgs: more than 100 items once detected.
    let t = crate::support::TestDb::new().await;
    let today = t.db.clock().today();
    let data = dangjian::demo::generate(11, 2500, today);
    t.db.write_dataset(&dangjian::db::Scope::City, &data, "test", today)
        .await
        .expect("demo");
    let raised =
        t.db.detect(&dangjian::db::Scope::City, "test", today)
            .await
            .expect("detect")
            .raised;
    assert!(raised > 100, "{raised} items");
    let app = TestApp::new(t);
    let city = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let rows = |body: &str| body.matches("<tr class=").count();
    // Pages of 20 by default, numbered on.
    let r = app.get(&city, "/ledger").await;
    let pages = raised.div_ceil(20);
    assert!(r.body.contains(&format!("第 1 / {pages} 页")), "{}", r.body);
    assert!(r.body.contains(&format!("共 {raised} 条")) || raised > 9999);
    assert_eq!(rows(&r.body), 20);
    assert!(r.body.contains("href=\"/ledger?page=2\""), "next page link");
    // 100 a page when asked: the size is carried by the links; 序号 continue on page 2.
    let r = app.get(&city, "/ledger?per_page=100&page=2").await;
    assert_eq!(rows(&r.body), 100.min(raised - 100));
    assert!(
        r.body.contains("<td class=\"num\">101</td>"),
        "序号 101 on page 2"
    );
    let pages = raised.div_ceil(100);
    assert!(r.body.contains(&format!("第 2 / {pages} 页")));
    // The last page holds the rest; a page past the end shows the last one.
    let r = app
        .get(&city, &format!("/ledger?per_page=100&page={}", pages + 5))
        .await;
    assert_eq!(rows(&r.body), raised - (pages - 1) * 100);
    // A filter is carried into the page links (every item is still 待办: as many pages).
    let r = app.get(&city, "/ledger?state=open&page=1").await;
    assert!(
        r.body.contains("href=\"/ledger?state=open&#38;page=2\""),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_department_sees_but_does_not_work_another_units_items() {
    let t = crate::stats::golden_db().await;
    t.db.detect(&dangjian::db::Scope::City, "test", t.db.clock().today())
        .await
        .expect("detect");
    let app = TestApp::new(t);
    // 丙 (C) is supervised by 阳泉市体育局, which carries no party building: its items belong to
    // 城区工委. The 体育局 user sees them (C is in its scope) but may not work them.
    let sports = app
        .t
        .db
        .unit_id("阳泉市体育局")
        .await
        .expect("db")
        .expect("unit");
    app.user("sports", Role::Department, ScopeTarget::Unit(sports))
        .await;
    let cookie = session_cookie(&app.sign_in("sports", "pass1234").await).expect("cookie");
    let c = crate::fixture::codes()[2].clone();
    let item = app
        .t
        .db
        .ledger_items(&dangjian::db::Scope::City, app.t.db.clock().today())
        .await
        .expect("items")
        .into_iter()
        .find(|i| i.subject == c && i.state == dangjian::domain::ledger::ItemState::Open)
        .expect("an open item of C");
    assert_eq!(item.responsible_unit.as_deref(), Some("城区工委"));
    let page = app
        .get_with_cookie(&cookie, &format!("/ledger/{}", item.id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("由责任单位办理"), "{}", page.body);
    assert!(!page.body.contains("value=\"start\""), "no actions offered");
    // Posting the action anyway changes nothing.
    let r = app
        .post_form(
            Some(&cookie),
            &format!("/ledger/{}", item.id),
            &[("csrf", csrf_of(&page.body).as_str()), ("action", "start")],
        )
        .await;
    assert!(r.body.contains("由责任单位办理"), "{}", r.body);
    let after = app
        .t
        .db
        .ledger_items(&dangjian::db::Scope::City, app.t.db.clock().today())
        .await
        .expect("items")
        .into_iter()
        .find(|i| i.id == item.id)
        .expect("item");
    assert_eq!(after.state, dangjian::domain::ledger::ItemState::Open);
    // Likewise in a census: it sees C's return but does not fill it.
    let campaign = app
        .t
        .db
        .create_campaign(
            &dangjian::domain::census::CampaignInput {
                name: "城区摸排".into(),
                reference_date: chrono::NaiveDate::from_ymd_opt(2026, 10, 31).expect("date"),
                end_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"),
            },
            &RegionCode::parse("140302").expect("code"),
            "test",
        )
        .await
        .expect("db")
        .expect("opened");
    let form = app
        .get_with_cookie(&cookie, &format!("/census/{campaign}/orgs/{c}"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("<fieldset class=\"plain\" disabled>"),
        "read-only"
    );
    let r = app
        .post_form(
            Some(&cookie),
            &format!("/census/{campaign}/orgs/{c}"),
            &[
                ("csrf", csrf_of(&form.body).as_str()),
                ("action", "save"),
                ("operating_state", "running"),
                ("formal_members", "1"),
                ("party_org_status", "joint"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("由本组织、其党建指导员或其责任单位填报"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_units_instructor_count_is_the_readers_share() {
    // 张三 of 阳泉市总工会 is stationed in D (矿区): the city counts him, 城区 does not, as the
    // unit's page (which lists the instructors the reader may see) would not list him.
    let t = crate::stats::golden_db().await;
    let count = |rows: Vec<dangjian::db::UnitRow>| {
        rows.into_iter()
            .find(|u| u.name == "阳泉市总工会")
            .expect("unit")
            .instructors
    };
    let city =
        t.db.unit_rows(&dangjian::db::Scope::City)
            .await
            .expect("rows");
    assert_eq!(count(city), 1);
    let chengqu = dangjian::db::Scope::Regions(vec![RegionCode::parse("140302").expect("code")]);
    let county = t.db.unit_rows(&chengqu).await.expect("rows");
    assert_eq!(count(county), 0);
}

#[test]
fn no_template_tag_repeats_an_attribute() {
    // A repeated attribute is silently dropped by browsers (the first one wins): an upload field
    // once became a text box that way. Every tag of every template, checked for repeats.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("templates") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        for tag in text.split('<').skip(1).filter_map(|t| t.split('>').next()) {
            let Some(name) = tag.split_whitespace().next() else {
                continue;
            };
            if !["input", "select", "textarea", "button", "form", "a"].contains(&name) {
                continue;
            }
            checked += 1;
            let mut seen = std::collections::HashSet::new();
            for attr in tag.split_whitespace().skip(1) {
                if let Some((key, _)) = attr.split_once('=')
                    && !key.is_empty()
                    && key.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
                {
                    assert!(
                        seen.insert(key.to_string()),
                        "{}: <{tag}> repeats {key}",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(checked > 100, "{checked} tags checked");
}

#[tokio::test]
async fn an_instructors_dashboard_lists_the_orgs_in_the_instructors_care() {
    let app = TestApp::new(crate::stats::golden_db().await);
    // 张三 (阳泉市总工会) has been stationed in 丁研究会 (D) since 2021-06-01; D has no party org
    // then: work-covered only.
    let zhang = app
        .t
        .db
        .instructor_rows(&dangjian::db::Scope::City)
        .await
        .expect("rows")
        .into_iter()
        .find(|i| i.name == "张三")
        .expect("张三");
    let token = app
        .user("zhang", Role::Instructor, ScopeTarget::Instructor(zhang.id))
        .await;
    let r = app.get(&token, "/?as_of=2021-12-31").await;
    assert!(
        r.body.contains("我指导联系的社会组织")
            && r.body.contains("丁研究会")
            && r.body
                .contains("尚未建立党组织，已派驻党建指导员或联络员（工作覆盖）"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("按区划"), "no region table");
}
