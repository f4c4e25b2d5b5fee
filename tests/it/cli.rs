//! The binary: exit codes and the machine-readable statistics.

use std::process::Command;

fn dangjian(db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dangjian"));
    c.env("DANGJIAN_DATABASE_URL", db)
        .env_remove("DANGJIAN_LOG");
    c
}

#[tokio::test]
async fn import_then_stats_json_and_exit_codes() {
    let t = crate::support::TestDb::new().await;
    let dir = tempfile::tempdir().expect("dir");
    crate::fixture::write_csv_dir(dir.path());
    let out = dangjian(&t.url)
        .arg("import")
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The import is in the audit log, by the CLI, naming the folder and what it wrote (the 9
    // orgs of the fixture's 社会组织 sheet).
    let imports = |entries: Vec<dangjian::db::AuditEntry>| -> Vec<dangjian::db::AuditEntry> {
        entries
            .into_iter()
            .filter(|e| e.action == "import")
            .collect()
    };
    let (entries, _) = t.db.audit_entries(0, 100).await.expect("audit");
    let logged = imports(entries);
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].username, "cli");
    let folder = dir.path().file_name().expect("name").to_string_lossy();
    assert_eq!(logged[0].target, folder);
    assert!(logged[0].detail.contains("社会组织 新增 9"), "{logged:?}");

    let out = dangjian(&t.url)
        .args([
            "stats",
            "coverage",
            "--as-of",
            "2021-12-31",
            "--by",
            "region",
            "--format",
            "json",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
    assert_eq!(v["total"]["in_scope"], 6);
    assert_eq!(v["total"]["covered_rate"], "50.0");

    // The import ran the ledger detection (start date = the database's creation, today): as of
    // today C (jointly covered, 3 members; abnormal), F (no members, nothing) and G, I (members,
    // uncovered) need work — five items; detecting again raises none.
    let out = dangjian(&t.url)
        .args(["ledger", "detect"])
        .output()
        .expect("run");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("新生成台账事项 0 项"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = dangjian(&t.url)
        .args(["ledger", "list", "--format", "json"])
        .output()
        .expect("run");
    let items: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let items = items.as_array().expect("array");
    let mut kinds: Vec<&str> = items
        .iter()
        .map(|i| i["kind"].as_str().expect("kind"))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "clean_dormant",
            "dispatch_instructor",
            "establish_own_org",
            "establish_party_org",
            "establish_party_org"
        ]
    );
    let mut keys: Vec<&String> = items[0].as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "deadline",
            "kind",
            "overdue",
            "responsible_unit",
            "state",
            "subject"
        ]
    );
    assert!(
        items
            .iter()
            .all(|i| i["state"] == "open" && i["overdue"] == false)
    );

    // Rejected input: exit 1, one line per problem with sheet and cell.
    let bad = dir.path().join("bad");
    std::fs::create_dir(&bad).expect("dir");
    std::fs::write(bad.join("社会组织.csv"), "统一社会信用代码,名称,类型,登记管理机关区划,成立登记日期,登记状态,正式党员数\nX,名,社会团体,140300,2020-01-01,正常,0\n").expect("write");
    let errors_out = dir.path().join("errors.xlsx");
    let out = dangjian(&t.url)
        .arg("import")
        .arg(&bad)
        .arg("--errors-out")
        .arg(&errors_out)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("社会组织!A2 统一社会信用代码 \"X\""),
        "{stderr}"
    );
    // Refused: nothing saved, nothing logged as an import.
    let (entries, _) = t.db.audit_entries(0, 100).await.expect("audit");
    assert_eq!(imports(entries).len(), 1);
    let wb = dangjian::excel::source::open(&errors_out).expect("error workbook");
    let sheet = wb.sheet("社会组织").expect("sheet");
    assert!(
        sheet
            .header
            .iter()
            .any(|c| matches!(c, dangjian::excel::source::Cell::Text(t) if t == "错误说明"))
    );

    // Usage error: exit 2. Unknown database URL: refused, not created.
    assert_eq!(
        dangjian(&t.url)
            .args(["stats", "coverage", "--by", "street"])
            .output()
            .expect("run")
            .status
            .code(),
        Some(2)
    );
    let out = dangjian("mysql://x@y/z")
        .arg("migrate")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("不受支持"));
}

#[tokio::test]
async fn a_write_whose_detection_did_not_run_is_caught_up_by_migrate() {
    // A write commits with its detection left pending, and the process dies before detecting
    // (as a kill -9 between the commit and the detection would leave it): no items yet.
    let t = crate::support::TestDb::new().await;
    let data = dangjian::demo::generate(5, 60, t.db.clock().today());
    t.db.write_dataset(
        &dangjian::db::Scope::City,
        &data,
        "test",
        t.db.clock().today(),
    )
    .await
    .expect("write");
    assert!(t.db.detection_pending().await.expect("db"));
    let items = |db: dangjian::db::Db| async move {
        db.ledger_items(&dangjian::db::Scope::City, db.clock().today())
            .await
            .expect("items")
            .len()
    };
    assert_eq!(items(t.db.clone()).await, 0);
    let out = dangjian(&t.url).arg("migrate").output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("已补做"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The items the data calls for are there now, and nothing is pending; a second migrate has
    // nothing to catch up.
    assert!(items(t.db.clone()).await > 0);
    assert!(!t.db.detection_pending().await.expect("db"));
    let out = dangjian(&t.url).arg("migrate").output().expect("run");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("已补做"));
}
