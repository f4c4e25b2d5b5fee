//! The architecture, checked (ARCHITECTURE.md): dependencies point one way —
//! `domain ← {db, excel} ← app ← {web, cli}`, with `stats` reading through `db` and `demo`
//! generating domain records —, `web` and `cli` never import each other, and every write goes
//! through a use case of `app` (no handler or command calls a writing method of the database).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What each top-level module may use (besides itself).
fn allowed() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        ("domain", &[][..]),
        ("clock", &[][..]),
        ("auth", &[][..]),
        ("db", &["domain", "clock", "auth"][..]),
        ("excel", &["domain"][..]),
        ("demo", &["domain"][..]),
        ("stats", &["db", "domain"][..]),
        (
            "app",
            &["db", "excel", "stats", "demo", "domain", "clock", "auth"][..],
        ),
        (
            "web",
            &["app", "db", "excel", "stats", "domain", "clock", "auth"][..],
        ),
        (
            "cli",
            &[
                "app", "db", "excel", "stats", "demo", "domain", "clock", "auth",
            ][..],
        ),
    ])
}

/// The database's writing methods: only `app` (and the database itself) calls them.
const WRITES: &[&str] = &[
    "write_dataset",
    "begin_dataset_write",
    "create_campaign",
    "save_return",
    "confirm_returns",
    "import_returns",
    "detect",
    "ledger_transition",
    "ledger_assign",
    "add_attachment",
    "add_manual_item",
    "create_user",
    "set_password",
    "set_disabled",
    "create_session",
    "delete_session",
    "touch_session",
    "touch_session_nowait",
    "add_api_token",
    "revoke_api_token",
    "record_login_failure",
    "clear_login_failures",
    "audit",
    "add_pending_import",
    "remove_pending_import",
    "set_setting",
    "rebuild_spans",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

/// The code of a file without its comments (a doc comment may name any module).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn dependencies_point_one_way_and_writes_go_through_use_cases() {
    let src = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let allowed = allowed();
    let mut problems = BTreeSet::new();
    for file in &files {
        let module = module_of(src, file);
        if module == "lib" || module == "main" {
            continue;
        }
        let may = allowed.get(module.as_str()).unwrap_or_else(|| {
            panic!("{}: a module the layer table does not know", file.display())
        });
        let text = code(&std::fs::read_to_string(file).expect("read"));
        let shown = file.strip_prefix(src).unwrap_or(file).display().to_string();
        for (i, _) in text.match_indices("crate::") {
            let used: String = text[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if used != module && !may.contains(&used.as_str()) {
                problems.insert(format!("{shown}: {module} uses crate::{used}"));
            }
        }
        if module == "web" || module == "cli" {
            for w in WRITES {
                if text.contains(&format!(".{w}(")) {
                    problems.insert(format!(
                        "{shown}: {module} writes through db.{w} (use a use case of app)"
                    ));
                }
            }
        }
    }
    assert!(files.len() > 60, "the sources were read ({})", files.len());
    assert!(problems.is_empty(), "{problems:#?}");
}
