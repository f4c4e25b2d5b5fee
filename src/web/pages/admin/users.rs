//! 用户管理: the users (filtered by name, role and state, a page at a time), a new user with its
//! scope chosen from lists (a county, a unit) or named (an org's credit code, an instructor),
//! a password reset (shown once), disabling and enabling (each asked first).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use crate::app::AppError;
use crate::app::users;
use crate::db::{ScopeTarget, User};
use crate::domain::codes::{CreditCode, RegionCode};
use crate::domain::role::{Role, ScopeKind};
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::pages::paging::{PageQuery, Pager, query_of};
use crate::web::pages::{PageError, frame, render};
use crate::web::query::Params;
use crate::web::{AppState, WebError};

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub users: Vec<User>,
    pub pager: Pager,
    pub roles: Vec<(&'static str, &'static str)>,
    /// Regions a county admin may be given: (code, name).
    pub regions: Vec<(String, String)>,
    /// Units a department may be given, in the committees' order.
    pub units: Vec<String>,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub form: UserForm,
    pub filter: UserQuery,
}

#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub role: String,
    /// A county admin's region.
    #[serde(default)]
    pub scope_region: String,
    /// A department's unit.
    #[serde(default)]
    pub scope_unit: String,
    /// An instructor's name or ID, an org's credit code (too many to list).
    #[serde(default)]
    pub scope: String,
}

/// The list's filters; after an action, its code and the user's id.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct UserQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    /// active | disabled | must_change
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub notice: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(flatten)]
    pub paging: PageQuery,
}

impl UserQuery {
    fn keeps(&self, u: &User) -> bool {
        fn some(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        some(&self.q).is_none_or(|q| u.username.contains(q) || u.scope_label.contains(q))
            && some(&self.role).is_none_or(|r| u.role.code() == r)
            && match some(&self.state) {
                Some("active") => !u.disabled,
                Some("disabled") => u.disabled,
                Some("must_change") => u.must_change_password && !u.disabled,
                _ => true,
            }
    }
}

async fn users_page(
    s: &AppState,
    actor: &Actor,
    q: &UserQuery,
    error: Option<String>,
    notice: Option<String>,
    form: UserForm,
) -> Result<Response, PageError> {
    let all: Vec<User> =
        s.db.users()
            .await?
            .into_iter()
            .filter(|u| q.keeps(u))
            .collect();
    let query = query_of(&[
        ("q", q.q.as_deref()),
        ("role", q.role.as_deref()),
        ("state", q.state.as_deref()),
    ]);
    let pager = Pager::new("/admin/users", &query, &q.paging, all.len() as i64);
    let users = all
        .into_iter()
        .skip(usize::try_from(pager.offset).unwrap_or(0))
        .take(usize::try_from(q.paging.per_page()).unwrap_or(20))
        .collect();
    let root = s.db.regions().await?;
    let mut units: Vec<String> = s.db.units().await?.into_iter().map(|u| u.name).collect();
    let places = s.db.unit_places().await?;
    units.sort_by_cached_key(|u| places.of(u));
    let page = UsersPage {
        layout: frame(
            actor,
            "用户管理",
            "users",
            vec![("系统管理".into(), "/admin/users".into())],
        ),
        users,
        pager,
        roles: Role::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        regions: root
            .into_iter()
            .filter(|r| r.parent.is_some())
            .map(|r| (r.code.as_str().to_string(), r.name))
            .collect(),
        units,
        error,
        notice,
        form,
        filter: q.clone(),
    };
    Ok(render(&page)?.into_response())
}

pub async fn users(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<UserQuery>,
) -> Result<Response, PageError> {
    // A notice after disabling or enabling: its code and the user, by id (never text from the
    // address).
    let mut notice = None;
    if let (Some(code), Some(id)) = (q.notice.as_deref(), q.id.as_deref()) {
        let user =
            s.db.users()
                .await?
                .into_iter()
                .find(|u| u.id.to_string() == id);
        if let Some(u) = user {
            notice = match code {
                "disabled" => Some(format!(
                    "已停用 {}（其会话已结束，API 令牌已吊销）",
                    u.username
                )),
                "enabled" => Some(format!("已启用 {}", u.username)),
                _ => None,
            };
        }
    }
    users_page(&s, &actor, &q, None, notice, UserForm::default()).await
}

/// The scope the form gives a role: a county chosen from the list, a unit chosen from the list,
/// an instructor by name or ID, an org by credit code; none for the whole city.
async fn scope_target(s: &AppState, role: Role, f: &UserForm) -> Result<ScopeTarget, String> {
    let kind = role.scope_kind();
    let text = f.scope.trim();
    let region = f.scope_region.trim();
    let unit = f.scope_unit.trim();
    let resolve_region = || async {
        let Ok(code) = RegionCode::parse(region) else {
            return Ok::<_, String>(None);
        };
        Ok(s.db
            .regions()
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .find(|r| r.code == code)
            .map(|r| ScopeTarget::Region(r.code)))
    };
    let resolve_unit = || async {
        Ok::<_, String>(
            s.db.unit_id(unit)
                .await
                .map_err(|e| e.to_string())?
                .map(ScopeTarget::Unit),
        )
    };
    let resolve_org = || async {
        match CreditCode::parse(text) {
            Ok(c) => Ok::<_, String>(
                s.db.org_id(c.as_str())
                    .await
                    .map_err(|e| e.to_string())?
                    .map(ScopeTarget::Org),
            ),
            Err(_) => Ok(None),
        }
    };
    match kind {
        ScopeKind::City => Ok(ScopeTarget::City),
        ScopeKind::Region => resolve_region()
            .await?
            .ok_or_else(|| format!("{}须选择所辖区划", role.label())),
        ScopeKind::Unit => resolve_unit()
            .await?
            .ok_or_else(|| format!("{}须选择所在单位", role.label())),
        ScopeKind::Org => resolve_org()
            .await?
            .ok_or_else(|| format!("找不到统一社会信用代码为“{text}”的社会组织")),
        ScopeKind::Instructor => {
            if text.is_empty() {
                return Err("党建指导员须填写本人姓名或身份证号".into());
            }
            match s
                .db
                .instructor_ids(text)
                .await
                .map_err(|e| e.to_string())?
                .as_slice()
            {
                [id] => Ok(ScopeTarget::Instructor(*id)),
                [] => Err(format!("找不到名为“{text}”的党建指导员")),
                _ => Err(format!("有多名指导员名为“{text}”，请填写身份证号")),
            }
        }
        // A viewer: a county, a unit, or the whole city.
        ScopeKind::Any => {
            if !region.is_empty() {
                resolve_region()
                    .await?
                    .ok_or_else(|| "所选区划不存在".to_string())
            } else if !unit.is_empty() {
                resolve_unit()
                    .await?
                    .ok_or_else(|| "所选单位不存在".to_string())
            } else {
                Ok(ScopeTarget::City)
            }
        }
    }
}

pub async fn create_user(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(f): Form<UserForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let q = UserQuery::default();
    let name = f.username.trim().to_string();
    let Some(role) = Role::from_code(&f.role) else {
        return users_page(&s, &actor, &q, Some("请选择角色".into()), None, f).await;
    };
    let target = match scope_target(&s, role, &f).await {
        Ok(t) => t,
        Err(e) => return users_page(&s, &actor, &q, Some(e), None, f).await,
    };
    let password = match users::create_user(&s.db, &actor, &name, role, &target, None).await {
        Ok(p) => p,
        Err(AppError::Invalid(message)) => {
            return users_page(&s, &actor, &q, Some(message), None, f).await;
        }
        Err(e) => return Err(e.into()),
    };
    // Shown once, on this answer (a password never goes into an address).
    let notice = format!(
        "已新增用户 {name}（{}），初始密码：{password}（只显示这一次，首次登录须修改）",
        role.label()
    );
    users_page(&s, &actor, &q, None, Some(notice), UserForm::default()).await
}

#[derive(Debug, Deserialize)]
pub struct UserAction {
    pub csrf: String,
    pub username: String,
    pub action: String,
}

pub async fn user_action(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(f): Form<UserAction>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let name = f.username.as_str();
    let q = UserQuery::default();
    let id =
        || async { Ok::<_, PageError>(s.db.user_by_name(name).await?.map(|u| u.id).unwrap_or(0)) };
    let done = match f.action.as_str() {
        // The new password is shown once on this answer.
        "reset" => match users::reset_password(&s.db, &actor, name).await {
            Ok(password) => {
                let notice = format!(
                    "已重置 {name} 的密码：{password}（只显示这一次，登录后须修改；其会话已结束，API 令牌已吊销）"
                );
                return users_page(&s, &actor, &q, None, Some(notice), UserForm::default()).await;
            }
            Err(e) => Err(e),
        },
        // Disabling and enabling land on a GET (F5 does not repeat them).
        "disable" => users::set_disabled(&s.db, &actor, name, true)
            .await
            .map(|()| "disabled"),
        "enable" => users::set_disabled(&s.db, &actor, name, false)
            .await
            .map(|()| "enabled"),
        other => return Err(WebError::BadRequest(format!("未知操作 {other}")).into()),
    };
    match done {
        Ok(code) => Ok(
            Redirect::to(&format!("/admin/users?notice={code}&id={}", id().await?)).into_response(),
        ),
        Err(AppError::Invalid(message)) => {
            users_page(&s, &actor, &q, Some(message), None, UserForm::default()).await
        }
        Err(e) => Err(e.into()),
    }
}
