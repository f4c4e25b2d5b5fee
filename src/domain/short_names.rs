//! Short names of units for pages and paper (城区工委 for 城区非公有制经济组织和社会组织工作委员会),
//! given by the setting `display.short_names`: one `全称=简称` a line. Data (exports, the JSON
//! contract, the audit log) keeps the full names; a page shows the short one with the full name
//! as its title.

use std::collections::HashMap;

/// The setting's key.
pub const SETTING: &str = "display.short_names";

/// The longest short name accepted (a tile's or a table cell's label).
const MAX_SHORT: usize = 12;

/// Full name → short name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShortNames(HashMap<String, String>);

impl ShortNames {
    /// Parses the setting's text: `全称=简称` (or a full-width ＝) a line; blank lines and lines
    /// starting with # are skipped. Every bad line is named, in Chinese, by its number.
    pub fn parse(text: &str) -> Result<ShortNames, Vec<String>> {
        let mut map = HashMap::new();
        let mut shorts: HashMap<String, usize> = HashMap::new();
        let mut errors = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let n = n + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((full, short)) = line.split_once(['=', '＝']) else {
                errors.push(format!("第 {n} 行：应为“全称=简称”，缺少等号"));
                continue;
            };
            let (full, short) = (full.trim(), short.trim());
            if full.is_empty() || short.is_empty() {
                errors.push(format!("第 {n} 行：全称和简称都不能为空"));
                continue;
            }
            if short.chars().count() > MAX_SHORT {
                errors.push(format!("第 {n} 行：简称“{short}”超过 {MAX_SHORT} 个字"));
                continue;
            }
            if map.contains_key(full) {
                errors.push(format!("第 {n} 行：“{full}”的简称重复给出"));
                continue;
            }
            if let Some(first) = shorts.insert(short.to_string(), n) {
                errors.push(format!(
                    "第 {n} 行：简称“{short}”与第 {first} 行相同，两个单位将无法区分"
                ));
                continue;
            }
            map.insert(full.to_string(), short.to_string());
        }
        // A short name that is another unit's full name would show two units alike.
        for (n, line) in text.lines().enumerate() {
            if let Some((full, short)) = line.trim().split_once(['=', '＝'])
                && map.contains_key(short.trim())
                && full.trim() != short.trim()
            {
                errors.push(format!(
                    "第 {} 行：简称“{}”是另一个单位的全称，两个单位将无法区分",
                    n + 1,
                    short.trim()
                ));
            }
        }
        if errors.is_empty() {
            Ok(ShortNames(map))
        } else {
            Err(errors)
        }
    }

    /// The setting as stored; a stored text that no longer parses gives no short names (the
    /// full names are always right).
    pub fn from_setting(text: Option<&str>) -> ShortNames {
        text.and_then(|t| ShortNames::parse(t).ok())
            .unwrap_or_default()
    }

    /// The name to show: the short one if the setting gives it, else the name itself.
    pub fn show<'a>(&'a self, name: &'a str) -> &'a str {
        self.0.get(name).map_or(name, String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// (full name, short name), by full name.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = self
            .0
            .iter()
            .map(|(f, s)| (f.as_str(), s.as_str()))
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_and_shows_short_names() {
        let s = ShortNames::parse(
            "# 县区工委\n城区非公有制经济组织和社会组织工作委员会=城区工委\n\n 矿区非公有制经济组织和社会组织工作委员会 ＝ 矿区工委 \n",
        )
        .expect("valid");
        assert_eq!(
            s.show("城区非公有制经济组织和社会组织工作委员会"),
            "城区工委"
        );
        assert_eq!(
            s.show("矿区非公有制经济组织和社会组织工作委员会"),
            "矿区工委"
        );
        // A name without a short one is shown whole.
        assert_eq!(s.show("阳泉市体育局"), "阳泉市体育局");
    }

    #[test]
    fn names_every_bad_line() {
        let errors = ShortNames::parse(
            "甲单位=甲\n乙单位\n=丙\n丁单位=甲\n甲单位=戊\n己单位=一二三四五六七八九十一二三\n",
        )
        .expect_err("invalid");
        assert_eq!(
            errors,
            vec![
                "第 2 行：应为“全称=简称”，缺少等号".to_string(),
                "第 3 行：全称和简称都不能为空".to_string(),
                "第 4 行：简称“甲”与第 1 行相同，两个单位将无法区分".to_string(),
                "第 5 行：“甲单位”的简称重复给出".to_string(),
                "第 6 行：简称“一二三四五六七八九十一二三”超过 12 个字".to_string(),
            ]
        );
        // A short name that is another line's full name.
        assert_eq!(
            ShortNames::parse("甲单位=乙单位\n乙单位=乙").expect_err("invalid"),
            vec!["第 1 行：简称“乙单位”是另一个单位的全称，两个单位将无法区分".to_string()]
        );
        // Stored text that does not parse gives no short names.
        assert!(ShortNames::from_setting(Some("乙单位")).is_empty());
    }
}
