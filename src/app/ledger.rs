//! The work ledger's use cases (`domain.md` §5): an item looked up in the actor's scope, acted on
//! through the transition table, given evidence files and a responsible person, raised by hand,
//! detected from the data, closed in bulk where the data satisfies it. Every change of state goes
//! through [`transition`] and is written with its history row; one that found the item changed
//! by someone else is a conflict, in words, never a database message.

use chrono::NaiveDate;
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Actor, AppError, AppResult};
use crate::db::{Db, DetectSummary, LedgerItem, ManualItem, Transition};
use crate::domain::ledger::{Action, Input, ItemKind, is_verifier, is_worker, transition};
use crate::domain::role::Role;

/// An action's outcome: done, or refused with the reason shown on the item's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    Done,
    Refused(String),
}

/// An item in the actor's scope (out of it: not found).
pub async fn find(db: &Db, actor: &Actor, id: i64) -> AppResult<LedgerItem> {
    db.ledger_item(&actor.scope, id, db.clock().today())
        .await?
        .ok_or(AppError::NotFound)
}

/// A department sees the items of the orgs it supervises, but works only those it is the
/// responsible unit of: an item belongs to its responsible unit (domain.md §5.1). Other roles
/// work what their scope holds (verifiers; instructors and orgs for their own orgs).
pub async fn works_for_another_unit(db: &Db, actor: &Actor, item: &LedgerItem) -> AppResult<bool> {
    if actor.role() != Role::Department {
        return Ok(false);
    }
    let Some(unit) = &item.responsible_unit else {
        return Ok(true);
    };
    let users = db.unit_users(unit).await?;
    Ok(!users.iter().any(|(id, _)| *id == actor.user.id))
}

/// Why a department may not work an item of another responsible unit.
pub fn another_unit_message(item: &LedgerItem) -> String {
    match item.responsible_unit.as_deref() {
        Some(unit) => format!("该事项的责任单位是{unit}，由责任单位办理；本单位可以查看"),
        None => "该事项尚未确定责任单位，本单位只能查看".to_string(),
    }
}

/// The responsible units' staff (city and county admins, departments) assign the responsible
/// person of an active item in their scope.
pub fn may_assign(actor: &Actor, item: &LedgerItem) -> bool {
    crate::domain::census::is_confirmer(actor.role()) && item.state.is_active()
}

/// The item, and the refusal of an actor who works for another unit.
async fn workable(db: &Db, actor: &Actor, id: i64) -> AppResult<(LedgerItem, Option<Done>)> {
    let item = find(db, actor, id).await?;
    let refusal = works_for_another_unit(db, actor, &item)
        .await?
        .then(|| Done::Refused(another_unit_message(&item)));
    Ok((item, refusal))
}

/// Acts on an item: `action` by its code, with a comment and evidence text as typed.
pub async fn act(
    db: &Db,
    actor: &Actor,
    id: i64,
    action: &str,
    comment: &str,
    evidence: &str,
) -> AppResult<(LedgerItem, Done)> {
    let (item, refusal) = workable(db, actor, id).await?;
    if let Some(r) = refusal {
        return Ok((item, r));
    }
    let action = Action::from_code(action).ok_or_else(|| AppError::Invalid("未知操作".into()))?;
    // Evidence is the text typed now, text given before, or an uploaded file.
    let has_files = !db.attachments(id).await?.is_empty();
    // Closing: by someone other than the one who submitted, when the rule table keeps the two
    // apart (as of today).
    let submitted_by_self = action == Action::Close && {
        let rules = crate::db::RuleTable::load(db, db.clock().today()).await?;
        rules.int(crate::domain::rules::Rule::LedgerSeparateVerifier)? == 1
            && db
                .ledger_history(id)
                .await?
                .iter()
                .rev()
                .find(|h| h.action == Action::Submit.code())
                .is_some_and(|h| h.actor == actor.name())
    };
    let input = Input {
        has_comment: !comment.trim().is_empty(),
        has_evidence: has_files
            || !evidence.trim().is_empty()
            || item
                .evidence
                .as_deref()
                .is_some_and(|e| !e.trim().is_empty()),
        condition_met: item.condition_met,
        condition_applies: !item.kind.closed_by_hand_only(),
        submitted_by_self,
    };
    let to = match transition(item.state, action, actor.role(), input) {
        Ok(to) => to,
        Err(reason) => return Ok((item, Done::Refused(reason))),
    };
    let evidence = (!evidence.trim().is_empty()).then(|| evidence.trim().to_string());
    let comment = if action == Action::CloseSatisfied && comment.trim().is_empty() {
        "数据已满足销号条件".to_string()
    } else if action == Action::Close && input.condition_applies && !input.condition_met {
        // The reason stays in the history with what it overrode.
        format!(
            "登记数据尚未满足销号条件，仍予销号。理由：{}",
            comment.trim()
        )
    } else {
        comment.trim().to_string()
    };
    db.ledger_transition(&Transition {
        item_id: id,
        from: item.state,
        to,
        action,
        actor: actor.name(),
        comment: &comment,
        evidence: evidence.as_deref(),
    })
    .await?;
    Ok((item, Done::Done))
}

/// Sets (or clears, with an empty `user`) the responsible person: one of the responsible unit's
/// users, by id.
pub async fn assign(db: &Db, actor: &Actor, id: i64, user: &str) -> AppResult<(LedgerItem, Done)> {
    let (item, refusal) = workable(db, actor, id).await?;
    if let Some(r) = refusal {
        return Ok((item, r));
    }
    if !may_assign(actor, &item) {
        return Ok((item, Done::Refused("该事项不能再指定责任人".into())));
    }
    let user = match user.trim() {
        "" => None,
        text => {
            let candidates = match &item.responsible_unit {
                Some(unit) => db.unit_users(unit).await?,
                None => Vec::new(),
            };
            match text
                .parse::<i64>()
                .ok()
                .and_then(|id| candidates.into_iter().find(|(u, _)| *u == id))
            {
                Some(u) => Some(u),
                None => return Ok((item, Done::Refused("责任人应为责任单位的用户".into()))),
            }
        }
    };
    db.ledger_assign(
        &item,
        user.as_ref().map(|(id, name)| (*id, name.as_str())),
        actor.name(),
    )
    .await?;
    Ok((item, Done::Done))
}

/// Adds an evidence file (PDF, image, Word, Excel; at most 10 MB, recognised by content).
pub async fn attach(
    db: &Db,
    actor: &Actor,
    id: i64,
    file: Option<(String, Vec<u8>)>,
) -> AppResult<(LedgerItem, Done)> {
    let (item, refusal) = workable(db, actor, id).await?;
    if let Some(r) = refusal {
        return Ok((item, r));
    }
    if !(is_worker(actor.role()) && item.state.is_active()) {
        return Ok((item, Done::Refused("该事项不能再添加佐证材料".into())));
    }
    let Some((name, bytes)) = file else {
        return Ok((item, Done::Refused("请选择要上传的文件".into())));
    };
    match crate::domain::evidence::evidence_type(&name, &bytes) {
        Ok(content_type) => {
            // Only the final path component of the name the browser sent is kept.
            let name: String = name
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or("佐证材料")
                .chars()
                .take(120)
                .collect();
            db.add_attachment(id, &name, content_type, &bytes, actor.name())
                .await?;
            Ok((item, Done::Done))
        }
        Err(reason) => Ok((item, Done::Refused(format!("文件“{name}”未上传：{reason}")))),
    }
}

/// Raises the items the data calls for in the actor's scope (按数据检查).
pub async fn detect(db: &Db, actor: &Actor) -> AppResult<DetectSummary> {
    if !is_worker(actor.role()) {
        return Err(AppError::NotFound);
    }
    Ok(db
        .detect(&actor.scope, actor.name(), db.clock().today())
        .await?)
}

/// Orgs above which the detection after one record's write runs in the background (setting
/// `ledger.inline_detection_max_orgs`).
const INLINE_DETECTION_MAX_ORGS: i64 = 50_000;

/// A background detection is running (one at a time in a process), and another was asked for
/// while it ran.
static BACKGROUND_RUNNING: AtomicBool = AtomicBool::new(false);
static BACKGROUND_AGAIN: AtomicBool = AtomicBool::new(false);

/// The detection after a write of one record (a form, a census return): the gap it opened
/// becomes a task (domain.md §5.3). The write left the detection pending in its transaction,
/// so a failure is logged, not shown, and caught up later. A registry up to
/// `ledger.inline_detection_max_orgs` orgs (50,000 by default) is checked in the actor's scope
/// before the answer; a larger one in the background for the whole city, one run at a time (a
/// detection reads every org: about 30 s at a million, which a save must not wait for), the
/// task list then catching up within that time.
pub async fn detect_after_write(db: &Db, actor: &Actor) {
    let most = match db.setting("ledger.inline_detection_max_orgs").await {
        Ok(Some(v)) => v.trim().parse().unwrap_or(INLINE_DETECTION_MAX_ORGS),
        _ => INLINE_DETECTION_MAX_ORGS,
    };
    let large = match db.org_count_up_to(most.saturating_add(1)).await {
        Ok(n) => n > most,
        Err(e) => {
            tracing::warn!(error = %e, "counting orgs before a detection failed");
            true
        }
    };
    if !large {
        if let Err(e) = db
            .detect(&actor.scope, actor.name(), db.clock().today())
            .await
        {
            tracing::warn!(error = %e, "detection after a write failed");
        }
        return;
    }
    BACKGROUND_AGAIN.store(true, Ordering::SeqCst);
    if BACKGROUND_RUNNING.swap(true, Ordering::SeqCst) {
        return; // the running one goes again when it is done
    }
    let db = db.clone();
    tokio::spawn(async move {
        loop {
            BACKGROUND_AGAIN.store(false, Ordering::SeqCst);
            let system = Actor::operator("系统（保存后检查）");
            if let Err(e) = db
                .detect(&crate::db::Scope::City, system.name(), db.clock().today())
                .await
            {
                tracing::warn!(error = %e, "background detection failed");
            }
            if BACKGROUND_AGAIN.load(Ordering::SeqCst) {
                continue;
            }
            BACKGROUND_RUNNING.store(false, Ordering::SeqCst);
            // Asked again between the check and the release: take it back if nobody did.
            let asked = BACKGROUND_AGAIN.load(Ordering::SeqCst);
            if !asked || BACKGROUND_RUNNING.swap(true, Ordering::SeqCst) {
                break;
            }
        }
    });
}

/// The detection a write left pending (a crash between its commit and its detection), run for
/// the whole city; `None` when none was.
pub async fn catch_up(db: &Db) -> AppResult<Option<DetectSummary>> {
    if !db.detection_pending().await? {
        return Ok(None);
    }
    let system = Actor::operator("系统");
    Ok(Some(detect(db, &system).await?))
}

/// A verifier closes, in bulk, every active item in scope whose closing condition the data
/// satisfies (after a detection); each closure is recorded with the verifier. How many closed.
pub async fn close_satisfied(db: &Db, actor: &Actor) -> AppResult<usize> {
    if !is_verifier(actor.role()) {
        return Err(AppError::NotFound);
    }
    let today = db.clock().today();
    db.detect(&actor.scope, actor.name(), today).await?;
    let mut closed = 0;
    let closable = crate::db::LedgerFilter {
        closable: true,
        ..crate::db::LedgerFilter::default()
    };
    let mut items = Vec::new();
    db.each_ledger_item(&actor.scope, today, &closable, |i| items.push(i))
        .await?;
    for item in items {
        let input = Input {
            condition_met: true,
            ..Input::default()
        };
        if let Ok(to) = transition(item.state, Action::CloseSatisfied, actor.role(), input) {
            let t = Transition {
                item_id: item.id,
                from: item.state,
                to,
                action: Action::CloseSatisfied,
                actor: actor.name(),
                comment: "数据已满足销号条件（批量核销）",
                evidence: None,
            };
            match db.ledger_transition(&t).await {
                Ok(()) => closed += 1,
                // Someone else acted on it meanwhile: theirs stands.
                Err(crate::db::DbError::Stale(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(closed)
}

/// A supervision item (督办事项) or another one raised by hand.
#[derive(Debug, Clone)]
pub struct NewItem<'a> {
    pub kind: ItemKind,
    /// A credit code (an org) or a party org's name.
    pub subject: &'a str,
    pub gap: &'a str,
    pub deadline: Option<NaiveDate>,
}

/// Raises an item by hand (verifiers): its id, or the refusal when no such subject is in scope.
pub async fn create_item(
    db: &Db,
    actor: &Actor,
    new: &NewItem<'_>,
) -> AppResult<Result<i64, String>> {
    if !is_verifier(actor.role()) {
        return Err(AppError::NotFound);
    }
    if !matches!(new.kind, ItemKind::Supervision | ItemKind::Manual) {
        return Ok(Err("请选择事项类型（督办事项或其他）".into()));
    }
    if new.gap.trim().is_empty() {
        return Ok(Err("请填写存在的问题或督办要求".into()));
    }
    let subject = crate::domain::codes::CreditCode::parse(new.subject)
        .map(|c| c.as_str().to_string())
        .unwrap_or_else(|_| new.subject.trim().to_string());
    let item = ManualItem {
        kind: new.kind,
        subject: &subject,
        gap: new.gap.trim(),
        deadline: new.deadline,
    };
    Ok(db
        .add_manual_item(&actor.scope, &item, actor.name(), db.clock().today())
        .await?
        .ok_or_else(|| {
            format!(
                "在您的范围内找不到社会组织（信用代码）或党组织（名称）“{}”",
                new.subject.trim()
            )
        }))
}
