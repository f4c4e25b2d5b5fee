//! The 摸排 sheet: in a registry workbook, or alone (a campaign's upload).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::cx::Cx;
use super::validator::Validator;
use super::{Known, OrgPlace};
use crate::domain::census::CensusReturn;
use crate::domain::codes::CreditCode;
use crate::domain::dataset::CensusRecord;
use crate::domain::model::{OperatingState, PartyOrgStatus};
use crate::excel::columns::{self, HELP_SHEET};
use crate::excel::problems::{Problem, Report, Severity};
use crate::excel::source::{Cell, Sheet, Workbook};

/// Validates the 摸排 sheet of a workbook alone (a campaign's own upload): every row must be a
/// return for an org of the registry that `allowed` accepts (the uploader's scope). Other sheets
/// are ignored with a warning. The records are complete only when the report has no error.
pub fn validate_census(
    wb: &Workbook,
    known: &Known,
    allowed: &dyn Fn(&str) -> bool,
    today: NaiveDate,
) -> (Vec<CensusRecord>, Report) {
    let mut v = Validator::new(known, today, HashSet::new());
    for sheet in &wb.sheets {
        let name = sheet.name.trim();
        if name != HELP_SHEET && name != columns::CENSUS.name {
            v.report.push(Problem {
                severity: Severity::Warning,
                sheet: sheet.name.clone(),
                row: None,
                column: None,
                header: String::new(),
                value: String::new(),
                message: "摸排表上传只读取“摸排”工作表，此表已忽略".into(),
            });
        }
    }
    let records = match wb
        .sheets
        .iter()
        .find(|s| s.name.trim() == columns::CENSUS.name)
    {
        Some(s) if !s.rows.is_empty() => v.census(s, [&HashMap::new(), &known.org_places], allowed),
        Some(_) => {
            v.sheet_error(
                columns::CENSUS.name,
                "“摸排”工作表中没有任何数据行（只有表头）；请逐行填写后再上传",
            );
            Vec::new()
        }
        None => {
            v.sheet_error(
                columns::CENSUS.name,
                "缺少“摸排”工作表；请先下载本次摸排的摸排表，填写后上传",
            );
            Vec::new()
        }
    };
    (records, v.report)
}

impl Validator<'_> {
    /// The 摸排 sheet: each row a return for an org of a known campaign, in the campaign's
    /// region and in scope at its reference date; one row per campaign and org.
    pub(super) fn census(
        &mut self,
        sheet: &Sheet,
        // The workbook's orgs first, then the registry's (neither copied into the other).
        places: [&HashMap<String, OrgPlace>; 2],
        allowed: &dyn Fn(&str) -> bool,
    ) -> Vec<CensusRecord> {
        let known = self.known;
        let Some(m) = self.map(&columns::CENSUS, &sheet.header) else {
            return Vec::new();
        };
        let mut seen: HashMap<(String, String), u32> = HashMap::new();
        let mut out = Vec::new();
        // The return's own columns: a row with none of them filled is a return not yet filled in
        // (the campaign's download lists every org), skipped rather than refused.
        const RETURN_COLUMNS: [&str; 7] = [
            "运行状态",
            "从业人员数",
            "会员数",
            "正式党员数",
            "预备党员数",
            "党组织状况",
            "备注",
        ];
        for row in &sheet.rows {
            let mut cx = Cx::new(&m, row, &mut self.report);
            let blank = |cell: &Cell| match cell {
                Cell::Empty => true,
                Cell::Text(t) => t.trim().is_empty(),
                _ => false,
            };
            if RETURN_COLUMNS.iter().all(|h| blank(cx.raw(h))) {
                continue;
            }
            let campaign = cx.required_text("摸排名称").and_then(|name| {
                match self
                    .campaigns
                    .get(&name)
                    .or_else(|| known.campaigns.get(&name))
                {
                    Some(c) => Some((name, c)),
                    None => cx.error(
                        "摸排名称",
                        "系统中没有这个摸排；请先在“摸排”页面开启，或核对名称".into(),
                    ),
                }
            });
            let code =
                cx.required_text("统一社会信用代码")
                    .and_then(|t| match CreditCode::parse(&t) {
                        Ok(c) => Some(c),
                        Err(e) => cx.error("统一社会信用代码", e.to_string()),
                    });
            if let (Some((name, (reference, regions))), Some(c)) = (&campaign, &code) {
                // Nothing about an org the uploader may not see is told (not even whether its
                // code exists): one message for all of those.
                match places.iter().find_map(|p| p.get(c.as_str())) {
                    _ if !allowed(c.as_str()) => {
                        cx.error::<()>(
                            "统一社会信用代码",
                            "不在本次摸排范围内，或不在您的管理范围内".into(),
                        );
                    }
                    None => {
                        cx.error::<()>("统一社会信用代码", "系统中没有这个社会组织".into());
                    }
                    Some(place) => {
                        let in_scope = place.registered_on <= *reference
                            && place.terminated_on.is_none_or(|t| *reference < t);
                        if !regions.contains(&place.region) {
                            cx.error::<()>(
                                "统一社会信用代码",
                                format!(
                                    "这个社会组织的登记区划 {} 不在摸排“{name}”的范围内",
                                    place.region.as_str()
                                ),
                            );
                        } else if !in_scope {
                            cx.error::<()>(
                                "统一社会信用代码",
                                format!(
                                    "这个社会组织在摸排基准日 {reference} 未在册（尚未成立或已注销、撤销），不在本次摸排范围内"
                                ),
                            );
                        }
                        // The name is there for checking: another name means a wrong code.
                        if let Some(given) = cx.text("社会组织名称")
                            && given.trim() != place.name
                        {
                            cx.error::<()>(
                                "社会组织名称",
                                format!(
                                    "与信用代码对应的社会组织“{}”不一致，请核对信用代码",
                                    place.name
                                ),
                            );
                        }
                    }
                }
                let key = (name.clone(), c.as_str().to_string());
                if let Some(first) = seen.get(&key) {
                    cx.error::<()>(
                        "统一社会信用代码",
                        format!("与第{first}行重复：同一摸排中每个社会组织只填一行"),
                    );
                } else {
                    seen.insert(key, row.number);
                }
            }
            let operating = cx.label(
                "运行状态",
                true,
                OperatingState::from_label,
                OperatingState::labels,
            );
            let staff = cx.count("从业人员数", false);
            let members = cx.count("会员数", false);
            let formal = cx.count("正式党员数", true);
            let probationary = cx.count("预备党员数", false);
            let party = cx.label(
                "党组织状况",
                true,
                PartyOrgStatus::from_label,
                PartyOrgStatus::labels,
            );
            let confirmed = cx.yes_no("已确认").unwrap_or(false);
            let note = cx.text("备注");
            let (Some((name, _)), Some(code), Some(operating), Some(formal), Some(party)) =
                (campaign, code, operating, formal, party)
            else {
                continue;
            };
            let ret = CensusReturn {
                operating_state: operating,
                staff_count: staff,
                member_count: members,
                formal_members: formal,
                probationary_members: probationary.unwrap_or(0),
                party_org_status: party,
                note,
            };
            for (field, message) in ret.problems() {
                let header = match field {
                    "staff_count" => "从业人员数",
                    "member_count" => "会员数",
                    "probationary_members" => "预备党员数",
                    "note" => "备注",
                    _ => "正式党员数",
                };
                cx.error::<()>(header, message);
            }
            if !cx.failed {
                out.push(CensusRecord {
                    campaign: name,
                    credit_code: code,
                    ret,
                    confirmed,
                });
            }
        }
        out
    }
}
