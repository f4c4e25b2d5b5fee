//! `dangjian user …`: accounts for operators without the web page.

use std::io::Read;

use clap::Subcommand;

use super::Failure;
use crate::app::users::{
    create_user, issue_token, reset_password, revoke_token, set_disabled, tokens,
};
use crate::db::{Db, ScopeTarget};
use crate::domain::codes::{CreditCode, RegionCode, normalize_code};
use crate::domain::role::{Role, ScopeKind};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// 新增用户；密码从标准输入读取
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: Role,
        /// 县区管理员：区划代码；行业部门：单位名称；指导员：姓名或身份证号；社会组织：信用代码；查看者：任一或不填
        #[arg(long)]
        scope: Option<String>,
        /// 从标准输入读取密码（必需，避免密码出现在命令历史中）
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// 重置密码：打印一个新的随机密码，下次登录须修改
    Reset { name: String },
    /// 列出用户
    List,
    /// 停用用户（结束其会话、吊销其令牌）
    Disable { name: String },
    /// API 令牌（Authorization: Bearer …）：默认生成一个新令牌；--list 列出，--revoke 吊销
    Token {
        name: String,
        /// 新令牌的有效期（天）
        #[arg(long, default_value_t = crate::app::users::TOKEN_DAYS)]
        days: i64,
        /// 列出该用户的令牌（编号、签发、到期、状态），不生成新令牌
        #[arg(long, conflicts_with = "revoke")]
        list: bool,
        /// 吊销编号为此值的令牌（编号见 --list）
        #[arg(long)]
        revoke: Option<String>,
    },
}

fn rejected(message: impl Into<String>) -> Failure {
    Failure {
        code: 1,
        message: message.into(),
    }
}

/// Resolves `--scope` for a role.
async fn resolve_scope(db: &Db, role: Role, scope: Option<&str>) -> Result<ScopeTarget, Failure> {
    let kind = role.scope_kind();
    let Some(text) = scope.map(str::trim).filter(|s| !s.is_empty()) else {
        return match kind {
            ScopeKind::City | ScopeKind::Any => Ok(ScopeTarget::City),
            _ => Err(rejected(format!("角色 {} 需要 --scope", role.code()))),
        };
    };
    let region = || async {
        let code = RegionCode::parse(text).ok()?;
        db.regions()
            .await
            .ok()?
            .into_iter()
            .find(|r| r.code == code)
            .map(|r| ScopeTarget::Region(r.code))
    };
    let unit = || async { db.unit_id(text).await.ok().flatten().map(ScopeTarget::Unit) };
    let org = || async {
        let code = CreditCode::parse(text).ok()?;
        db.org_id(code.as_str())
            .await
            .ok()
            .flatten()
            .map(ScopeTarget::Org)
    };
    let found = match kind {
        ScopeKind::City => {
            return Err(rejected(format!(
                "角色 {} 是全市范围，不能指定 --scope",
                role.code()
            )));
        }
        ScopeKind::Region => region().await,
        ScopeKind::Unit => unit().await,
        ScopeKind::Org => org().await,
        ScopeKind::Instructor => {
            let ids = db.instructor_ids(&normalize_code(text)).await?;
            let ids = if ids.is_empty() {
                db.instructor_ids(text).await?
            } else {
                ids
            };
            match ids.as_slice() {
                [id] => Some(ScopeTarget::Instructor(*id)),
                [] => None,
                _ => {
                    return Err(rejected(format!(
                        "有多名指导员名为“{text}”，请改用身份证号"
                    )));
                }
            }
        }
        ScopeKind::Any => match region().await {
            Some(s) => Some(s),
            None => match unit().await {
                Some(s) => Some(s),
                None => org().await,
            },
        },
    };
    found.ok_or_else(|| {
        rejected(format!(
            "找不到 --scope “{text}” 对应的区划、单位、指导员或社会组织"
        ))
    })
}

pub async fn run(db: &Db, command: UserCommand) -> Result<(), Failure> {
    match command {
        UserCommand::Add {
            name,
            role,
            scope,
            password_stdin: _,
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| Failure {
                    code: 4,
                    message: format!("无法读取标准输入：{e}"),
                })?;
            let password = password.trim_end_matches(['\r', '\n']);
            let target = resolve_scope(db, role, scope.as_deref()).await?;
            create_user(db, &operator(), &name, role, &target, Some(password))
                .await
                .map_err(app_failure)?;
            println!("已新增用户 {name}（{}）", role.label());
            Ok(())
        }
        UserCommand::Reset { name } => {
            let password = reset_password(db, &operator(), &name)
                .await
                .map_err(app_failure)?;
            println!(
                "用户 {name} 的新密码（只显示这一次，首次登录须修改；其会话已结束，令牌已吊销）：{password}"
            );
            Ok(())
        }
        UserCommand::List => {
            println!("用户名\t角色\t范围\t状态");
            for u in db.users().await? {
                let state = if u.disabled {
                    "已停用"
                } else if u.must_change_password {
                    "待改密码"
                } else {
                    "正常"
                };
                println!(
                    "{}\t{}\t{}\t{}",
                    u.username,
                    u.role.code(),
                    u.scope_label,
                    state
                );
            }
            Ok(())
        }
        UserCommand::Disable { name } => {
            set_disabled(db, &operator(), &name, true)
                .await
                .map_err(app_failure)?;
            println!("已停用用户 {name}");
            Ok(())
        }
        UserCommand::Token {
            name,
            days,
            list,
            revoke,
        } => {
            let actor = operator();
            if list {
                println!("编号\t签发时间\t到期时间\t状态");
                for t in tokens(db, &actor, &name).await.map_err(app_failure)? {
                    let state = if t.revoked {
                        "已吊销"
                    } else if t.expired {
                        "已过期"
                    } else {
                        "有效"
                    };
                    println!(
                        "{}\t{}\t{}\t{state}",
                        t.id,
                        crate::clock::beijing_text(&t.created_at),
                        t.expires_at
                            .as_deref()
                            .map(crate::clock::beijing_text)
                            .unwrap_or_default()
                    );
                }
            } else if let Some(id) = revoke {
                revoke_token(db, &actor, &name, &id)
                    .await
                    .map_err(app_failure)?;
                println!("已吊销用户 {name} 的令牌 {id}");
            } else {
                let token = issue_token(db, &actor, &name, days)
                    .await
                    .map_err(app_failure)?;
                println!("{token}");
            }
            Ok(())
        }
    }
}

/// The command line acts as the operator of the whole city.
fn operator() -> crate::app::Actor {
    crate::app::Actor::operator("cli")
}

/// A use case's refusal as this command reports it: not found, invalid input (exit 1), or the
/// database (exit 3).
fn app_failure(e: crate::app::AppError) -> Failure {
    use crate::app::AppError;
    match e {
        AppError::NotFound => rejected("用户不存在"),
        AppError::Internal(e) => e.into(),
        other => rejected(other.to_string()),
    }
}

/// On first start (no user at all), creates the city admin `admin` with a random password that is
/// printed once and must be changed at the first sign-in.
pub async fn ensure_first_admin(db: &Db) -> Result<(), Failure> {
    if db.user_count().await? > 0 {
        return Ok(());
    }
    let system = crate::app::Actor::operator("system");
    let password = create_user(
        db,
        &system,
        "admin",
        Role::CityAdmin,
        &ScopeTarget::City,
        None,
    )
    .await
    .map_err(app_failure)?;
    println!("已创建市级管理员 admin，初始密码（只显示这一次，首次登录须修改）：{password}");
    Ok(())
}
