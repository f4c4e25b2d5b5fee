//! Server time of every GET route of the route table (`web::routes()`), signed in as a city admin
//! and as a county admin, on a database made by `dangjian demo --orgs N` (SQLite or PostgreSQL).
//!
//! The router is called in process (no socket), so what is timed is the server's work: the
//! guard, the handler, the queries and the rendering. Each route is asked once to warm up, then
//! `--runs` times; the table gives min, median (p50) and max, the answer's size, and marks every
//! route over the target (`--target-ms`) and every list page over 200 kB.
//!
//! ```sh
//! cargo bench --bench routes -- --database sqlite://bench/out/routes/d100k.db --target-ms 100
//! ```
//! A path's keys (`{code}`, `{id}`, …) are real records inside the actor's scope, looked up
//! first; a census campaign is opened when the database has none (the census pages are routes
//! too). Two users, `bench_city` and `bench_county` (of the first county), are created when
//! missing. POST routes are writes and are not timed here.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dangjian::app::Actor;
use dangjian::db::{Db, ScopeTarget};
use dangjian::domain::codes::RegionCode;
use dangjian::domain::role::Role;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The largest list page worth sending (issue: "list pages under 200 kB of HTML").
const PAGE_BYTES: usize = 200 * 1024;

struct Args {
    database: String,
    runs: usize,
    target_ms: f64,
    label: String,
    only: Vec<String>,
    skip: Vec<String>,
}

fn args() -> Args {
    let mut a = Args {
        database: String::new(),
        runs: 7,
        target_ms: 100.0,
        label: String::new(),
        only: Vec::new(),
        skip: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--database" => a.database = it.next().unwrap_or_default(),
            "--runs" => a.runs = it.next().and_then(|v| v.parse().ok()).unwrap_or(7),
            "--target-ms" => a.target_ms = it.next().and_then(|v| v.parse().ok()).unwrap_or(100.0),
            "--label" => a.label = it.next().unwrap_or_default(),
            "--only" => a.only.extend(it.next()),
            "--skip" => a.skip.extend(it.next()),
            _ => {} // cargo bench passes --bench
        }
    }
    if a.database.is_empty() {
        eprintln!(
            "usage: cargo bench --bench routes -- --database URL [--runs N] [--target-ms MS] [--label TEXT] [--only SUBSTRING]"
        );
        std::process::exit(2);
    }
    a
}

async fn token(db: &Db, name: &str, role: Role, scope: ScopeTarget) -> String {
    let operator = Actor::operator("bench");
    if db.user_by_name(name).await.expect("db").is_none() {
        dangjian::app::users::create_user(
            db,
            &operator,
            name,
            role,
            &scope,
            Some("Bench2026route"),
        )
        .await
        .expect("user");
    }
    dangjian::app::users::issue_token(db, &operator, name, 30)
        .await
        .expect("token")
}

async fn get(app: &axum::Router, path: &str, token: &str) -> (StatusCode, Vec<u8>, Duration) {
    let req = Request::builder()
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let start = Instant::now();
    let res = app.clone().oneshot(req).await.expect("answer");
    let status = res.status();
    let body = res
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec();
    (status, body, start.elapsed())
}

async fn scalar(db: &Db, sql: &str) -> Option<String> {
    sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
        .fetch_optional(db.pool())
        .await
        .expect("key query")
}

/// Real keys inside a scope: `org_condition` is a SQL condition on `social_orgs o`.
async fn keys(db: &Db, org_condition: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let q = |sql: String| async move { scalar(db, &sql).await };
    let code = q(format!(
        "SELECT o.credit_code FROM social_orgs o WHERE {org_condition} ORDER BY o.id LIMIT 1"
    ))
    .await;
    let party = q(format!(
        "SELECT CAST(l.party_org_id AS TEXT) FROM coverage_links l JOIN social_orgs o ON o.id = l.org_id \
         WHERE {org_condition} ORDER BY l.party_org_id LIMIT 1"
    ))
    .await;
    let party_name = q(format!(
        "SELECT p.name FROM party_orgs p WHERE p.id = (SELECT l.party_org_id FROM coverage_links l \
         JOIN social_orgs o ON o.id = l.org_id WHERE {org_condition} ORDER BY l.party_org_id LIMIT 1)"
    ))
    .await;
    let instructor = q(format!(
        "SELECT CAST(s.instructor_id AS TEXT) FROM stations s JOIN social_orgs o ON o.id = s.org_id \
         WHERE {org_condition} ORDER BY s.instructor_id LIMIT 1"
    ))
    .await;
    let unit = q("SELECT CAST(MIN(id) AS TEXT) FROM units".into()).await;
    let item = q(format!(
        "SELECT CAST(i.id AS TEXT) FROM ledger_items i JOIN social_orgs o ON o.id = i.org_id \
         WHERE {org_condition} ORDER BY i.id LIMIT 1"
    ))
    .await;
    let file = match &item {
        Some(i) => q(format!(
            "SELECT CAST(id AS TEXT) FROM ledger_attachments WHERE item_id = {i} ORDER BY id LIMIT 1"
        ))
        .await,
        None => None,
    };
    let campaign = q("SELECT CAST(MAX(id) AS TEXT) FROM census_campaigns".into()).await;
    for (k, v) in [
        ("{code}", code),
        ("{id}:party", party),
        ("{name}", party_name),
        ("{id}:instructor", instructor),
        ("{id}:unit", unit),
        ("{id}:ledger", item),
        ("{file}", file),
        ("{campaign}", campaign),
    ] {
        if let Some(v) = v {
            out.push((k, v));
        }
    }
    out.push(("{kind}", "org".into()));
    out
}

/// The concrete path of a route pattern, or None when a key is missing.
fn concrete(path: &str, keys: &[(&'static str, String)]) -> Option<String> {
    let key = |k: &str| keys.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    let id_kind = if path.starts_with("/party-orgs") {
        "{id}:party"
    } else if path.starts_with("/instructors") {
        "{id}:instructor"
    } else if path.starts_with("/units") {
        "{id}:unit"
    } else {
        "{id}:ledger"
    };
    let mut out = Vec::new();
    for seg in path.split('/') {
        out.push(match seg {
            "{id}" => key(id_kind)?,
            s if s.starts_with('{') => {
                let v = key(s)?;
                // A name in a path is percent-encoded.
                percent(&v)
            }
            s => s.to_string(),
        });
    }
    Some(out.join("/"))
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let a = args();
    let db = Db::open(&a.database).await.expect("database");
    let regions = db.regions().await.expect("regions");
    let root = regions
        .iter()
        .find(|r| r.parent.is_none())
        .expect("root")
        .code
        .clone();
    let county: RegionCode = regions
        .iter()
        .find(|r| r.parent.as_ref() == Some(&root))
        .expect("a county")
        .code
        .clone();
    if scalar(&db, "SELECT CAST(COUNT(*) AS TEXT) FROM census_campaigns")
        .await
        .as_deref()
        == Some("0")
    {
        let today = db.clock().today();
        let input = dangjian::domain::census::CampaignInput {
            name: "基准测试摸排".into(),
            reference_date: today,
            end_date: today + chrono::Duration::days(60),
        };
        let started = Instant::now();
        dangjian::app::census::open(&db, &Actor::operator("bench"), &input, root.as_str())
            .await
            .expect("campaign")
            .expect("campaign opened");
        eprintln!(
            "opened a census campaign for the city in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let actors = [
        (
            "市级管理员",
            token(&db, "bench_city", Role::CityAdmin, ScopeTarget::City).await,
            "1 = 1".to_string(),
        ),
        (
            "县区管理员",
            token(
                &db,
                "bench_county",
                Role::CountyAdmin,
                ScopeTarget::Region(county.clone()),
            )
            .await,
            // The county and its descendants (the demo's counties have none).
            format!("o.region_code = '{}'", county.as_str()),
        ),
    ];
    let app = dangjian::web::router(db.clone());
    // The server keeps the coverage spans in memory, loaded on a background task: wait for it
    // (and say how long it took), so that the routes are timed as a running server answers them.
    let started = Instant::now();
    while !db.spans_in_memory().await.expect("db") {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "coverage spans loaded into memory in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let orgs = scalar(&db, "SELECT CAST(COUNT(*) AS TEXT) FROM social_orgs")
        .await
        .unwrap_or_default();
    println!(
        "\n### Routes{} — {} orgs, {}, {} runs each (p50 target {} ms)\n",
        if a.label.is_empty() {
            String::new()
        } else {
            format!(", {}", a.label)
        },
        orgs,
        a.database.split("://").next().unwrap_or_default(),
        a.runs,
        a.target_ms
    );
    println!("| route | actor | status | p50 ms | min ms | max ms | size kB | verdict |");
    println!("|---|---|---|---:|---:|---:|---:|---|");
    let mut over = Vec::new();
    for (label, tok, cond) in &actors {
        let keys = keys(&db, cond).await;
        for (spec, _) in dangjian::web::routes() {
            if spec.method != "GET" || spec.path.starts_with("/static/") {
                continue;
            }
            // `--only` and `--skip` take a part of the path, or `=PATH` the whole path
            // (`--only =/` the dashboard).
            let matches = |pattern: &str| match pattern.strip_prefix('=') {
                Some(whole) => spec.path == whole,
                None => spec.path.contains(pattern),
            };
            if (!a.only.is_empty() && !a.only.iter().any(|o| matches(o)))
                || a.skip.iter().any(|p| matches(p))
            {
                continue;
            }
            let Some(path) = concrete(spec.path, &keys) else {
                println!(
                    "| `{}` | {label} | — | | | | | no key in scope |",
                    spec.path
                );
                continue;
            };
            let (status, body, _) = get(&app, &path, tok).await;
            let mut times = Vec::with_capacity(a.runs);
            for _ in 0..a.runs {
                times.push(ms(get(&app, &path, tok).await.2));
            }
            times.sort_by(f64::total_cmp);
            let p50 = times[times.len() / 2];
            let size = body.len();
            let download = spec.path.ends_with(".xlsx")
                || spec.path.ends_with(".json") && !spec.path.starts_with("/api/");
            let mut verdict = Vec::new();
            if status.is_success() && p50 > a.target_ms {
                verdict.push("over target");
            }
            if status.is_success()
                && !download
                && !spec.path.starts_with("/api/")
                && size > PAGE_BYTES
            {
                verdict.push("page > 200 kB");
            }
            if !status.is_success() && status != StatusCode::NOT_FOUND {
                verdict.push("error");
            }
            if !verdict.is_empty() {
                over.push(format!(
                    "{} ({label}): {p50:.1} ms, {} kB",
                    spec.path,
                    size / 1024
                ));
            }
            println!(
                "| `{}` | {label} | {} | {:.1} | {:.1} | {:.1} | {} | {} |",
                spec.path,
                status.as_u16(),
                p50,
                times[0],
                times[times.len() - 1],
                size / 1024,
                if verdict.is_empty() {
                    "ok".to_string()
                } else {
                    verdict.join(", ")
                }
            );
        }
    }
    println!(
        "\nOver target or too large: {}",
        if over.is_empty() {
            "none".to_string()
        } else {
            over.len().to_string()
        }
    );
    for o in &over {
        println!("- {o}");
    }
}
