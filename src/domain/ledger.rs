//! The work ledger (台账, `spec/domain.md` §5): item kinds, states, and the one transition table
//! of the 销号 workflow — (state, action, role) → new state or a reasoned refusal.

use chrono::NaiveDate;

use super::role::Role;
use super::rules::Rule;
use super::vocab::vocabulary;

vocabulary! {
    /// What a ledger item is about (§5.1), by its spec name.
    ItemKind {
        EstablishPartyOrg = "establish_party_org", "建立党组织";
        EstablishOwnOrg = "establish_own_org", "单独组建";
        DispatchInstructor = "dispatch_instructor", "选派指导员";
        SyncWithRegistration = "sync_with_registration", "同步建立党组织";
        RectifyOversizedJoint = "rectify_oversized_joint", "整顿超大联合";
        CleanDormant = "clean_dormant", "清理僵尸组织";
        CensusMissing = "census_missing", "四清未完成";
        Supervision = "supervision", "督办事项";
        Manual = "manual", "其他";
    }
}

impl ItemKind {
    /// The rule-table key of the kind's deadline in months (`rules.md` §2); kinds without one
    /// (supervision, manual: set by hand; census: the campaign's end) have none.
    pub fn deadline_rule(self) -> Option<Rule> {
        match self {
            ItemKind::EstablishPartyOrg => Some(Rule::DeadlineEstablishPartyOrg),
            ItemKind::EstablishOwnOrg => Some(Rule::DeadlineEstablishOwnOrg),
            ItemKind::DispatchInstructor => Some(Rule::DeadlineDispatchInstructor),
            ItemKind::SyncWithRegistration => Some(Rule::DeadlineSyncWithRegistration),
            ItemKind::RectifyOversizedJoint => Some(Rule::DeadlineRectifyOversizedJoint),
            ItemKind::CleanDormant => Some(Rule::DeadlineCleanDormant),
            ItemKind::CensusMissing | ItemKind::Supervision | ItemKind::Manual => None,
        }
    }

    /// Kinds that only a person can close (no data condition).
    pub fn closed_by_hand_only(self) -> bool {
        matches!(self, ItemKind::Supervision | ItemKind::Manual)
    }
}

vocabulary! {
    /// An item's state (§5.2).
    ItemState {
        Open = "open", "待办";
        InProgress = "in_progress", "办理中";
        Submitted = "submitted", "待销号";
        Closed = "closed", "已销号";
        Cancelled = "cancelled", "已撤销";
    }
}

impl ItemState {
    /// Open for the purpose of "no duplicate open item": neither closed nor cancelled.
    pub fn is_active(self) -> bool {
        !matches!(self, ItemState::Closed | ItemState::Cancelled)
    }
}

vocabulary! {
    /// What someone does to an item.
    Action {
        /// 开始办理: open → in progress.
        Start = "start", "开始办理";
        /// 提交销号 with evidence: in progress → submitted.
        Submit = "submit", "提交销号";
        /// 销号 by a verifier: submitted → closed.
        Close = "close", "销号";
        /// 退回 with a comment: submitted → in progress.
        Return = "return", "退回";
        /// 撤销 with a reason, by a verifier, from any state but closed.
        Cancel = "cancel", "撤销";
        /// 按数据销号: a verifier closes an item whose closing condition the data satisfies,
        /// from any active state (the bulk close of §5.2).
        CloseSatisfied = "close_satisfied", "按数据销号";
    }
}

/// What accompanies an action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Input {
    /// A non-empty comment (required to return, and as the reason to cancel).
    pub has_comment: bool,
    /// Evidence text or a file (required to submit).
    pub has_evidence: bool,
    /// The data satisfies the item's closing condition now.
    pub condition_met: bool,
    /// The item has a closing condition in the data (not one closed by hand only): closing it
    /// while the data does not meet it needs a reason.
    pub condition_applies: bool,
    /// The verifier is the one who submitted it, and the rule table keeps the two apart.
    pub submitted_by_self: bool,
}

/// Verifiers close, return and cancel: city admins, and county admins within their county
/// (the scope is enforced by the data layer).
pub fn is_verifier(role: Role) -> bool {
    matches!(role, Role::CityAdmin | Role::CountyAdmin)
}

/// Those who work an item within their scope: the responsible units' staff, instructors and the
/// organizations themselves. Leaders and viewers only read.
pub fn is_worker(role: Role) -> bool {
    matches!(
        role,
        Role::CityAdmin | Role::CountyAdmin | Role::Department | Role::Instructor | Role::OrgUser
    )
}

/// The transition table. Returns the new state, or the reason (in Chinese) why not.
pub fn transition(
    state: ItemState,
    action: Action,
    role: Role,
    input: Input,
) -> Result<ItemState, String> {
    use Action::*;
    use ItemState::*;
    if state == Closed {
        return Err("已销号的事项不能再变更；如问题再次出现，将另行生成新事项".into());
    }
    if state == Cancelled {
        return Err("已撤销的事项不能再变更".into());
    }
    match action {
        Start | Submit if !is_worker(role) => Err(format!("{}不能办理台账事项", role.label())),
        Close | Return | Cancel | CloseSatisfied if !is_verifier(role) => {
            Err(format!("只有市级管理员或县区管理员可以{}", action.label()))
        }
        Start if state == Open => Ok(InProgress),
        Start => Err(format!("事项处于“{}”状态，不能开始办理", state.label())),
        Submit if state != InProgress => {
            Err(format!("事项处于“{}”状态，须先开始办理", state.label()))
        }
        Submit if !input.has_evidence => Err("提交销号须附佐证材料（文字说明或附件）".into()),
        Submit => Ok(Submitted),
        Close if state != Submitted => {
            Err(format!("事项处于“{}”状态，尚未提交销号", state.label()))
        }
        Close if input.submitted_by_self => Err(
            "提交销号的人不能自己核销：请由另一名市级或县区管理员销号（规则表：提交人与核销人分离）"
                .into(),
        ),
        Close if input.condition_applies && !input.condition_met && !input.has_comment => Err(
            "登记数据尚未满足该事项的销号条件；仍要销号，须在“意见”中写明理由".into(),
        ),
        Close => Ok(Closed),
        Return if state != Submitted => Err(format!(
            "事项处于“{}”状态，没有可退回的销号申请",
            state.label()
        )),
        Return if !input.has_comment => Err("退回须填写意见".into()),
        Return => Ok(InProgress),
        Cancel if !input.has_comment => Err("撤销须填写理由".into()),
        Cancel => Ok(Cancelled),
        CloseSatisfied if !input.condition_met => Err("数据尚未满足销号条件".into()),
        CloseSatisfied => Ok(Closed),
    }
}

/// Adds months, clamping to the month's end (31 Jan + 1 month = 28/29 Feb), as `rules.md` §3
/// (chrono's `checked_add_months` clamps so; beyond year 262,143 the latest date).
pub fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The whole table: every state × action × role × input, against an independent statement of
    /// the rules written out case by case.
    #[test]
    fn the_transition_table_is_exactly_the_workflow() {
        // Every combination of the five facts of an input.
        let inputs: Vec<Input> = (0..32u8)
            .map(|b| Input {
                has_comment: b & 1 != 0,
                has_evidence: b & 2 != 0,
                condition_met: b & 4 != 0,
                condition_applies: b & 8 != 0,
                submitted_by_self: b & 16 != 0,
            })
            .collect();
        let mut allowed = 0;
        for &state in ItemState::ALL {
            for &action in Action::ALL {
                for &role in Role::ALL {
                    for &input in &inputs {
                        let got = transition(state, action, role, input);
                        let worker = matches!(
                            role,
                            Role::CityAdmin
                                | Role::CountyAdmin
                                | Role::Department
                                | Role::Instructor
                                | Role::OrgUser
                        );
                        let verifier = matches!(role, Role::CityAdmin | Role::CountyAdmin);
                        let expected = match (state, action) {
                            (ItemState::Closed | ItemState::Cancelled, _) => None,
                            (ItemState::Open, Action::Start) if worker => {
                                Some(ItemState::InProgress)
                            }
                            (ItemState::InProgress, Action::Submit)
                                if worker && input.has_evidence =>
                            {
                                Some(ItemState::Submitted)
                            }
                            // Not by the one who submitted; against the data only with a reason.
                            (ItemState::Submitted, Action::Close)
                                if verifier
                                    && !input.submitted_by_self
                                    && (!input.condition_applies
                                        || input.condition_met
                                        || input.has_comment) =>
                            {
                                Some(ItemState::Closed)
                            }
                            (ItemState::Submitted, Action::Return)
                                if verifier && input.has_comment =>
                            {
                                Some(ItemState::InProgress)
                            }
                            (_, Action::Cancel) if verifier && input.has_comment => {
                                Some(ItemState::Cancelled)
                            }
                            (_, Action::CloseSatisfied) if verifier && input.condition_met => {
                                Some(ItemState::Closed)
                            }
                            _ => None,
                        };
                        match (got, expected) {
                            (Ok(s), Some(e)) => {
                                assert_eq!(s, e, "{state:?} {action:?} {role:?} {input:?}");
                                allowed += 1;
                            }
                            (Err(reason), None) => assert!(!reason.is_empty()),
                            (got, expected) => panic!(
                                "{state:?} {action:?} {role:?} {input:?}: got {got:?}, expected {expected:?}"
                            ),
                        }
                    }
                }
            }
        }
        // Of the 32 inputs: 5 workers × (start: 32 + submit: 16 with evidence) + 2 verifiers ×
        // (close: 14 — the 16 not submitted by self but the 2 against the data without a reason
        // — + return: 16 with a comment + cancel: 16 × 3 active states + close-satisfied: 16 ×
        // 3 active states) = 240 + 252.
        assert_eq!(allowed, 5 * (32 + 16) + 2 * (14 + 16 + 48 + 48));
    }

    #[test]
    fn refusals_say_why() {
        let r = transition(
            ItemState::InProgress,
            Action::Submit,
            Role::Department,
            Input::default(),
        );
        assert_eq!(r.unwrap_err(), "提交销号须附佐证材料（文字说明或附件）");
        let r = transition(
            ItemState::Closed,
            Action::Cancel,
            Role::CityAdmin,
            Input {
                has_comment: true,
                ..Input::default()
            },
        );
        assert!(r.unwrap_err().contains("不能再变更"));
        let r = transition(
            ItemState::Submitted,
            Action::Close,
            Role::Leader,
            Input::default(),
        );
        assert!(r.unwrap_err().contains("只有市级管理员或县区管理员"));
    }

    #[test]
    fn months_clamp_to_the_month_end() {
        assert_eq!(add_months(date("2021-01-31"), 1), date("2021-02-28"));
        assert_eq!(add_months(date("2024-01-31"), 1), date("2024-02-29"));
        assert_eq!(add_months(date("2021-08-31"), 6), date("2022-02-28"));
        assert_eq!(add_months(date("2021-11-15"), 3), date("2022-02-15"));
        assert_eq!(add_months(date("2021-03-31"), 0), date("2021-03-31"));
    }

    #[test]
    fn kinds_round_trip() {
        for k in ItemKind::ALL {
            assert_eq!(ItemKind::from_code(k.code()), Some(*k));
        }
        for s in ItemState::ALL {
            assert_eq!(ItemState::from_code(s.code()), Some(*s));
        }
        for a in Action::ALL {
            assert_eq!(Action::from_code(a.code()), Some(*a));
        }
    }
}
