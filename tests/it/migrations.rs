use dangjian::db::{Backend, Db};

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
