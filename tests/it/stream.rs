//! The streamed import of an .xlsx file (the CLI's): the same report and the same registry as
//! the import of the workbook held whole, however the records are cut into parts; all or
//! nothing even when the error comes after parts were written.

use chrono::NaiveDate;
use dangjian::app::registry::Mode;
use dangjian::app::registry::stream::{StreamOptions, import_xlsx};
use dangjian::db::{ReadOptions, Scope};
use dangjian::domain::dataset::{Dataset, PositionTarget};
use dangjian::excel::{export, source, writer};

use crate::support::TestDb;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).expect("date")
}

/// The demo city of 200 orgs as its export workbook, in a file.
async fn demo_workbook(dir: &std::path::Path, edit: impl Fn(&mut Dataset)) -> std::path::PathBuf {
    let t = TestDb::new().await;
    let data = dangjian::demo::generate(11, 200, today());
    t.db.write_dataset(&Scope::City, &data, "test", today())
        .await
        .expect("demo");
    let mut exported =
        t.db.read_dataset(
            &Scope::City,
            ReadOptions {
                open_links_only: true,
            },
        )
        .await
        .expect("read");
    edit(&mut exported);
    let path = dir.join("demo.xlsx");
    let bytes = writer::write_xlsx(&export::dataset_sheets(&exported, today())).expect("xlsx");
    std::fs::write(&path, bytes).expect("write");
    path
}

fn operator() -> dangjian::app::Actor {
    dangjian::app::Actor::operator("test")
}

/// The streamed import of an .xlsx file, in parts of `part_records`.
async fn streamed(
    t: &TestDb,
    path: &std::path::Path,
    part_records: usize,
    dry_run: bool,
) -> dangjian::app::registry::ImportOutcome {
    let options = StreamOptions {
        mode: if dry_run { Mode::Preview } else { Mode::Write },
        part_records,
    };
    import_xlsx(&t.db, &operator(), path, options, &|_| {})
        .await
        .expect("streamed")
        .expect("an .xlsx file is streamed")
}

/// A workbook of the 社会组织 sheet (headers only: the orgs are the golden registry's) and one
/// more sheet given as CSV text, written as an .xlsx file (the cells written back, no notes).
fn csv_as_xlsx(dir: &std::path::Path, name: &str, csv: &str) -> std::path::PathBuf {
    let folder = dir.join("csv");
    std::fs::create_dir_all(&folder).expect("dir");
    std::fs::write(
        folder.join("社会组织.csv"),
        "统一社会信用代码,名称,类型,登记管理机关区划,成立登记日期,登记状态,正式党员数\n",
    )
    .expect("write");
    std::fs::write(folder.join(format!("{name}.csv")), csv).expect("write");
    let wb = source::open(&folder).expect("read");
    let report = dangjian::excel::problems::Report::default();
    let bytes = writer::write_xlsx(&export::error_sheets(&wb, &report)).expect("xlsx");
    let path = dir.join(format!("{name}.xlsx"));
    std::fs::write(&path, bytes).expect("write");
    path
}

async fn everything(t: &TestDb) -> Dataset {
    t.db.read_dataset(&Scope::City, ReadOptions::default())
        .await
        .expect("read")
}

#[tokio::test]
async fn streamed_in_parts_equals_the_workbook_imported_whole() {
    let dir = tempfile::tempdir().expect("dir");
    let path = demo_workbook(dir.path(), |_| {}).await;

    let whole = TestDb::new().await;
    let wb = source::open(&path).expect("read");
    let a = crate::support::import_wb(&whole.db, &wb).await;

    // Parts of 3 records: every sheet is cut many times, also between rows of one instructor.
    let parts = TestDb::new().await;
    let b = streamed(&parts, &path, 3, false).await;

    assert_eq!(a.report.errors, 0, "{:?}", a.report.problems.first());
    assert_eq!(a.report.problems, b.report.problems);
    // The same changes (listed in the order of the parts written).
    let sorted = |w: &Option<dangjian::db::WriteSummary>| {
        w.clone().map(|mut w| {
            w.changes
                .sort_by(|x, y| (x.record, &x.key).cmp(&(y.record, &y.key)));
            w
        })
    };
    assert_eq!(sorted(&a.written), sorted(&b.written));
    let written = b.written.expect("written");
    assert!(
        written.orgs_added >= 150 && written.party_orgs_added > 0,
        "{written:?}"
    );
    assert!(
        written.instructors_added > 0 && written.positions_added > 0,
        "{written:?}"
    );
    let (x, y) = (everything(&whole).await, everything(&parts).await);
    assert_eq!(x, y);
    for d in ["2019-12-31", "2022-12-31", "2026-11-28"] {
        let d = NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("date");
        let by = dangjian::stats::By::Region;
        let p = dangjian::stats::coverage(&whole.db, &Scope::City, d, by)
            .await
            .expect("stats");
        let q = dangjian::stats::coverage(&parts.db, &Scope::City, d, by)
            .await
            .expect("stats");
        assert_eq!(p.rows, q.rows, "{d}");
    }

    // A second streamed import of the same file changes nothing.
    let again = streamed(&parts, &path, 3, false).await;
    assert!(again.written.expect("written").is_noop());
}

#[tokio::test]
async fn an_error_in_the_last_sheet_leaves_the_parts_written_before_unsaved() {
    let dir = tempfile::tempdir().expect("dir");
    // The last 任职 row names a party org that exists nowhere.
    let path = demo_workbook(dir.path(), |d| {
        let last = d.positions.last_mut().expect("positions");
        last.target = PositionTarget::PartyOrg("不存在的党支部".into());
        last.title = "书记".into();
    })
    .await;
    let t = TestDb::new().await;
    let outcome = streamed(&t, &path, 5, false).await;
    assert!(outcome.written.is_none());
    let errors: Vec<String> = outcome
        .report
        .problems
        .iter()
        .filter(|p| p.severity == dangjian::excel::problems::Severity::Error)
        .map(|p| p.to_string())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("任职!"), "{errors:?}");
    assert!(errors[0].contains("不存在的党支部"), "{errors:?}");
    let left = everything(&t).await;
    assert!(
        left.orgs.is_empty() && left.party_orgs.is_empty(),
        "rolled back"
    );
    // (The seeded regions aside, nothing: units the workbook created are gone too.)
    assert!(left.units.is_empty(), "{:?}", left.units.first());
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_other_files_are_not_streamed() {
    let dir = tempfile::tempdir().expect("dir");
    let path = demo_workbook(dir.path(), |_| {}).await;
    let t = TestDb::new().await;
    let outcome = streamed(&t, &path, 10, true).await;
    assert_eq!(outcome.report.errors, 0);
    // It says what the import would change (every org added), and keeps none of it.
    assert!(!outcome.saved);
    assert_eq!(outcome.written.expect("a preview").orgs_added, 200);
    assert!(everything(&t).await.orgs.is_empty());

    // A folder of CSV files is for the whole read.
    let csv = dir.path().join("csv");
    std::fs::create_dir(&csv).expect("dir");
    crate::fixture::write_csv_dir(&csv);
    let options = StreamOptions::default();
    let none = import_xlsx(&t.db, &operator(), &csv, options, &|_| {})
        .await
        .expect("not an error");
    assert!(none.is_none());
}

#[tokio::test]
async fn a_namesake_in_an_earlier_part_does_not_stop_an_instructors_update() {
    // The golden registry has 李四 (no ID) of 阳泉市体育局, without a phone. The workbook has a
    // namesake 李四 of 阳泉市总工会 first, then 李四 of 阳泉市体育局 with a phone: in parts of one
    // record, the namesake's part must not count as having written the other 李四.
    let t = crate::stats::golden_db().await;
    let codes = crate::fixture::codes();
    let dir = tempfile::tempdir().expect("dir");
    let sheet = format!(
        "姓名,身份证号,手机号,派出单位,角色,指导社会组织,派驻日期,撤回日期\n\
         李四,,,阳泉市总工会,指导员,{d},2023-01-01,\n\
         李四,,13900001111,阳泉市体育局,联络员,{i},2020-01-01,2021-12-31\n",
        d = codes[3],
        i = codes[8]
    );
    let path = csv_as_xlsx(dir.path(), "党建指导员", &sheet);

    let outcome = streamed(&t, &path, 1, false).await;
    let written = outcome.written.expect("written");
    assert_eq!(
        (written.instructors_added, written.instructors_updated),
        (1, 1)
    );
    let data = everything(&t).await;
    let phone = |unit: &str| {
        data.instructors
            .iter()
            .find(|i| i.name == "李四" && i.home_unit == unit)
            .map(|i| i.phone.as_ref().map(|p| p.as_str().to_string()))
    };
    assert_eq!(phone("阳泉市体育局"), Some(Some("13900001111".to_string())));
    assert_eq!(phone("阳泉市总工会"), Some(None));
}

#[tokio::test]
async fn of_two_rows_with_one_key_the_first_wins_in_parts_as_whole() {
    // Two 任职 rows of 孙五 with the same org, 职务 and 任职日期: open, then ended 2024-01-01.
    // Read whole, the second is not written (the first wins); in parts of one record the
    // second part must not end the position the first part wrote.
    let codes = crate::fixture::codes();
    let dir = tempfile::tempdir().expect("dir");
    let sheet = format!(
        "姓名,身份证号,是否党员,任职组织,职务,任职日期,离任日期\n\
         孙五,,是,{a},理事,2020-01-01,\n\
         孙五,,是,{a},理事,2020-01-01,2024-01-01\n",
        a = codes[0]
    );
    let path = csv_as_xlsx(dir.path(), "任职", &sheet);
    let positions = |d: &Dataset| {
        d.positions
            .iter()
            .filter(|p| p.name == "孙五")
            .map(|p| (p.from, p.to))
            .collect::<Vec<_>>()
    };
    let whole = crate::stats::golden_db().await;
    let wb = source::open(&path).expect("read");
    let a = crate::support::import_wb(&whole.db, &wb).await;
    let parts = crate::stats::golden_db().await;
    let b = streamed(&parts, &path, 1, false).await;
    assert_eq!(a.written, b.written);
    let from = NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
    assert_eq!(positions(&everything(&whole).await), [(from, None)]);
    assert_eq!(positions(&everything(&parts).await), [(from, None)]);
}
