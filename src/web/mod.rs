//! HTTP: one route table, handlers, and the error policy. For now the JSON API of issue 2;
//! pages, users and roles come next (see `ARCHITECTURE.md`).
//!
//! Error policy: a missing or out-of-scope record answers 404 (its existence is not leaked), a
//! bad parameter 400 with a Chinese message naming it, a database failure 500 with an opaque
//! message, logged once with its cause.

mod api;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::db::{Db, DbError};

/// What every handler gets.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
}

/// The errors a handler may answer with.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("未找到")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("服务器内部错误")]
    Internal(#[from] DbError),
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = match &self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Internal(e) => {
                tracing::error!(error = %e, "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        (
            status,
            Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response()
    }
}

/// The route table.
pub fn router(db: Db) -> Router {
    Router::new()
        .route("/", get(api::index))
        .route("/healthz", get(api::healthz))
        .route("/api/v1/stats/coverage", get(api::coverage))
        .route(
            "/api/v1/stats/cross-appointment",
            get(api::cross_appointment),
        )
        .route("/api/v1/orgs", get(api::orgs))
        .route("/api/v1/orgs/{code}", get(api::org))
        .route("/api/v1/party-orgs", get(api::party_orgs))
        .route("/api/v1/party-orgs/{name}", get(api::party_org))
        .route("/api/v1/instructors", get(api::instructors))
        .route("/api/v1/regions", get(api::regions))
        .route("/api/v1/units", get(api::units))
        .with_state(AppState { db })
}

/// Serves the router until Ctrl-C.
pub async fn serve(db: Db, listen: &str) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    println!("服务已启动：http://{addr}/  （API：http://{addr}/api/v1/stats/coverage）");
    axum::serve(listener, router(db))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
