//! The 党组织 sheet.

use super::cx::Cx;
use super::index::*;
use super::validator::{Mapped, Validator};
use crate::domain::dataset::{CoverageRecord, PartyOrgRecord, listed_orgs};
use crate::domain::model::{Formation, PartyOrgKind};
use crate::excel::cells;
use crate::excel::problems::Severity;
use crate::excel::source::Row;

impl Validator<'_> {
    /// A name of the 党组织 sheet, read before its rows are checked.
    pub(super) fn party_name(&mut self, m: &Mapped, row: &Row) {
        let name = m
            .index
            .get("党组织名称")
            .and_then(|&i| row.cells.get(i))
            .and_then(cells::text);
        // Its dates as far as they parse (the 覆盖关系 sheet, read before the rows, checks its
        // links against them; a date that does not parse is the row's own error).
        let date = |header: &str| {
            m.index
                .get(header)
                .and_then(|&i| row.cells.get(i))
                .and_then(|c| cells::date(c).ok().flatten())
        };
        if let Some(n) = name {
            self.party.entry(name_key(&n)).or_insert(PartySeen {
                row: row.number,
                valid: false,
                founded: day(date("成立日期")),
                dissolved: day(date("撤销日期")),
            });
        }
    }

    /// One row of the 党组织 sheet.
    pub(super) fn party_row(&mut self, m: &Mapped, row: &Row) {
        let mut cx = Cx::new(m, row, &mut self.report);
        let name = cx.required_text("党组织名称");
        if let Some(n) = &name
            && let Some(first) = self.party.get(&name_key(n)).map(|p| p.row)
            && first != row.number
        {
            cx.error::<()>("党组织名称", format!("党组织名称与第{first}行重复"));
        }
        let kind = cx.label(
            "组织类别",
            true,
            PartyOrgKind::from_label,
            PartyOrgKind::labels,
        );
        let formation = cx.label("组建方式", true, Formation::from_label, Formation::labels);
        if kind == Some(PartyOrgKind::JointBranch) && formation == Some(Formation::Own) {
            cx.error::<()>("组建方式", "联合党支部的组建方式应为“联合组建”".into());
        }
        let parent = cx.text("上级党组织");
        if let Some(p) = &parent {
            let known = self.party.contains_key(&name_key(p))
                || self.known.party_orgs.contains(p)
                || self.unit_names.contains(p);
            // A parent stored before this rule (sessions 1–2 kept unknown parents with a
            // warning) stays acceptable for that party org, so that the registry's own
            // export re-imports; a new or changed unknown parent is an error.
            let stored = name
                .as_ref()
                .and_then(|n| self.known.party_org_parents.get(n))
                == Some(p);
            if !known && stored {
                cx.warning(
                        "上级党组织",
                        "在工作簿和系统中均不存在，系统中已按此保存，未作更改；请核实后改为党组织或单位名称".into(),
                    );
            } else if !known {
                cx.error::<()>(
                        "上级党组织",
                        "在工作簿和系统中均不存在（应为本表或系统中的党组织名称，或单位名称；上级单位可先在“单位”表中添加）".into(),
                    );
            }
        }
        let founded = cx.date("成立日期", true);
        let dissolved = cx.date("撤销日期", false);
        if let (Some(f), Some(d)) = (founded, dissolved)
            && d <= f
        {
            cx.error::<()>("撤销日期", format!("撤销日期 {d} 应晚于成立日期 {f}"));
        }
        // A dissolved party org may list none: one that covered no org (its listed orgs were all
        // registered after its dissolution) is exported so, and re-imports.
        let mut covers = Self::org_list(
            &mut cx,
            "覆盖社会组织",
            &self.orgs,
            self.known,
            dissolved.is_none(),
        );
        if formation == Some(Formation::Own) && covers.len() > 1 {
            cx.error::<()>(
                "覆盖社会组织",
                format!(
                    "单独组建的党组织只能覆盖一个社会组织，此处填写了 {} 个",
                    covers.len()
                ),
            );
        }
        // Its links from the 覆盖关系 sheet, when it has rows there: those are its links, with
        // their own dates, and this cell must list the orgs they cover now (`listed_orgs`).
        let exact = name
            .as_ref()
            .and_then(|n| self.links.remove(&name_key(n)))
            .map(|g| g.covers());
        if let Some(links) = &exact {
            let expected = listed_orgs(links, dissolved, self.today);
            let mut want: Vec<&str> = expected.iter().map(|c| c.as_str()).collect();
            let mut have: Vec<&str> = covers.iter().map(|(c, _)| c.as_str()).collect();
            want.sort_unstable();
            have.sort_unstable();
            if !cx.failed && want != have {
                let when = match dissolved.and_then(|d| d.pred_opt()) {
                    Some(d) => format!("撤销前一日（{d}）"),
                    None => format!("今天（{}）", self.today),
                };
                cx.error::<()>(
                    "覆盖社会组织",
                    format!(
                        "与“覆盖关系”表不一致：按覆盖关系表，{when}覆盖的社会组织为 {}；此处列出的是 {}",
                        codes_text(&want),
                        codes_text(&have)
                    ),
                );
            }
        } else if let (Some(f), Some(d)) = (founded, dissolved) {
            // A dissolved party org's coverage ended with it: an org registered only after that
            // was never covered by it. Asked about and left out rather than refused, so that a
            // registry holding such a link (kept before this rule) still re-imports its own
            // export.
            covers.retain(|(code, registered)| {
                let after = f.max(*registered) >= d;
                if after {
                    cx.push(
                        Severity::Warning,
                        "覆盖社会组织",
                        code.as_str().to_string(),
                        format!(
                            "该社会组织 {registered} 才成立登记，党组织已于 {d} 撤销，不计覆盖（未保存此覆盖关系）"
                        ),
                    );
                }
                !after
            });
        }
        let members = cx.count("党员人数", false);
        let secretary = cx.text("书记姓名");
        if let (false, Some(name), Some(kind), Some(formation), Some(founded)) =
            (cx.failed, name, kind, formation, founded)
        {
            // Without rows in 覆盖关系, the links start by default (the later of the two dates)
            // and those of a dissolved party org end with it (an export lists the orgs it
            // covered when it was dissolved).
            let covers_exact = exact.is_some();
            let covers = exact.unwrap_or_else(|| {
                covers
                    .into_iter()
                    .map(|(credit_code, registered)| CoverageRecord {
                        credit_code,
                        from: founded.max(registered),
                        to: dissolved,
                    })
                    .collect()
            });
            if let Some(entry) = self.party.get_mut(&name_key(&name)) {
                entry.valid = true;
            }
            self.data.party_orgs.push(PartyOrgRecord {
                name,
                kind,
                formation,
                parent,
                founded_on: founded,
                dissolved_on: dissolved,
                covers,
                covers_exact,
                member_count: members,
                secretary,
            });
        }
    }
}

/// Codes for a message: the first ten, joined, with the count of the rest; "（无）" for none.
pub(super) fn codes_text(codes: &[&str]) -> String {
    match codes.len() {
        0 => "（无）".into(),
        n if n <= 10 => codes.join("、"),
        n => format!("{} 等 {n} 个", codes[..10].join("、")),
    }
}
