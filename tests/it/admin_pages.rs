//! The pages of daily administration (issue 11 item 7): the password link for everyone, the menu
//! of each role and the overviews it may open, users chosen from lists and asked before being
//! disabled, the audit log filtered, the rule table's new versions, the cross-appointment
//! figures drillable.

use axum::http::StatusCode;
use dangjian::db::{Scope, ScopeTarget};
use dangjian::domain::codes::RegionCode;
use dangjian::domain::role::Role;

use crate::support::{TestApp, TestDb, session_cookie};

fn csrf_of(body: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker).expect("a csrf field") + marker.len();
    body[start..].split('"').next().expect("value").to_string()
}

#[tokio::test]
async fn every_user_has_the_password_link_and_the_menu_of_its_role() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let city = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let org_id = app
        .t
        .db
        .org_id(&crate::fixture::codes()[1])
        .await
        .expect("db")
        .expect("org");
    let org = app
        .user("org", Role::OrgUser, ScopeTarget::Org(org_id))
        .await;
    for token in [&city, &org] {
        let r = app.get(token, "/").await;
        assert!(
            r.body.contains("href=\"/password\">修改密码</a>"),
            "{}",
            r.body
        );
    }
    // The city sees the overviews; an org's own user neither in its menu nor at their address.
    let overviews = [
        "/stats",
        "/units",
        "/ledger/units",
        "/battle-map",
        "/quality",
    ];
    let menu = app.get(&city, "/").await.body;
    let own = app.get(&org, "/").await.body;
    for path in overviews {
        assert!(
            menu.contains(&format!("href=\"{path}\"")),
            "city menu: {path}"
        );
        assert!(
            !own.contains(&format!("href=\"{path}\"")),
            "org menu: {path}"
        );
        assert_eq!(
            app.get(&org, path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
        assert_eq!(app.get(&city, path).await.status, StatusCode::OK, "{path}");
    }
    // Its own work stays: the org list, the task list, the census.
    for path in ["/orgs", "/ledger", "/census"] {
        assert!(
            own.contains(&format!("href=\"{path}\"")),
            "org menu: {path}"
        );
    }
}

#[tokio::test]
async fn users_are_given_scopes_from_lists_and_asked_before_being_disabled() {
    let app = TestApp::new(crate::stats::golden_db().await);
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let page = app.get_with_cookie(&cookie, "/admin/users").await.body;
    // The county is chosen from the regions, the unit from the units.
    assert!(
        page.contains("<option value=\"140302\">城区</option>"),
        "{page}"
    );
    assert!(page.contains("<option>阳泉市体育局</option>"), "{page}");
    let csrf = csrf_of(&page);
    let r = app
        .post_form(
            Some(&cookie),
            "/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "chengqu2"),
                ("role", "county_admin"),
                ("scope_region", "140302"),
            ],
        )
        .await;
    assert!(r.body.contains("已新增用户 chengqu2"), "{}", r.body);
    let u = app
        .t
        .db
        .user_by_name("chengqu2")
        .await
        .expect("db")
        .expect("user");
    assert_eq!(u.scope_region.as_deref(), Some("140302"));
    // A county admin without a region is refused with the reason.
    let r = app
        .post_form(
            Some(&cookie),
            "/admin/users",
            &[("csrf", &csrf), ("username", "x"), ("role", "county_admin")],
        )
        .await;
    assert!(r.body.contains("须选择所辖区划"), "{}", r.body);
    // 停用 and 重置密码 ask first; disabling lands on a GET that says so.
    let page = app.get_with_cookie(&cookie, "/admin/users").await.body;
    assert!(page.contains("data-confirm=\"停用 chengqu2？"), "{page}");
    assert!(
        page.contains("data-confirm=\"重置 chengqu2 的密码？"),
        "{page}"
    );
    let r = app
        .post_form(
            Some(&cookie),
            "/admin/users/action",
            &[
                ("csrf", &csrf),
                ("username", "chengqu2"),
                ("action", "disable"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let to = r.headers["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(to.starts_with("/admin/users?notice=disabled&id="), "{to}");
    let r = app.get_with_cookie(&cookie, &to).await;
    assert!(r.body.contains("已停用 chengqu2"), "{}", r.body);
    // The list filters by state.
    let r = app
        .get_with_cookie(&cookie, "/admin/users?state=disabled")
        .await;
    assert!(
        r.body.contains(">chengqu2</td>") && !r.body.contains(">city</td>"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn the_audit_log_filters_by_action_and_date() {
    let app = TestApp::new(TestDb::new().await);
    let city = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    app.sign_in("city", "pass1234").await;
    app.sign_in("city", "wrong").await;
    let today = app.t.db.clock().today();
    let r = app.get(&city, "/admin/audit?action=login_failed").await;
    assert!(r.body.contains("共 1 条"), "{}", r.body);
    let r = app
        .get(&city, &format!("/admin/audit?from={today}&to={today}"))
        .await;
    assert!(r.body.contains("共 2 条"), "{}", r.body);
    let yesterday = today.pred_opt().expect("date");
    let r = app
        .get(&city, &format!("/admin/audit?to={yesterday}"))
        .await;
    assert!(r.body.contains("共 0 条"), "{}", r.body);
    assert_eq!(
        app.get(&city, "/admin/audit?from=1899-01-01").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_city_admin_adds_a_rule_version_from_a_date_never_in_the_past() {
    let app = TestApp::new(TestDb::new().await);
    app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let page = app.get_with_cookie(&cookie, "/admin/rules").await.body;
    // Keys as names.
    assert!(page.contains("单独组建所需正式党员数"), "{page}");
    let csrf = csrf_of(&page);
    let today = app.t.db.clock().today();
    let post = |value: &'static str, from: String| {
        let (cookie, csrf) = (cookie.clone(), csrf.clone());
        let app = &app;
        async move {
            app.post_form(
                Some(&cookie),
                "/admin/rules",
                &[
                    ("csrf", &csrf),
                    ("key", "own_org_min_formal_members"),
                    ("value", value),
                    ("effective_from", &from),
                    ("source", "市委组织部通知"),
                ],
            )
            .await
        }
    };
    let past = post("4", today.pred_opt().expect("date").to_string()).await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(past.body.contains("早于今天"), "{}", past.body);
    let bad = post("零", today.to_string()).await;
    assert!(bad.body.contains("应为整数"), "{}", bad.body);
    let next_month = today + chrono::Duration::days(30);
    let ok = post("4", next_month.to_string()).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    // In force from that day, not before; the audit log says who added it.
    let rules = |d| dangjian::db::RuleTable::load(&app.t.db, d);
    use dangjian::domain::rules::Rule;
    assert_eq!(
        rules(today)
            .await
            .expect("rules")
            .int(Rule::OwnOrgMinFormalMembers)
            .expect("rule"),
        3
    );
    assert_eq!(
        rules(next_month)
            .await
            .expect("rules")
            .int(Rule::OwnOrgMinFormalMembers)
            .expect("rule"),
        4
    );
    let (entries, _) = app.t.db.audit_entries(0, 10).await.expect("audit");
    assert_eq!(entries[0].action, "rule_add");
    // The same date again is refused.
    let again = post("5", next_month.to_string()).await;
    assert!(again.body.contains("已有版本"), "{}", again.body);
}

#[tokio::test]
async fn the_cross_appointment_figures_drill_down_to_their_orgs() {
    let t = TestDb::new().await;
    dangjian::app::demo::populate(&t.db, 5, 500)
        .await
        .expect("demo");
    let app = TestApp::new(t);
    let city = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let county = app
        .user(
            "county",
            Role::CountyAdmin,
            ScopeTarget::Region(RegionCode::parse("140302").expect("code")),
        )
        .await;
    for d in ["2019-12-31", "2026-11-28"] {
        let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
        for (token, scope) in [
            (&city, Scope::City),
            (
                &county,
                Scope::Regions(vec![RegionCode::parse("140302").expect("code")]),
            ),
        ] {
            let figures = dangjian::stats::cross_appointment(&app.t.db, &scope, date)
                .await
                .expect("figures");
            for (cross, want) in [
                ("two_way", figures.two_way_entry),
                ("head_secretary", figures.head_is_secretary),
            ] {
                let uri = format!("/api/v1/orgs?as_of={d}&covered=true&cross={cross}&per_page=1");
                let total = app.get(token, &uri).await.json()["total"]
                    .as_i64()
                    .expect("total");
                assert_eq!(total, want, "{d} {scope:?} {cross}");
            }
        }
    }
    let page = app.get(&city, "/stats?as_of=2026-11-28").await.body;
    assert!(page.contains("cross=two_way"), "the figure is a link");
    assert_eq!(
        app.get(&city, "/api/v1/orgs?cross=nonsense").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_web_export_of_a_province_sized_registry_points_to_the_command_line() {
    // With the limit set to 5 orgs, the golden registry (9 orgs) is too large for the page.
    let app = TestApp::new(crate::stats::golden_db().await);
    let city = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    assert_eq!(app.get(&city, "/export.xlsx").await.status, StatusCode::OK);
    app.t
        .db
        .set_setting("export.web_max_orgs", "5")
        .await
        .expect("setting");
    let r = app.get(&city, "/export.xlsx").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("dangjian export"), "{}", r.body);
}

#[tokio::test]
async fn forms_opened_from_an_orgs_page_know_the_org_and_a_save_lands_on_the_record() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let city = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let b = crate::fixture::codes()[1].clone();
    let page = app.get(&city, &format!("/orgs/{b}")).await.body;
    assert!(
        page.contains(&format!("/forms/party-org?org={b}")),
        "{page}"
    );
    for kind in ["party-org", "station", "position"] {
        let form = app.get(&city, &format!("/forms/{kind}?org={b}")).await.body;
        assert!(form.contains(&format!("value=\"{b}\"")), "{kind}: {form}");
    }
    // A code that is no org is not filled in.
    let form = app
        .get(&city, "/forms/party-org?org=91140300MA0000000X")
        .await
        .body;
    assert!(!form.contains("value=\"91140300MA0000000X\""));
    // A saved org lands on its page, which says so.
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let edit = app
        .get_with_cookie(&cookie, &format!("/orgs/{b}/edit"))
        .await
        .body;
    let csrf = csrf_of(&edit);
    let value = |i: usize| {
        let marker = format!("id=\"f{i}\" name=\"f{i}\"");
        let at = edit.find(&marker).unwrap_or(0);
        let rest = &edit[at..];
        let v = rest.find("value=\"").map(|p| &rest[p + 7..]).unwrap_or("");
        v.split('"').next().unwrap_or("").to_string()
    };
    let mut form: Vec<(String, String)> = (0..17).map(|i| (format!("f{i}"), value(i))).collect();
    // The two lists (类型, 登记状态) as the record has them.
    let record = app
        .t
        .db
        .org_record(&Scope::City, &b)
        .await
        .expect("db")
        .expect("record");
    form[2].1 = record.kind.label().to_string();
    form[6].1 = record.status.label().to_string();
    form.push(("csrf".into(), csrf));
    form.push(("editing".into(), "1".into()));
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app.post_form(Some(&cookie), "/forms/org", &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.headers["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert_eq!(to, format!("/orgs/{b}?notice=saved"));
    let shown = app.get_with_cookie(&cookie, &to).await.body;
    assert!(shown.contains("id=\"flash\">已保存</p>"), "{shown}");
}

#[tokio::test]
async fn a_city_admin_gives_short_names_that_pages_show_and_data_keeps_whole() {
    let app = TestApp::new(crate::stats::golden_db().await);
    let token = app.user("city", Role::CityAdmin, ScopeTarget::City).await;
    let cookie = session_cookie(&app.sign_in("city", "pass1234").await).expect("cookie");
    let csrf = csrf_of(&app.get_with_cookie(&cookie, "/admin/settings").await.body);
    // A line without its equals sign is named, and nothing is saved.
    let r = app
        .post_form(
            Some(&cookie),
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("short_names", "阳泉市教育行业党委=教育党委\n阳泉市体育局"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("第 2 行：应为“全称=简称”，缺少等号"),
        "{}",
        r.body
    );
    assert_eq!(
        app.t
            .db
            .setting(dangjian::domain::short_names::SETTING)
            .await
            .expect("db"),
        None
    );
    let r = app
        .post_form(
            Some(&cookie),
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("short_names", "阳泉市教育行业党委=教育党委"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The statistics by responsible unit show the short name, the full one as its title (A is
    // the committee's only org: its row is shown).
    let page = app
        .get_with_cookie(&cookie, "/stats?as_of=2021-12-31&by=responsible-unit")
        .await;
    assert!(
        page.body
            .contains("<td class=\"name\" title=\"阳泉市教育行业党委\">教育党委</td>"),
        "{}",
        page.body
    );
    // The JSON figures keep the full name.
    let json = app
        .get(
            &token,
            "/api/v1/stats/coverage?as_of=2021-12-31&by=responsible_unit",
        )
        .await
        .body;
    assert!(
        json.contains("阳泉市教育行业党委") && !json.contains("教育党委\""),
        "{json}"
    );
    // The change is audited.
    let (audit, _) = app.t.db.audit_entries(0, 20).await.expect("audit");
    assert!(audit.iter().any(|e| e.action == "setting_short_names"));
    // Not a county admin's page.
    let county = app
        .user(
            "county",
            Role::CountyAdmin,
            ScopeTarget::Region(RegionCode::parse("140302").expect("code")),
        )
        .await;
    assert_eq!(
        app.get(&county, "/admin/settings").await.status,
        StatusCode::NOT_FOUND
    );
    // A short name that is another unit's full name is refused (two units would read alike),
    // and the names in effect stay listed.
    let r = app
        .post_form(
            Some(&cookie),
            "/admin/settings",
            &[
                ("csrf", &csrf),
                ("short_names", "阳泉市教育行业党委=阳泉市体育局"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("是另一个单位的全称"), "{}", r.body);
    assert!(r.body.contains("<td>教育党委</td>"), "{}", r.body);
}
