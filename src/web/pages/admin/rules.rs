//! 规则表: every rule by its name with its versions, and a city admin's new version of a rule
//! from a date (never an edit of a version in force).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use crate::app::AppError;
use crate::app::rules::{NewVersion, add_version};
use crate::domain::rules::Rule;
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::pages::{PageError, frame, render};
use crate::web::query::Params;
use crate::web::{AppState, WebError};

/// One version as shown: (rule name, key, value, source in words, since in words, note,
/// in force today).
pub type VersionRow = (String, String, String, String, String, String, bool);

#[derive(Template)]
#[template(path = "rules.html")]
pub struct RulesPage {
    pub layout: Layout,
    pub rules: Vec<VersionRow>,
    pub choices: Vec<(&'static str, &'static str, bool)>,
    pub form: RuleForm,
    pub error: Option<String>,
    pub notice: Option<String>,
    pub today: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub effective_from: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct RulesQuery {
    #[serde(default)]
    pub notice: Option<String>,
}

async fn rules_page(
    s: &AppState,
    actor: &Actor,
    form: RuleForm,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let today = s.clock.today().to_string();
    let versions = s.db.rule_versions().await?;
    // A version is in force today when it is the latest of its rule on or before today.
    let in_force = |key: &str, from: &str| {
        versions
            .iter()
            .filter(|(k, _, _, f, _)| k == key && f.as_str() <= today.as_str())
            .map(|(_, _, _, f, _)| f.as_str())
            .max()
            == Some(from)
    };
    let rules = versions
        .iter()
        .map(|(key, value, source, from, note)| {
            (
                Rule::from_key(key).map_or_else(|| note.clone(), |r| r.label().to_string()),
                key.clone(),
                value.clone(),
                source_in_words(source),
                since_in_words(from),
                note.clone(),
                in_force(key, from),
            )
        })
        .collect();
    let view = RulesPage {
        layout: frame(
            actor,
            "规则表",
            "rules",
            vec![("系统管理".into(), "/admin/users".into())],
        ),
        rules,
        choices: Rule::ALL
            .iter()
            .map(|r| (r.key(), r.label(), form.key == r.key()))
            .collect(),
        form,
        error,
        notice,
        today,
    };
    Ok(render(&view)?.into_response())
}

pub async fn rules(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Params(q): Params<RulesQuery>,
) -> Result<Response, PageError> {
    let notice = (q.notice.as_deref() == Some("added")).then(|| "已新增规则版本".to_string());
    rules_page(&s, &actor, RuleForm::default(), None, notice).await
}

pub async fn add_rule(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Form(f): Form<RuleForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let from = match crate::web::dates::parse_day("生效日期", f.effective_from.trim()) {
        Ok(d) => d,
        Err(e) => {
            let mut r = rules_page(&s, &actor, f, Some(e), None).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(r);
        }
    };
    let v = NewVersion {
        key: &f.key,
        value: &f.value,
        effective_from: from,
        source: &f.source,
        note: &f.note,
    };
    match add_version(&s.db, &actor, &v).await {
        Ok(()) => Ok(Redirect::to("/admin/rules?notice=added").into_response()),
        Err(AppError::Invalid(message)) => {
            let mut r = rules_page(&s, &actor, f, Some(message), None).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(WebError::from(e).into()),
    }
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
}
