use std::collections::BTreeSet;

use dangjian::db::{Backend, Db};

/// Every landed migration with the SHA-256 of its file. A landed migration never changes (a
/// database migrated before would fail sqlx's checksum at its next start, as 0007's edits did):
/// change the schema with a new migration, and add its line here when it lands.
const LANDED: &[(&str, &str)] = &[
    (
        "sqlite/20261128000001_registry.sql",
        "d1f7d11b26a505f198ee54260d670fdea06dbc9f49bdf6b58ef60f2a513413b4",
    ),
    (
        "sqlite/20261128000002_seed.sql",
        "22a8421e59965e36d6a3547e1e7e54425a46e9ccc08d7e01180dc03568b82757",
    ),
    (
        "sqlite/20261128000003_users.sql",
        "a65007f8c6aabfac77d0318500a1900f75865da3c39395de75118ad5958eb2ec",
    ),
    (
        "sqlite/20261128000004_pending_imports.sql",
        "5d642413b86ccff0869c80688f71326de201e2fb2aa188014ae3a9bf0e6481cf",
    ),
    (
        "sqlite/20261128000005_coverage_indexes.sql",
        "b4082d06b22e3e2dff4250a643860ba10f94b14fba2a2155bb37ca53d11db286",
    ),
    (
        "sqlite/20261128000006_ledger.sql",
        "15b72f4f7f35728584834c2956cd9194187ae169f4828bd43eea6d56e56b2ca6",
    ),
    (
        "sqlite/20261128000007_coverage_spans.sql",
        "034d1ec2764b097587a4cde28101fbb152def4a5a2863f6e0b1f161f9049b598",
    ),
    (
        "sqlite/20261128000008_census.sql",
        "322096d963faa6b058131be8ce69de6154e5d213fc1a8ed322bed6dbf1a13048",
    ),
    (
        "sqlite/20261128000009_org_history.sql",
        "e1a6802782c5b7e35d1bbd591c2ddcbad4586504d9f541fc7e2f0985a29bfbe9",
    ),
    (
        "sqlite/20261128000010_lookup_indexes.sql",
        "96de7a081b13d43456ca8928acf40ca667d6a1bd403dd87866c7a5af24c64b2c",
    ),
    (
        "sqlite/20261203000011_trust.sql",
        "8bc9c80a5f1781ee095b84fe00672b20a447523607872dd86b2cd0006783c191",
    ),
    (
        "sqlite/20261207000012_span_changes.sql",
        "f71529a6ecf4772c3746e50fcfa2422fcbc577eff370838d7caab097c04a587f",
    ),
    (
        "sqlite/20261207000013_ledger_lists.sql",
        "b95ae7243b342f542f14b6c5379287dc7fca3d432d44718b5591dad5b90543fd",
    ),
    (
        "sqlite/20261207000014_sort_keys.sql",
        "823844daf4a887e93a2d88cb2739c0c75b3d692abc82d58a8b38b4e9bbd57aa1",
    ),
    (
        "sqlite/20261207000015_more_generations.sql",
        "42784c132afdd4285ff7a8be8ef2a3aeb6865ebfcbe8d789324a67caca501969",
    ),
    (
        "sqlite/20261207000016_separate_verifier.sql",
        "5952f32c978ab8c66fc231d041086ccd66606a1bded7c15a06f51ee95e48eb6d",
    ),
    (
        "sqlite/20261208000017_org_names.sql",
        "d76d41830c055add9684756502fede20e10c4e633002b39e30cc94c048a5d604",
    ),
    (
        "postgres/20261128000001_registry.sql",
        "120d7bad9825c3a8204eed758779aa5816fb965f76f2301ac5b8ce98191660ab",
    ),
    (
        "postgres/20261128000002_seed.sql",
        "22a8421e59965e36d6a3547e1e7e54425a46e9ccc08d7e01180dc03568b82757",
    ),
    (
        "postgres/20261128000003_users.sql",
        "a36bb07b76df8a8590332e2b95b4a81715db1eb80f6f002b12e703df54071648",
    ),
    (
        "postgres/20261128000004_pending_imports.sql",
        "6356140a3c28bb5323c5579e6b9d8dc57573e653c120db1614582a5834658d0b",
    ),
    (
        "postgres/20261128000005_coverage_indexes.sql",
        "b4082d06b22e3e2dff4250a643860ba10f94b14fba2a2155bb37ca53d11db286",
    ),
    (
        "postgres/20261128000006_ledger.sql",
        "e55c1cef1f6ae2d02833e89d7293565376cc0f1df02aa200895b88f986edcaaf",
    ),
    (
        "postgres/20261128000007_coverage_spans.sql",
        "034d1ec2764b097587a4cde28101fbb152def4a5a2863f6e0b1f161f9049b598",
    ),
    (
        "postgres/20261128000008_census.sql",
        "97f4d37c9c3dee5fbffb573574a36af27adf9fe74fff9ad47e4235ababb33824",
    ),
    (
        "postgres/20261128000009_org_history.sql",
        "1de80ced6e80ebee83baa736c4ec999c23107438ea6484d03244fb0f1d394d99",
    ),
    (
        "postgres/20261128000010_lookup_indexes.sql",
        "96de7a081b13d43456ca8928acf40ca667d6a1bd403dd87866c7a5af24c64b2c",
    ),
    (
        "postgres/20261203000011_trust.sql",
        "e78538f2b9e9c3be0cbcd1600359cbd9d1d4248b871ab2496ce89124fd9deea6",
    ),
    (
        "postgres/20261207000012_span_changes.sql",
        "f71529a6ecf4772c3746e50fcfa2422fcbc577eff370838d7caab097c04a587f",
    ),
    (
        "postgres/20261207000013_ledger_lists.sql",
        "b95ae7243b342f542f14b6c5379287dc7fca3d432d44718b5591dad5b90543fd",
    ),
    (
        "postgres/20261207000014_sort_keys.sql",
        "7d4a0e4c1427e3585479503cc83ac0ad6297435b17a54391073cf742d70233fc",
    ),
    (
        "postgres/20261207000015_more_generations.sql",
        "42784c132afdd4285ff7a8be8ef2a3aeb6865ebfcbe8d789324a67caca501969",
    ),
    (
        "postgres/20261207000016_separate_verifier.sql",
        "5952f32c978ab8c66fc231d041086ccd66606a1bded7c15a06f51ee95e48eb6d",
    ),
    (
        "postgres/20261208000017_org_names.sql",
        "d76d41830c055add9684756502fede20e10c4e633002b39e30cc94c048a5d604",
    ),
];

#[test]
fn landed_migrations_never_change() {
    use sha2::{Digest, Sha256};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
    let mut on_disk = BTreeSet::new();
    for backend in ["sqlite", "postgres"] {
        for entry in std::fs::read_dir(format!("{dir}/{backend}")).expect("migrations") {
            let name = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            on_disk.insert(format!("{backend}/{name}"));
        }
    }
    for (file, sum) in LANDED {
        let bytes =
            std::fs::read(format!("{dir}/{file}")).unwrap_or_else(|_| panic!("{file} is gone"));
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            &digest, sum,
            "{file} was edited after it landed; add a new migration instead"
        );
        on_disk.remove(*file);
    }
    // And every migration is in the table (a new one is added with its checksum as it is
    // written; from the day it lands it never changes).
    assert!(
        on_disk.is_empty(),
        "migrations without a checksum here: {on_disk:?}"
    );
}

/// A schema as both backends can say it: tables and views with their columns (type class,
/// nullability), and the indexes a migration made (name, table, columns in order, unique).
#[derive(Debug, PartialEq, Eq)]
struct Schema {
    relations: BTreeSet<(String, &'static str)>,
    columns: BTreeSet<(String, String, &'static str, bool)>,
    indexes: BTreeSet<(String, String, Vec<String>, bool)>,
}

/// The type class of a declared SQLite type (its affinity) or a PostgreSQL data type.
fn class(t: &str) -> &'static str {
    let t = t.to_ascii_uppercase();
    if t.contains("INT") {
        "integer"
    } else if t.contains("CHAR") || t.contains("TEXT") || t.contains("CLOB") {
        "text"
    } else if t.contains("REAL")
        || t.contains("DOUB")
        || t.contains("FLOA")
        || t.contains("NUMERIC")
    {
        "real"
    } else if t.contains("BLOB") || t.contains("BYTEA") {
        "blob"
    } else {
        "other"
    }
}

async fn sqlite_schema(db: &Db) -> Schema {
    let pool = db.pool();
    let relations: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .expect("tables");
    let mut schema = Schema {
        relations: BTreeSet::new(),
        columns: BTreeSet::new(),
        indexes: BTreeSet::new(),
    };
    for (name, kind) in &relations {
        let kind = if kind == "view" { "view" } else { "table" };
        schema.relations.insert((name.clone(), kind));
        let cols: Vec<(String, String, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{name}')"
        )))
        .fetch_all(pool)
        .await
        .expect("columns");
        for (col, t, notnull, pk) in cols {
            // A view's columns have no declared type or constraint in SQLite.
            let (t, nullable) = match kind {
                "view" => ("other", true),
                _ => (class(&t), notnull == 0 && pk == 0),
            };
            schema.columns.insert((name.clone(), col, t, nullable));
        }
    }
    let indexes: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    )
    .fetch_all(pool)
    .await
    .expect("indexes");
    for (name, table, sql) in indexes {
        let cols: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT seqno, name FROM pragma_index_info('{name}') ORDER BY seqno"
        )))
        .fetch_all(pool)
        .await
        .expect("index columns");
        let unique = sql.to_ascii_uppercase().starts_with("CREATE UNIQUE");
        schema.indexes.insert((
            name,
            table,
            cols.into_iter().map(|(_, c)| c).collect(),
            unique,
        ));
    }
    schema
}

async fn postgres_schema(db: &Db) -> Schema {
    let pool = db.pool();
    let relations: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, table_type::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .expect("tables");
    let mut schema = Schema {
        relations: BTreeSet::new(),
        columns: BTreeSet::new(),
        indexes: BTreeSet::new(),
    };
    for (name, kind) in &relations {
        let kind = if kind == "VIEW" { "view" } else { "table" };
        schema.relations.insert((name.clone(), kind));
        let cols: Vec<(String, String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT c.column_name::text, c.data_type::text, c.is_nullable::text, \
             (SELECT COUNT(*) FROM information_schema.key_column_usage k \
              JOIN information_schema.table_constraints tc ON tc.constraint_name = k.constraint_name \
              AND tc.table_name = k.table_name \
              WHERE tc.constraint_type = 'PRIMARY KEY' AND k.table_name = c.table_name \
              AND k.column_name = c.column_name) \
             FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.table_name = '{name}'"
        )))
        .fetch_all(pool)
        .await
        .expect("columns");
        for (col, t, nullable, pk) in cols {
            let (t, nullable) = match kind {
                "view" => ("other", true),
                _ => (class(&t), nullable == "YES" && pk == 0),
            };
            schema.columns.insert((name.clone(), col, t, nullable));
        }
    }
    // The indexes a migration created (not those behind a primary key or a UNIQUE constraint,
    // which SQLite keeps as automatic indexes).
    let rows: Vec<(String, String, String, i64, bool)> = sqlx::query_as(
        "SELECT i.relname::text, t.relname::text, a.attname::text, \
         CAST(array_position(ix.indkey::int2[], a.attnum) AS BIGINT), ix.indisunique \
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid \
         JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(ix.indkey) \
         WHERE n.nspname = 'public' AND NOT ix.indisprimary \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid) \
         AND t.relname NOT LIKE '_sqlx%'",
    )
    .fetch_all(pool)
    .await
    .expect("indexes");
    let mut by_index: std::collections::BTreeMap<(String, String, bool), Vec<(i64, String)>> =
        Default::default();
    for (index, table, col, pos, unique) in rows {
        by_index
            .entry((index, table, unique))
            .or_default()
            .push((pos, col));
    }
    for ((index, table, unique), mut cols) in by_index {
        cols.sort();
        schema.indexes.insert((
            index,
            table,
            cols.into_iter().map(|(_, c)| c).collect(),
            unique,
        ));
    }
    schema
}

#[tokio::test]
async fn both_backends_end_with_the_same_schema() {
    // Needs both: runs in the PostgreSQL pass of the suite (a SQLite file is made beside it).
    let t = crate::support::TestDb::new().await;
    if t.db.backend() != Backend::Postgres {
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let sqlite = Db::open(&format!("sqlite://{}", dir.path().join("s.db").display()))
        .await
        .expect("sqlite");
    let (a, b) = (sqlite_schema(&sqlite).await, postgres_schema(&t.db).await);
    assert!(a.relations.len() > 15 && a.indexes.len() > 10, "{a:?}");
    fn diff<T: Ord + std::fmt::Debug>(x: &BTreeSet<T>, y: &BTreeSet<T>) -> Vec<String> {
        x.symmetric_difference(y)
            .map(|d| format!("{d:?}"))
            .collect()
    }
    assert_eq!(
        diff(&a.relations, &b.relations),
        Vec::<String>::new(),
        "tables and views"
    );
    assert_eq!(
        diff(&a.columns, &b.columns),
        Vec::<String>::new(),
        "columns"
    );
    assert_eq!(
        diff(&a.indexes, &b.indexes),
        Vec::<String>::new(),
        "indexes"
    );
}

#[tokio::test]
async fn state_columns_take_only_known_codes() {
    // The CHECKs (PostgreSQL) and their triggers (SQLite) accept every code the product knows
    // and refuse another; the one-active-item index refuses a second active item.
    let t = crate::stats::golden_db().await;
    let pool = t.db.pool();
    let set = |code: &str| {
        sqlx::query(
            "UPDATE social_orgs SET status = $1 WHERE id = (SELECT MIN(id) FROM social_orgs)",
        )
        .bind(code.to_string())
    };
    for s in dangjian::domain::model::OrgStatus::ALL {
        set(s.code()).execute(pool).await.expect("a known status");
    }
    assert!(
        set("gone").execute(pool).await.is_err(),
        "an unknown status"
    );
    let user =
        t.db.create_user(
            "u",
            dangjian::domain::role::Role::Viewer,
            &dangjian::db::ScopeTarget::City,
            "x",
            false,
        )
        .await
        .expect("user");
    let role = |code: &str| {
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(code.to_string())
            .bind(user)
    };
    for r in dangjian::domain::role::Role::ALL {
        role(r.code()).execute(pool).await.expect("a known role");
    }
    assert!(role("boss").execute(pool).await.is_err(), "an unknown role");
    let detected =
        t.db.detect(&dangjian::db::Scope::City, "test", t.db.clock().today())
            .await
            .expect("detect");
    assert!(detected.raised > 0);
    let item = |state: &str| {
        sqlx::query(
            "INSERT INTO ledger_items (kind, subject, subject_name, gap, raised_on, state, \
             condition_met, created_by, updated_at) \
             SELECT kind, subject, subject_name, gap, raised_on, $1, 0, 'test', updated_at \
             FROM ledger_items WHERE id = (SELECT MIN(id) FROM ledger_items)",
        )
        .bind(state.to_string())
    };
    assert!(
        item("open").execute(pool).await.is_err(),
        "a second active item of the same kind and subject"
    );
    assert!(
        item("somewhere").execute(pool).await.is_err(),
        "an unknown state"
    );
    item("closed")
        .execute(pool)
        .await
        .expect("a closed one is history");
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = Db::migration_names(Backend::Sqlite);
    let postgres = Db::migration_names(Backend::Postgres);
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres must stay in lockstep"
    );
}

#[tokio::test]
async fn migrating_twice_is_harmless_and_seeds_the_regions() {
    let t = crate::support::TestDb::new().await;
    t.db.migrate().await.expect("second migration run");
    let regions = t.db.regions().await.expect("regions");
    let codes: Vec<&str> = regions.iter().map(|r| r.code.as_str()).collect();
    for code in [
        "140300", "140302", "140303", "140311", "140321", "140322", "140371",
    ] {
        assert!(codes.contains(&code), "region {code} seeded");
    }
    assert_eq!(
        regions.iter().filter(|r| r.parent.is_none()).count(),
        1,
        "one root"
    );
}

#[test]
fn unknown_database_urls_are_refused() {
    for url in ["mysql://root@localhost/x", "dangjian.db", "sqlite://", ""] {
        assert!(
            dangjian::db::parse_url(url).is_err(),
            "{url} must be refused"
        );
    }
    assert!(dangjian::db::parse_url("sqlite://a.db").is_ok());
    assert!(dangjian::db::parse_url("postgres://postgres@127.0.0.1/test").is_ok());
}

/// Every rule the code reads has a shipped version (a key missing from the seed would fail
/// detection at run time, not at build time). The values are `rules.md` §1–2's defaults:
/// 3 formal members for an own org, 5 orgs per joint branch, 50 members per branch, a committee
/// from 7, a general branch from 50, a primary committee from 100, a 3-year term; deadlines of
/// 3 (sync), 6 (establish, own), 1 (dispatch), 3 (oversized) and 3 (dormant) months.
#[tokio::test]
async fn every_rule_the_code_reads_is_seeded_with_the_spec_default() {
    use dangjian::db::RuleTable;
    use dangjian::domain::rules::Rule;
    let t = crate::support::TestDb::new().await;
    let rules = RuleTable::load(&t.db, chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap())
        .await
        .unwrap();
    let expected = [
        (Rule::OwnOrgMinFormalMembers, 3),
        (Rule::MaxOrgsPerJointBranch, 5),
        (Rule::MaxMembersPerBranch, 50),
        (Rule::BranchCommitteeFrom, 7),
        (Rule::GeneralBranchFrom, 50),
        (Rule::PrimaryCommitteeFrom, 100),
        (Rule::BranchTermYears, 3),
        (Rule::DeadlineSyncWithRegistration, 3),
        (Rule::DeadlineEstablishPartyOrg, 6),
        (Rule::DeadlineEstablishOwnOrg, 6),
        (Rule::DeadlineDispatchInstructor, 1),
        (Rule::DeadlineRectifyOversizedJoint, 3),
        (Rule::DeadlineCleanDormant, 3),
        (Rule::LedgerSeparateVerifier, 1),
    ];
    assert_eq!(
        expected.len(),
        Rule::ALL.len(),
        "a rule without its default here"
    );
    for (rule, value) in expected {
        assert!(Rule::ALL.contains(&rule));
        assert_eq!(rules.int(rule).unwrap(), value, "{}", rule.key());
    }
}

/// A database migrated as landed before the named generations (up to migration 0014, the
/// coverage spans' generation in the single row of `span_generation`) keeps its generation when
/// migration 0015 replaces that row with `generations` (SQLite; the SQL is the same for both).
#[tokio::test]
async fn the_landed_span_generation_is_carried_into_the_named_generations() {
    use std::borrow::Cow;
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("landed.db");
    let pool = sqlx::AnyPool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("connect");
    let mut landed = sqlx::migrate::Migrator::new(std::path::Path::new("migrations/sqlite"))
        .await
        .expect("migrations");
    landed.migrations = Cow::Owned(
        landed
            .migrations
            .iter()
            .filter(|m| m.version <= 20261207000014)
            .cloned()
            .collect(),
    );
    landed.run(&pool).await.expect("the landed migrations");
    sqlx::query("UPDATE span_generation SET generation = 7")
        .execute(&pool)
        .await
        .expect("a generation");
    pool.close().await;
    let db = Db::open(&format!("sqlite://{}", path.display()))
        .await
        .expect("open and migrate the rest");
    let generations: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, generation FROM generations ORDER BY name")
            .fetch_all(db.pool())
            .await
            .expect("generations");
    // 7 carried over, then raised once by the span rebuild `migrate` runs on a database of an
    // older spans version (a generation reset to 0 would let a server keep stale spans).
    assert_eq!(
        generations,
        vec![
            ("census".to_string(), 0),
            ("coverage_spans".to_string(), 8),
            ("ledger".to_string(), 0),
            ("registry".to_string(), 0),
        ]
    );
    let old: Result<i64, _> = sqlx::query_scalar("SELECT generation FROM span_generation")
        .fetch_one(db.pool())
        .await;
    assert!(old.is_err(), "span_generation is gone");
}
