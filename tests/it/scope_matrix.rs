//! Every route × every role, generated from the route table (so a new route cannot be
//! forgotten): a role a route is not for gets 404; a record outside the actor's scope gets 404 in
//! pages and API alike; one inside it is shown; nothing answers 500.

use axum::http::StatusCode;
use dangjian::db::ScopeTarget;
use dangjian::domain::codes::RegionCode;
use dangjian::domain::role::Role;
use dangjian::web::Access;

use crate::support::TestApp;

/// Values for a route's path parameter: one inside the role's scope (if any) and one outside
/// (if any).
#[derive(Default, Clone)]
struct Probe {
    inside: Option<String>,
    outside: Option<String>,
}

struct Actor {
    role: Role,
    token: String,
    org: Probe,
    party_id: Probe,
    party_name: Probe,
    instructor_id: Probe,
}

fn p(inside: Option<&str>, outside: Option<&str>) -> Probe {
    Probe {
        inside: inside.map(str::to_string),
        outside: outside.map(str::to_string),
    }
}

#[tokio::test]
async fn every_route_for_every_role_in_and_out_of_scope() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let db = &app.t.db;
    let c = crate::fixture::codes();
    let (a, b, cc, d, i) = (
        c[0].as_str(),
        c[1].as_str(),
        c[2].as_str(),
        c[3].as_str(),
        c[8].as_str(),
    );
    let party = db
        .party_org_rows(&dangjian::db::Scope::City)
        .await
        .expect("party orgs");
    let party_id = |name: &str| {
        party
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.id.to_string())
            .expect("party org")
    };
    let (p1, j1, j2) = (
        party_id("甲协会党支部"),
        party_id("城区第一联合党支部"),
        party_id("矿区联合党支部"),
    );
    let instructors = db
        .instructor_rows(&dangjian::db::Scope::City)
        .await
        .expect("instructors");
    let inst = |name: &str| {
        instructors
            .iter()
            .find(|x| x.name == name)
            .map(|x| x.id.to_string())
            .expect("instructor")
    };
    let (zhang, li) = (inst("张三"), inst("李四"));
    let sports = db.unit_id("阳泉市体育局").await.expect("db").expect("unit");
    let org_b = db.org_id(b).await.expect("db").expect("org");
    let zhang_id: i64 = zhang.parse().expect("id");
    let region = |code: &str| ScopeTarget::Region(RegionCode::parse(code).expect("code"));
    // A city-wide census campaign with the reference date of the fixture's today: every
    // probed org is in it, so each actor sees it (a county its own part of it).
    let regions = db.regions().await.expect("regions");
    let root = regions
        .iter()
        .find(|r| r.parent.is_none())
        .expect("the city")
        .code
        .clone();
    let campaign = db
        .create_campaign(
            &dangjian::domain::census::CampaignInput {
                name: "全市摸排".into(),
                reference_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
                end_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"),
            },
            &root,
            "test",
        )
        .await
        .expect("db")
        .expect("campaign")
        .to_string();

    // Scopes (fixture.rs): 城区 has B, C (J1); 体育局 supervises C (J1); 张三 is stationed in D
    // (no party org); org user of B; a viewer of 矿区 sees D, I (J2, and both instructors).
    let actors = vec![
        Actor {
            role: Role::CityAdmin,
            token: app.user("m_city", Role::CityAdmin, ScopeTarget::City).await,
            org: p(Some(a), None),
            party_id: p(Some(&p1), None),
            party_name: p(Some("甲协会党支部"), None),
            instructor_id: p(Some(&zhang), None),
        },
        Actor {
            role: Role::Leader,
            token: app.user("m_leader", Role::Leader, ScopeTarget::City).await,
            org: p(Some(a), None),
            party_id: p(Some(&p1), None),
            party_name: p(Some("甲协会党支部"), None),
            instructor_id: p(Some(&li), None),
        },
        Actor {
            role: Role::CountyAdmin,
            token: app
                .user("m_county", Role::CountyAdmin, region("140302"))
                .await,
            org: p(Some(b), Some(a)),
            party_id: p(Some(&j1), Some(&p1)),
            party_name: p(Some("城区第一联合党支部"), Some("甲协会党支部")),
            instructor_id: p(None, Some(&zhang)),
        },
        Actor {
            role: Role::Department,
            token: app
                .user("m_dept", Role::Department, ScopeTarget::Unit(sports))
                .await,
            org: p(Some(cc), Some(b)),
            party_id: p(Some(&j1), Some(&j2)),
            party_name: p(Some("城区第一联合党支部"), Some("矿区联合党支部")),
            instructor_id: p(None, Some(&li)),
        },
        Actor {
            role: Role::Instructor,
            token: app
                .user(
                    "m_inst",
                    Role::Instructor,
                    ScopeTarget::Instructor(zhang_id),
                )
                .await,
            org: p(Some(d), Some(a)),
            party_id: p(None, Some(&p1)),
            party_name: p(None, Some("甲协会党支部")),
            instructor_id: p(Some(&zhang), Some(&li)),
        },
        Actor {
            role: Role::OrgUser,
            token: app
                .user("m_org", Role::OrgUser, ScopeTarget::Org(org_b))
                .await,
            org: p(Some(b), Some(cc)),
            party_id: p(Some(&j1), Some(&p1)),
            party_name: p(Some("城区第一联合党支部"), Some("甲协会党支部")),
            instructor_id: p(None, Some(&zhang)),
        },
        Actor {
            role: Role::Viewer,
            token: app.user("m_viewer", Role::Viewer, region("140303")).await,
            org: p(Some(i), Some(b)),
            party_id: p(Some(&j2), Some(&j1)),
            party_name: p(Some("矿区联合党支部"), Some("城区第一联合党支部")),
            instructor_id: p(Some(&li), None),
        },
    ];
    assert_eq!(actors.len(), Role::ALL.len(), "every role is probed");

    let mut checked = 0;
    for (spec, _) in dangjian::web::routes() {
        for actor in &actors {
            let probe = match spec.path {
                p if p.contains("{code}") => actor.org.clone(),
                // The campaign is city-wide: everyone signed in sees it; another id is unknown.
                p if p.contains("{campaign}") => Probe {
                    inside: Some(campaign.clone()),
                    outside: Some("999999".into()),
                },
                p if p.starts_with("/party-orgs/{") => actor.party_id.clone(),
                p if p.contains("party-orgs/{name}") => actor.party_name.clone(),
                p if p.starts_with("/instructors/{") => actor.instructor_id.clone(),
                // Units are reference data, visible to everyone signed in.
                p if p.starts_with("/units/{") => Probe {
                    inside: Some(sports.to_string()),
                    outside: None,
                },
                // Another user's (here: no) pending import.
                p if p.contains("{id}") => Probe {
                    inside: None,
                    outside: Some("999999".into()),
                },
                _ => Probe {
                    inside: Some(String::new()),
                    outside: None,
                },
            };
            let fill = |v: &str| {
                spec.path
                    .replace("{kind}", "org")
                    .replace(
                        "{campaign}",
                        if spec.path.contains("{code}") {
                            &campaign
                        } else {
                            v
                        },
                    )
                    .replace("{file}", "1")
                    .replace("{code}", v)
                    .replace("{id}", v)
                    .replace("{name}", &dangjian::web::auth::url_encode(v))
            };
            let send = |uri: String| {
                let token = actor.token.clone();
                let method = spec.method;
                let app = &app;
                async move {
                    if method == "GET" {
                        app.get(&token, &uri).await
                    } else {
                        let req = axum::http::Request::post(&uri)
                            .header("authorization", format!("Bearer {token}"))
                            .header("content-type", "application/x-www-form-urlencoded")
                            .body(axum::body::Body::empty())
                            .expect("request");
                        app.send(req).await
                    }
                }
            };
            let allowed = spec.access.allows(actor.role);
            if let Some(v) = &probe.inside {
                let r = send(fill(v)).await;
                let what = format!("{} {} as {:?}", spec.method, fill(v), actor.role);
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
                    assert_ne!(r.status, StatusCode::NOT_FOUND, "{what}: allowed");
                }
                checked += 1;
            }
            if let Some(v) = &probe.outside {
                let r = send(fill(v)).await;
                let what = format!("{} {} as {:?}", spec.method, fill(v), actor.role);
                if spec.access != Access::Public && spec.method == "GET" {
                    assert_eq!(
                        r.status,
                        StatusCode::NOT_FOUND,
                        "{what}: out of scope must answer 404"
                    );
                } else if spec.access != Access::Public {
                    // A form post is refused before anything is looked up (no form, no CSRF token).
                    assert!(
                        r.status.is_client_error(),
                        "{what}: refused, got {}",
                        r.status
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "the matrix ran ({checked} requests)");
}
