//! What a write changes, record by record and in words: the list an import shows before it is
//! confirmed (and the CLI's `--dry-run` prints). Counts are kept whole in the [`WriteSummary`];
//! the list keeps the first [`CHANGES_KEPT`] changes and counts the rest.

use serde::Serialize;

use super::{WriteSummary, Writer};
use crate::domain::periods::Period;

/// Changes listed one by one; beyond them only counted.
pub const CHANGES_KEPT: usize = 2000;

/// One change: which kind of record, which record, how, and the detail (field: old → new).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub record: &'static str,
    pub key: String,
    pub kind: ChangeKind,
    pub detail: String,
}

/// How a record changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Changed,
    /// A period that lasted gets an end.
    Ended,
    /// A period's dates change otherwise.
    Redated,
    Removed,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Added => "新增",
            ChangeKind::Changed => "修改",
            ChangeKind::Ended => "结束",
            ChangeKind::Redated => "改期",
            ChangeKind::Removed => "删除",
        }
    }
}

impl WriteSummary {
    pub(super) fn note(
        &mut self,
        record: &'static str,
        key: &str,
        kind: ChangeKind,
        detail: String,
    ) {
        if self.changes.len() < CHANGES_KEPT {
            self.changes.push(Change {
                record,
                key: key.to_string(),
                kind,
                detail,
            });
        } else {
            self.more_changes += 1;
        }
    }
}

/// How a period's change is named: an end given to a lasting period is its end; any other change
/// of dates a re-dating.
pub(super) fn period_kind(old: Option<Period>, new: Option<Period>) -> ChangeKind {
    match (old, new) {
        (None, _) => ChangeKind::Added,
        (_, None) => ChangeKind::Removed,
        (Some(o), Some(n)) if o.from == n.from && o.to.is_none() => ChangeKind::Ended,
        _ => ChangeKind::Redated,
    }
}

impl Writer<'_> {
    /// A change of one period of a relation of an org (a coverage link, a station): counted,
    /// listed, and logged on the org's timeline (`what` names the relation: "覆盖（某党支部）").
    pub(super) async fn log_period(
        &mut self,
        record: &'static str,
        code: &str,
        what: &str,
        old: Option<Period>,
        new: Option<Period>,
    ) -> crate::db::DbResult<ChangeKind> {
        let kind = period_kind(old, new);
        let text = |p: Option<Period>| p.map_or("（无）".to_string(), |p| p.text());
        let field = |p: Option<Period>| serde_json::json!({ what: text(p) }).to_string();
        // A period added is on the timeline by its own dates (纳入党组织覆盖, 派驻), and the import
        // that added it is audited: only a change of history is logged (a million links of a
        // first import are not a million log rows).
        if kind != ChangeKind::Added {
            self.log("social_org", code, "period", field(old), field(new))
                .await?;
        }
        self.summary.note(
            record,
            &format!("{what} {code}"),
            kind,
            format!("{} → {}", text(old), text(new)),
        );
        Ok(kind)
    }
}
