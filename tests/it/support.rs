//! The per-test database.

use std::sync::atomic::{AtomicU32, Ordering};

use dangjian::db::Db;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database of one test's own, dropped with it.
pub struct TestDb {
    pub db: Db,
    pub url: String,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var("DANGJIAN_TEST_DATABASE_URL") {
            Ok(admin) if !admin.is_empty() => {
                let name = format!(
                    "dj_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    rand::random::<u32>()
                );
                let admin_db = Db::connect(&admin)
                    .await
                    .expect("connect to the PostgreSQL server");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(admin_db.pool())
                    .await
                    .expect("create the test database");
                admin_db.close().await;
                let base = admin
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_string())
                    .expect("a database URL");
                let url = format!("{base}/{name}");
                let db = Db::open(&url).await.expect("open the test database");
                TestDb {
                    db,
                    url,
                    pg: Some((admin, name)),
                    _dir: None,
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                let db = Db::open(&url).await.expect("open the test database");
                TestDb {
                    db,
                    url,
                    pg: None,
                    _dir: Some(dir),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else {
            return;
        };
        // Drop runs inside the test's (blocked) runtime, so the test's pool cannot be closed
        // from here; DROP DATABASE … WITH (FORCE) ends its connections instead.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(admin_db) = Db::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(admin_db.pool())
                    .await;
                    admin_db.close().await;
                }
            });
        })
        .join();
    }
}
