//! The per-test database.

use std::sync::atomic::{AtomicU32, Ordering};

use dangjian::db::Db;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The tests' clock: noon in Beijing on 2026-11-28, the fixture's "today" (a test moves it when
/// time matters).
pub fn test_clock() -> dangjian::clock::Clock {
    dangjian::clock::Clock::at_beijing_noon(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
    )
}

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
                let db = Db::open(&url)
                    .await
                    .expect("open the test database")
                    .with_clock(test_clock());
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
                let db = Db::open(&url)
                    .await
                    .expect("open the test database")
                    .with_clock(test_clock());
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

/// Sets the clock of a test database to noon in Beijing of a date (the use cases' "today").
pub fn set_today(db: &Db, date: chrono::NaiveDate) {
    let noon = dangjian::clock::Clock::at_beijing_noon(date).now();
    db.clock().set(noon);
}

/// Validates a workbook and, without an error, writes it — the registry alone: no audit row,
/// no ledger detection (fixtures whose tests detect at dates of their own).
pub async fn write_wb(
    db: &Db,
    wb: &dangjian::excel::source::Workbook,
) -> (dangjian::excel::problems::Report, bool) {
    let known = dangjian::app::registry::known(db).await.expect("known");
    let (data, report) = dangjian::excel::import::validate(wb, &known, db.clock().today());
    if report.has_errors() {
        return (report, false);
    }
    db.write_dataset(
        &dangjian::db::Scope::City,
        &data,
        "test",
        db.clock().today(),
    )
    .await
    .expect("write");
    (report, true)
}

/// Imports a workbook held whole as the command line's operator: the use case of the web upload
/// and of CSV imports (its "today" is the database's clock).
pub async fn import_wb(
    db: &Db,
    wb: &dangjian::excel::source::Workbook,
) -> dangjian::app::registry::ImportOutcome {
    dangjian::app::registry::import_workbook(
        db,
        &dangjian::app::Actor::operator("test"),
        wb,
        "test",
        dangjian::app::registry::Mode::Write,
    )
    .await
    .expect("import")
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

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use dangjian::db::ScopeTarget;
use dangjian::domain::role::Role;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The application over a test database, with helpers to create users and send requests.
pub struct TestApp {
    pub t: TestDb,
    pub router: axum::Router,
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

impl TestApp {
    pub fn new(t: TestDb) -> TestApp {
        let router = dangjian::web::router(t.db.clone());
        TestApp { t, router }
    }

    /// Creates a user with a role, scope and password (not to be changed), and returns an API
    /// token for it.
    pub async fn user(&self, name: &str, role: Role, scope: ScopeTarget) -> String {
        let hash = dangjian::auth::hash_password("pass1234").expect("hash");
        let id = self
            .t
            .db
            .create_user(name, role, &scope, &hash, false)
            .await
            .expect("create user");
        let token = dangjian::auth::random_token(40);
        self.t
            .db
            .add_api_token(&dangjian::auth::token_digest(&token), id, 90)
            .await
            .expect("token");
        token
    }

    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.expect("response");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// GET with a bearer token.
    pub async fn get(&self, token: &str, uri: &str) -> Reply {
        let req = Request::get(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    /// GET with a session cookie.
    pub async fn get_with_cookie(&self, cookie: &str, uri: &str) -> Reply {
        let req = Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    /// POST a form, optionally with a session cookie.
    pub async fn post_form(&self, cookie: Option<&str>, uri: &str, form: &[(&str, &str)]) -> Reply {
        let body: String = form
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    dangjian::web::auth::url_encode(k),
                    dangjian::web::auth::url_encode(v)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let mut req =
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).expect("request"))
            .await
    }

    /// The sign-in page's pre-session token: (its cookie `name=value`, the form's value).
    pub async fn login_token(&self) -> (String, String) {
        let page = self
            .send(Request::get("/login").body(Body::empty()).expect("request"))
            .await;
        let cookie = set_cookie(&page, dangjian::web::auth::LOGIN_COOKIE)
            .expect("the sign-in page's cookie");
        let marker = "name=\"csrf\" value=\"";
        let start = page.body.find(marker).expect("a csrf field") + marker.len();
        let token = page.body[start..]
            .split('"')
            .next()
            .expect("value")
            .to_string();
        (cookie, token)
    }

    /// Signs in through the form (with its pre-session token); the reply carries the session
    /// cookie (see [`session_cookie`]).
    pub async fn sign_in(&self, name: &str, password: &str) -> Reply {
        let (cookie, token) = self.login_token().await;
        self.post_form(
            Some(&cookie),
            "/login",
            &[
                ("username", name),
                ("password", password),
                ("next", "/"),
                ("csrf", &token),
            ],
        )
        .await
    }
}

/// The `name=value` part of a Set-Cookie header of the session (`dj_session`), if one is set.
pub fn session_cookie(reply: &Reply) -> Option<String> {
    set_cookie(reply, dangjian::web::auth::SESSION_COOKIE)
}

/// The `name=value` part of the Set-Cookie header that sets cookie `name`, if any.
pub fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|c| c.starts_with(&format!("{name}=")) && !c.ends_with('='))
        .map(str::to_string)
}

impl TestApp {
    /// POST a multipart form with one file field `file` and a `csrf` field.
    pub async fn upload(
        &self,
        cookie: &str,
        uri: &str,
        csrf: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Reply {
        let boundary = "----djtestboundary";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post(uri)
            .header(header::COOKIE, cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }
}
