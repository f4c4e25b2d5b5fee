//! Census campaigns (摸排) on the golden workbook (tests/it/fixture.rs): progress, the returns'
//! effect on the establishment figures as of a date (statistics.md §3), the census_missing and
//! clean_dormant items, and the 摸排 sheet. Expected values are derived by hand in the comments.

use chrono::NaiveDate;
use dangjian::db::{Campaign, Db, ReturnFilter, ReturnWrite, Scope};
use dangjian::domain::census::{CampaignInput, CensusReturn, ReturnState};
use dangjian::domain::codes::RegionCode;
use dangjian::domain::ledger::ItemKind;
use dangjian::domain::model::{OperatingState, PartyOrgStatus};
use dangjian::excel::import::validate_census;
use dangjian::excel::source;
use dangjian::stats::{self, By};

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn today() -> NaiveDate {
    date("2026-11-28")
}

/// Should-establish-own count of 城区 (140302) as of `d`.
async fn should_own_chengqu(db: &Db, d: NaiveDate) -> i64 {
    let r = stats::coverage(db, &Scope::City, d, By::Region)
        .await
        .expect("stats");
    r.rows
        .iter()
        .find(|row| row.key == "140302")
        .expect("城区 row")
        .counts
        .should_establish_own
}

async fn org_id(db: &Db, code: &str) -> i64 {
    db.org_id(code).await.expect("db").expect("org")
}

fn ret(state: OperatingState, staff: i64, formal: i64) -> CensusReturn {
    CensusReturn {
        operating_state: state,
        staff_count: Some(staff),
        member_count: None,
        formal_members: formal,
        probationary_members: 0,
        party_org_status: PartyOrgStatus::Joint,
        note: None,
    }
}

async fn open(db: &Db) -> Campaign {
    // 城区 (140302) at the reference date 2026-10-31: B (reg 2016), C (reg 2017, abnormal) and
    // F (reg 2022) are in scope; H was revoked on 2021-12-31 → not in the campaign.
    let id = db
        .create_campaign(
            &CampaignInput {
                name: "城区2026年四季度摸排".into(),
                reference_date: date("2026-10-31"),
                end_date: date("2026-11-30"),
            },
            &RegionCode::parse("140302").expect("code"),
            "test",
        )
        .await
        .expect("db")
        .expect("opened");
    db.campaign(&Scope::City, id)
        .await
        .expect("db")
        .expect("visible")
}

fn items_of(items: &[dangjian::db::LedgerItem], kind: ItemKind) -> Vec<(String, bool)> {
    let mut v: Vec<(String, bool)> = items
        .iter()
        .filter(|i| i.kind == kind && i.state.is_active())
        .map(|i| (i.subject.clone(), i.condition_met))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn a_campaign_from_opening_to_confirmed_returns() {
    let t = crate::stats::golden_db().await;
    let db = &t.db;
    let c = crate::fixture::codes();
    let (b, cc, f) = (c[1].clone(), c[2].clone(), c[5].clone());
    let campaign = open(db).await;
    let p = db
        .campaign_progress(&Scope::City, &campaign)
        .await
        .expect("progress");
    assert_eq!((p.total, p.returned, p.confirmed), (3, 0, 0));
    // A county user of 矿区 does not see 城区's campaign; 城区's does, with the same orgs.
    let kuangqu = Scope::Regions(vec![RegionCode::parse("140303").expect("code")]);
    assert!(
        db.campaign(&kuangqu, campaign.id)
            .await
            .expect("db")
            .is_none()
    );
    let chengqu = Scope::Regions(vec![RegionCode::parse("140302").expect("code")]);
    let (rows, total) = db
        .campaign_returns(
            &chengqu,
            &campaign,
            &ReturnFilter {
                limit: 100,
                ..ReturnFilter::default()
            },
        )
        .await
        .expect("returns");
    assert_eq!(total, 3);
    let mut listed: Vec<&str> = rows.iter().map(|r| r.credit_code.as_str()).collect();
    listed.sort();
    let mut expected = vec![b.as_str(), cc.as_str(), f.as_str()];
    expected.sort();
    assert_eq!(listed, expected);
    assert!(rows.iter().all(|r| r.state == ReturnState::Missing));

    // Detection raises one census_missing item per org, due at the campaign's end.
    db.detect(&Scope::City, "test", today())
        .await
        .expect("detect");
    let items = db.ledger_items(&Scope::City, today()).await.expect("items");
    assert_eq!(items_of(&items, ItemKind::CensusMissing), {
        let mut v = vec![(b.clone(), false), (cc.clone(), false), (f.clone(), false)];
        v.sort();
        v
    });
    assert!(
        items
            .iter()
            .filter(|i| i.kind == ItemKind::CensusMissing)
            .all(|i| i.deadline.as_deref() == Some("2026-11-30")
                && i.responsible_unit.as_deref() == Some("城区工委"))
    );

    // Before any return: 城区 should establish own = C only (3 members, joint J1) → 1; B has 1.
    assert_eq!(should_own_chengqu(db, today()).await, 1);

    // B returns 3 formal members, confirmed at once by its responsible unit.
    let (b_id, c_id) = (org_id(db, &b).await, org_id(db, &cc).await);
    let b_return = ret(OperatingState::Running, 10, 3);
    db.save_return(
        &ReturnWrite {
            campaign_id: campaign.id,
            org_id: b_id,
            ret: &b_return,
            confirmed: true,
        },
        "城区工委干部",
    )
    .await
    .expect("save");
    // From the reference date on B counts 3 members, covered only jointly → should own too:
    // 2 on 2026-10-31 and after; the day before, B still has its imported 1 → 1.
    assert_eq!(should_own_chengqu(db, date("2026-10-31")).await, 2);
    assert_eq!(should_own_chengqu(db, today()).await, 2);
    assert_eq!(should_own_chengqu(db, date("2026-10-30")).await, 1);

    // C returns 停止活动 (not yet confirmed): progress 2 returned, 1 confirmed.
    db.save_return(
        &ReturnWrite {
            campaign_id: campaign.id,
            org_id: c_id,
            ret: &ret(OperatingState::Stopped, 5, 3),
            confirmed: false,
        },
        "丙培训学校",
    )
    .await
    .expect("save");
    let p = db
        .campaign_progress(&Scope::City, &campaign)
        .await
        .expect("progress");
    assert_eq!(
        (p.total, p.returned, p.confirmed, p.missing()),
        (3, 2, 1, 1)
    );

    // Detection: B's census item is satisfied (confirmed), C's and F's are not; B now calls
    // for an own organization (3 members, joint only).
    db.detect(&Scope::City, "test", today())
        .await
        .expect("detect");
    let items = db.ledger_items(&Scope::City, today()).await.expect("items");
    let mut expected = vec![(b.clone(), true), (cc.clone(), false), (f.clone(), false)];
    expected.sort();
    assert_eq!(items_of(&items, ItemKind::CensusMissing), expected);
    assert!(
        items_of(&items, ItemKind::EstablishOwnOrg)
            .iter()
            .any(|(s, _)| *s == b)
    );

    // The unit confirms every waiting return in its scope: C's.
    let n = db
        .confirm_returns(&chengqu, &campaign, None, "城区工委干部")
        .await
        .expect("confirm");
    assert_eq!(n, 1);
    db.detect(&Scope::City, "test", today())
        .await
        .expect("detect");
    let items = db.ledger_items(&Scope::City, today()).await.expect("items");
    let mut expected = vec![(b.clone(), true), (cc.clone(), true), (f.clone(), false)];
    expected.sort();
    assert_eq!(items_of(&items, ItemKind::CensusMissing), expected);
    // C is abnormal and the census says 停止活动: its clean_dormant item stays unsatisfied.
    assert_eq!(
        items_of(&items, ItemKind::CleanDormant),
        vec![(cc.clone(), false)]
    );

    // Changing a confirmed return clears the confirmation: B's count falls back to 1.
    db.save_return(
        &ReturnWrite {
            campaign_id: campaign.id,
            org_id: b_id,
            ret: &ret(OperatingState::Running, 10, 4),
            confirmed: false,
        },
        "乙服务中心",
    )
    .await
    .expect("save");
    let p = db
        .campaign_progress(&Scope::City, &campaign)
        .await
        .expect("progress");
    assert_eq!((p.returned, p.confirmed), (2, 1));
    assert_eq!(should_own_chengqu(db, today()).await, 1);
}

#[tokio::test]
async fn a_later_confirmed_return_replaces_an_earlier_one_from_its_reference_date() {
    // Statistics.md §3: the latest confirmed return on or before D. Two campaigns for B:
    // 2025-10-31 says 3 members, 2026-10-31 says 0. Expected should-own count of 城区 (C is 1
    // throughout): 2024-12-31 → 1 (B imported 1); 2025-12-31 → 2 (B 3); 2026-11-28 → 1 (B 0).
    let t = crate::stats::golden_db().await;
    let db = &t.db;
    let b = crate::fixture::codes()[1].clone();
    let b_id = org_id(db, &b).await;
    for (name, reference, formal) in [
        ("2025年摸排", "2025-10-31", 3),
        ("2026年摸排", "2026-10-31", 0),
    ] {
        let id = db
            .create_campaign(
                &CampaignInput {
                    name: name.into(),
                    reference_date: date(reference),
                    end_date: date(reference),
                },
                &RegionCode::parse("140300").expect("code"),
                "test",
            )
            .await
            .expect("db")
            .expect("opened");
        db.save_return(
            &ReturnWrite {
                campaign_id: id,
                org_id: b_id,
                ret: &ret(OperatingState::Running, 10, formal),
                confirmed: true,
            },
            "test",
        )
        .await
        .expect("save");
    }
    assert_eq!(should_own_chengqu(db, date("2024-12-31")).await, 1);
    assert_eq!(should_own_chengqu(db, date("2025-12-31")).await, 2);
    assert_eq!(should_own_chengqu(db, today()).await, 1);
}

#[tokio::test]
async fn the_census_sheet_is_refused_whole_with_every_error_named() {
    let t = crate::stats::golden_db().await;
    let db = &t.db;
    let campaign = open(db).await;
    let c = crate::fixture::codes();
    let (a, b, f) = (&c[0], &c[1], &c[5]);
    // Row 2: B, fine. Row 3: A is in 140300, outside 城区's campaign. Row 4: F with more party
    // members (4 + 2) than staff (5). Row 5: an unknown campaign and an unknown 运行状态.
    let csv = format!(
        "摸排名称,统一社会信用代码,运行状态,从业人员数,正式党员数,预备党员数,党组织状况,已确认\n\
         {n},{b},正常运行,8,2,0,已纳入联合党组织,是\n\
         {n},{a},正常运行,8,2,0,已单独建立党组织,否\n\
         {n},{f},正常运行,5,4,2,未建立党组织,\n\
         另一个摸排,{b},营业中,8,2,0,已纳入联合党组织,\n",
        n = campaign.name
    );
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("摸排.csv"), csv).expect("write");
    let wb = source::open(dir.path()).expect("read");
    let known = dangjian::app::registry::known(db).await.expect("known");
    let (records, report) = validate_census(&wb, &known, &|_| true, today());
    let lines: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(report.errors, 4, "{lines:#?}");
    let has = |cell: &str, text: &str| {
        lines
            .iter()
            .any(|l| l.starts_with(&format!("摸排!{cell} ")) && l.contains(text))
    };
    assert!(has("B3", "不在摸排"), "{lines:#?}");
    assert!(has("E4", "超过从业人员数 5"), "{lines:#?}");
    assert!(has("A5", "系统中没有这个摸排"), "{lines:#?}");
    assert!(has("C5", "无法识别"), "{lines:#?}");
    // The valid row is parsed, but the caller saves nothing while the report has errors.
    assert_eq!(records.len(), 1);

    // The corrected sheet (rows 2 and 4 only, F with 3 + 2 ≤ 5) imports through the general
    // import; B's row is confirmed (已确认 是), F's waits.
    let csv = format!(
        "摸排名称,统一社会信用代码,运行状态,从业人员数,正式党员数,预备党员数,党组织状况,已确认\n\
         {n},{b},正常运行,8,2,0,已纳入联合党组织,是\n\
         {n},{f},正常运行,5,3,2,未建立党组织,\n",
        n = campaign.name
    );
    std::fs::write(dir.path().join("摸排.csv"), csv).expect("write");
    let (records, report) = validate_census(
        &source::open(dir.path()).expect("read"),
        &known,
        &|_| true,
        today(),
    );
    assert_eq!(report.errors, 0, "{:#?}", report.problems);
    let n = db
        .import_returns(&campaign, &records, "test")
        .await
        .expect("import");
    assert_eq!(n, 2);
    let p = db
        .campaign_progress(&Scope::City, &campaign)
        .await
        .expect("progress");
    assert_eq!((p.returned, p.confirmed), (2, 1));
    // Importing the same rows again changes nothing.
    assert_eq!(
        db.import_returns(&campaign, &records, "test")
            .await
            .expect("import"),
        0
    );
}

#[tokio::test]
async fn only_the_responsible_unit_confirms_and_an_unchanged_save_changes_nothing() {
    let t = crate::stats::golden_db().await;
    let db = &t.db;
    let campaign = open(db).await;
    let cc = crate::fixture::codes()[2].clone();
    let c_id = org_id(db, &cc).await;
    let c_return = ret(OperatingState::Running, 5, 3);
    let write = |confirmed| ReturnWrite {
        campaign_id: campaign.id,
        org_id: c_id,
        ret: &c_return,
        confirmed,
    };
    assert!(
        db.save_return(&write(false), "丙培训学校")
            .await
            .expect("save")
    );
    // C is supervised by 体育局, which carries no party building: its responsible unit is
    // 城区工委. 体育局 sees C (it supervises it) but does not confirm it; 城区 does.
    let sports = db.unit_id("阳泉市体育局").await.expect("db").expect("unit");
    let department = Scope::Unit(sports);
    let chengqu = Scope::Regions(vec![RegionCode::parse("140302").expect("code")]);
    assert!(
        db.campaign_return(&department, &campaign, &cc)
            .await
            .expect("db")
            .is_some()
    );
    assert!(!db.confirms(&department, c_id).await.expect("db"));
    assert!(db.confirms(&chengqu, c_id).await.expect("db"));
    assert!(db.confirms(&Scope::City, c_id).await.expect("db"));
    assert_eq!(
        db.confirm_returns(&department, &campaign, Some(&[c_id]), "体育局")
            .await
            .expect("confirm"),
        0
    );
    assert_eq!(
        db.confirm_returns(&chengqu, &campaign, Some(&[c_id]), "城区工委干部")
            .await
            .expect("confirm"),
        1
    );
    // Saving the same figures again (not confirming) changes nothing: still confirmed, and
    // still filled by the org.
    assert!(
        !db.save_return(&write(false), "城区工委干部")
            .await
            .expect("save")
    );
    let row = db
        .campaign_return(&Scope::City, &campaign, &cc)
        .await
        .expect("db")
        .expect("row");
    assert_eq!(row.state, ReturnState::Confirmed);
    assert_eq!(row.filled_by.as_deref(), Some("丙培训学校"));
    assert_eq!(row.confirmed_by.as_deref(), Some("城区工委干部"));
}

#[tokio::test]
async fn unfilled_rows_of_a_downloaded_sheet_are_skipped_and_a_wrong_name_is_an_error() {
    let t = crate::stats::golden_db().await;
    let db = &t.db;
    let campaign = open(db).await;
    let c = crate::fixture::codes();
    let (b, cc, f) = (&c[1], &c[2], &c[5]);
    // As downloaded: every org listed with its name, 已确认 否. Row 2 (B) is filled in; row 3 (C)
    // is left as downloaded (skipped, no error); row 4 (F) is filled with B's name (an error
    // on 社会组织名称 naming F's registered name).
    let csv = format!(
        "摸排名称,统一社会信用代码,社会组织名称,运行状态,从业人员数,会员数,正式党员数,预备党员数,党组织状况,已确认,备注\n\
         {n},{b},乙服务中心,正常运行,8,,2,0,已纳入联合党组织,否,\n\
         {n},{cc},丙培训学校,,,,,,,否,\n\
         {n},{f},乙服务中心,正常运行,3,,0,0,未建立党组织,否,\n",
        n = campaign.name
    );
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("摸排.csv"), csv).expect("write");
    let known = dangjian::app::registry::known(db).await.expect("known");
    let (records, report) = validate_census(
        &source::open(dir.path()).expect("read"),
        &known,
        &|_| true,
        today(),
    );
    let lines: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(report.errors, 1, "{lines:#?}");
    assert!(
        lines[0].starts_with("摸排!C4 ") && lines[0].contains("己商会"),
        "{lines:#?}"
    );
    // B's row parsed; C's skipped; F's refused.
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].credit_code.as_str(), b.as_str());
}

#[tokio::test]
async fn an_upload_tells_nothing_about_orgs_outside_the_uploaders_reach() {
    let t = crate::stats::golden_db().await;
    let db = &t.db;
    let campaign = open(db).await;
    let c = crate::fixture::codes();
    let (b, cc) = (&c[1], &c[2]);
    // The uploader may fill B only. A row for C (real code, a made-up name) and a row for a
    // code that does not exist get the same message, which names neither C's name nor region.
    let unknown = {
        let mut v = b.to_string();
        v.replace_range(8..16, "MJY77777");
        dangjian::domain::codes::CreditCode::from_body(&v[..17])
            .expect("body")
            .as_str()
            .to_string()
    };
    let csv = format!(
        "摸排名称,统一社会信用代码,社会组织名称,运行状态,正式党员数,党组织状况\n\
         {n},{cc},随便写的名称,正常运行,1,未建立党组织\n\
         {n},{unknown},另一个名称,正常运行,1,未建立党组织\n",
        n = campaign.name
    );
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("摸排.csv"), csv).expect("write");
    let known = dangjian::app::registry::known(db).await.expect("known");
    let only_b = |code: &str| code == b.as_str();
    let (_, report) = validate_census(
        &source::open(dir.path()).expect("read"),
        &known,
        &only_b,
        today(),
    );
    let lines: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(report.errors, 2, "{lines:#?}");
    for l in &lines {
        assert!(
            l.contains("不在本次摸排范围内，或不在您的管理范围内"),
            "{l}"
        );
        assert!(!l.contains("丙培训学校") && !l.contains("登记区划"), "{l}");
    }
}

#[tokio::test]
async fn progress_lists_the_city_committee_then_the_counties_in_region_order_then_other_units() {
    // A city-wide campaign on the golden city as of 2026-11-28: G → 阳泉市社会组织党委 (1);
    // B, C, F → 城区工委 (3); D, I → 矿区工委 (2); A → 阳泉市教育行业党委 (1).
    let t = crate::stats::golden_db().await;
    let db = &t.db;
    let id = db
        .create_campaign(
            &CampaignInput {
                name: "全市摸排".into(),
                reference_date: today(),
                end_date: today(),
            },
            &RegionCode::parse("140300").expect("code"),
            "test",
        )
        .await
        .expect("db")
        .expect("opened");
    let campaign = db
        .campaign(&Scope::City, id)
        .await
        .expect("db")
        .expect("visible");
    let rows: Vec<(String, i64)> = db
        .unit_progress(&Scope::City, &campaign)
        .await
        .expect("progress")
        .into_iter()
        .map(|u| (u.unit.unwrap_or_default(), u.progress.total))
        .collect();
    let s = |t: &str| t.to_string();
    assert_eq!(
        rows,
        vec![
            (s("阳泉市社会组织党委"), 1),
            (s("城区工委"), 3),
            (s("矿区工委"), 2),
            (s("阳泉市教育行业党委"), 1),
        ]
    );
}

#[tokio::test]
async fn a_confirmed_return_contradicting_the_coverage_is_a_quality_finding() {
    let t = crate::stats::golden_db().await;
    let db = &t.db;
    let campaign = open(db).await;
    let codes = crate::fixture::codes();
    // At the reference date 2026-10-31: B and C are covered by the joint J1; F is not covered.
    // Returns: B says 联合组建 (true), C says 未建立党组织 (contradicts), F says 单独组建
    // (contradicts). All three confirmed by the city.
    let statuses = [
        (&codes[1], PartyOrgStatus::Joint),
        (&codes[2], PartyOrgStatus::None),
        (&codes[5], PartyOrgStatus::Own),
    ];
    for (code, status) in statuses {
        let r = CensusReturn {
            party_org_status: status,
            ..ret(OperatingState::Running, 5, 1)
        };
        let id = org_id(db, code).await;
        db.save_return(
            &ReturnWrite {
                campaign_id: campaign.id,
                org_id: id,
                ret: &r,
                confirmed: true,
            },
            "市管理员",
        )
        .await
        .expect("save");
    }
    let q = db
        .quality(&Scope::City, date("2026-11-28"))
        .await
        .expect("quality");
    let found: Vec<&str> = q
        .census_contradictions
        .iter()
        .map(|f| f.key.as_str())
        .collect();
    // In credit-code order: F (51…) then C (52…).
    assert_eq!(found, [codes[5].as_str(), codes[2].as_str()]);
    assert!(
        q.census_contradictions[1]
            .detail
            .contains("确认为“未建立党组织”，而登记数据显示基准日 2026-10-31 已纳入联合党组织"),
        "{:?}",
        q.census_contradictions
    );
}
