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
    let set_cookie = r.headers["set-cookie"].to_str().expect("header");
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
async fn five_failures_lock_the_account() {
    let app = TestApp::new(crate::support::TestDb::new().await);
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    for _ in 0..5 {
        assert!(
            app.sign_in("city", "nope")
                .await
                .body
                .contains("用户名或密码错误")
        );
    }
    let r = app.sign_in("city", "pass1234").await;
    assert!(
        r.body.contains("已锁定"),
        "the right password is refused while locked"
    );
    assert!(session_cookie(&r).is_none());
    let (entries, _) = app.t.db.audit_entries(0, 20).await.expect("audit");
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "login_failed")
            .count(),
        5
    );
    assert_eq!(entries[0].action, "login_locked");
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

#[tokio::test]
async fn a_county_user_sees_only_its_county() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let county = app
        .user(
            "chengqu",
            Role::CountyAdmin,
            ScopeTarget::Region(RegionCode::parse("140302").expect("code")),
        )
        .await;
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
