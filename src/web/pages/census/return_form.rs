//! One org's return: the form, saving and confirming it.

use super::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::{PageError, frame, render};
use crate::app::{AppError, census};
use crate::domain::census::{CensusReturn, ReturnState, is_confirmer};
use crate::domain::model::{OperatingState, PartyOrgStatus};
use crate::web::auth::Actor;
use crate::web::layout::Layout;
use crate::web::{AppState, WebError};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    pub csrf: String,
    /// save, save_confirm, or confirm.
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub operating_state: String,
    #[serde(default)]
    pub staff_count: String,
    #[serde(default)]
    pub member_count: String,
    #[serde(default)]
    pub formal_members: String,
    #[serde(default)]
    pub probationary_members: String,
    #[serde(default)]
    pub party_org_status: String,
    #[serde(default)]
    pub note: String,
}

impl ReturnForm {
    fn from_return(r: &CensusReturn) -> ReturnForm {
        let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        ReturnForm {
            operating_state: r.operating_state.code().into(),
            staff_count: opt(r.staff_count),
            member_count: opt(r.member_count),
            formal_members: r.formal_members.to_string(),
            probationary_members: r.probationary_members.to_string(),
            party_org_status: r.party_org_status.code().into(),
            note: r.note.clone().unwrap_or_default(),
            ..ReturnForm::default()
        }
    }

    /// The return, or the problems by field (in Chinese).
    pub(super) fn parse(&self) -> Result<CensusReturn, Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        let mut number =
            |field: &'static str, label: &str, text: &str, required: bool| match text.trim() {
                "" if required => {
                    problems.push((field, format!("请填写{label}（没有请填 0）")));
                    None
                }
                "" => None,
                // Full-width digits (３) as typed with a Chinese input method are digits.
                t => match crate::domain::codes::to_half_width(t).trim().parse::<i64>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        problems.push((field, format!("{label}“{t}”应为整数")));
                        None
                    }
                },
            };
        let staff = number("staff_count", "从业人员数", &self.staff_count, false);
        let members = number("member_count", "会员数", &self.member_count, false);
        let formal = number("formal_members", "正式党员数", &self.formal_members, true);
        let probationary = number(
            "probationary_members",
            "预备党员数",
            &self.probationary_members,
            false,
        );
        let operating = OperatingState::from_code(&self.operating_state);
        if operating.is_none() {
            problems.push(("operating_state", "请选择运行状态".into()));
        }
        let party = PartyOrgStatus::from_code(&self.party_org_status);
        if party.is_none() {
            problems.push(("party_org_status", "请选择党组织状况".into()));
        }
        let (Some(operating), Some(formal), Some(party)) = (operating, formal, party) else {
            return Err(problems);
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let note = self.note.trim();
        let r = CensusReturn {
            operating_state: operating,
            staff_count: staff,
            member_count: members,
            formal_members: formal,
            probationary_members: probationary.unwrap_or(0),
            party_org_status: party,
            note: (!note.is_empty()).then(|| note.to_string()),
        };
        let problems = r.problems();
        if problems.is_empty() {
            Ok(r)
        } else {
            Err(problems)
        }
    }
}

#[derive(Template)]
#[template(path = "census_return.html")]
pub struct ReturnPage {
    pub layout: Layout,
    pub campaign_id: i64,
    pub campaign: String,
    pub reference_date: String,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub state: &'static str,
    pub class: &'static str,
    pub filled: String,
    pub confirmed: String,
    pub form: ReturnForm,
    pub errors: Vec<(&'static str, String)>,
    pub operating: Vec<(&'static str, &'static str)>,
    pub party: Vec<(&'static str, &'static str)>,
    pub may_fill: bool,
    pub may_confirm: bool,
    pub can_confirm_now: bool,
    /// The form shows the registry's figures (no return yet).
    pub prefilled: bool,
}

impl ReturnPage {
    /// The error of a field, for the template.
    pub fn error_of(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join("；")
    }
}

pub(super) async fn return_page(
    s: &AppState,
    actor: &Actor,
    id: i64,
    code: &str,
    form: Option<ReturnForm>,
    errors: Vec<(&'static str, String)>,
) -> Result<Response, PageError> {
    let c = visible_campaign(s, actor, id).await?;
    let code = crate::domain::codes::normalize_code(code);
    let row =
        s.db.campaign_return(&actor.scope, &c, &code)
            .await?
            .ok_or(WebError::NotFound)?;
    // A return not filled yet starts from the registry's figures, to be checked and corrected.
    let registry = match (&form, &row.ret) {
        (None, None) => s.db.org_record(&actor.scope, &row.credit_code).await?,
        _ => None,
    };
    let prefilled = registry.is_some();
    // …and its party organization as the registry has it at the reference date.
    let recorded_status = if prefilled {
        let rules = crate::db::RuleTable::load(&s.db, c.reference_date).await?;
        let filter = crate::db::OrgFilter {
            as_of: Some(c.reference_date),
            limit: 1,
            ..crate::db::OrgFilter::default()
        };
        let (items, _) =
            s.db.list_orgs(
                &crate::db::Scope::Org(row.org_id),
                &filter,
                rules.int(crate::domain::rules::Rule::OwnOrgMinFormalMembers)?,
                s.clock.today(),
            )
            .await?;
        items.first().map(|o| match (o.own_covered, o.covered) {
            (true, _) => PartyOrgStatus::Own,
            (false, true) => PartyOrgStatus::Joint,
            _ => PartyOrgStatus::None,
        })
    } else {
        None
    };
    let form = form.unwrap_or_else(|| match (&row.ret, &registry) {
        (Some(r), _) => ReturnForm::from_return(r),
        (None, Some(o)) => {
            let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
            ReturnForm {
                operating_state: OperatingState::Running.code().into(),
                staff_count: opt(o.staff_count),
                member_count: opt(o.member_count),
                formal_members: o.formal_members.to_string(),
                probationary_members: opt(o.probationary_members),
                party_org_status: recorded_status
                    .map(|p| p.code().to_string())
                    .unwrap_or_default(),
                ..ReturnForm::default()
            }
        }
        (None, None) => ReturnForm {
            operating_state: OperatingState::Running.code().into(),
            ..ReturnForm::default()
        },
    });
    let may_confirm = is_confirmer(actor.role()) && s.db.confirms(&actor.scope, row.org_id).await?;
    let who = |by: &Option<String>, at: &Option<String>| match (by, at) {
        (Some(b), Some(a)) => format!("{b}，{}", crate::clock::beijing_text(a)),
        _ => String::new(),
    };
    let page = ReturnPage {
        layout: frame(
            actor,
            &format!("摸排表：{}", row.org_name),
            "census",
            vec![
                ("摸排".into(), "/census".into()),
                (c.name.clone(), format!("/census/{}", c.id)),
            ],
        ),
        campaign_id: c.id,
        campaign: c.name.clone(),
        reference_date: c.reference_date.to_string(),
        code: row.credit_code.clone(),
        name: row.org_name.clone(),
        unit: row
            .responsible_unit
            .clone()
            .unwrap_or_else(|| "（无法确定）".into()),
        state: row.state.label(),
        class: state_class(row.state),
        filled: who(&row.filled_by, &row.filled_at),
        confirmed: who(&row.confirmed_by, &row.confirmed_at),
        form,
        errors,
        operating: OperatingState::ALL
            .iter()
            .map(|o| (o.code(), o.label()))
            .collect(),
        party: PartyOrgStatus::ALL
            .iter()
            .map(|o| (o.code(), o.label()))
            .collect(),
        may_fill: census::fills(actor, may_confirm),
        may_confirm,
        can_confirm_now: may_confirm && row.state == ReturnState::Returned,
        prefilled,
    };
    Ok(render(&page)?.into_response())
}

pub async fn return_form(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((id, code)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    return_page(&s, &actor, id, &code, None, Vec::new()).await
}

/// Saves a return (workers in scope), saves and confirms it, or confirms it as it stands
/// (confirmers); then runs detection, which marks the census_missing item closable.
pub async fn save_return(
    State(s): State<AppState>,
    Extension(actor): Extension<Actor>,
    Path((id, code)): Path<(i64, String)>,
    Form(f): Form<ReturnForm>,
) -> Result<Response, PageError> {
    actor.check_csrf(&f.csrf)?;
    let c = visible_campaign(&s, &actor, id).await?;
    // The return first: an org outside the scope is not found, whatever the form holds.
    census::find_return(&s.db, &actor, &c, &code).await?;
    let action = match f.action.as_str() {
        "confirm" => census::ReturnAction::Confirm,
        "save" | "save_confirm" => {
            let ret = match f.parse() {
                Ok(r) => r,
                // The form again with its problems (an org outside the scope is not found
                // there either).
                Err(problems) => {
                    return return_page(&s, &actor, id, &code, Some(f), problems).await;
                }
            };
            if f.action == "save" {
                census::ReturnAction::Save(ret)
            } else {
                census::ReturnAction::SaveAndConfirm(ret)
            }
        }
        _ => return Err(WebError::BadRequest("未知的操作".into()).into()),
    };
    let notice = match census::act_on_return(&s.db, &actor, &c, &code, action).await {
        Ok(notice) => notice,
        Err(AppError::Invalid(message)) => return Err(WebError::BadRequest(message).into()),
        Err(e) => return Err(e.into()),
    };
    Ok(Redirect::to(&format!("/census/{id}?notice={notice}")).into_response())
}
