//! 摸排与销号: the task list (任务清单), the responsibility list (责任清单), an item with its
//! workflow (开始办理 → 提交销号 with evidence → 销号 / 退回, 撤销), detection and the bulk close of
//! items the data already satisfies, and the battle map (挂图作战).
//! One file per page: the lists, an item with its actions, the battle map, a new item.

use chrono::Duration;
use serde::Deserialize;

use super::{PageError, count, frame, read_upload, render, xlsx_download};
use crate::db::{HistoryEntry, LedgerItem};
use crate::domain::ledger::{Action, ItemState};
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
    /// The page of the list (from 1); the export takes them all.
    #[serde(default)]
    pub page: Option<i64>,
}

/// Items per page of the task list.
const PER_PAGE: usize = 100;

pub(super) fn filtered(
    items: Vec<LedgerItem>,
    q: &ListQuery,
    today: chrono::NaiveDate,
) -> Vec<LedgerItem> {
    let some = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_string);
    let (kind, state, region, unit, person) = (
        some(&q.kind),
        some(&q.state),
        some(&q.region),
        some(&q.unit),
        some(&q.person),
    );
    let words = q.q.as_deref().unwrap_or_default().trim().to_string();
    items
        .into_iter()
        .filter(|i| kind.as_deref().is_none_or(|k| i.kind.code() == k))
        .filter(|i| match state.as_deref() {
            None => true,
            Some("active") => i.state.is_active(),
            Some(s) => i.state.code() == s,
        })
        .filter(|i| {
            region
                .as_deref()
                .is_none_or(|r| i.region.as_deref() == Some(r))
        })
        .filter(|i| {
            unit.as_deref()
                .is_none_or(|u| i.responsible_unit.as_deref() == Some(u))
        })
        .filter(|i| match person.as_deref() {
            None => true,
            Some("none") => i.responsible_user.is_none(),
            Some(p) => i.responsible_user.as_deref() == Some(p),
        })
        .filter(|i| q.overdue.as_deref() != Some("true") || i.overdue)
        .filter(
            |i| match q.due.as_deref().and_then(|d| d.parse::<i64>().ok()) {
                None => true,
                Some(days) => {
                    let until = (today + Duration::days(days)).to_string();
                    i.state.is_active()
                        && !i.overdue
                        && i.deadline.as_deref().is_some_and(|d| d <= until.as_str())
                }
            },
        )
        .filter(|i| {
            q.closable.as_deref() != Some("true") || (i.condition_met && i.state.is_active())
        })
        .filter(|i| {
            words.is_empty()
                || i.subject_name.contains(words.as_str())
                || i.subject.to_uppercase().contains(&words.to_uppercase())
        })
        .collect()
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
    use super::battle_map::{Group, groups};
    use super::units::unit_rows;
    use super::*;
    use crate::domain::ledger::ItemKind;

    fn item(
        id: i64,
        unit: &str,
        person: Option<&str>,
        state: ItemState,
        overdue: bool,
    ) -> LedgerItem {
        LedgerItem {
            id,
            kind: ItemKind::EstablishPartyOrg,
            subject: format!("S{id}"),
            subject_name: format!("组织{id}"),
            responsible_unit: Some(unit.to_string()),
            responsible_user: person.map(str::to_string),
            gap: String::new(),
            raised_on: "2026-01-01".into(),
            deadline: Some("2026-06-30".into()),
            state,
            overdue,
            condition_met: false,
            evidence: None,
            org_id: None,
            region: None,
            campaign_id: None,
        }
    }

    #[test]
    fn battle_map_groups_follow_their_sort_key() {
        let mut items = vec![
            item(1, "矿区工委", None, ItemState::Open, false),
            item(2, "城区工委", None, ItemState::Closed, false),
            item(3, "城区工委", None, ItemState::Open, false),
        ];
        items[0].region = Some("140303".into());
        items[1].region = Some("140302".into());
        let names = |g: Vec<Group>| {
            g.into_iter()
                .map(|g| (g.name, g.done, g.total))
                .collect::<Vec<_>>()
        };
        // By code, named by the region; the item without a region last.
        let by_region = groups(&items, |i| match i.region.as_ref() {
            Some(r) => (r.clone(), format!("区{r}")),
            None => ("~".into(), "无区划".into()),
        });
        assert_eq!(
            names(by_region),
            [
                ("区140302".to_string(), 1, 1),
                ("区140303".to_string(), 0, 1),
                ("无区划".to_string(), 0, 1)
            ]
        );
    }

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

    #[test]
    fn the_responsibility_list_has_a_row_per_unit_and_person() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).expect("date");
        // 城区工委: 王 has 2 items (1 closed), 李 1 overdue, 1 unassigned; 矿区工委: 1 cancelled.
        let items = vec![
            item(1, "城区工委", Some("王"), ItemState::Closed, false),
            item(2, "城区工委", Some("王"), ItemState::Open, false),
            item(3, "城区工委", Some("李"), ItemState::InProgress, true),
            item(4, "城区工委", None, ItemState::Open, false),
            item(5, "矿区工委", None, ItemState::Cancelled, false),
        ];
        let rows: Vec<(String, String, String, usize, usize, usize, usize)> = unit_rows(&items)
            .into_iter()
            .map(|r| {
                (
                    r.unit,
                    r.person,
                    r.person_key,
                    r.total,
                    r.done,
                    r.active,
                    r.overdue,
                )
            })
            .collect();
        let s = |t: &str| t.to_string();
        assert_eq!(
            rows,
            vec![
                (s("城区工委"), s("李"), s("李"), 1, 0, 1, 1),
                (s("城区工委"), s("王"), s("王"), 2, 1, 1, 0),
                (s("城区工委"), s("（未指定）"), s("none"), 1, 0, 1, 0),
                // A cancelled item does not count.
                (s("矿区工委"), s("（未指定）"), s("none"), 0, 0, 0, 0),
            ]
        );
        // The task list filtered by person: 王's two items; "none": the unassigned ones.
        let q = |person: &str| ListQuery {
            kind: None,
            state: None,
            region: None,
            unit: Some("城区工委".into()),
            person: Some(person.into()),
            overdue: None,
            closable: None,
            due: None,
            ..ListQuery::default()
        };
        let ids = |q: ListQuery| {
            filtered(items.clone(), &q, today)
                .iter()
                .map(|i| i.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(q("王")), vec![1, 2]);
        assert_eq!(ids(q("none")), vec![4]);
        // Due within 7 days: the active, not overdue items with a deadline by then (item 2, due
        // tomorrow); item 3 is overdue, item 1 closed, item 4 due in 30 days.
        let mut soon = items.clone();
        let date = |days| (today + Duration::days(days)).to_string();
        soon[0].deadline = Some(date(1));
        soon[1].deadline = Some(date(1));
        soon[3].deadline = Some(date(30));
        let due = ListQuery {
            due: Some("7".into()),
            ..ListQuery::default()
        };
        assert_eq!(
            filtered(soon, &due, today)
                .iter()
                .map(|i| i.id)
                .collect::<Vec<_>>(),
            vec![2]
        );
        // Search: by a word of the name (组织3) or by the code in any case (s4 finds S4).
        let words = |w: &str| ListQuery {
            q: Some(w.into()),
            ..ListQuery::default()
        };
        assert_eq!(ids(words("组织3")), vec![3]);
        assert_eq!(ids(words(" s4 ")), vec![4]);
        assert_eq!(ids(words("")).len(), items.len());
    }
}
