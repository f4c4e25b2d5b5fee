//! Importing a registry workbook (city admins): checked — every problem located by sheet, row
//! and column —, previewed — what it will change, record by record, from a write in a
//! transaction that is rolled back —, and written — in one transaction with its audit row, all
//! or nothing —, then the ledger detection the new data calls for. A workbook held whole (the
//! web upload, CSV files, folders, zips) goes through [`import_workbook`]; an .xlsx file through
//! [`stream::import_xlsx`], which reads it as it streams (a million orgs in bounded memory).

use super::super::{Actor, AppError, AppResult};
use crate::db::{Db, DetectSummary, WriteSummary};
use crate::excel::import::{self as exchange};
use crate::excel::problems::Report;
use crate::excel::source::Workbook;

/// Whether an import is written or only previewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Written, if the workbook has no error.
    Write,
    /// Written in a transaction that is rolled back: what it would change, nothing kept.
    Preview,
    /// Written only if it changes exactly what the user was shown (the [`fingerprint`] of the
    /// preview); otherwise rolled back, and the new preview returned.
    Confirm(String),
}

/// A short fingerprint of what a write changes (its counts and its list), to confirm exactly
/// what a preview showed.
pub fn fingerprint(summary: &WriteSummary) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    summary.describe().hash(&mut h);
    summary.more_changes.hash(&mut h);
    for c in &summary.changes {
        (c.record, &c.key, c.kind.label(), &c.detail).hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

/// What an import found and did.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub report: Report,
    /// What the import changed — or, previewed, would change — when the workbook has no error.
    pub written: Option<WriteSummary>,
    /// The ledger detection after a write.
    pub detected: Option<DetectSummary>,
    /// Whether the changes were kept (a preview, a workbook with errors, or a confirmation of
    /// a preview the data no longer matches keeps nothing).
    pub saved: bool,
}

/// Only city admins import the registry: a workbook names records anywhere in the city.
pub(super) fn may_import(actor: &Actor) -> AppResult<()> {
    if actor.role().is_city_admin() && actor.scope.is_city() {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Imports (or previews) a workbook held in memory; `source` names it in the audit log.
pub async fn import_workbook(
    db: &Db,
    actor: &Actor,
    wb: &Workbook,
    source: &str,
    mode: Mode,
) -> AppResult<ImportOutcome> {
    may_import(actor)?;
    let today = db.clock().today();
    let known = crate::app::registry::known(db).await?;
    let (dataset, report) = exchange::validate(wb, &known, today);
    if report.has_errors() {
        return Ok(ImportOutcome {
            report,
            written: None,
            detected: None,
            saved: false,
        });
    }
    let mut w = db
        .begin_dataset_write(&actor.scope, actor.name(), today)
        .await?;
    w.write(&dataset).await?;
    drop(dataset);
    finish(db, actor, w, source, mode, report).await
}

/// Ends an import's write: rolled back for a preview; else its audit row, the commit, and the
/// ledger detection (left pending in the transaction, so a failure here is caught up later).
pub(super) async fn finish(
    db: &Db,
    actor: &Actor,
    mut w: crate::db::DatasetWrite,
    source: &str,
    mode: Mode,
    report: Report,
) -> AppResult<ImportOutcome> {
    let unconfirmed = match &mode {
        Mode::Preview => true,
        Mode::Confirm(print) => fingerprint(w.summary()) != *print,
        Mode::Write => false,
    };
    if unconfirmed {
        return Ok(ImportOutcome {
            report,
            written: Some(w.rollback().await?),
            detected: None,
            saved: false,
        });
    }
    let detail = w.summary().describe();
    w.audit("import", source, &detail, &actor.client).await?;
    let summary = w.finish().await?;
    let detected = match db
        .detect(&actor.scope, actor.name(), db.clock().today())
        .await
    {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::warn!(error = %e, "detection after an import failed");
            None
        }
    };
    Ok(ImportOutcome {
        report,
        written: Some(summary),
        detected,
        saved: true,
    })
}

/// Keeps an uploaded workbook for its user until it is confirmed (files older than a day are
/// dropped); its id.
pub async fn stage(db: &Db, actor: &Actor, file: &str, bytes: &[u8]) -> AppResult<i64> {
    may_import(actor)?;
    Ok(db.add_pending_import(actor.user.id, file, bytes).await?)
}

/// A workbook this user staged: (file name, content); another user's is not found (`None`).
pub async fn staged(db: &Db, actor: &Actor, id: i64) -> AppResult<Option<(String, Vec<u8>)>> {
    may_import(actor)?;
    Ok(db.pending_import(actor.user.id, id).await?)
}

/// Drops a staged workbook once it is imported.
pub async fn unstage(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    may_import(actor)?;
    Ok(db.remove_pending_import(id).await?)
}
