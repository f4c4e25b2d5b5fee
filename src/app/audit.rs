//! The audit of reads that must leave a trace: personal data (citizen ID and phone numbers)
//! shown unmasked, and exports of the registry.

use super::{Actor, AppResult};
use crate::db::Db;

/// Notes that the actor was shown personal data unmasked, at `place` (a page, an export).
pub async fn personal_data_shown(db: &Db, actor: &Actor, place: &str) -> AppResult<()> {
    db.audit(
        actor.name(),
        "view_personal_data",
        place,
        "身份证号、手机号",
        &actor.client,
    )
    .await?;
    Ok(())
}

/// Notes an export: what, and how much.
pub async fn exported(db: &Db, actor: &Actor, what: &str, detail: &str) -> AppResult<()> {
    db.audit(actor.name(), "export", what, detail, &actor.client)
        .await?;
    Ok(())
}
