//! 摸排与销号: the task list (任务清单), the responsibility list (责任清单), an item with its
//! workflow (开始办理 → 提交销号 with evidence → 销号 / 退回, 撤销), detection and the bulk close of
//! items the data already satisfies, and the battle map (挂图作战).
//! One file per page: the lists, an item with its actions, the battle map, a new item.

use serde::Deserialize;

use super::{PageError, frame, read_upload, render, xlsx_download};
use crate::db::{HistoryEntry, LedgerFilter, LedgerItem, PersonFilter, StateFilter};
use crate::domain::ledger::{Action, ItemKind, ItemState};
use crate::web::auth::url_encode;

mod battle_map;
mod item;
mod list;
mod new_item;
mod units;

pub use battle_map::battle_map;
pub use item::{act, assign, attach, attachment, item};
pub use list::{close_satisfied, detect, export, list};
pub use new_item::{create_item, new_item};
pub use units::{units, units_export};

/// The state as shown: its label, and a CSS class and symbol (so it reads in black and white);
/// an overdue item keeps its state's label and takes the overdue colour and symbol.
pub fn state_view(item: &LedgerItem) -> (&'static str, &'static str, &'static str) {
    let label = item.state.label();
    if item.overdue {
        return (label, "state-overdue", "⚠");
    }
    match item.state {
        ItemState::Open => (label, "state-open", "○"),
        ItemState::InProgress => (label, "state-in_progress", "◐"),
        ItemState::Submitted => (label, "state-submitted", "◆"),
        ItemState::Closed => (label, "state-closed", "✓"),
        ItemState::Cancelled => (label, "state-closed", "✕"),
    }
}

pub struct ItemRow {
    pub id: i64,
    pub kind: &'static str,
    pub subject: String,
    pub subject_name: String,
    pub subject_href: String,
    pub gap: String,
    pub unit: String,
    pub person: String,
    pub deadline: String,
    pub state: &'static str,
    pub class: &'static str,
    pub symbol: &'static str,
    pub overdue: bool,
    pub condition_met: bool,
}

pub(super) fn row(i: &LedgerItem) -> ItemRow {
    let (state, class, symbol) = state_view(i);
    ItemRow {
        id: i.id,
        kind: i.kind.label(),
        // A census item links to the return it waits for; other org items to the org.
        subject_href: match (i.campaign_id, i.org_id) {
            (Some(c), Some(_)) => format!("/census/{c}/orgs/{}", i.subject),
            (None, Some(_)) => format!("/orgs/{}", i.subject),
            _ => format!("/party-orgs?q={}", url_encode(&i.subject)),
        },
        subject: i.subject.clone(),
        subject_name: i.subject_name.clone(),
        gap: i.gap.clone(),
        unit: i
            .responsible_unit
            .clone()
            .unwrap_or_else(|| "（无法确定）".into()),
        person: i.responsible_user.clone().unwrap_or_default(),
        deadline: i.deadline.clone().unwrap_or_else(|| "—".into()),
        state,
        class,
        symbol,
        overdue: i.overdue,
        condition_met: i.condition_met && i.state.is_active(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub kind: Option<String>,
    /// Empty: the active items; "all": every item; else a state's code.
    pub state: Option<String>,
    pub region: Option<String>,
    pub unit: Option<String>,
    /// The responsible person's user name, or "none" for items without one.
    pub person: Option<String>,
    pub overdue: Option<String>,
    pub closable: Option<String>,
    /// "7": active items due within 7 days and not yet overdue.
    #[serde(default)]
    pub due: Option<String>,
    /// Words in the subject's name or code.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub page: Option<String>,
    #[serde(default)]
    pub per_page: Option<String>,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub order: Option<String>,
    /// After an action: its code, and its numbers.
    #[serde(default)]
    pub notice: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub m: Option<String>,
    #[serde(default)]
    pub u: Option<String>,
}

impl ListQuery {
    pub(super) fn paging(&self) -> super::paging::PageQuery {
        super::paging::PageQuery {
            page: self.page.clone(),
            per_page: self.per_page.clone(),
            sort: self.sort.clone(),
            order: self.order.clone(),
        }
    }

    /// The filter of the data layer; unknown codes filter nothing out, never fail.
    pub(super) fn filter(&self) -> LedgerFilter {
        let some = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        LedgerFilter {
            kind: some(&self.kind).as_deref().and_then(ItemKind::from_code),
            state: match some(&self.state).as_deref() {
                None | Some("active") => StateFilter::Active,
                Some("all") => StateFilter::All,
                Some(code) => {
                    ItemState::from_code(code).map_or(StateFilter::Active, StateFilter::Only)
                }
            },
            region: some(&self.region),
            unit: some(&self.unit),
            person: some(&self.person).map(|p| {
                if p == "none" {
                    PersonFilter::Nobody
                } else {
                    PersonFilter::User(p)
                }
            }),
            overdue: self.overdue.as_deref() == Some("true"),
            due_within: self.due.as_deref().and_then(|d| d.parse().ok()),
            closable: self.closable.as_deref() == Some("true"),
            words: some(&self.q),
            without_census: false,
        }
    }
}

/// A history row as the page shows it: the action and states in words, the time in Beijing
/// time (UTC+8, the time of every office that uses the product).
pub(super) fn history_view(h: HistoryEntry) -> HistoryEntry {
    let state = |code: &str| {
        ItemState::from_code(code)
            .map(|s| s.label().to_string())
            .unwrap_or_else(|| code.to_string())
    };
    let action = match h.action.as_str() {
        "raise" => "生成事项".to_string(),
        "update" => "随数据更新问题描述".to_string(),
        "assign" => "指定责任人".to_string(),
        "manual" => "新增事项".to_string(),
        code => Action::from_code(code)
            .map(|a| a.label().to_string())
            .unwrap_or_else(|| code.to_string()),
    };
    let at = crate::clock::beijing_text(&h.at);
    HistoryEntry {
        at,
        action,
        from_state: h.from_state.as_deref().map(state),
        to_state: state(&h.to_state),
        ..h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_rows_read_in_words_and_beijing_time() {
        let h = history_view(HistoryEntry {
            at: "2026-11-28T11:48:05Z".into(),
            actor: "tester".into(),
            action: "submit".into(),
            from_state: Some("in_progress".into()),
            to_state: "submitted".into(),
            comment: String::new(),
        });
        // 11:48 UTC is 19:48 in Beijing.
        assert_eq!(h.at, "2026-11-28 19:48");
        assert_eq!(h.action, Action::Submit.label());
        assert_eq!(h.from_state.as_deref(), Some(ItemState::InProgress.label()));
        assert_eq!(h.to_state, ItemState::Submitted.label());
        assert_eq!(
            history_view(HistoryEntry {
                action: "raise".into(),
                ..h
            })
            .action,
            "生成事项"
        );
    }
}
