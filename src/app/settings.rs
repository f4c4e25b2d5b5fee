//! 系统设置: the city admin's display settings. Today: the units' short names
//! (`domain::short_names`), checked line by line and saved with an audit row.

use super::{Actor, AppError, AppResult};
use crate::db::{AuditNote, By, Db};
use crate::domain::short_names::{SETTING, ShortNames};

/// Saves the short names as typed (city admins), or says which lines are wrong (422).
pub async fn save_short_names(db: &Db, actor: &Actor, text: &str) -> AppResult<usize> {
    if !(actor.role().is_city_admin() && actor.scope.is_city()) {
        return Err(AppError::NotFound);
    }
    if text.chars().count() > 20_000 {
        return Err(AppError::Invalid("简称设置过长（最多 20000 字）".into()));
    }
    let names = ShortNames::parse(text).map_err(|errors| AppError::Invalid(errors.join("；")))?;
    // Nor may a short name be the full name of a unit it does not stand for.
    let units: std::collections::HashSet<String> =
        db.units().await?.into_iter().map(|u| u.name).collect();
    let clashes: Vec<String> = names
        .pairs()
        .into_iter()
        .filter(|(full, short)| full != short && units.contains(*short))
        .map(|(full, short)| {
            format!("“{full}”的简称“{short}”是另一个单位的全称，两个单位将无法区分")
        })
        .collect();
    if !clashes.is_empty() {
        return Err(AppError::Invalid(clashes.join("；")));
    }
    // Stored as typed, lines trimmed (comments kept: they are the office's notes).
    let stored: String = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let count = names.len();
    let by = By {
        name: actor.name(),
        audit: Some(AuditNote {
            action: "setting_short_names",
            target: SETTING,
            detail: format!("单位简称 {count} 条"),
            client: &actor.client,
        }),
    };
    db.set_setting_by(SETTING, &stored, by).await?;
    Ok(count)
}
