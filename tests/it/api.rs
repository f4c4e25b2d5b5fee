//! The JSON API, driven in-process: every count's drill-down lists exactly its records.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let res = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
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
    let app = dangjian::web::router(t.db.clone());
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

    // Without a date the whole registry is listed (all nine orgs).
    let (_, v) = get(&app, "/api/v1/orgs?per_page=5&page=2").await;
    assert_eq!(v["total"], 9);
    assert_eq!(v["items"].as_array().expect("items").len(), 4);
}

#[tokio::test]
async fn org_detail_has_a_timeline_and_unknown_codes_answer_404() {
    let t = crate::stats::golden_db().await;
    let app = dangjian::web::router(t.db.clone());
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
    let app = dangjian::web::router(t.db.clone());
    let (status, v) = get(&app, "/api/v1/stats/coverage?as_of=2021-13-01").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        v["error"]
            .as_str()
            .expect("message")
            .contains("不是有效日期")
    );
    let (status, _) = get(&app, "/api/v1/orgs?covered=maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = get(&app, "/api/v1/stats/coverage?by=street").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn instructors_are_listed_with_personal_data_masked() {
    let t = crate::stats::golden_db().await;
    let app = dangjian::web::router(t.db.clone());
    let (status, v) = get(&app, "/api/v1/instructors").await;
    assert_eq!(status, StatusCode::OK);
    let text = v.to_string();
    assert!(!text.contains("11010519491231002X"), "citizen ID leaked");
    assert!(!text.contains("13800001234"), "phone leaked");
    assert!(text.contains("110105********002X"));
    assert!(text.contains("138****1234"));
}
