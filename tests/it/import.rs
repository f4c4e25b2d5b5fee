//! The workbook exchange: refusal with every error located, all or nothing, idempotent
//! re-import, and the export → import round trip.

use chrono::NaiveDate;
use dangjian::db::{ReadOptions, Scope};
use dangjian::excel::problems::Severity;
use dangjian::excel::{export, source, writer};

use crate::support::TestDb;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).expect("date")
}

fn errors(report: &dangjian::excel::problems::Report) -> Vec<String> {
    report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.to_string())
        .collect()
}

#[tokio::test]
async fn a_workbook_with_errors_is_refused_whole_and_every_error_is_named() {
    let t = TestDb::new().await;
    let dir = tempfile::tempdir().expect("dir");
    let codes = crate::fixture::codes();
    let good = &codes[0];
    // Wrong check character: the last character of a valid code, changed.
    let mut bad_check = codes[1].clone();
    let last = bad_check.pop().expect("char");
    bad_check.push(if last == '0' { '1' } else { '0' });
    let orgs = format!(
        "统一社会信用代码,名称,类型,登记管理机关区划,成立登记日期,登记状态,注销撤销日期,正式党员数\n\
         {good},好协会,社会团体,140300,2020-01-01,正常,,3\n\
         {bad_check},坏中心,民办非企业单位,140302,2020-01-01,正常,,1\n\
         {code3},错类型,社会团体,140302,2020-01-01,正常,,0\n\
         91140300MA0000000X,某公司,其他,140302,2020-01-01,正常,,0\n\
         {code4},早注销,社会团体,140303,2020-01-01,注销,2019-05-01,0\n\
         {code5},无区划,社会团体,999999,2020-02-30,正常,,十二\n",
        code3 = codes[2],
        code4 = codes[3],
        code5 = codes[5],
    );
    std::fs::write(dir.path().join("社会组织.csv"), orgs).expect("write");
    std::fs::write(
        dir.path().join("党组织.csv"),
        format!("党组织名称,组织类别,组建方式,成立日期,覆盖社会组织,上级党组织\n某支部,党支部,单独组建,2020-01-01,\"{good},52140302MJY000028G\",不存在的党委\n"),
    )
    .expect("write");
    let wb = source::open(dir.path()).expect("read");
    let outcome = crate::support::import_wb(&t.db, &wb).await;
    assert!(outcome.written.is_none(), "nothing written");
    assert!(
        t.db.is_empty().await.expect("count"),
        "the good row was not saved either"
    );
    let errs = errors(&outcome.report);
    let has = |needle: &str| errs.iter().any(|e| e.contains(needle));
    assert!(
        has(&format!(
            "社会组织!A3 统一社会信用代码 \"{bad_check}\": 校验位错误，应为 {last}"
        )),
        "{errs:#?}"
    );
    // Row 4: code category 2 (民办非企业单位) but type 社会团体.
    assert!(
        has("社会组织!C4 类型 \"社会团体\": 与信用代码前两位“52”（民办非企业单位）不一致"),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("社会组织!A5 统一社会信用代码")),
        "enterprise code refused: {errs:#?}"
    );
    assert!(
        has(
            "社会组织!G6 注销撤销日期 \"2019-05-01\": 注销撤销日期 2019-05-01 早于成立登记日期 2020-01-01"
        ),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("社会组织!D7 登记管理机关区划 \"999999\"")),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("社会组织!E7 成立登记日期 \"2020-02-30\"")),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("社会组织!H7 正式党员数 \"十二\"")),
        "{errs:#?}"
    );
    // Own formation covering two orgs, one of which does not exist.
    assert!(
        has("党组织!E2 覆盖社会组织 \"52140302MJY000028G\": 在工作簿和系统中均不存在"),
        "{errs:#?}"
    );
    // A parent that is neither a party org nor a unit (import-format.md, 党组织 上级党组织).
    assert!(
        has("党组织!F2 上级党组织 \"不存在的党委\": 在工作簿和系统中均不存在"),
        "{errs:#?}"
    );
    assert_eq!(outcome.report.errors, errs.len());
}

#[tokio::test]
async fn reimporting_the_same_workbook_changes_nothing() {
    let t = crate::stats::golden_db().await;
    let dir = tempfile::tempdir().expect("dir");
    crate::fixture::write_csv_dir(dir.path());
    let wb = source::open(dir.path()).expect("read");
    let outcome = crate::support::import_wb(&t.db, &wb).await;
    let written = outcome.written.expect("written");
    assert!(
        written.is_noop(),
        "second import changed something: {written:?}"
    );
}

#[tokio::test]
async fn export_then_import_into_an_empty_database_gives_the_same_data() {
    let t = crate::stats::golden_db().await;
    let before =
        t.db.read_dataset(
            &Scope::City,
            ReadOptions {
                open_links_only: true,
            },
        )
        .await
        .expect("read");
    let bytes = writer::write_xlsx(&export::dataset_sheets(&before, today())).expect("xlsx");
    let wb = source::read_bytes("export.xlsx", &bytes).expect("read back");
    let other = TestDb::new().await;
    let outcome = crate::support::import_wb(&other.db, &wb).await;
    assert!(outcome.written.is_some(), "{:#?}", errors(&outcome.report));
    let after = other
        .db
        .read_dataset(
            &Scope::City,
            ReadOptions {
                open_links_only: true,
            },
        )
        .await
        .expect("read");
    // 矿区联合党支部 was dissolved 2021-12-31: its link to I ended with it, so no link of it is
    // open, yet its exported row still names I (覆盖社会组织 is required) and imports again.
    let j2 = |d: &dangjian::domain::dataset::Dataset| {
        d.party_orgs
            .iter()
            .find(|p| p.name == "矿区联合党支部")
            .map(|p| {
                p.covers
                    .iter()
                    .map(|c| (c.credit_code.as_str().to_string(), c.to))
                    .collect::<Vec<_>>()
            })
    };
    let ended = NaiveDate::from_ymd_opt(2021, 12, 31);
    assert_eq!(
        j2(&before),
        Some(vec![(crate::fixture::codes()[8].clone(), ended)])
    );
    assert_eq!(j2(&after), j2(&before));
    assert_eq!(before.orgs, after.orgs);
    assert_eq!(before.party_orgs, after.party_orgs);
    assert_eq!(before.instructors, after.instructors);
    assert_eq!(before.positions, after.positions);
    let mut u1 = before.units.clone();
    let mut u2 = after.units.clone();
    u1.sort_by(|a, b| a.name.cmp(&b.name));
    u2.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(u1, u2);
}

/// Imports a 党组织 sheet (CSV text) with a 社会组织 sheet of headers only into `t`.
async fn import_party_sheet(
    t: &TestDb,
    party_csv: String,
) -> dangjian::app::registry::ImportOutcome {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("社会组织.csv"),
        "统一社会信用代码,名称,类型,登记管理机关区划,成立登记日期,登记状态,正式党员数\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("党组织.csv"), party_csv).expect("write");
    let wb = source::open(dir.path()).expect("read");
    crate::support::import_wb(&t.db, &wb).await
}

#[tokio::test]
async fn a_removed_coverage_is_closed_not_deleted() {
    let t = crate::stats::golden_db().await;
    let codes = crate::fixture::codes();
    // J1 now lists only B: C's link is closed at the import date and C stays covered in the past.
    let outcome = import_party_sheet(&t, format!("党组织名称,组织类别,组建方式,成立日期,覆盖社会组织,党员人数,书记姓名,上级党组织\n城区第一联合党支部,联合党支部,联合组建,2019-01-01,{},4,钱二,城区工委\n", codes[1])).await;
    let written = outcome
        .written
        .unwrap_or_else(|| panic!("{:#?}", errors(&outcome.report)));
    assert_eq!(written.links_closed, 1);
    let r = dangjian::stats::coverage(
        &t.db,
        &Scope::City,
        NaiveDate::from_ymd_opt(2021, 12, 31).expect("d"),
        dangjian::stats::By::Region,
    )
    .await
    .expect("stats");
    assert_eq!(r.total.counts.covered, 3, "the past is unchanged");
    let now = dangjian::stats::coverage(&t.db, &Scope::City, today(), dangjian::stats::By::Region)
        .await
        .expect("stats");
    let c = now.rows.iter().find(|r| r.key == "140302").expect("城区");
    // 城区 today: B (covered), C (no longer), F (registered 2022, uncovered); H revoked.
    assert_eq!((c.counts.in_scope, c.counts.covered), (3, 1));
}

#[tokio::test]
async fn a_dissolved_party_orgs_links_end_on_its_dissolution() {
    let t = crate::stats::golden_db().await;
    let codes = crate::fixture::codes();
    // J1 (founded 2019-01-01, covering B and C) is now dissolved 2022-06-30 and lists only B:
    // B's link ends with it; C's link, no longer listed, ends then too (not today, 2026-11-28).
    let outcome = import_party_sheet(&t, format!("党组织名称,组织类别,组建方式,成立日期,撤销日期,覆盖社会组织,党员人数,书记姓名,上级党组织\n城区第一联合党支部,联合党支部,联合组建,2019-01-01,2022-06-30,{},4,钱二,城区工委\n", codes[1])).await;
    assert!(outcome.written.is_some(), "{:#?}", errors(&outcome.report));
    let data =
        t.db.read_dataset(&Scope::City, ReadOptions::default())
            .await
            .expect("read");
    let j1 = data
        .party_orgs
        .iter()
        .find(|p| p.name == "城区第一联合党支部")
        .expect("J1");
    let mut links: Vec<(String, Option<NaiveDate>)> = j1
        .covers
        .iter()
        .map(|c| (c.credit_code.as_str().to_string(), c.to))
        .collect();
    links.sort();
    let ended = NaiveDate::from_ymd_opt(2022, 6, 30);
    assert_eq!(
        links,
        [(codes[1].clone(), ended), (codes[2].clone(), ended)]
    );
}

#[test]
fn junk_files_are_refused_with_a_message() {
    for (name, bytes) in [
        ("junk.xlsx", vec![0x13u8; 4096]),
        ("empty.xlsx", Vec::new()),
        (
            "old.xls",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0],
        ),
        (
            "truncated.zip",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec(),
        ),
    ] {
        let err = source::read_bytes(name, &bytes).expect_err(name);
        assert!(!err.to_string().is_empty());
        assert!(
            err.to_string()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "Chinese message: {err}"
        );
    }
}

#[tokio::test]
async fn a_sheet_with_only_headers_is_refused() {
    let t = TestDb::new().await;
    let bytes = writer::write_xlsx(&export::template_sheets()).expect("template");
    let wb = source::read_bytes("template.xlsx", &bytes).expect("read");
    let outcome = crate::support::import_wb(&t.db, &wb).await;
    assert!(outcome.written.is_none());
    assert!(
        errors(&outcome.report)
            .iter()
            .any(|e| e.contains("没有任何数据行")),
        "{:#?}",
        errors(&outcome.report)
    );
}

#[tokio::test]
async fn ten_thousand_errors_are_all_counted() {
    let t = TestDb::new().await;
    let mut csv = String::from(
        "统一社会信用代码,名称,类型,登记管理机关区划,成立登记日期,登记状态,正式党员数\n",
    );
    for i in 0..10_000 {
        csv.push_str(&format!(
            "BAD{i},名称{i},社会团体,140300,2020-01-01,正常,0\n"
        ));
    }
    let wb = source::read_bytes("社会组织.csv", csv.as_bytes()).expect("read");
    let outcome = crate::support::import_wb(&t.db, &wb).await;
    assert_eq!(outcome.report.errors, 10_000);
    assert!(outcome.written.is_none());
}

#[tokio::test]
async fn the_demo_city_exports_and_reimports_with_the_same_figures() {
    // The demo has dissolved joint branches whose links all ended: their rows list the orgs they
    // covered when dissolved, so every row re-imports.
    let t = TestDb::new().await;
    let data = dangjian::demo::generate(7, 300, today());
    t.db.write_dataset(&Scope::City, &data, "test", today())
        .await
        .expect("demo");
    let exported =
        t.db.read_dataset(&Scope::City, ReadOptions::default())
            .await
            .expect("read");
    let bytes = writer::write_xlsx(&export::dataset_sheets(&exported, today())).expect("xlsx");
    let wb = source::read_bytes("demo.xlsx", &bytes).expect("read back");
    let other = TestDb::new().await;
    let outcome = crate::support::import_wb(&other.db, &wb).await;
    assert!(
        outcome.written.is_some(),
        "{:#?}",
        errors(&outcome.report).iter().take(5).collect::<Vec<_>>()
    );
    // The workbook carries the registry's current state (one coverage list per party org, no
    // link dates), so figures of today agree exactly; the population agrees at every date.
    for d in [
        "2016-12-31",
        "2019-12-31",
        "2021-06-30",
        "2022-12-31",
        "2026-11-28",
    ] {
        let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
        let a = dangjian::stats::coverage(&t.db, &Scope::City, d, dangjian::stats::By::Region)
            .await
            .expect("stats");
        let b = dangjian::stats::coverage(&other.db, &Scope::City, d, dangjian::stats::By::Region)
            .await
            .expect("stats");
        assert_eq!(a.total.counts.in_scope, b.total.counts.in_scope, "{d}");
        assert_eq!(a.total.counts.abnormal, b.total.counts.abnormal, "{d}");
        if d == today() {
            assert_eq!(a.total.counts, b.total.counts, "today's figures are exact");
            assert_eq!(a.rows, b.rows);
        }
    }
}
