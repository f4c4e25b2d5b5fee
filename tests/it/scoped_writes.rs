//! Writes respect the scope of the stored record, not only of the submitted one (the review's F1):
//! a county admin naming another county's org, or a department naming an org it does not
//! supervise, is answered 404 and nothing changes; a record that would leave the writer's scope is
//! refused on the form; a record inside the scope before and after is saved.

use axum::http::StatusCode;
use dangjian::db::{Scope, ScopeTarget};
use dangjian::domain::codes::RegionCode;
use dangjian::domain::dataset::OrgRecord;
use dangjian::domain::role::Role;

use crate::support::{TestApp, session_cookie};

fn csrf_of(body: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker).expect("a csrf field") + marker.len();
    body[start..].split('"').next().expect("value").to_string()
}

/// A signed-in user: (session cookie, its CSRF token).
async fn signed_in(app: &TestApp, name: &str, role: Role, scope: ScopeTarget) -> (String, String) {
    app.user(name, role, scope).await;
    let cookie = session_cookie(&app.sign_in(name, "pass1234").await).expect("cookie");
    let csrf = csrf_of(&app.get_with_cookie(&cookie, "/").await.body);
    (cookie, csrf)
}

/// The org form's fields (the 社会组织 sheet's columns, f0…f16) for a record.
fn form_of(o: &OrgRecord) -> Vec<(String, String)> {
    let d = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let n = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    let values = [
        o.credit_code.as_str().to_string(),
        o.name.clone(),
        o.kind.label().to_string(),
        o.region.as_str().to_string(),
        o.supervising_unit.clone().unwrap_or_default(),
        o.registered_on.to_string(),
        o.status.label().to_string(),
        d(o.terminated_on),
        o.address.clone().unwrap_or_default(),
        o.legal_representative.clone().unwrap_or_default(),
        n(o.staff_count),
        n(o.member_count),
        o.formal_members.to_string(),
        n(o.probationary_members),
        String::new(),
        String::new(),
        d(o.counts_on),
    ];
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| (format!("f{i}"), v))
        .collect()
}

async fn post(
    app: &TestApp,
    (cookie, csrf): &(String, String),
    fields: &[(String, String)],
    changes: &[(&str, &str)],
) -> crate::support::Reply {
    let mut f: Vec<(String, String)> = fields.to_vec();
    for (k, v) in changes {
        match f.iter_mut().find(|(key, _)| key == k) {
            Some(e) => e.1 = v.to_string(),
            None => f.push((k.to_string(), v.to_string())),
        }
    }
    f.push(("csrf".into(), csrf.clone()));
    f.push(("editing".into(), "1".into()));
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form(Some(cookie), "/forms/org", &pairs).await
}

async fn stored(app: &TestApp, code: &str) -> OrgRecord {
    app.t
        .db
        .org_record(&Scope::City, code)
        .await
        .expect("db")
        .expect("org")
}

#[tokio::test]
async fn a_county_admin_cannot_take_over_another_countys_org() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let codes = crate::fixture::codes();
    let chengqu = signed_in(
        &app,
        "chengqu",
        Role::CountyAdmin,
        ScopeTarget::Region(RegionCode::parse("140302").expect("code")),
    )
    .await;
    // D is in 矿区 (140303). Posting its code with 城区's region and a new name (the review's
    // repro) is "not found", and D is as it was: name, region and details.
    let d = stored(&app, &codes[3]).await;
    let r = post(
        &app,
        &chengqu,
        &form_of(&d),
        &[("f1", "被城区接管的协会"), ("f3", "140302")],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(stored(&app, &codes[3]).await, d, "D unchanged");
    // Unchanged, as it is stored (its own region): still not found.
    let r = post(&app, &chengqu, &form_of(&d), &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A city-level org (A, 140300) likewise.
    let a = stored(&app, &codes[0]).await;
    let r = post(&app, &chengqu, &form_of(&a), &[("f3", "140302")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(stored(&app, &codes[0]).await, a);

    // Its own org B moved to 矿区 would leave its scope: refused on the form (422), unchanged.
    let b = stored(&app, &codes[1]).await;
    let r = post(&app, &chengqu, &form_of(&b), &[("f3", "140303")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不在您的管理范围内"), "{}", r.body);
    assert_eq!(stored(&app, &codes[1]).await, b);
    // A change inside its scope is saved: B renamed stays in 城区.
    let r = post(
        &app,
        &chengqu,
        &form_of(&b),
        &[("f1", "乙服务中心（更名）")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(stored(&app, &codes[1]).await.name, "乙服务中心（更名）");
    // The audit row of the save was written (in the save's transaction).
    let (audit, _) = app.t.db.audit_entries(0, 50).await.expect("audit");
    assert!(
        audit.iter().any(|e| e.username == "chengqu"
            && e.action == "form_org"
            && e.target.contains(&codes[1])),
        "{audit:#?}"
    );
    // A new org registered in 矿区 is outside its scope too: refused, not created.
    let new_code = dangjian::domain::codes::CreditCode::from_body("51140303MJY000990")
        .expect("code")
        .as_str()
        .to_string();
    let mut new = form_of(&d);
    new.retain(|(k, _)| k != "editing");
    let r = post(&app, &chengqu, &new, &[("f0", &new_code), ("f1", "新协会")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        app.t
            .db
            .org_record(&Scope::City, &new_code)
            .await
            .expect("db")
            .is_none()
    );
}

#[tokio::test]
async fn a_department_cannot_take_over_or_hand_off_an_org() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let codes = crate::fixture::codes();
    let sports = app
        .t
        .db
        .unit_id("阳泉市体育局")
        .await
        .expect("db")
        .expect("unit");
    let dept = signed_in(&app, "sports", Role::Department, ScopeTarget::Unit(sports)).await;
    // B is directly registered in 城区: naming itself its supervising unit and deregistering it
    // (the review's variant) is "not found"; B is unchanged.
    let b = stored(&app, &codes[1]).await;
    let r = post(
        &app,
        &dept,
        &form_of(&b),
        &[("f4", "阳泉市体育局"), ("f6", "注销"), ("f7", "2026-12-01")],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(stored(&app, &codes[1]).await, b);
    // C is its own (supervised by 体育局): handing it to the education committee would leave
    // its scope: refused on the form, unchanged.
    let c = stored(&app, &codes[2]).await;
    assert_eq!(c.supervising_unit.as_deref(), Some("阳泉市体育局"));
    let r = post(&app, &dept, &form_of(&c), &[("f4", "阳泉市教育行业党委")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(stored(&app, &codes[2]).await, c);
    // Its own change inside its scope is saved.
    let r = post(&app, &dept, &form_of(&c), &[("f10", "12")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(stored(&app, &codes[2]).await.staff_count, Some(12));
    // Other records than orgs are the city's: the party-org form is not for a department.
    let r = app
        .post_form(
            Some(&dept.0),
            "/forms/party-org",
            &[("csrf", &dept.1), ("f0", "体育局党支部")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
