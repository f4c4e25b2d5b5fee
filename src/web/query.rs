//! Query strings, typed: [`Params`] reads one into a struct with `serde_urlencoded` and answers
//! a malformed one with a Chinese 400 (an HTML page, or JSON under `/api/`), never axum's English
//! text; [`OrgQuery`] is the org list's filter, shared by the pages, the export and the API.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{PageError, WebError};

/// A query string read into `T`. Fields are `Option`s or have defaults, so what fails is a
/// repeated parameter or a value of the wrong type (`page=abc` where a number is wanted).
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Response> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query).map(Params).map_err(|e| {
            let error = WebError::BadRequest(message(&e.to_string()));
            if parts.uri.path().starts_with("/api/") {
                error.into_response()
            } else {
                PageError(error).into_response()
            }
        })
    }
}

/// The user's words for serde's: which parameter, and what is wrong with it.
fn message(serde: &str) -> String {
    let name = serde
        .split('`')
        .nth(1)
        .filter(|n| n.len() <= 40 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    match name {
        Some(n) if serde.starts_with("duplicate field") => format!("查询参数 {n} 重复出现"),
        _ if serde.contains("invalid digit") || serde.contains("invalid type") => {
            "查询参数中应为正整数的值不是数字".to_string()
        }
        _ => "查询参数格式无效".to_string(),
    }
}

fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(str::is_empty)
}

/// The org list's filter as the query string has it (`/orgs`, `/orgs/export.xlsx`,
/// `/api/v1/orgs`; the drill-down links of every figure). Each value is checked where the filter
/// is built (`api::org_filter`), with the parameter named in the message.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct OrgQuery {
    #[serde(skip_serializing_if = "blank")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub as_of: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub in_scope: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub region_own: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub status: Option<String>,
    /// A unit's name; present but empty: the orgs whose responsible unit cannot be determined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responsible_unit: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub covered: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub own_covered: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub work_covered: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub abnormal: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub should_establish_own: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub should_establish_none: Option<String>,
    /// two_way | head_secretary: the orgs a cross-appointment figure counts.
    #[serde(skip_serializing_if = "blank")]
    pub cross: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub sort: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub order: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub per_page: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    pub page: Option<String>,
}

impl OrgQuery {
    /// The query string without the page, for page links and the export.
    pub fn without_paging(&self) -> String {
        let rest = OrgQuery {
            page: None,
            ..self.clone()
        };
        serde_urlencoded::to_string(&rest).unwrap_or_default()
    }

    /// A flag parameter by name, for the words above the list.
    pub fn flag(&self, name: &str) -> Option<&str> {
        match name {
            "covered" => self.covered.as_deref(),
            "own_covered" => self.own_covered.as_deref(),
            "work_covered" => self.work_covered.as_deref(),
            "abnormal" => self.abnormal.as_deref(),
            "should_establish_own" => self.should_establish_own.as_deref(),
            "should_establish_none" => self.should_establish_none.as_deref(),
            _ => None,
        }
    }
}

/// A page number (`?page=`), 1 when absent.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct PageQuery {
    pub page: Option<u32>,
}

impl PageQuery {
    pub fn number(self) -> i64 {
        i64::from(self.page.unwrap_or(1).max(1))
    }
}

/// A keyword filter (`?q=`), trimmed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TextQuery {
    pub q: Option<String>,
}

impl TextQuery {
    pub fn text(&self) -> String {
        self.q.as_deref().unwrap_or_default().trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_keeps_its_filter_without_the_page() {
        let q: OrgQuery = serde_urlencoded::from_str(
            "region=140302&page=3&q=%E9%98%B3%E6%B3%89&covered=&responsible_unit=",
        )
        .expect("query");
        // Empty flags are dropped; an empty responsible_unit is a filter (无法确定) and kept.
        assert_eq!(
            q.without_paging(),
            "q=%E9%98%B3%E6%B3%89&region=140302&responsible_unit="
        );
    }

    #[test]
    fn serde_errors_become_chinese_naming_the_parameter() {
        let e = serde_urlencoded::from_str::<OrgQuery>("as_of=a&as_of=b").unwrap_err();
        assert_eq!(message(&e.to_string()), "查询参数 as_of 重复出现");
        let e = serde_urlencoded::from_str::<PageQuery>("page=abc").unwrap_err();
        assert_eq!(message(&e.to_string()), "查询参数中应为正整数的值不是数字");
        let e = serde_urlencoded::from_str::<PageQuery>("page=-1").unwrap_err();
        assert!(message(&e.to_string()).starts_with("查询参数"));
    }
}
