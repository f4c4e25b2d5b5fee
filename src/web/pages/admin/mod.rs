//! 数据质量 and 系统管理: data quality for everyone within scope; users, the audit log and the
//! rule table for city admins.

mod audit;
mod rules;
mod settings;
mod users;

pub use audit::audit;
pub use rules::{add_rule, rules};
pub use settings::{save_settings, settings};
pub use users::{create_user, user_action, users};

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::{PageError, frame, render};
use crate::db::Finding;
use crate::web::AppState;
use crate::web::auth::Actor;
use crate::web::layout::Layout;

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

/// An audit action code in words (codes not listed are shown as stored).
pub(super) fn audit_action_label(code: &str) -> String {
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
        "rule_add" => "新增规则版本",
        other => return other.to_string(),
    };
    label.to_string()
}

/// A change-log entity in words.
pub(super) fn change_entity_label(code: &str) -> &str {
    match code {
        "social_org" => "社会组织",
        "party_org" => "党组织",
        "unit" => "单位",
        "census" => "摸排表",
        other => other,
    }
}

/// A change-log action in words.
pub(super) fn change_action_label(code: &str) -> &str {
    match code {
        "create" => "新建",
        "update" => "修改",
        "confirm" => "确认",
        "close_link" => "结束覆盖关系",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_and_change_codes_read_in_chinese() {
        assert_eq!(audit_action_label("login_failed"), "登录失败");
        assert_eq!(audit_action_label("form_party-org"), "表单：党组织");
        assert_eq!(audit_action_label("rule_add"), "新增规则版本");
        assert_eq!(audit_action_label("something_new"), "something_new");
        assert_eq!(change_entity_label("census"), "摸排表");
        assert_eq!(change_action_label("update"), "修改");
    }
}
