//! 数据质量 and 系统管理: data quality for everyone within scope; users, the audit log and the
//! rule table for city admins.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::{PageError, count, frame, render};
use crate::app::AppError;
use crate::app::users;
use crate::db::{AuditEntry, ChangeEntry, Finding, ScopeTarget, User};
use crate::domain::codes::{CreditCode, RegionCode};
use crate::domain::role::{Role, ScopeKind};
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::query::{PageQuery, Params};
use crate::web::{AppState, WebError};

pub struct Check {
    pub title: &'static str,
    pub why: &'static str,
    pub findings: Vec<Finding>,
}

#[derive(Template)]
#[template(path = "quality.html")]
pub struct QualityPage {
    pub layout: Layout,
    pub checks: Vec<Check>,
}

pub async fn quality(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    let q = s.db.quality(&actor.scope, s.clock.today()).await?;
    let checks = vec![
        Check {
            title: "责任单位无法确定",
            why: "这些组织不会出现在任何责任单位的统计和台账中，请补充县区工委或调整业务主管单位",
            findings: q.unresolved_unit,
        },
        Check {
            title: "组织机构代码校验位不符",
            why: "统一社会信用代码第9–17位不符合 GB 11714，可能是录入错误（警告）",
            findings: q.inner_code,
        },
        Check {
            title: "疑似重复的组织名称",
            why: "同名组织可能是重复登记或代码录入错误",
            findings: q.duplicate_names,
        },
        Check {
            title: "党组织仍覆盖已注销、撤销的组织",
            why: "覆盖关系应随组织注销或撤销而结束",
            findings: q.covering_terminated,
        },
        Check {
            title: "摸排结果与登记数据不一致",
            why: "已确认的摸排表所填党组织状况与基准日的覆盖关系不符：请核实后更正覆盖关系，或重新填报并确认摸排表",
            findings: q.census_contradictions,
        },
        Check {
            title: "人员没有身份证号",
            why: "同一人员在社会组织和党组织中的任职只能按姓名匹配（交叉任职统计的近似规则）",
            findings: q.persons_without_id,
        },
    ];
    let page = QualityPage {
        layout: frame(
            &actor,
            "数据质量",
            "quality",
            vec![("数据管理".into(), "/quality".into())],
        ),
        checks,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub users: Vec<User>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub form: UserForm,
}

#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub scope: String,
}

async fn users_page(
    s: &AppState,
    actor: &Actor,
    error: Option<String>,
    notice: Option<String>,
    form: UserForm,
) -> Result<Response, PageError> {
    let page = UsersPage {
        layout: frame(
            actor,
            "用户管理",
            "users",
            vec![("系统管理".into(), "/admin/users".into())],
        ),
        users: s.db.users().await?,
        roles: Role::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        error,
        notice,
        form,
    };
    Ok(render(&page)?.into_response())
}

pub async fn users(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    users_page(&s, &actor, None, None, UserForm::default()).await
}

/// Resolves the scope field for a role (region code, unit name, instructor name, credit code).
async fn scope_target(s: &AppState, role: Role, text: &str) -> Result<ScopeTarget, String> {
    let text = text.trim();
    let kind = role.scope_kind();
    if text.is_empty() {
        return match kind {
            ScopeKind::City | ScopeKind::Any => Ok(ScopeTarget::City),
            _ => Err(format!("{}须指定范围", role.label())),
        };
    }
    let region = match RegionCode::parse(text) {
        Ok(code) => {
            s.db.regions()
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .find(|r| r.code == code)
                .map(|r| ScopeTarget::Region(r.code))
        }
        Err(_) => None,
    };
    let unit =
        s.db.unit_id(text)
            .await
            .map_err(|e| e.to_string())?
            .map(ScopeTarget::Unit);
    let org = match CreditCode::parse(text) {
        Ok(c) => {
            s.db.org_id(c.as_str())
                .await
                .map_err(|e| e.to_string())?
                .map(ScopeTarget::Org)
        }
        Err(_) => None,
    };
    let found = match kind {
        ScopeKind::City => return Err(format!("{}为全市范围，不能指定范围", role.label())),
        ScopeKind::Region => region,
        ScopeKind::Unit => unit,
        ScopeKind::Org => org,
        ScopeKind::Instructor => match s
            .db
            .instructor_ids(text)
            .await
            .map_err(|e| e.to_string())?
            .as_slice()
        {
            [id] => Some(ScopeTarget::Instructor(*id)),
            [] => None,
            _ => return Err(format!("有多名指导员名为“{text}”，请填写身份证号")),
        },
        ScopeKind::Any => region.or(unit).or(org),
    };
    found.ok_or_else(|| format!("找不到范围“{text}”：县区管理员填区划代码，行业部门填单位名称，指导员填姓名或身份证号，社会组织填信用代码"))
}

pub async fn create_user(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(f): Form<UserForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let name = f.username.trim().to_string();
    let Some(role) = Role::from_code(&f.role) else {
        return users_page(&s, &actor, Some("请选择角色".into()), None, f).await;
    };
    let target = match scope_target(&s, role, &f.scope).await {
        Ok(t) => t,
        Err(e) => return users_page(&s, &actor, Some(e), None, f).await,
    };
    let password = match users::create_user(&s.db, &actor, &name, role, &target, None).await {
        Ok(p) => p,
        Err(AppError::Invalid(message)) => {
            return users_page(&s, &actor, Some(message), None, f).await;
        }
        Err(e) => return Err(e.into()),
    };
    let notice = format!(
        "已新增用户 {name}（{}），初始密码：{password}（只显示这一次，首次登录须修改）",
        role.label()
    );
    users_page(&s, &actor, None, Some(notice), UserForm::default()).await
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
    let done = match f.action.as_str() {
        "reset" => users::reset_password(&s.db, &actor, name)
            .await
            .map(|password| {
                format!(
                    "已重置 {name} 的密码：{password}（只显示这一次，登录后须修改；其会话已结束，API 令牌已吊销）"
                )
            }),
        "disable" => users::set_disabled(&s.db, &actor, name, true)
            .await
            .map(|()| format!("已停用 {name}")),
        "enable" => users::set_disabled(&s.db, &actor, name, false)
            .await
            .map(|()| format!("已启用 {name}")),
        other => return Err(WebError::BadRequest(format!("未知操作 {other}")).into()),
    };
    match done {
        Ok(notice) => users_page(&s, &actor, None, Some(notice), UserForm::default()).await,
        Err(AppError::Invalid(message)) => {
            users_page(&s, &actor, Some(message), None, UserForm::default()).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub entries: Vec<AuditEntry>,
    pub changes: Vec<ChangeEntry>,
    pub total: String,
    pub page: i64,
    pub prev: Option<i64>,
    pub next: Option<i64>,
}

pub async fn audit(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<PageQuery>,
) -> Result<Response, PageError> {
    let page = q.number();
    let per = 50;
    let (entries, total) =
        s.db.audit_entries((page - 1).saturating_mul(per), per)
            .await?;
    let entries = entries
        .into_iter()
        .map(|e| AuditEntry {
            at: crate::clock::beijing_text(&e.at),
            action: audit_action_label(&e.action),
            ..e
        })
        .collect();
    let changes =
        s.db.changes(100)
            .await?
            .into_iter()
            .map(|c| ChangeEntry {
                at: crate::clock::beijing_text(&c.at),
                entity: change_entity_label(&c.entity).to_string(),
                action: change_action_label(&c.action).to_string(),
                before: crate::db::fields_text(&c.before),
                after: crate::db::fields_text(&c.after),
                ..c
            })
            .collect();
    let view = AuditPage {
        layout: frame(
            &actor,
            "审计日志",
            "audit",
            vec![("系统管理".into(), "/admin/users".into())],
        ),
        entries,
        changes,
        total: count(total),
        page,
        prev: (page > 1).then_some(page - 1),
        next: (page.saturating_mul(per) < total).then(|| page + 1),
    };
    Ok(render(&view)?.into_response())
}

/// An audit action code in words (codes not listed are shown as stored).
fn audit_action_label(code: &str) -> String {
    let label = match code {
        "login" => "登录",
        "login_failed" => "登录失败",
        "login_locked" => "账户锁定",
        "logout" => "退出登录",
        "password_change" => "修改密码",
        "token_issue" => "签发 API 令牌",
        "user_add" => "新增用户",
        "user_disable" => "停用用户",
        "user_enable" => "启用用户",
        "user_reset" => "重置密码",
        "import" => "导入工作簿",
        "export" => "导出",
        "census_upload" => "上传摸排表",
        "census_confirm" => "确认摸排表",
        "view_personal_data" => "查看未脱敏个人信息",
        "form_org" => "表单：社会组织",
        "form_party-org" => "表单：党组织",
        "form_station" => "表单：指导员派驻",
        "form_unit" => "表单：单位",
        "form_position" => "表单：任职",
        other => return other.to_string(),
    };
    label.to_string()
}

/// A change-log entity in words.
fn change_entity_label(code: &str) -> &str {
    match code {
        "social_org" => "社会组织",
        "party_org" => "党组织",
        "unit" => "单位",
        "census" => "摸排表",
        other => other,
    }
}

/// A change-log action in words.
fn change_action_label(code: &str) -> &str {
    match code {
        "create" => "新建",
        "update" => "修改",
        "confirm" => "确认",
        "close_link" => "结束覆盖关系",
        other => other,
    }
}

#[derive(Template)]
#[template(path = "rules.html")]
pub struct RulesPage {
    pub layout: Layout,
    pub rules: Vec<(String, String, String, String, String)>,
}

pub async fn rules(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
) -> Result<Response, PageError> {
    let rules =
        s.db.rule_versions()
            .await?
            .into_iter()
            .map(|(key, value, source, from, note)| {
                (
                    key,
                    value,
                    source_in_words(&source),
                    since_in_words(&from),
                    note,
                )
            })
            .collect();
    let view = RulesPage {
        layout: frame(
            &actor,
            "规则表",
            "rules",
            vec![("系统管理".into(), "/admin/users".into())],
        ),
        rules,
    };
    Ok(render(&view)?.into_response())
}

/// A rule's source with the spec's tags (rules.md) in words.
fn source_in_words(source: &str) -> String {
    source
        .replace("[N]", "（全国性规定）")
        .replace("[L]", "（地方通行做法）")
        .replace("[?]", "（尚待确认，暂用默认值）")
        .trim()
        .to_string()
}

/// A version's start: the first version of a rule applies to any date.
fn since_in_words(from: &str) -> String {
    if from <= "1900-01-01" {
        "一直适用".to_string()
    } else {
        from.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_sources_and_dates_read_in_words() {
        assert_eq!(
            source_in_words("党章第三十条 [N]"),
            "党章第三十条 （全国性规定）"
        );
        assert_eq!(
            source_in_words("产品默认 [?]"),
            "产品默认 （尚待确认，暂用默认值）"
        );
        assert_eq!(since_in_words("1900-01-01"), "一直适用");
        assert_eq!(since_in_words("2026-01-01"), "2026-01-01");
    }

    #[test]
    fn audit_and_change_codes_read_in_chinese() {
        assert_eq!(audit_action_label("login_failed"), "登录失败");
        assert_eq!(audit_action_label("form_party-org"), "表单：党组织");
        assert_eq!(audit_action_label("something_new"), "something_new");
        assert_eq!(change_entity_label("census"), "摸排表");
        assert_eq!(change_action_label("update"), "修改");
    }
}
