//! The review's attacks, refused (security.md F2, F3, F6–F10): bodies over a route's limit,
//! unbounded sign-in records, the throttle raced or turned into a lockout, login CSRF and open
//! redirects, sessions and tokens that outlived a password, missing browser headers, a notice
//! text of the attacker's choosing.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dangjian::db::ScopeTarget;
use dangjian::domain::role::Role;

use crate::support::{TestApp, TestDb, session_cookie};

fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                dangjian::web::auth::url_encode(k),
                dangjian::web::auth::url_encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn csrf_of(body: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker).expect("a csrf field") + marker.len();
    body[start..].split('"').next().expect("value").to_string()
}

/// Rows of a table, counted.
async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(app.t.db.pool())
        .await
        .expect("count")
}

#[tokio::test]
async fn bodies_over_a_routes_limit_are_refused_before_anything_is_stored() {
    let app = TestApp::new(TestDb::new().await);
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    // A 100 KB sign-in (the review posted 150 MB): 413, and no failure is recorded.
    let big = "a".repeat(100 * 1024);
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form_body(&[
            ("username", "x"),
            ("password", &big),
        ])))
        .expect("request");
    assert_eq!(app.send(req).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM login_failures").await, 0);
    // A body that declares itself larger than the limit is refused from its header alone.
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, "150000000")
        .body(Body::from("username=x"))
        .expect("request");
    assert_eq!(app.send(req).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Signed in: a record form is small too; the import page takes a real file.
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let csrf = csrf_of(&app.get_with_cookie(&cookie, "/").await.body);
    let r = app
        .post_form(
            Some(&cookie),
            "/forms/org",
            &[("csrf", &csrf), ("f1", &big)],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let file = vec![b'x'; 1024 * 1024];
    let r = app
        .upload(&cookie, "/import", &csrf, "big.csv", &file)
        .await;
    assert_eq!(r.status, StatusCode::OK, "a 1 MB upload is read");
    // An upload whose token does not match is refused before its file is read.
    let r = app
        .upload(&cookie, "/import", "forged", "big.csv", &file)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn failed_sign_ins_store_bounded_names_and_a_lockout_is_logged_once() {
    let app = TestApp::new(TestDb::new().await);
    // A 5,000-character name, five times (the review's 10 MB names filled the disk).
    let long = "u".repeat(5000);
    for _ in 0..5 {
        assert!(
            app.sign_in(&long, "x")
                .await
                .body
                .contains("用户名或密码错误")
        );
    }
    let longest: i64 = count(&app, "SELECT MAX(LENGTH(username)) FROM login_failures").await;
    assert_eq!(longest, 40, "the name is cut to 40 characters");
    let (entries, _) = app.t.db.audit_entries(0, 100).await.expect("audit");
    assert!(
        entries
            .iter()
            .all(|e| e.target.chars().count() <= 40 && e.username.chars().count() <= 40)
    );
    // Twenty more attempts while throttled: no failure stored, one login_locked row.
    for _ in 0..20 {
        assert!(app.sign_in(&long, "x").await.body.contains("后再试"));
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM login_failures").await, 5);
    let (entries, _) = app.t.db.audit_entries(0, 100).await.expect("audit");
    let of = |action: &str| entries.iter().filter(|e| e.action == action).count();
    assert_eq!((of("login_failed"), of("login_locked")), (5, 1));
}

#[tokio::test]
async fn the_throttle_backs_off_instead_of_locking_anyone_out() {
    let app = TestApp::new(TestDb::new().await);
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    app.user("other", Role::CityAdmin, ScopeTarget::City).await;
    for _ in 0..5 {
        assert!(
            app.sign_in("city", "nope")
                .await
                .body
                .contains("用户名或密码错误")
        );
    }
    // The fifth failure makes the next attempt wait a second — with the right password too.
    let r = app.sign_in("city", "pass1234").await;
    assert!(r.body.contains("请 1 秒后再试"), "{}", r.body);
    assert!(session_cookie(&r).is_none());
    // Another user at the same address is not stopped by city's failures.
    assert!(session_cookie(&app.sign_in("other", "pass1234").await).is_some());
    // Two seconds later city signs in (no fifteen-minute lock).
    app.t.db.clock().advance(chrono::Duration::seconds(2));
    assert!(session_cookie(&app.sign_in("city", "pass1234").await).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_sign_ins_check_no_more_passwords_than_the_threshold() {
    let app = std::sync::Arc::new(TestApp::new(TestDb::new().await));
    app.user("admin3", Role::CityAdmin, ScopeTarget::City).await;
    // 30 at once (the review's 100 ran 35 password checks against a limit of 5): the count and
    // the check are one step, so the sixth on waits without a check.
    let (cookie, token) = app.login_token().await;
    let attempts = (0..30).map(|_| {
        let app = app.clone();
        let (cookie, token) = (cookie.clone(), token.clone());
        tokio::spawn(async move {
            app.post_form(
                Some(&cookie),
                "/login",
                &[
                    ("username", "admin3"),
                    ("password", "wrong"),
                    ("csrf", &token),
                ],
            )
            .await
            .status
        })
    });
    for a in attempts {
        assert_eq!(a.await.expect("task"), StatusCode::OK);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM login_failures").await, 5);
}

#[tokio::test]
async fn behind_a_proxy_the_client_is_the_proxys_header() {
    let t = TestDb::new().await;
    let config = dangjian::web::WebConfig {
        client_ip_header: Some("X-Forwarded-For".into()),
        ..Default::default()
    };
    let app = TestApp {
        router: dangjian::web::router_with(t.db.clone(), config),
        t,
    };
    let (cookie, token) = app.login_token().await;
    let attempt = |ip: &'static str, name: &'static str| {
        let body = form_body(&[("username", name), ("password", "x"), ("csrf", &token)]);
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &cookie)
            // A client may write its own entries first; the proxy appends the address it saw.
            .header("X-Forwarded-For", format!("1.2.3.4, {ip}"))
            .body(Body::from(body))
            .expect("request")
    };
    // Twenty names from one address (its threshold) slow that address down, not another.
    let names = [
        "n01", "n02", "n03", "n04", "n05", "n06", "n07", "n08", "n09", "n10", "n11", "n12", "n13",
        "n14", "n15", "n16", "n17", "n18", "n19", "n20",
    ];
    for n in names {
        assert!(
            app.send(attempt("10.0.0.1", n))
                .await
                .body
                .contains("用户名或密码错误")
        );
    }
    assert!(
        app.send(attempt("10.0.0.1", "n21"))
            .await
            .body
            .contains("后再试")
    );
    assert!(
        app.send(attempt("10.0.0.2", "n21"))
            .await
            .body
            .contains("用户名或密码错误")
    );
    let (entries, _) = app.t.db.audit_entries(0, 5).await.expect("audit");
    assert_eq!(entries[0].client, "10.0.0.2");
}

#[tokio::test]
async fn sign_in_needs_its_form_token_and_follows_only_local_paths() {
    let app = TestApp::new(TestDb::new().await);
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    // Posted from elsewhere (no cookie of the sign-in page): refused, no session.
    let r = app
        .post_form(
            None,
            "/login",
            &[
                ("username", "city"),
                ("password", "pass1234"),
                ("csrf", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(session_cookie(&r).is_none());
    // next=/<TAB>/evil.example (browsers drop the tab: //evil.example) and next=/<LF>/x (a 500
    // before) both become "/".
    for next in [
        "/%09/evil.example",
        "/%0a/x",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
    ] {
        let r = app
            .send(
                Request::get(format!("/login?next={next}"))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{next}");
        assert!(
            r.body.contains("name=\"next\" value=\"/\""),
            "{next}: {}",
            r.body
        );
    }
    let (cookie, token) = app.login_token().await;
    let r = app
        .post_form(
            Some(&cookie),
            "/login",
            &[
                ("username", "city"),
                ("password", "pass1234"),
                ("csrf", &token),
                ("next", "/\t/evil.example"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers["location"], "/");
    // A local path with a query is followed.
    assert_eq!(
        dangjian::web::pages::login::safe_next(Some("/orgs?covered=false&as_of=2021-12-31")),
        "/orgs?covered=false&as_of=2021-12-31"
    );
}

#[tokio::test]
async fn a_password_change_or_reset_ends_other_sessions_and_revokes_tokens() {
    let app = TestApp::new(TestDb::new().await);
    let token = app.user("pw1", Role::Viewer, ScopeTarget::City).await;
    let a = session_cookie(&app.sign_in("pw1", "pass1234").await).expect("a");
    let b = session_cookie(&app.sign_in("pw1", "pass1234").await).expect("b");
    assert_eq!(
        app.get(&token, "/api/v1/regions").await.status,
        StatusCode::OK
    );
    let csrf = csrf_of(&app.get_with_cookie(&a, "/password").await.body);
    // A common password is refused, with the reason.
    let r = app
        .post_form(
            Some(&a),
            "/password",
            &[
                ("csrf", &csrf),
                ("current", "pass1234"),
                ("new", "password1"),
                ("confirm", "password1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("常见的密码"));
    let r = app
        .post_form(
            Some(&a),
            "/password",
            &[
                ("csrf", &csrf),
                ("current", "pass1234"),
                ("new", "kv7dq2mz9"),
                ("confirm", "kv7dq2mz9"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // A keeps working, B is signed out, the token is revoked.
    assert_eq!(app.get_with_cookie(&a, "/").await.status, StatusCode::OK);
    assert_eq!(
        app.get_with_cookie(&b, "/").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get(&token, "/api/v1/regions").await.status,
        StatusCode::UNAUTHORIZED
    );
    // A reset by an admin ends A and revokes a new token too.
    let admin = dangjian::app::Actor::operator("admin");
    let fresh = dangjian::app::users::issue_token(&app.t.db, &admin, "pw1", 30)
        .await
        .expect("token");
    assert_eq!(
        app.get(&fresh, "/api/v1/regions").await.status,
        StatusCode::OK
    );
    dangjian::app::users::reset_password(&app.t.db, &admin, "pw1")
        .await
        .expect("reset");
    assert_eq!(
        app.get_with_cookie(&a, "/").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.get(&fresh, "/api/v1/regions").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn tokens_expire_and_are_listed_and_revoked_one_by_one() {
    let app = TestApp::new(TestDb::new().await);
    app.user("api", Role::Viewer, ScopeTarget::City).await;
    let admin = dangjian::app::Actor::operator("admin");
    let use_it = |t: String| {
        let app = &app;
        async move { app.get(&t, "/api/v1/regions").await.status }
    };
    let short = dangjian::app::users::issue_token(&app.t.db, &admin, "api", 1)
        .await
        .expect("token");
    let long = dangjian::app::users::issue_token(&app.t.db, &admin, "api", 30)
        .await
        .expect("token");
    assert!(
        dangjian::app::users::issue_token(&app.t.db, &admin, "api", 0)
            .await
            .is_err()
    );
    assert_eq!(use_it(short.clone()).await, StatusCode::OK);
    // Two days on: the one-day token has expired, the other works.
    app.t.db.clock().advance(chrono::Duration::days(2));
    assert_eq!(use_it(short).await, StatusCode::UNAUTHORIZED);
    assert_eq!(use_it(long.clone()).await, StatusCode::OK);
    let list = dangjian::app::users::tokens(&app.t.db, &admin, "api")
        .await
        .expect("list");
    // (The test user's own token, issued by the fixture, and these two.)
    assert_eq!(list.len(), 3);
    assert_eq!(list.iter().filter(|t| t.expired).count(), 1);
    // Revoked by its id (the start of its digest, never the token).
    let id: String = dangjian::auth::token_digest(&long)
        .chars()
        .take(dangjian::db::TOKEN_ID_LEN)
        .collect();
    assert!(list.iter().any(|t| t.id == id && !t.revoked));
    dangjian::app::users::revoke_token(&app.t.db, &admin, "api", &id)
        .await
        .expect("revoke");
    assert_eq!(use_it(long).await, StatusCode::UNAUTHORIZED);
    assert!(
        dangjian::app::users::revoke_token(&app.t.db, &admin, "api", &id)
            .await
            .is_err(),
        "revoked already"
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let token = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    for (uri, by_cookie) in [
        ("/login", false),
        ("/", true),
        ("/orgs/export.xlsx", true),
        ("/api/v1/orgs", false),
        ("/no-such-page", true),
    ] {
        let r = if by_cookie {
            app.get_with_cookie(&cookie, uri).await
        } else {
            app.get(&token, uri).await
        };
        let h = |name: &str| {
            r.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let csp = h("content-security-policy");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{uri}: {csp}"
        );
        assert_eq!(h("x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(h("referrer-policy"), "same-origin", "{uri}");
        assert_eq!(h("cache-control"), "no-store", "{uri}");
    }
    // The stylesheet and the script may be cached; the script is a file (no inline script and
    // no inline handler anywhere, which the CSP would block).
    let css = app.get(&token, "/static/app.css").await;
    assert!(
        css.headers["cache-control"]
            .to_str()
            .expect("header")
            .contains("max-age")
    );
    let js = app.get(&token, "/static/app.js").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.body.contains("data-confirm"));
    for entry in
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/templates")).expect("templates")
    {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("template");
        for bad in [
            "<script>",
            " onclick=",
            " onsubmit=",
            " onchange=",
            " style=\"",
        ] {
            assert!(!text.contains(bad), "{}: {bad}", path.display());
        }
    }
}

#[tokio::test]
async fn a_notice_is_a_code_of_the_product_never_text_from_the_address() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let token = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let regions = app.t.db.regions().await.expect("regions");
    let root = regions
        .iter()
        .find(|r| r.parent.is_none())
        .expect("city")
        .code
        .clone();
    let id = app
        .t
        .db
        .create_campaign(
            &dangjian::domain::census::CampaignInput {
                name: "全市摸排".into(),
                reference_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
                end_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"),
            },
            &root,
            "test",
        )
        .await
        .expect("db")
        .expect("campaign");
    let phishing = "系统升级，请访问 http://evil.example 重新登录";
    let r = app
        .get(
            &token,
            &format!(
                "/census/{id}?notice={}",
                dangjian::web::auth::url_encode(phishing)
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("evil.example"), "free text is not shown");
    let r = app
        .get(&token, &format!("/census/{id}?notice=confirmed_all&n=3"))
        .await;
    assert!(r.body.contains("已确认 3 份摸排表"));
}

#[tokio::test]
async fn while_a_long_import_holds_the_database_pages_read_and_saves_say_so() {
    // SQLite: one writer at a time (PostgreSQL locks rows, and a save there simply waits).
    let app = TestApp::new(crate::stats::golden_db().await);
    if app.t.db.backend() != dangjian::db::Backend::Sqlite {
        return;
    }
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let csrf = csrf_of(&app.get_with_cookie(&cookie, "/").await.body);
    // A write that holds the lock (as the CLI's streamed import does for minutes), and a
    // session last seen two minutes ago (its use would be noted now: a write).
    let held = app
        .t
        .db
        .begin_dataset_write(&dangjian::db::Scope::City, "cli", app.t.db.clock().today())
        .await
        .expect("the write lock");
    app.t.db.clock().advance(chrono::Duration::minutes(2));
    let started = std::time::Instant::now();
    let r = app.get_with_cookie(&cookie, "/orgs").await;
    assert_eq!(r.status, StatusCode::OK, "pages read");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "without waiting for the lock"
    );
    // A save waits out the busy timeout, then says why, in Chinese: 503, not a 500.
    let codes = crate::fixture::codes();
    let org = app
        .t
        .db
        .org_record(&dangjian::db::Scope::City, &codes[1])
        .await
        .expect("db")
        .expect("org");
    let r = app
        .post_form(
            Some(&cookie),
            "/forms/org",
            &[
                ("csrf", &csrf),
                ("editing", "1"),
                ("f0", org.credit_code.as_str()),
                ("f1", "乙服务中心"),
                ("f2", "民办非企业单位"),
                ("f3", "140302"),
                ("f5", "2016-05-06"),
                ("f6", "正常"),
                ("f12", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert!(r.body.contains("正在导入"), "{}", r.body);
    drop(held);
}

#[tokio::test]
async fn a_client_trying_a_new_name_each_time_is_logged_once_when_throttled() {
    let app = TestApp::new(TestDb::new().await);
    // Twenty failures from one address under twenty names throttle the address (4 × 5); then
    // 200 attempts under 200 new names (the review's flood: one login_locked row per request)
    // wait without a password check and leave one row.
    for i in 0..20 {
        app.sign_in(&format!("flood{i}"), "x").await;
    }
    for i in 0..200 {
        let r = app.sign_in(&format!("new{i}"), "x").await;
        assert!(r.body.contains("后再试"), "attempt {i}: {}", r.body);
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM login_failures").await, 20);
    let (entries, _) = app.t.db.audit_entries(0, 1000).await.expect("audit");
    let of = |action: &str| entries.iter().filter(|e| e.action == action).count();
    assert_eq!((of("login_failed"), of("login_locked")), (20, 1));
}

#[tokio::test]
async fn a_broken_upload_is_refused_in_chinese() {
    let app = TestApp::new(TestDb::new().await);
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let csrf = csrf_of(&app.get_with_cookie(&cookie, "/import").await.body);
    // The body ends in the middle of the file part (no closing boundary).
    let boundary = "----djtestboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\nPK"
    );
    let req = Request::post("/import")
        .header(header::COOKIE, &cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("上传的内容不完整"), "{}", r.body);
    assert!(!r.body.to_lowercase().contains("multipart"), "{}", r.body);
}
