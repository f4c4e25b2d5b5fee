//! HTTP: one route table with the access rule of every route, the handlers (JSON API in `api`,
//! pages in `pages`), templates and embedded assets.
//!
//! Error policy ([`WebError`]): a missing or out-of-scope record answers 404 (its existence is
//! not leaked), and so does a route the actor's role is not for; a bad parameter 400 with a
//! Chinese message naming it; no session 401 (API) or a redirect to the sign-in page; a bad CSRF
//! token 403; a stale transition or a taken key 409; a form with errors 422 (the form again, its
//! errors under their fields); a database held by another writer (a long import) 503 with a
//! Chinese message saying so; a database or template failure 500 with an opaque message, logged
//! once with its cause. No database text ever reaches a user. Pages render errors as HTML, the
//! API as `{"error": "…"}`.

mod api;
pub mod auth;
pub mod charts;
pub mod dates;
pub mod layout;
pub mod openapi;
pub mod pages;
pub mod query;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use crate::app::AppError;
use crate::app::session::LoginGate;
use crate::clock::Clock;
use crate::db::{Db, DbError};
use crate::domain::role::Role;

/// What every handler gets.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    /// The application's clock (the database's: one clock for both).
    pub clock: Clock,
    /// Sign-ins, one at a time, and what the throttle remembers.
    pub gate: std::sync::Arc<LoginGate>,
    pub config: std::sync::Arc<WebConfig>,
}

/// How the server is deployed: `serve`'s options ([`crate::app::Deployment`]).
pub type WebConfig = crate::app::Deployment;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in page, health check, stylesheet).
    Public,
    /// Any signed-in user; the data is filtered by the user's scope.
    Signed,
    /// The overviews of many orgs (statistics, units, the responsibility list, the battle map,
    /// data quality): every role but an org's own user and an instructor, whose work is their
    /// own orgs (their menu does not offer them either).
    Overview,
    /// Roles that may change the registry within their scope.
    Editors,
    /// Those who keep party orgs, their coverage and instructors' stations: city admins, and
    /// county admins for their county's.
    Keepers,
    /// City admins only.
    CityAdmin,
    /// Those who work ledger items (everyone but leaders and viewers).
    Workers,
    /// Those who verify ledger items: city admins, county admins.
    Verifiers,
    /// Those who confirm census returns: the responsible units (city and county admins,
    /// departments).
    Confirmers,
}

impl Access {
    /// Whether a signed-in user of this role may use the route.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::Signed => true,
            Access::Overview => !matches!(role, Role::OrgUser | Role::Instructor),
            Access::Editors => role.may_edit_registry(),
            Access::Keepers => role.is_city_admin() || role == Role::CountyAdmin,
            Access::CityAdmin => role.is_city_admin(),
            Access::Workers => crate::domain::ledger::is_worker(role),
            Access::Verifiers => crate::domain::ledger::is_verifier(role),
            Access::Confirmers => crate::domain::census::is_confirmer(role),
        }
    }
}

/// One row of the route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    /// A one-line description (used by the OpenAPI document for API routes).
    pub summary: &'static str,
}

/// The errors a handler may answer with.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("未找到，或不在您的权限范围内")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("请先登录")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("正在导入或保存大量数据，系统暂时无法保存，请稍后再试")]
    Busy,
    #[error("服务器内部错误，请稍后重试或联系管理员")]
    Internal(DbError),
    #[error("服务器内部错误，请稍后重试或联系管理员")]
    Template(String),
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal(_) | WebError::Template(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn log(&self) {
        match self {
            WebError::Internal(e) => tracing::error!(error = %e, "request failed"),
            WebError::Template(e) => tracing::error!(error = %e, "template failed"),
            _ => {}
        }
    }
}

impl From<DbError> for WebError {
    fn from(e: DbError) -> WebError {
        AppError::from(e).into()
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> WebError {
        match e {
            AppError::NotFound => WebError::NotFound,
            AppError::Conflict(m) => WebError::Conflict(m),
            AppError::Invalid(m) => WebError::Unprocessable(m),
            AppError::Busy => WebError::Busy,
            AppError::Internal(e) => WebError::Internal(e),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        self.log();
        let body = serde_json::json!({ "error": self.to_string() });
        (self.status(), axum::Json(body)).into_response()
    }
}

/// A page handler's error: the same variants, rendered as an HTML page.
#[derive(Debug)]
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.log();
        let page = pages::ErrorPage::new(self.0.status(), &self.0.to_string());
        let html = askama::Template::render(&page).unwrap_or_else(|_| self.0.to_string());
        (self.0.status(), Html(html)).into_response()
    }
}

const STYLESHEET: &str = include_str!("../../assets/app.css");
const SCRIPT: &str = include_str!("../../assets/app.js");

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// The policy every answer carries: scripts, styles, images and forms only from this server
/// (the one script is a file: no inline script, no inline event handler), never inside another
/// site's frame (no clickjacking of the user-admin buttons).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'; object-src 'none'";

/// One middleware for the browser's security headers: the CSP, no MIME sniffing, the referrer
/// only to this site, no framing (for browsers without frame-ancestors), and `no-store` on
/// everything but the static assets — signed-in pages and exports hold personal data that no
/// browser or proxy cache may keep.
async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name, value: &'static str| {
        h.insert(name, axum::http::HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    if !is_static {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    response
}

/// The route table: every route with its access rule and handler. The scope-matrix test and the
/// OpenAPI document are generated from it, so a new route cannot be forgotten by either.
#[rustfmt::skip]
pub fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Access::*;
    let r = |method, path, access, summary, handler| (RouteSpec { method, path, access, summary }, handler);
    vec![
        r("GET",  "/static/app.css",   Public, "样式表", get(stylesheet)),
        r("GET",  "/static/app.js",    Public, "页面脚本（确认、打印、上传进度）", get(script)),
        r("GET",  "/healthz",          Public, "健康检查", get(api::healthz)),
        r("GET",  "/login",            Public, "登录页", get(pages::login::form)),
        r("POST", "/login",            Public, "登录", post(pages::login::submit)),
        r("POST", "/logout",           Signed, "退出", post(pages::login::logout)),
        r("GET",  "/password",         Signed, "修改密码页", get(pages::login::password_form)),
        r("POST", "/password",         Signed, "修改密码", post(pages::login::password_submit)),
        r("GET",  "/",                 Signed, "工作台", get(pages::dashboard::show)),
        r("GET",  "/orgs",             Signed, "社会组织列表", get(pages::orgs::list)),
        r("GET",  "/orgs/export.xlsx", Signed, "导出社会组织列表", get(pages::orgs::export)),
        r("GET",  "/orgs/{code}",      Signed, "社会组织详情", get(pages::orgs::detail)),
        r("GET",  "/orgs/{code}/edit",        Editors, "修改社会组织", get(pages::forms::edit_org)),
        r("GET",  "/forms/{kind}",            Editors, "新增登记记录的表单", get(pages::forms::new)),
        r("POST", "/forms/{kind}",            Editors, "保存登记记录", post(pages::forms::submit)),
        r("GET",  "/party-orgs",       Signed, "党组织列表", get(pages::registry::party_orgs)),
        r("GET",  "/party-orgs/export.xlsx", Signed, "导出党组织列表", get(pages::registry::party_orgs_export)),
        r("GET",  "/party-orgs/{id}",  Signed, "党组织详情", get(pages::registry::party_org)),
        r("GET",  "/party-orgs/{id}/edit", Keepers, "修改党组织的表单", get(pages::registry::edit_party_org)),
        r("GET",  "/party-orgs/{id}/links", Keepers, "修改覆盖关系的表单", get(pages::registry::links_form)),
        r("POST", "/party-orgs/{id}/links", Keepers, "保存覆盖关系", post(pages::registry::save_links)),
        r("GET",  "/instructors",      Signed, "党建指导员列表", get(pages::registry::instructors)),
        r("GET",  "/instructors/export.xlsx", Signed, "导出党建指导员列表", get(pages::registry::instructors_export)),
        r("GET",  "/instructors/{id}", Signed, "党建指导员详情", get(pages::registry::instructor)),
        r("GET",  "/instructors/{id}/edit", Keepers, "修改党建指导员的表单", get(pages::registry::edit_instructor)),
        r("GET",  "/instructors/{id}/stations", Keepers, "修改派驻记录的表单", get(pages::registry::stations_form)),
        r("POST", "/instructors/{id}/stations", Keepers, "保存派驻记录", post(pages::registry::save_stations)),
        r("GET",  "/units",            Overview, "单位列表", get(pages::registry::units)),
        r("GET",  "/units/export.xlsx", Overview, "导出单位列表", get(pages::registry::units_export)),
        r("GET",  "/units/{id}",       Overview, "单位详情", get(pages::registry::unit)),
        r("GET",  "/units/{id}/edit",  CityAdmin, "修改单位的表单", get(pages::registry::edit_unit)),
        r("GET",  "/positions/{id}/edit", CityAdmin, "修改任职的表单", get(pages::registry::edit_position)),
        r("GET",  "/import",                  CityAdmin, "数据导入页", get(pages::import::form)),
        r("POST", "/import",                  CityAdmin, "上传并校验工作簿", post(pages::import::upload)),
        r("POST", "/import/{id}/confirm",     CityAdmin, "确认导入", post(pages::import::confirm)),
        r("GET",  "/import/{id}/errors.xlsx", CityAdmin, "下载错误说明工作簿", get(pages::import::errors)),
        r("GET",  "/import/template.xlsx",    Signed, "下载空白模板", get(pages::import::template)),
        r("GET",  "/export.xlsx",             Editors, "导出登记台账", get(pages::import::export_registry)),
        r("GET",  "/ledger",                  Signed, "任务清单", get(pages::ledger::list)),
        r("GET",  "/ledger/export.xlsx",      Signed, "导出任务清单", get(pages::ledger::export)),
        r("GET",  "/ledger/units",            Overview, "责任清单", get(pages::ledger::units)),
        r("GET",  "/ledger/units/export.xlsx", Overview, "导出责任清单", get(pages::ledger::units_export)),
        r("POST", "/ledger/detect",           Workers, "按数据检查生成台账事项", post(pages::ledger::detect)),
        r("GET",  "/ledger/new",              Verifiers, "新增督办事项", get(pages::ledger::new_item)),
        r("POST", "/ledger/new",              Verifiers, "保存督办事项", post(pages::ledger::create_item)),
        r("POST", "/ledger/close-satisfied",  Verifiers, "批量销号已满足条件的事项", post(pages::ledger::close_satisfied)),
        r("GET",  "/ledger/{id}",             Signed, "台账事项", get(pages::ledger::item)),
        r("POST", "/ledger/{id}",             Signed, "办理台账事项", post(pages::ledger::act)),
        r("POST", "/ledger/{id}/attachments", Workers, "上传佐证材料", post(pages::ledger::attach)),
        r("POST", "/ledger/{id}/assign",      Confirmers, "指定责任人", post(pages::ledger::assign)),
        r("GET",  "/ledger/{id}/attachments/{file}", Signed, "下载佐证材料", get(pages::ledger::attachment)),
        r("GET",  "/battle-map",              Overview, "挂图作战", get(pages::ledger::battle_map)),
        r("GET",  "/census",                  Signed, "摸排", get(pages::census::list)),
        r("POST", "/census",                  Verifiers, "开启摸排", post(pages::census::create)),
        r("GET",  "/census/{campaign}",       Signed, "摸排进度与摸排表", get(pages::census::campaign)),
        r("POST", "/census/{campaign}/confirm", Confirmers, "确认全部待确认的摸排表", post(pages::census::confirm_all)),
        r("GET",  "/census/{campaign}/returns.xlsx", Signed, "下载摸排表工作簿", get(pages::census::download)),
        r("POST", "/census/{campaign}/upload", Workers, "上传摸排表工作簿", post(pages::census::upload)),
        r("GET",  "/census/{campaign}/orgs/{code}", Signed, "一个社会组织的摸排表", get(pages::census::return_form)),
        r("POST", "/census/{campaign}/orgs/{code}", Workers, "填报、确认摸排表", post(pages::census::save_return)),
        r("GET",  "/stats",                   Overview, "覆盖统计表", get(pages::stats::show)),
        r("GET",  "/stats.xlsx",              Overview, "覆盖统计表（Excel）", get(pages::stats::export)),
        r("GET",  "/quality",                 Overview, "数据质量", get(pages::admin::quality)),
        r("GET",  "/admin/users",             CityAdmin, "用户管理", get(pages::admin::users)),
        r("POST", "/admin/users",             CityAdmin, "新增用户", post(pages::admin::create_user)),
        r("POST", "/admin/users/action",      CityAdmin, "重置密码、停用、启用用户", post(pages::admin::user_action)),
        r("GET",  "/admin/audit",             CityAdmin, "审计日志", get(pages::admin::audit)),
        r("GET",  "/admin/rules",             CityAdmin, "规则表", get(pages::admin::rules)),
        r("POST", "/admin/rules",             CityAdmin, "新增规则版本", post(pages::admin::add_rule)),
        r("GET",  "/admin/settings",          CityAdmin, "系统设置", get(pages::admin::settings)),
        r("POST", "/admin/settings",          CityAdmin, "保存系统设置", post(pages::admin::save_settings)),
        r("GET",  "/api/v1/openapi.json",            Public, "本 API 的 OpenAPI 文档", get(openapi::serve)),
        r("GET",  "/api/v1/stats/coverage",          Signed, "覆盖统计（statistics.md §6）", get(api::coverage)),
        r("GET",  "/api/v1/stats/cross-appointment", Signed, "双向进入、交叉任职统计", get(api::cross_appointment)),
        r("GET",  "/api/v1/orgs",                    Signed, "社会组织列表（可按统计口径筛选）", get(api::orgs)),
        r("GET",  "/api/v1/orgs/{code}",             Signed, "社会组织详情及时间线", get(api::org)),
        r("GET",  "/api/v1/party-orgs",              Signed, "党组织列表", get(api::party_orgs)),
        r("GET",  "/api/v1/party-orgs/{name}",       Signed, "党组织详情", get(api::party_org)),
        r("GET",  "/api/v1/instructors",             Signed, "党建指导员列表", get(api::instructors)),
        r("GET",  "/api/v1/census/campaigns",        Signed, "摸排及其进度", get(api::campaigns)),
        r("GET",  "/api/v1/census/campaigns/{campaign}/returns", Signed, "摸排范围内的社会组织及其摸排表", get(api::campaign_returns)),
        r("GET",  "/api/v1/quality",                 Signed, "数据质量问题", get(api::quality)),
        r("GET",  "/api/v1/audit",                   CityAdmin, "审计日志与登记数据变更", get(api::audit)),
        r("GET",  "/api/v1/rules",                   CityAdmin, "规则表（全部版本）", get(api::rules)),
        r("GET",  "/api/v1/users",                   CityAdmin, "用户", get(api::users)),
        r("GET",  "/api/v1/regions",                 Signed, "区划", get(api::regions)),
        r("GET",  "/api/v1/units",                   Signed, "单位", get(api::units)),
    ]
}

/// The largest request body of a route, refused before it is read (`Content-Length`, or while
/// streaming without one): forms are small; only the routes that take a file take more — the
/// registry workbook (its own limit is 200 MB), a census workbook, an evidence file (10 MB).
pub fn body_limit(method: &str, path: &str) -> usize {
    const KB: usize = 1024;
    const MB: usize = 1024 * KB;
    match (method, path) {
        ("POST", "/import") => 201 * MB,
        ("POST", "/census/{campaign}/upload") => 21 * MB,
        ("POST", "/ledger/{id}/attachments") => 11 * MB,
        _ => 64 * KB,
    }
}

/// A request whose `Content-Length` is over the route's limit: 413 at once, unread.
async fn refuse_declared_over(limit: usize, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Json(serde_json::json!({ "error": error_text(StatusCode::PAYLOAD_TOO_LARGE) })),
        )
            .into_response();
    }
    next.run(req).await
}

/// The application with the default deployment (tests).
pub fn router(db: Db) -> Router {
    router_with(db, WebConfig::default())
}

/// The application: the route table, each route behind its guard.
pub fn router_with(db: Db, config: WebConfig) -> Router {
    // A server counts from the spans in memory (loaded on a background task).
    db.keep_spans_in_memory();
    let state = AppState {
        clock: db.clock().clone(),
        db,
        gate: Default::default(),
        config: std::sync::Arc::new(config),
    };
    let mut router = Router::new();
    for (spec, handler) in routes() {
        let access = spec.access;
        let limit = body_limit(spec.method, spec.path);
        let guarded = handler
            .route_layer(middleware::from_fn_with_state(
                state.clone(),
                move |s: State<AppState>, req: Request, next: Next| {
                    auth::guard(s, access, req, next)
                },
            ))
            // The declared length is checked before anything runs; a body without one is cut
            // off at the limit while it is read.
            .layer::<_, std::convert::Infallible>(middleware::from_fn(
                move |req: Request, next: Next| refuse_declared_over(limit, req, next),
            ))
            .layer(axum::extract::DefaultBodyLimit::max(limit));
        router = router.route(spec.path, guarded);
    }
    router
        .fallback(not_found)
        .layer(middleware::from_fn(pages_answer_in_html))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Any address that is no route.
async fn not_found() -> WebError {
    WebError::NotFound
}

/// Errors of the pages are pages: a refusal by a route's guard (JSON, for the API's sake), an
/// address that is no route, or a path parameter that does not parse (axum answers those in
/// English plain text) is shown to a browser as the Chinese error page. The API keeps its JSON.
async fn pages_answer_in_html(req: Request, next: Next) -> Response {
    let page = !req.uri().path().starts_with("/api/");
    let response = next.run(req).await;
    let status = response.status();
    if !page || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        return response;
    }
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| error_text(status).to_string());
    let page = pages::ErrorPage::new(status, &message);
    let html = askama::Template::render(&page).unwrap_or(message);
    // The original headers stay (Allow on a 405, cookies, …), but for the body's own.
    let mut headers = parts.headers;
    headers.remove(header::CONTENT_TYPE);
    headers.remove(header::CONTENT_LENGTH);
    (status, headers, Html(html)).into_response()
}

/// What a bare error status means to a user.
fn error_text(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "网址中的参数无效；请从页面上的链接或菜单进入",
        StatusCode::NOT_FOUND => "页面不存在：网址有误，或该记录不在您的权限范围内",
        StatusCode::METHOD_NOT_ALLOWED => "不支持这种访问方式；请从页面上的链接或按钮进入",
        StatusCode::PAYLOAD_TOO_LARGE => "提交的内容过大（表单或上传的文件超过了允许的大小）",
        StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::UNPROCESSABLE_ENTITY => {
            "提交的内容无效；请返回上一页重新填写后提交"
        }
        s if s.is_server_error() => "服务器内部错误，请稍后重试；如果反复出现，请联系管理员",
        _ => "请求无法完成；请返回上一页重试",
    }
}

/// Serves the application until Ctrl-C.
pub async fn serve(db: Db, config: WebConfig) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.listen).await?;
    let addr = listener.local_addr()?;
    println!("服务已启动：http://{addr}/");
    axum::serve(
        listener,
        router_with(db, config).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
