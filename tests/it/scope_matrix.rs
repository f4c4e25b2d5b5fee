//! Every route × every role, generated from the route table (so a new route cannot be
//! forgotten): a role a route is not for gets 404; every path key — org codes, party orgs,
//! instructors, units, ledger items, their attachments, campaigns, pending imports — is probed
//! with a real record inside the actor's scope and a real one outside it; a record outside
//! answers 404 in pages and API alike, for reads and for writes (POSTs are signed in, with the
//! session's valid CSRF token, and multipart where the route takes a file, so that they reach
//! the lookup); one inside is shown or acted on; nothing answers 500. A route with a path key
//! this test does not know fails the test.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dangjian::db::{Scope, ScopeTarget};
use dangjian::domain::codes::RegionCode;
use dangjian::domain::role::Role;
use dangjian::web::Access;

use crate::support::{TestApp, session_cookie};

/// Values of a route's path keys: inside the actor's scope (if any) and outside (if any).
#[derive(Default, Clone, Debug)]
struct Probe {
    inside: Option<HashMap<&'static str, String>>,
    outside: Option<HashMap<&'static str, String>>,
}

/// One actor: its role, how it signs requests, and its records inside and outside its scope.
struct Actor {
    role: Role,
    name: &'static str,
    token: String,
    cookie: String,
    csrf: String,
    /// By key kind: (inside, outside).
    records: HashMap<&'static str, (Option<String>, Option<String>)>,
}

impl Actor {
    fn pair(&self, kind: &str) -> (Option<String>, Option<String>) {
        self.records.get(kind).cloned().unwrap_or_default()
    }
}

async fn sign_in(app: &TestApp, name: &str) -> (String, String) {
    let cookie = session_cookie(&app.sign_in(name, "pass1234").await).expect("cookie");
    let page = app.get_with_cookie(&cookie, "/").await;
    let marker = "name=\"csrf\" value=\"";
    let start = page.body.find(marker).expect("csrf") + marker.len();
    let csrf = page.body[start..]
        .split('"')
        .next()
        .expect("csrf")
        .to_string();
    (cookie, csrf)
}

/// The routes that take a file: their POST is multipart.
fn multipart(path: &str) -> bool {
    matches!(
        path,
        "/import" | "/ledger/{id}/attachments" | "/census/{campaign}/upload"
    )
}

fn request(method: &str, uri: &str, actor: &Actor, api: bool) -> Request<Body> {
    if method == "GET" {
        let b = Request::get(uri);
        let b = if api {
            b.header(header::AUTHORIZATION, format!("Bearer {}", actor.token))
        } else {
            b.header(header::COOKIE, &actor.cookie)
        };
        return b.body(Body::empty()).expect("request");
    }
    let path = uri.split('?').next().unwrap_or(uri);
    let is_multipart = dangjian::web::routes()
        .iter()
        .any(|(s, _)| s.method == "POST" && multipart(s.path) && matches_path(s.path, path));
    let b = Request::post(uri).header(header::COOKIE, &actor.cookie);
    if is_multipart {
        let boundary = "----matrix";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\
             Content-Type: text/csv\r\n\r\n统一社会信用代码\r\n--{boundary}--\r\n",
            actor.csrf
        );
        b.header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request")
    } else {
        b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={}", actor.csrf)))
            .expect("request")
    }
}

/// Whether a concrete path is an instance of a route's pattern.
fn matches_path(pattern: &str, path: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    a.len() == b.len() && a.iter().zip(&b).all(|(p, x)| p.starts_with('{') || p == x)
}

#[tokio::test]
async fn every_route_for_every_role_in_and_out_of_scope() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let db = &app.t.db;
    let today = db.clock().today();
    let c = crate::fixture::codes();
    let (a, b, cc, d, i) = (&c[0], &c[1], &c[2], &c[3], &c[8]);
    let party = db.party_org_rows(&Scope::City).await.expect("party orgs");
    let party_id = |name: &str| {
        party
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.id.to_string())
            .expect("party org")
    };
    let instructors = db.instructor_rows(&Scope::City).await.expect("instructors");
    let inst = |name: &str| {
        instructors
            .iter()
            .find(|x| x.name == name)
            .map(|x| x.id.to_string())
            .expect("instructor")
    };
    let zhang = inst("张三");
    let sports = db.unit_id("阳泉市体育局").await.expect("db").expect("unit");
    let org_b = db.org_id(b).await.expect("db").expect("org");
    // A position (the city's: its form is for city admins alone, as the route says).
    let position: i64 = sqlx::query_scalar("SELECT MIN(id) FROM positions")
        .fetch_one(db.pool())
        .await
        .expect("a position");
    let zhang_id: i64 = zhang.parse().expect("id");
    let region = |code: &str| ScopeTarget::Region(RegionCode::parse(code).expect("code"));
    // Two campaigns: the whole city (everyone sees it, a county its own part) and 矿区 alone.
    let regions = db.regions().await.expect("regions");
    let root = regions
        .iter()
        .find(|r| r.parent.is_none())
        .expect("city")
        .code
        .clone();
    let campaign = |name: &str, code: RegionCode| {
        let db = db.clone();
        let name = name.to_string();
        async move {
            db.create_campaign(
                &dangjian::domain::census::CampaignInput {
                    name,
                    reference_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
                    end_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"),
                },
                &code,
                "test",
            )
            .await
            .expect("db")
            .expect("campaign")
            .to_string()
        }
    };
    let city_campaign = campaign("全市摸排", root).await;
    let kuangqu_campaign = campaign("矿区摸排", RegionCode::parse("140303").expect("code")).await;
    // Ledger items of every org the data calls for, each with an attachment.
    db.detect(&Scope::City, "test", today)
        .await
        .expect("detect");
    let all_items = db.ledger_items(&Scope::City, today).await.expect("items");
    assert!(all_items.len() >= 4, "items to probe: {}", all_items.len());
    let mut files: HashMap<i64, String> = HashMap::new();
    for item in &all_items {
        db.add_attachment(item.id, "a.pdf", "application/pdf", b"%PDF-1.4 x", "test")
            .await
            .expect("attachment");
        let id = db.attachments(item.id).await.expect("list")[0].id;
        files.insert(item.id, id.to_string());
    }

    // Scopes (fixture.rs): 城区 has B, C (J1); 体育局 supervises C (J1); 张三 is stationed in D
    // (no party org); org user of B; a viewer of 矿区 sees D, I (J2, and both instructors). The
    // 矿区 campaign is outside the scope of those without 矿区 orgs.
    struct Spec {
        role: Role,
        name: &'static str,
        scope: ScopeTarget,
        org: (Option<&'static str>, Option<&'static str>),
        party: (Option<&'static str>, Option<&'static str>),
        instructor: (Option<&'static str>, Option<&'static str>),
        campaign_outside: bool,
    }
    let (a, b, cc, d, i): (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) = (
        Box::leak(a.to_string().into_boxed_str()),
        Box::leak(b.to_string().into_boxed_str()),
        Box::leak(cc.to_string().into_boxed_str()),
        Box::leak(d.to_string().into_boxed_str()),
        Box::leak(i.to_string().into_boxed_str()),
    );
    let specs = vec![
        Spec {
            role: Role::CityAdmin,
            name: "m_city",
            scope: ScopeTarget::City,
            org: (Some(a), None),
            party: (Some("甲协会党支部"), None),
            instructor: (Some("张三"), None),
            campaign_outside: false,
        },
        Spec {
            role: Role::Leader,
            name: "m_leader",
            scope: ScopeTarget::City,
            org: (Some(a), None),
            party: (Some("甲协会党支部"), None),
            instructor: (Some("李四"), None),
            campaign_outside: false,
        },
        Spec {
            role: Role::CountyAdmin,
            name: "m_county",
            scope: region("140302"),
            org: (Some(b), Some(a)),
            party: (Some("城区第一联合党支部"), Some("甲协会党支部")),
            instructor: (None, Some("张三")),
            campaign_outside: true,
        },
        Spec {
            role: Role::Department,
            name: "m_dept",
            scope: ScopeTarget::Unit(sports),
            org: (Some(cc), Some(b)),
            party: (Some("城区第一联合党支部"), Some("矿区联合党支部")),
            instructor: (None, Some("李四")),
            campaign_outside: true,
        },
        Spec {
            role: Role::Instructor,
            name: "m_inst",
            scope: ScopeTarget::Instructor(zhang_id),
            org: (Some(d), Some(a)),
            party: (None, Some("甲协会党支部")),
            instructor: (Some("张三"), Some("李四")),
            campaign_outside: false,
        },
        Spec {
            role: Role::OrgUser,
            name: "m_org",
            scope: ScopeTarget::Org(org_b),
            org: (Some(b), Some(cc)),
            party: (Some("城区第一联合党支部"), Some("甲协会党支部")),
            instructor: (None, Some("张三")),
            campaign_outside: true,
        },
        Spec {
            role: Role::Viewer,
            name: "m_viewer",
            scope: region("140303"),
            org: (Some(i), Some(b)),
            party: (Some("矿区联合党支部"), Some("城区第一联合党支部")),
            instructor: (Some("李四"), None),
            campaign_outside: false,
        },
    ];
    let mut actors = Vec::new();
    for spec in specs {
        let token = app.user(spec.name, spec.role, spec.scope).await;
        let (cookie, csrf) = sign_in(&app, spec.name).await;
        let user = db.user_by_name(spec.name).await.expect("db").expect("user");
        let actor_scope = db.scope_of(&user).await.expect("scope");
        // Its ledger items: one in its scope, one of the city's outside it.
        let mine = db.ledger_items(&actor_scope, today).await.expect("items");
        let item_in = mine.first().map(|it| it.id);
        let item_out = all_items
            .iter()
            .find(|it| !mine.iter().any(|m| m.id == it.id))
            .map(|it| it.id);
        // A pending import of its own (another user's is filled in below).
        let import_in = db
            .add_pending_import(user.id, "x.csv", b"x")
            .await
            .expect("pending")
            .to_string();
        let s = |v: Option<&str>| v.map(str::to_string);
        let mut records: HashMap<&'static str, (Option<String>, Option<String>)> = HashMap::new();
        records.insert("code", (s(spec.org.0), s(spec.org.1)));
        records.insert("party_name", (s(spec.party.0), s(spec.party.1)));
        records.insert(
            "party_id",
            (spec.party.0.map(party_id), spec.party.1.map(party_id)),
        );
        records.insert(
            "instructor",
            (spec.instructor.0.map(inst), spec.instructor.1.map(inst)),
        );
        records.insert(
            "item",
            (
                item_in.map(|x| x.to_string()),
                item_out.map(|x| x.to_string()),
            ),
        );
        records.insert(
            "campaign",
            (
                Some(city_campaign.clone()),
                spec.campaign_outside.then(|| kuangqu_campaign.clone()),
            ),
        );
        records.insert("import", (Some(import_in), None));
        actors.push(Actor {
            role: spec.role,
            name: spec.name,
            token,
            cookie,
            csrf,
            records,
        });
    }
    assert_eq!(actors.len(), Role::ALL.len(), "every role is probed");
    // Each actor's pending import is another user's for everyone else.
    let imports: Vec<String> = actors
        .iter()
        .map(|x| x.pair("import").0.expect("import"))
        .collect();
    for (n, actor) in actors.iter_mut().enumerate() {
        let other = imports[(n + 1) % imports.len()].clone();
        actor.records.get_mut("import").expect("import").1 = Some(other);
    }

    let mut checked = 0;
    let mut posts_inside = 0;
    let mut posts_outside = 0;
    for (spec, _) in dangjian::web::routes() {
        // Sign-out would end the session the other probes use: probed last, below.
        if spec.path == "/logout" {
            continue;
        }
        let params: Vec<&str> = spec
            .path
            .split('/')
            .filter_map(|p| p.strip_prefix('{').and_then(|p| p.strip_suffix('}')))
            .collect();
        for actor in &actors {
            let mut inside: HashMap<&'static str, String> = HashMap::new();
            let mut outside: HashMap<&'static str, String> = HashMap::new();
            let (mut has_in, mut has_out) = (true, false);
            for p in &params {
                let (kind, name): (&str, &'static str) = match (*p, spec.path) {
                    ("code", _) => ("code", "code"),
                    ("campaign", _) => ("campaign", "campaign"),
                    ("kind", _) => {
                        inside.insert("kind", "org".into());
                        outside.insert("kind", "org".into());
                        continue;
                    }
                    ("name", _) => ("party_name", "name"),
                    ("id", path) if path.starts_with("/party-orgs/") => ("party_id", "id"),
                    ("id", path) if path.starts_with("/instructors/") => ("instructor", "id"),
                    ("id", path) if path.starts_with("/ledger/") => ("item", "id"),
                    ("id", path) if path.starts_with("/import/") => ("import", "id"),
                    ("id", path) if path.starts_with("/units/") => {
                        // Units are reference data, visible to everyone signed in.
                        inside.insert("id", sports.to_string());
                        continue;
                    }
                    ("id", path) if path.starts_with("/positions/") => {
                        inside.insert("id", position.to_string());
                        continue;
                    }
                    ("file", _) => ("file", "file"),
                    (other, path) => panic!("{path}: the matrix does not know the key {{{other}}}"),
                };
                if kind == "file" {
                    continue; // filled from the item below
                }
                let (i, o) = actor.pair(kind);
                match i {
                    Some(v) => {
                        inside.insert(name, v);
                    }
                    None => has_in = false,
                }
                if let Some(v) = o {
                    outside.insert(name, v);
                    has_out = true;
                }
            }
            // A campaign-and-org key: the city campaign with an org outside is also outside.
            if params.contains(&"campaign") && params.contains(&"code") {
                let (i, o) = actor.pair("code");
                outside.insert("campaign", city_campaign.clone());
                match o {
                    Some(o) => {
                        outside.insert("code", o);
                        has_out = true;
                    }
                    None => has_out = false,
                }
                if i.is_none() {
                    has_in = false;
                }
            }
            // Keys the others do not fill stay as the inside ones.
            for (k, v) in &inside {
                outside.entry(k).or_insert_with(|| v.clone());
            }
            if params.contains(&"file") {
                for m in [&mut inside, &mut outside] {
                    let file = m
                        .get("id")
                        .and_then(|id| id.parse::<i64>().ok())
                        .and_then(|id| files.get(&id).cloned())
                        .unwrap_or_else(|| "1".into());
                    m.insert("file", file);
                }
            }
            let probes = Probe {
                inside: has_in.then_some(inside),
                outside: has_out.then_some(outside),
            };
            let fill = |values: &HashMap<&'static str, String>| {
                let mut path = spec.path.to_string();
                for (k, v) in values {
                    let v = if *k == "name" {
                        dangjian::web::auth::url_encode(v)
                    } else {
                        v.clone()
                    };
                    path = path.replace(&format!("{{{k}}}"), &v);
                }
                path
            };
            let api = spec.path.starts_with("/api/");
            let allowed = spec.access.allows(actor.role);
            if let Some(values) = &probes.inside {
                let uri = fill(values);
                let r = app.send(request(spec.method, &uri, actor, api)).await;
                let what = format!("{} {uri} as {:?} ({})", spec.method, actor.role, actor.name);
                assert_ne!(
                    r.status,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "{what}: {}",
                    r.body
                );
                if !allowed {
                    assert_eq!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{what}: the role may not use this route"
                    );
                } else if spec.method == "GET" {
                    assert_eq!(r.status, StatusCode::OK, "{what}: in scope");
                } else {
                    // Reached and acted on (or refused on its merits), never "not found" and
                    // never a CSRF refusal: the token was valid.
                    assert_ne!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{what}: allowed, in scope: {}",
                        r.body
                    );
                    assert_ne!(r.status, StatusCode::FORBIDDEN, "{what}: a valid token");
                    posts_inside += 1;
                }
                checked += 1;
            }
            if let Some(values) = &probes.outside {
                let uri = fill(values);
                let r = app.send(request(spec.method, &uri, actor, api)).await;
                let what = format!("{} {uri} as {:?} ({})", spec.method, actor.role, actor.name);
                assert_ne!(
                    r.status,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "{what}: {}",
                    r.body
                );
                if spec.access != Access::Public {
                    assert_eq!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{what}: out of scope must answer 404, not {}",
                        r.status
                    );
                    if spec.method == "POST" {
                        posts_outside += 1;
                    }
                }
                checked += 1;
            }
        }
    }
    // Sign-out, for each: with the valid token it ends the session.
    for actor in &actors {
        let r = app.send(request("POST", "/logout", actor, false)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", actor.name);
        assert_eq!(
            app.get_with_cookie(&actor.cookie, "/").await.status,
            StatusCode::SEE_OTHER,
            "{}: signed out",
            actor.name
        );
    }
    assert!(checked > 300, "the matrix ran ({checked} requests)");
    assert!(
        posts_inside > 20 && posts_outside > 20,
        "POSTs reached their lookups: {posts_inside} in, {posts_outside} out"
    );
}
