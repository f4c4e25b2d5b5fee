//! The JSON API, driven in-process: every count's drill-down lists exactly its records.

use axum::http::StatusCode;
use dangjian::db::ScopeTarget;
use dangjian::domain::role::Role;
use serde_json::Value;

use crate::support::TestApp;

/// A city admin's view of the app.
struct Client {
    app: TestApp,
    token: String,
}

impl Client {
    async fn new(t: crate::support::TestDb) -> Client {
        let app = TestApp::new(t);
        let token = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
        Client { app, token }
    }
}

async fn get(c: &Client, uri: &str) -> (StatusCode, Value) {
    let r = c.app.get(&c.token, uri).await;
    (r.status, r.json())
}

fn codes_of(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["credit_code"].as_str().expect("code").to_string())
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn coverage_and_its_drill_downs_agree() {
    let t = crate::stats::golden_db().await;
    let app = Client::new(t).await;
    let c = crate::fixture::codes();
    let (status, v) = get(&app, "/api/v1/stats/coverage?as_of=2021-12-31&by=region").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["total"]["in_scope"], 6);
    assert_eq!(v["total"]["covered"], 3);

    // Uncovered at 2021-12-31 = in scope − covered = D, G, I.
    let (_, v) = get(
        &app,
        "/api/v1/orgs?as_of=2021-12-31&covered=false&per_page=100",
    )
    .await;
    assert_eq!(v["total"], 3);
    let mut expected = vec![c[3].clone(), c[6].clone(), c[8].clone()];
    expected.sort();
    assert_eq!(codes_of(&v), expected);

    // 矿区 uncovered: D and I.
    let (_, v) = get(
        &app,
        "/api/v1/orgs?as_of=2021-12-31&covered=false&region=140303",
    )
    .await;
    let mut expected = vec![c[3].clone(), c[8].clone()];
    expected.sort();
    assert_eq!(codes_of(&v), expected);

    // 市本级 (the root's own orgs) versus the whole city.
    let (_, v) = get(&app, "/api/v1/orgs?as_of=2021-12-31&region_own=140300").await;
    assert_eq!(v["total"], 2);
    let (_, v) = get(&app, "/api/v1/orgs?as_of=2021-12-31&region=140300").await;
    assert_eq!(v["total"], 6);

    // Should establish, has none: G.
    let (_, v) = get(
        &app,
        "/api/v1/orgs?as_of=2021-12-31&should_establish_none=true",
    )
    .await;
    assert_eq!(codes_of(&v), vec![c[6].clone()]);

    // By responsible unit: 城区工委's two orgs.
    let (_, v) = get(
        &app,
        "/api/v1/orgs?as_of=2021-12-31&responsible_unit=%E5%9F%8E%E5%8C%BA%E5%B7%A5%E5%A7%94",
    )
    .await;
    assert_eq!(v["total"], 2);

    // Without a date the whole registry is listed (all nine orgs): a full first page counts the
    // total, a last partial page knows it (5 + 4), a page past the end counts it again.
    let (_, v) = get(&app, "/api/v1/orgs?per_page=5").await;
    assert_eq!(v["total"], 9);
    assert_eq!(v["items"].as_array().expect("items").len(), 5);
    let (_, v) = get(&app, "/api/v1/orgs?per_page=5&page=2").await;
    assert_eq!(v["total"], 9);
    assert_eq!(v["items"].as_array().expect("items").len(), 4);
    // A page past the end still reports the total.
    let (_, v) = get(&app, "/api/v1/orgs?per_page=5&page=3").await;
    assert_eq!(v["total"], 9);
    assert_eq!(v["items"].as_array().expect("items").len(), 0);
}

#[tokio::test]
async fn org_detail_has_a_timeline_and_unknown_codes_answer_404() {
    let t = crate::stats::golden_db().await;
    let app = Client::new(t).await;
    let c = crate::fixture::codes();
    let (status, v) = get(&app, &format!("/api/v1/orgs/{}", c[2].to_lowercase())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["name"], "丙培训学校");
    assert_eq!(v["responsible_unit"], "城区工委");
    let events: Vec<&str> = v["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["event"].as_str().expect("event"))
        .collect();
    assert_eq!(events, ["成立登记", "纳入党组织覆盖"]);
    let (status, _) = get(&app, "/api/v1/orgs/51140300MJY00001XN").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_parameters_answer_400_in_chinese() {
    let t = crate::support::TestDb::new().await;
    let app = Client::new(t).await;
    let (status, v) = get(&app, "/api/v1/stats/coverage?as_of=2021-13-01").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(v["error"].as_str().expect("message").contains("无效"));
    // A date before the rule table (1900) is refused as input, not failed on (it was a 500),
    // on every route that takes one.
    for uri in [
        "/api/v1/stats/coverage?as_of=1899-12-31",
        "/api/v1/stats/cross-appointment?as_of=0001-01-01",
        "/api/v1/orgs?as_of=0001-01-01",
    ] {
        let (status, v) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            v["error"].as_str().expect("message").contains("1900"),
            "{uri}: {v}"
        );
    }
    let (status, _) = get(&app, "/api/v1/orgs?covered=maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(&app, "/api/v1/stats/coverage?by=street").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn personal_data_is_masked_except_for_admins_and_their_views_are_audited() {
    let t = crate::stats::golden_db().await;
    let app = TestApp::new(t);
    let leader = app.user("leader", Role::Leader, ScopeTarget::City).await;
    let admin = app.user("admin2", Role::CityAdmin, ScopeTarget::City).await;
    let masked = app.get(&leader, "/api/v1/instructors").await;
    assert_eq!(masked.status, StatusCode::OK);
    assert!(
        !masked.body.contains("11010519491231002X"),
        "citizen ID leaked to a leader"
    );
    assert!(
        !masked.body.contains("13800001234"),
        "phone leaked to a leader"
    );
    assert!(masked.body.contains("110105********002X"));
    assert!(masked.body.contains("138****1234"));
    let (before, _) = app.t.db.audit_entries(0, 100).await.expect("audit");
    let full = app.get(&admin, "/api/v1/instructors").await;
    assert!(full.body.contains("11010519491231002X"));
    let (after, _) = app.t.db.audit_entries(0, 100).await.expect("audit");
    assert_eq!(after.len(), before.len() + 1);
    assert_eq!(after[0].action, "view_personal_data");
    assert_eq!(after[0].username, "admin2");
}

#[tokio::test]
async fn the_api_needs_a_valid_token() {
    let t = crate::support::TestDb::new().await;
    let app = TestApp::new(t);
    let r = app.get("not-a-token", "/api/v1/orgs").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let token = app.user("v", Role::Viewer, ScopeTarget::City).await;
    assert_eq!(app.get(&token, "/api/v1/orgs").await.status, StatusCode::OK);
    let id = app
        .t
        .db
        .user_by_name("v")
        .await
        .expect("db")
        .expect("user")
        .id;
    app.t.db.set_disabled(id, true).await.expect("disable");
    assert_eq!(
        app.get(&token, "/api/v1/orgs").await.status,
        StatusCode::UNAUTHORIZED,
        "a disabled user's token is revoked"
    );
}

#[tokio::test]
async fn the_openapi_document_matches_the_routes() {
    let app = TestApp::new(crate::support::TestDb::new().await);
    let r = app
        .send(
            axum::http::Request::get("/api/v1/openapi.json")
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .expect("ops")
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let mut routed: Vec<(String, String)> = dangjian::web::routes()
        .into_iter()
        .filter(|(s, _)| s.path.starts_with("/api/"))
        .map(|(s, _)| (s.method.to_string(), s.path.to_string()))
        .collect();
    documented.sort();
    routed.sort();
    assert_eq!(documented, routed);
    // Every path parameter is declared, and the org list documents the drill-down filters.
    for (path, ops) in paths {
        for op in ops.as_object().expect("ops").values() {
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .expect("params")
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().expect("name"))
                .collect();
            let in_path: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .collect();
            assert_eq!(declared, in_path, "{path}");
        }
    }
    let org_params: Vec<&str> = paths["/api/v1/orgs"]["get"]["parameters"]
        .as_array()
        .expect("params")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    for name in [
        "as_of",
        "region",
        "covered",
        "work_covered",
        "own_covered",
        "should_establish_own",
        "should_establish_none",
        "q",
        "page",
    ] {
        assert!(org_params.contains(&name), "{name} documented");
    }
}
