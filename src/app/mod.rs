//! Use cases: one function per user action (save a record, import a workbook, fill and confirm a
//! census return, act on a ledger item, …). A use case owns its transaction, checks the actor's
//! scope against the *stored* rows inside it (the data layer does the check, this layer always
//! passes the actor's scope), writes the audit row in the same transaction and leaves the ledger
//! detection the change calls for. Handlers (`web`) and commands (`cli`) only parse, call and
//! render; they never combine several data-layer writes themselves.
//!
//! Errors ([`AppError`]): a record missing or out of scope is [`AppError::NotFound`] (404: its
//! existence is not leaked); a stale transition or a taken key [`AppError::Conflict`] (409); bad
//! input [`AppError::Invalid`] (422, with the message for the form); a database another writer
//! holds [`AppError::Busy`] (503, "an import is running"); anything else
//! [`AppError::Internal`] (500, logged once, never shown).

pub mod audit;
pub mod census;
pub mod demo;
pub mod ledger;
pub mod registry;
pub mod rules;
pub mod session;
pub mod settings;
pub mod users;

use crate::db::{DbError, Scope, User, is_unique_violation};
use crate::domain::role::Role;

/// Who acts: the user, the scope every read and write takes, and where the request came from
/// (for the audit log).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub scope: Scope,
    pub client: String,
}

impl Actor {
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// The name the audit log and the histories show.
    pub fn name(&self) -> &str {
        &self.user.username
    }

    /// The operator of the command line: the whole city, as a city admin, named `name`.
    pub fn operator(name: &str) -> Actor {
        Actor {
            user: User {
                id: 0,
                username: name.to_string(),
                role: Role::CityAdmin,
                scope_region: None,
                scope_unit_id: None,
                scope_instructor_id: None,
                scope_org_id: None,
                scope_label: "全市".into(),
                must_change_password: false,
                disabled: false,
            },
            scope: Scope::City,
            client: "命令行".into(),
        }
    }
}

/// How the server is deployed (`serve`'s options), for the web layer.
#[derive(Debug, Clone, Default)]
pub struct Deployment {
    /// The address to listen on.
    pub listen: String,
    /// Cookies only over HTTPS (`serve --secure-cookies`; also the setting
    /// `security.cookie_secure` = 1 of earlier versions).
    pub secure_cookies: bool,
    /// The header a reverse proxy puts the client's address in (`serve --client-ip-header`,
    /// e.g. `X-Forwarded-For` or `X-Real-IP`); without it, the socket's peer is the client.
    pub client_ip_header: Option<String>,
}

/// The errors of a use case; the web edge gives each its status (see the module doc).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("未找到，或不在您的权限范围内")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("正在导入或保存大量数据，系统暂时无法保存，请稍后再试")]
    Busy,
    #[error("服务器内部错误，请稍后重试或联系管理员")]
    Internal(DbError),
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> AppError {
        if matches!(e, DbError::OutOfScope) {
            AppError::NotFound
        } else if let DbError::Stale(m) = e {
            AppError::Conflict(m)
        } else if e.is_busy() {
            AppError::Busy
        } else if is_unique_violation(&e) {
            AppError::Conflict("该名称或编号已被使用，请改用其他名称".into())
        } else {
            AppError::Internal(e)
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
