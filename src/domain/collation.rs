//! The order users expect, one rule everywhere (`docs/decisions.md`, "Order"):
//! - names in pinyin order (字典顺序: syllable by syllable, then by tone), with numbers by
//!   value: an ordinal's Chinese numerals after 第 (第二 before 第十, 第十一 after 第九) and
//!   Arabic digits anywhere (2号 before 10号);
//! - units as the committees keep them: the city committee, the county committees by region
//!   code, then the industry committees, the departments and the other member units, each by
//!   name;
//! - regions by code (the city's own level, 市本级, first); org kinds in the spec's order.
//!
//! A name's key ([`name_key`]) is a plain string whose byte order is that order, so that the
//! database sorts by it (a stored column) as Rust does.

use std::cmp::Ordering;

use pinyin::ToPinyin;

use super::model::UnitKind;

/// Ends a syllable: below every letter and digit, so that "xi an" sorts before "xian".
const SYLLABLE_END: char = '\u{1}';
/// Digits of a number in a key (fixed width, so that they compare by value).
const NUMBER_WIDTH: usize = 12;

fn chinese_digit(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

fn chinese_unit(c: char) -> Option<u64> {
    Some(match c {
        '十' | '拾' => 10,
        '百' | '佰' => 100,
        '千' | '仟' => 1_000,
        '万' => 10_000,
        _ => return None,
    })
}

fn is_chinese_numeral(c: char) -> bool {
    chinese_digit(c).is_some() || chinese_unit(c).is_some()
}

/// The value of a run of Chinese numerals: 十一 → 11, 三十三 → 33, 一百零五 → 105, 二〇二一 →
/// 2021 (digits without units read digit by digit).
pub fn chinese_number(run: &str) -> u64 {
    let has_unit = run.chars().any(|c| chinese_unit(c).is_some());
    if !has_unit {
        return run
            .chars()
            .filter_map(chinese_digit)
            .fold(0, |n, d| n.saturating_mul(10).saturating_add(d));
    }
    let (mut total, mut section, mut digit) = (0u64, 0u64, None::<u64>);
    for c in run.chars() {
        if let Some(d) = chinese_digit(c) {
            digit = Some(d);
        } else if let Some(u) = chinese_unit(c) {
            if u == 10_000 {
                section = section.saturating_add(digit.take().unwrap_or(0));
                total = total.saturating_add(section.saturating_mul(u));
                section = 0;
            } else {
                // 十 alone is ten.
                section = section.saturating_add(digit.take().unwrap_or(1).saturating_mul(u));
            }
        }
    }
    total
        .saturating_add(section)
        .saturating_add(digit.unwrap_or(0))
}

fn push_number(out: &mut String, n: u64) {
    out.push_str(&format!("{n:0NUMBER_WIDTH$}"));
    out.push(SYLLABLE_END);
}

/// The sort key of a name (see the module's rule).
pub fn name_key(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    let mut out = String::with_capacity(chars.len() * 6);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let digits: String = chars[start..i].iter().collect();
            push_number(&mut out, digits.parse().unwrap_or(u64::MAX));
            continue;
        }
        // An ordinal: 第 and the numerals after it.
        if c == '第' && chars.get(i + 1).is_some_and(|n| is_chinese_numeral(*n)) {
            out.push_str("di4");
            out.push(SYLLABLE_END);
            let start = i + 1;
            i = start;
            while i < chars.len() && is_chinese_numeral(chars[i]) {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            push_number(&mut out, chinese_number(&run));
            continue;
        }
        match c.to_pinyin() {
            Some(p) => {
                out.push_str(p.with_tone_num_end());
                out.push(SYLLABLE_END);
            }
            None if c.is_alphanumeric() => {
                out.extend(c.to_lowercase());
            }
            // Punctuation and spaces: "（" and "(" alike, below letters.
            None => out.push(SYLLABLE_END),
        }
        i += 1;
    }
    out
}

/// Compares two names by the rule.
pub fn cmp_names(a: &str, b: &str) -> Ordering {
    name_key(a).cmp(&name_key(b)).then_with(|| a.cmp(b))
}

/// The place of a unit in lists of units: the city committee, the county committees by region
/// code, the industry committees, the departments, the other member units; then by name.
pub fn unit_key(kind: UnitKind, region: &str, name: &str) -> (u8, String, String) {
    let (rank, region) = match kind {
        UnitKind::CityCommittee => (0, String::new()),
        UnitKind::CountyCommittee => (1, region.to_string()),
        UnitKind::IndustryCommittee => (2, String::new()),
        UnitKind::Department => (3, String::new()),
        UnitKind::MemberUnit => (4, String::new()),
    };
    (rank, region, name_key(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        v.sort_by(|a, b| cmp_names(a, b));
        v
    }

    #[test]
    fn chinese_numerals_read_as_numbers() {
        for (run, n) in [
            ("一", 1),
            ("十", 10),
            ("十一", 11),
            ("二十", 20),
            ("三十三", 33),
            ("一百零五", 105),
            ("一百一十", 110),
            ("两千", 2000),
            ("一万零一", 10_001),
            ("二〇二一", 2021),
        ] {
            assert_eq!(chinese_number(run), n, "{run}");
        }
    }

    #[test]
    fn ordinals_sort_by_value() {
        // The review's order by code point: 第一, 第七, 第三十一, 第三十三, 第三十二.
        assert_eq!(
            sorted(&[
                "城区第三十二联合党支部",
                "城区第一联合党支部",
                "城区第三十一联合党支部",
                "城区第七联合党支部",
                "城区第三十三联合党支部",
                "城区第十联合党支部",
                "城区第二联合党支部",
            ]),
            [
                "城区第一联合党支部",
                "城区第二联合党支部",
                "城区第七联合党支部",
                "城区第十联合党支部",
                "城区第三十一联合党支部",
                "城区第三十二联合党支部",
                "城区第三十三联合党支部",
            ]
        );
        assert_eq!(
            sorted(&["10号楼党支部", "2号楼党支部"]),
            ["2号楼党支部", "10号楼党支部"]
        );
    }

    #[test]
    fn names_sort_in_pinyin_order() {
        // 盂县 yu, 平定县 ping, 城区 cheng, 矿区 kuang, 郊区 jiao (the review's code-point order
        // was 城区, 平定县, 盂县, 矿区, 郊区).
        assert_eq!(
            sorted(&["城区", "平定县", "盂县", "矿区", "郊区"]),
            ["城区", "郊区", "矿区", "平定县", "盂县"]
        );
        // Syllable by syllable: 西安 (xi an) before 先锋 (xian feng).
        assert_eq!(sorted(&["先锋协会", "西安商会"]), ["西安商会", "先锋协会"]);
        // The tone decides between one spelling: 妈 ma1 before 马 ma3.
        assert_eq!(sorted(&["马术协会", "妈妈驿站"]), ["妈妈驿站", "马术协会"]);
        // 一 outside an ordinal is a word, not a number.
        assert!(name_key("一心公益协会").starts_with("yi1"));
    }

    #[test]
    fn units_follow_the_committees_order() {
        let mut units = [
            (UnitKind::Department, "140300", "阳泉市教育局"),
            (UnitKind::CountyCommittee, "140311", "郊区工委"),
            (UnitKind::IndustryCommittee, "140300", "阳泉市律师行业党委"),
            (UnitKind::CityCommittee, "140300", "阳泉市社会组织党委"),
            (UnitKind::CountyCommittee, "140302", "城区工委"),
            (UnitKind::Department, "140300", "阳泉市体育局"),
            (UnitKind::CountyCommittee, "140303", "矿区工委"),
        ];
        units.sort_by_key(|(k, r, n)| unit_key(*k, r, n));
        let names: Vec<&str> = units.iter().map(|(_, _, n)| *n).collect();
        assert_eq!(
            names,
            [
                "阳泉市社会组织党委",
                "城区工委",
                "矿区工委",
                "郊区工委",
                "阳泉市律师行业党委",
                "阳泉市教育局",
                "阳泉市体育局",
            ]
        );
    }
}
