//! The 社会组织 sheet, and lists of credit codes other sheets name.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::cx::Cx;
use super::index::*;
use super::validator::{Mapped, Validator};
use super::{Known, OrgPlace};
use crate::domain::codes::{CodeCategory, CreditCode};
use crate::domain::dataset::OrgRecord;
use crate::domain::model::{OrgKind, OrgStatus, UnitKind};
use crate::excel::source::Row;

impl Validator<'_> {
    /// Indexes the registry's org names before the 社会组织 sheet: a second org of the same name
    /// is allowed (names are not unique by law) but asked about. (The smallest code of a name
    /// shared already, so that the same workbook always gets the same warnings.)
    pub(super) fn start_names(&mut self) {
        let mut smallest: HashMap<u64, &str> = HashMap::new();
        for (code, p) in &self.known.org_places {
            let entry = smallest.entry(name_key(&p.name)).or_insert(code);
            if code.as_str() < *entry {
                *entry = code;
            }
        }
        self.names = Sharded::new();
        for (name, code) in smallest {
            self.names.insert(name, name_key(code));
        }
    }

    /// One row of the 社会组织 sheet.
    pub(super) fn org_row(&mut self, m: &Mapped, row: &Row) {
        let known = self.known;
        let mut cx = Cx::new(m, row, &mut self.report);
        let code = cx
            .required_text("统一社会信用代码")
            .and_then(|t| match CreditCode::parse(&t) {
                Ok(c) => Some(c),
                Err(e) => cx.error("统一社会信用代码", e.to_string()),
            });
        let mut code_kind = None;
        if let Some(c) = &code {
            match self.orgs.get(&code_key(c)) {
                Some(first) => {
                    let first = first.row;
                    cx.error::<()>("统一社会信用代码", format!("与第{first}行的信用代码重复"));
                }
                None => {
                    self.orgs.insert(code_key(c), Seen::first(row.number));
                }
            }
            let category = c.category();
            match category {
                    CodeCategory::Enterprise => {
                        cx.error::<()>(
                            "统一社会信用代码",
                            "第1位为9，是企业、个体工商户或农民专业合作社等市场主体，属于非公有制经济组织党建范围，不能作为社会组织导入".into(),
                        );
                    }
                    CodeCategory::Other => cx.warning(
                        "统一社会信用代码",
                        format!("信用代码前两位“{}”不属于社会团体、民办非企业单位、基金会或律师事务所，按“其他”类型导入", &c.as_str()[..2]),
                    ),
                    _ => {}
                }
            code_kind = category.org_kind().map(|k| (k, category));
            if !c.inner_check_ok() {
                let expected = c
                    .expected_inner_check()
                    .map(|e| format!("，应为 {e}"))
                    .unwrap_or_default();
                cx.warning(
                    "统一社会信用代码",
                    format!(
                        "第9–17位组织机构代码的校验位与 GB 11714 不符{expected}（警告，不影响导入）"
                    ),
                );
            }
        }
        let name = cx.required_text("名称");
        if let (Some(n), Some(c)) = (&name, &code) {
            match self.names.get(&name_key(n)) {
                // The other org is not named: a county's form must not reveal an org
                // outside its scope (the data-quality page lists the pairs in scope).
                Some(other) if *other != name_key(c.as_str()) => cx.warning(
                    "名称",
                    "与系统或本表中的另一个社会组织同名，请核实是否重复登记".into(),
                ),
                Some(_) => {}
                None => {
                    self.names.insert(name_key(n), name_key(c.as_str()));
                }
            }
        }
        if let Some(n) = &name
            && n.chars().count() > 100
        {
            cx.error::<()>(
                "名称",
                format!("名称过长（{} 个字符），应为1–100个字符", n.chars().count()),
            );
        }
        let kind = cx.label("类型", true, OrgKind::from_label, OrgKind::labels);
        if let (Some(k), Some((expected, category)), Some(c)) = (kind, code_kind, &code)
            && k != expected
        {
            cx.error::<()>(
                "类型",
                format!(
                    "与信用代码前两位“{}”（{}）不一致",
                    &c.as_str()[..2],
                    category.describe()
                ),
            );
        }
        let region = cx
            .required_text("登记管理机关区划")
            .and_then(|t| match Self::resolve_region(&known.regions, &t) {
                Ok(r) => Some(r),
                Err(e) => cx.error("登记管理机关区划", e),
            });
        let supervising = cx.text("业务主管单位");
        let registered_on = cx.date("成立登记日期", true);
        let status = cx.label("登记状态", true, OrgStatus::from_label, OrgStatus::labels);
        let terminated_on = cx.date("注销撤销日期", false);
        match (status, terminated_on) {
            (Some(s), None) if s.is_terminated() => {
                cx.error::<()>(
                    "注销撤销日期",
                    format!("登记状态为“{}”时必须填写注销撤销日期", s.label()),
                );
            }
            (Some(s), Some(_)) if !s.is_terminated() => {
                cx.error::<()>(
                    "注销撤销日期",
                    format!("登记状态为“{}”时注销撤销日期应为空", s.label()),
                );
            }
            _ => {}
        }
        if let (Some(r), Some(t)) = (registered_on, terminated_on)
            && t < r
        {
            cx.error::<()>(
                "注销撤销日期",
                format!("注销撤销日期 {t} 早于成立登记日期 {r}"),
            );
        }
        let address = cx.text("住所");
        let legal = cx.text("法定代表人");
        let staff = cx.count("从业人员数", false);
        let members = cx.count("会员数", false);
        let formal = cx.count("正式党员数", true);
        let probationary = cx.count("预备党员数", false);
        let charter_party = cx.yes_no("党建入章");
        let charter_values = cx.yes_no("核心价值观入章");
        let counts_on = cx.date("填报日期", false);
        let failed = cx.failed;
        let (
            Some(code),
            Some(name),
            Some(kind),
            Some(region),
            Some(registered_on),
            Some(status),
            Some(formal),
        ) = (code, name, kind, region, registered_on, status, formal)
        else {
            return;
        };
        if let Some(unit) = &supervising
            && self.implicit_unit(unit, UnitKind::Department, &region)
        {
            let mut cx = Cx::new(m, row, &mut self.report);
            cx.warning("业务主管单位", "系统中没有该单位，保存时将按“行业主管部门”新建（不承担党建工作）；如有误请改正，或先在“单位”中添加".into());
        }
        if failed {
            return;
        }
        // An empty 填报日期 means "as of the import", but re-importing the same workbook must
        // change nothing: an org already registered keeps its recorded date.
        let counts_on = counts_on
            .or_else(|| self.known.orgs.get(code.as_str()).and_then(|(_, d)| *d))
            .or(Some(self.today));
        self.orgs
            .insert(code_key(&code), Seen::valid(row.number, registered_on));
        let record = OrgRecord {
            credit_code: code,
            name,
            kind,
            region,
            supervising_unit: supervising,
            registered_on,
            status,
            terminated_on,
            address,
            legal_representative: legal,
            staff_count: staff,
            member_count: members,
            formal_members: formal,
            probationary_members: probationary,
            charter_party_building: charter_party,
            charter_core_values: charter_values,
            counts_on,
        };
        if self.census_codes.contains(record.credit_code.as_str()) {
            self.places.insert(
                record.credit_code.as_str().to_string(),
                OrgPlace::of(&record),
            );
        }
        self.data.orgs.push(record);
    }

    /// Parses a list of credit codes; each must name an org of the workbook or the registry. An
    /// empty list is an error when `required`.
    pub(super) fn org_list(
        cx: &mut Cx,
        header: &str,
        orgs: &Sharded<CodeKey, Seen>,
        known: &Known,
        required: bool,
    ) -> Vec<(CreditCode, NaiveDate)> {
        let mut out: Vec<(CreditCode, NaiveDate)> = Vec::new();
        for item in cx.list(header) {
            match CreditCode::parse(&item) {
                Err(e) => {
                    cx.error_value::<()>(header, &item, format!("不是有效的统一社会信用代码：{e}"))
                }
                Ok(code) => match org_date(orgs, known, &code) {
                    None => cx.error_value::<()>(header, &item, "在工作簿和系统中均不存在".into()),
                    Some(d) if !out.iter().any(|(c, _)| *c == code) => {
                        out.push((code, d));
                        None
                    }
                    Some(_) => None,
                },
            };
        }
        if required && out.is_empty() && !cx.failed {
            cx.error::<()>(header, "必填项为空；请填写至少一个统一社会信用代码".into());
        }
        out
    }
}
