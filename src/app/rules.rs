//! The rule table (`spec/rules.md`): a city admin adds a version of a rule from a date. A
//! version already in force is never edited — past figures and deadlines keep the rules they
//! were made with — so a new version starts today at the earliest.

use chrono::NaiveDate;

use super::{Actor, AppError, AppResult};
use crate::db::{AuditNote, By, Db};
use crate::domain::rules::Rule;

/// A new version as typed on the form.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub key: &'a str,
    pub value: &'a str,
    pub effective_from: NaiveDate,
    pub source: &'a str,
    pub note: &'a str,
}

/// Adds the version (city admins), or says why not (422).
pub async fn add_version(db: &Db, actor: &Actor, v: &NewVersion<'_>) -> AppResult<()> {
    if !(actor.role().is_city_admin() && actor.scope.is_city()) {
        return Err(AppError::NotFound);
    }
    let rule = Rule::from_key(v.key).ok_or_else(|| AppError::Invalid("请选择规则".into()))?;
    let value = rule.check(v.value).map_err(AppError::Invalid)?;
    let today = db.clock().today();
    if v.effective_from < today {
        return Err(AppError::Invalid(format!(
            "生效日期 {} 早于今天：已生效的规则不能修改，新版本最早从今天（{today}）起生效",
            v.effective_from
        )));
    }
    let source = v.source.trim();
    if source.is_empty() {
        return Err(AppError::Invalid("请填写依据（文件名称或会议决定）".into()));
    }
    let note = if v.note.trim().is_empty() {
        rule.label()
    } else {
        v.note.trim()
    };
    let detail = format!(
        "{}：{value}，{} 起生效（依据：{source}）",
        rule.label(),
        v.effective_from
    );
    let by = By {
        name: actor.name(),
        audit: Some(AuditNote {
            action: "rule_add",
            target: rule.key(),
            detail,
            client: &actor.client,
        }),
    };
    let added = db
        .add_rule_version(
            rule.key(),
            &value.to_string(),
            source,
            v.effective_from,
            note,
            by,
        )
        .await?;
    if added {
        Ok(())
    } else {
        Err(AppError::Invalid(format!(
            "“{}”在 {} 已有版本；请另选生效日期",
            rule.label(),
            v.effective_from
        )))
    }
}
