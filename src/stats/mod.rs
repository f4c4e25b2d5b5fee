//! The coverage engine (`statistics.md` §1–4, §6): coverage tables by region, responsible unit
//! or kind as of a date, in the machine-readable shape of §6. The per-org facts and their counts
//! come from [`crate::db`] (the same facts serve every drill-down list); this module arranges them:
//! rolls regions up their tree, names the rows, formats the rates.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::db::{Db, DbError, DbResult, GroupCounts, Grouping, Region, RuleTable, Scope};
use crate::domain::coverage::Counts;
use crate::domain::model::OrgKind;

/// What a coverage table is grouped by (`--by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum By {
    Region,
    ResponsibleUnit,
    Kind,
}

impl By {
    pub fn as_str(self) -> &'static str {
        match self {
            By::Region => "region",
            By::ResponsibleUnit => "responsible-unit",
            By::Kind => "kind",
        }
    }

    /// Parses the API's `by` parameter.
    pub fn parse(s: &str) -> Option<By> {
        match s {
            "region" => Some(By::Region),
            "responsible-unit" | "responsible_unit" => Some(By::ResponsibleUnit),
            "kind" => Some(By::Kind),
            _ => None,
        }
    }
}

/// One row of the table, as serialized (`statistics.md` §6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub key: String,
    pub name: String,
    #[serde(flatten)]
    pub counts: Counts,
    pub covered_rate: String,
    pub work_covered_rate: String,
    /// The own-formation rate, for pages; not part of the §6 JSON contract.
    #[serde(skip)]
    pub own_rate: String,
}

/// A coverage table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageReport {
    pub as_of: NaiveDate,
    pub by: By,
    pub rows: Vec<Row>,
    pub total: Row,
}

/// The key of the row of orgs whose responsible unit cannot be resolved (a data error).
pub const UNRESOLVED_KEY: &str = "";
/// Its name.
pub const UNRESOLVED_NAME: &str = "（责任单位无法确定）";

fn row(key: String, name: String, counts: Counts, decimals: u32) -> Row {
    Row {
        key,
        name,
        covered_rate: counts.covered_rate().percent(decimals),
        work_covered_rate: counts.work_covered_rate().percent(decimals),
        own_rate: counts.own_rate().percent(decimals),
        counts,
    }
}

/// The root of the region tree (the city).
pub fn root_region(regions: &[Region]) -> DbResult<&Region> {
    regions
        .iter()
        .find(|r| r.parent.is_none())
        .ok_or_else(|| DbError::Inconsistent("区划表中没有根区划（市）".into()))
}

/// Computes the coverage table as of `as_of` within `scope`.
pub async fn coverage(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
    by: By,
) -> DbResult<CoverageReport> {
    let rules = RuleTable::load(db, as_of).await?;
    let own_min = rules.int(crate::domain::rules::Rule::OwnOrgMinFormalMembers)?;
    let decimals = db.rate_decimals().await?;
    let regions = db.regions().await?;
    let root = root_region(&regions)?;
    let grouping = match by {
        By::Region => Grouping::Region,
        By::ResponsibleUnit => Grouping::ResponsibleUnit,
        By::Kind => Grouping::Kind,
    };
    let groups = db.coverage_counts(scope, as_of, own_min, grouping).await?;
    let mut total = Counts::default();
    for g in &groups {
        total.add(&g.counts);
    }
    let rows = match by {
        By::Region => region_rows(&regions, root, &groups, decimals),
        By::Kind => kind_rows(&groups, decimals),
        By::ResponsibleUnit => unit_rows(db, &groups, decimals).await?,
    };
    Ok(CoverageReport {
        as_of,
        by,
        rows,
        total: row(
            root.code.as_str().to_string(),
            root.name.clone(),
            total,
            decimals,
        ),
    })
}

/// The table in the order people read it (pages, printouts, workbooks; the JSON of §6 keeps
/// the rows by key): kinds in the spec's order, responsible units as the committees keep them
/// (`domain::collation::unit_key`), the orgs without a resolvable unit last; regions by code.
pub async fn coverage_for_people(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
    by: By,
) -> DbResult<CoverageReport> {
    let mut report = coverage(db, scope, as_of, by).await?;
    match by {
        By::Region => {}
        By::Kind => report.rows.sort_by_key(|r| {
            OrgKind::ALL
                .iter()
                .position(|k| k.code() == r.key)
                .unwrap_or(usize::MAX)
        }),
        By::ResponsibleUnit => {
            let units: HashMap<String, (crate::domain::model::UnitKind, String)> = db
                .units()
                .await?
                .into_iter()
                .map(|u| (u.name, (u.kind, u.region.as_str().to_string())))
                .collect();
            report.rows.sort_by_cached_key(|r| match units.get(&r.key) {
                Some((kind, region)) => (
                    false,
                    crate::domain::collation::unit_key(*kind, region, &r.name),
                ),
                None => (true, (u8::MAX, String::new(), r.key.clone())),
            });
        }
    }
    Ok(report)
}

/// The total counts of the scope as of each date (a trend), each with the rules in force then.
pub async fn totals(db: &Db, scope: &Scope, dates: &[NaiveDate]) -> DbResult<Vec<Counts>> {
    let mut own_min = Vec::with_capacity(dates.len());
    for d in dates {
        let rules = RuleTable::load(db, *d).await?;
        own_min.push(rules.int(crate::domain::rules::Rule::OwnOrgMinFormalMembers)?);
    }
    db.coverage_totals(scope, dates, &own_min).await
}

/// Every region below the root, each counting its own orgs and its descendants', plus the root's
/// own 市本级 row keyed by the root code.
fn region_rows(
    regions: &[Region],
    root: &Region,
    groups: &[GroupCounts],
    decimals: u32,
) -> Vec<Row> {
    let own: HashMap<&str, Counts> = groups
        .iter()
        .filter_map(|g| g.key.as_deref().map(|k| (k, g.counts)))
        .collect();
    let mut rows = vec![row(
        root.code.as_str().to_string(),
        format!("{}市本级", root.name),
        own.get(root.code.as_str()).copied().unwrap_or_default(),
        decimals,
    )];
    for r in regions.iter().filter(|r| r.code != root.code) {
        let mut counts = Counts::default();
        for code in crate::db::subtree(regions, &r.code) {
            if let Some(c) = own.get(code.as_str()) {
                counts.add(c);
            }
        }
        rows.push(row(
            r.code.as_str().to_string(),
            r.name.clone(),
            counts,
            decimals,
        ));
    }
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    rows
}

/// One row per kind, all kinds always present.
fn kind_rows(groups: &[GroupCounts], decimals: u32) -> Vec<Row> {
    let mut rows: Vec<Row> = OrgKind::ALL
        .iter()
        .map(|k| {
            let counts = groups
                .iter()
                .find(|g| g.key.as_deref() == Some(k.code()))
                .map(|g| g.counts)
                .unwrap_or_default();
            row(
                k.code().to_string(),
                k.label().to_string(),
                counts,
                decimals,
            )
        })
        .collect();
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    rows
}

/// One row per unit that can be responsible (it carries party building, or is a committee) or
/// is responsible for some org in scope; keyed by the unit's name. Orgs without a resolvable
/// responsible unit form their own row.
async fn unit_rows(db: &Db, groups: &[GroupCounts], decimals: u32) -> DbResult<Vec<Row>> {
    let units = db.units().await?;
    let by_id: HashMap<String, Counts> = groups
        .iter()
        .filter_map(|g| g.key.clone().map(|k| (k, g.counts)))
        .collect();
    let mut rows: Vec<Row> = units
        .iter()
        .filter(|u| u.carries_party_building || by_id.contains_key(&u.id.to_string()))
        .map(|u| {
            let counts = by_id.get(&u.id.to_string()).copied().unwrap_or_default();
            row(u.name.clone(), u.name.clone(), counts, decimals)
        })
        .collect();
    if let Some(g) = groups.iter().find(|g| g.key.is_none()) {
        rows.push(row(
            UNRESOLVED_KEY.into(),
            UNRESOLVED_NAME.into(),
            g.counts,
            decimals,
        ));
    }
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(rows)
}

/// Cross-appointment figures (双向进入、交叉任职), `statistics.md` §4.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossAppointment {
    pub as_of: NaiveDate,
    /// Orgs covered at the date: the denominator.
    pub covered: i64,
    pub two_way_entry: i64,
    pub head_is_secretary: i64,
    pub two_way_entry_rate: String,
    pub head_is_secretary_rate: String,
}

/// Computes the cross-appointment figures as of a date.
pub async fn cross_appointment(
    db: &Db,
    scope: &Scope,
    as_of: NaiveDate,
) -> DbResult<CrossAppointment> {
    let decimals = db.rate_decimals().await?;
    let (covered, two_way_entry, head_is_secretary) = db.cross_appointment(scope, as_of).await?;
    Ok(CrossAppointment {
        as_of,
        covered,
        two_way_entry,
        head_is_secretary,
        two_way_entry_rate: crate::domain::coverage::Rate::new(two_way_entry, covered)
            .percent(decimals),
        head_is_secretary_rate: crate::domain::coverage::Rate::new(head_is_secretary, covered)
            .percent(decimals),
    })
}

/// The table as plain text for the terminal.
pub fn table(report: &CoverageReport) -> String {
    let mut out = format!(
        "统计截止日期 {}，按{}\n",
        report.as_of,
        match report.by {
            By::Region => "区划",
            By::ResponsibleUnit => "责任单位",
            By::Kind => "类型",
        }
    );
    out.push_str("代码\t名称\t纳入统计\t异常\t组织覆盖\t单独组建\t工作覆盖\t应单建未单建\t应建未建\t组织覆盖率\t工作覆盖率\n");
    for r in report.rows.iter().chain(std::iter::once(&report.total)) {
        let c = &r.counts;
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}%\t{}%\n",
            r.key,
            r.name,
            c.in_scope,
            c.abnormal,
            c.covered,
            c.own_covered,
            c.work_covered,
            c.should_establish_own,
            c.should_establish_none,
            r.covered_rate,
            r.work_covered_rate
        ));
    }
    out
}
