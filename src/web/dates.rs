//! Dates typed into addresses and forms (`YYYY-MM-DD`): one parser, so that every page and API
//! route refuses the same inputs with the same words. The rule table starts in 1900, and no
//! figure exists before it: an earlier date is refused as input (a 400), not failed on later.

use chrono::NaiveDate;

/// The earliest date the product computes anything for (the rule table's first versions).
pub fn earliest() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// A date as typed, named `what` in the message when it is refused.
pub fn parse_day(what: &str, text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let d = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{what}“{text}”无效，应为 YYYY-MM-DD"))?;
    if d < earliest() {
        return Err(format!(
            "{what}“{text}”早于 1900-01-01；系统只处理 1900 年以后的日期"
        ));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_before_1900_and_malformed_ones_are_refused_with_their_name() {
        assert_eq!(
            parse_day("统计日期", " 2021-12-31 ").map(|d| d.to_string()),
            Ok("2021-12-31".into())
        );
        assert_eq!(
            parse_day("统计日期", "1900-01-01").map(|d| d.to_string()),
            Ok("1900-01-01".into())
        );
        let early = parse_day("统计日期", "1899-12-31").expect_err("refused");
        assert!(
            early.contains("统计日期") && early.contains("1900"),
            "{early}"
        );
        assert!(parse_day("统计日期", "0001-01-01").is_err());
        assert!(
            parse_day("统计日期", "2021-13-01")
                .expect_err("refused")
                .contains("无效")
        );
    }
}
