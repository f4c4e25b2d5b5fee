//! Field rules for single cells (`spec/import-format.md`, "General rules"): how a text, number,
//! date, yes/no, count or list field is read from one workbook cell. Pure functions; errors are
//! Chinese messages saying what is wrong and what is accepted, and the caller adds the sheet, row
//! and column.

use chrono::{Days, NaiveDate};

use super::source::Cell;
use crate::domain::codes::to_half_width;

/// The last serial Excel can show as a date (9999-12-31).
const MAX_SERIAL: f64 = 2_958_465.0;
/// Upper bound for counts: no organization has more people, so anything larger is a typo.
const MAX_COUNT: u64 = 10_000_000;
const DATE_FORMS: &str = "应为 2022-06-02、2022/6/2、2022.6.2 或 2022年6月2日";
const YES_NO_FORMS: &str = "应为 是/否（也接受 Y/N、YES/NO、1/0、TRUE/FALSE、有/无）";

/// Writes a number as a person would: `12`, not `12.0` or `1.2e1`, so codes and counts typed
/// into numeric cells read back as the digits the user typed.
fn number_text(n: f64) -> String {
    if n == 0.0 {
        "0".to_string()
    } else {
        format!("{n}")
    }
}

/// The message for an Excel error cell, keeping its own text so the user can find it.
fn error_cell(e: &str) -> String {
    format!("单元格有错误：{e}")
}

/// Converts a serial of the Excel 1900 date system, which counts 1900-01-01 as 1 and includes the
/// non-existent 1900-02-29 as 60 (a Lotus 1-2-3 compatibility bug); the time of day is dropped.
fn serial_date(serial: f64) -> Result<NaiveDate, String> {
    if !(1.0..MAX_SERIAL + 1.0).contains(&serial) {
        return Err(format!(
            "日期序号 {} 超出范围，应在 1（1900-01-01）到 2958465（9999-12-31）之间",
            number_text(serial)
        ));
    }
    let days = serial.floor() as u64;
    if days == 60 {
        return Err("日期 1900-02-29 不存在（Excel 的虚构日期），请核对".to_string());
    }
    // Before the fake leap day the count is off by one.
    let base_day = if days < 60 { 31 } else { 30 };
    NaiveDate::from_ymd_opt(1899, 12, base_day)
        .and_then(|base| base.checked_add_days(Days::new(days)))
        .ok_or_else(|| format!("日期序号 {} 超出范围", number_text(serial)))
}

/// Builds a date from its parts, with the messages for the two ways real data goes wrong.
fn ymd(y: u32, m: u32, d: u32) -> Result<NaiveDate, String> {
    if y < 1900 {
        return Err("日期早于1900年，请核对".to_string());
    }
    // Dates are stored as ISO text and compared as text: four-digit years only.
    if y > 9999 {
        return Err("日期晚于9999年，请核对".to_string());
    }
    i32::try_from(y)
        .ok()
        .and_then(|year| NaiveDate::from_ymd_opt(year, m, d))
        .ok_or_else(|| format!("日期 {y:04}-{m:02}-{d:02} 不存在"))
}

/// Whether the text after a date is a time of day (`00:00:00`, `8:30`, `12:00:00.000`), which
/// spreadsheets append when a date column is exported as text.
fn is_time(t: &str) -> bool {
    t.starts_with(|c: char| c.is_ascii_digit())
        && t.contains(':')
        && t.chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '.')
}

/// Splits the date part of a text into year, month and day strings, by whichever accepted form
/// it is written in.
fn date_parts(s: &str) -> Option<(&str, &str, &str)> {
    if let Some((y, rest)) = s.split_once('年') {
        let rest = rest.strip_suffix('日').unwrap_or(rest);
        let (m, d) = rest.split_once('月')?;
        return Some((y, m, d));
    }
    for sep in ['-', '/', '.'] {
        if s.contains(sep) {
            let mut it = s.split(sep);
            let parts = (it.next()?, it.next()?, it.next()?);
            return it.next().is_none().then_some(parts);
        }
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Some((&s[..4], &s[4..6], &s[6..]));
    }
    None
}

/// Reads a date written as text in one of the accepted forms.
fn text_date(raw: &str) -> Result<NaiveDate, String> {
    let unknown = || format!("无法识别的日期 \"{raw}\"，{DATE_FORMS}");
    let half = to_half_width(raw);
    let s = half.trim();
    let (date, time) = match s.find(|c: char| c.is_whitespace() || c == 'T') {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    if !time.is_empty() && !is_time(time) {
        return Err(unknown());
    }
    let (y, m, d) = date_parts(date).ok_or_else(unknown)?;
    let num = |p: &str, lens: std::ops::RangeInclusive<usize>| {
        (lens.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    match (num(y, 4..=4), num(m, 1..=2), num(d, 1..=2)) {
        (Some(y), Some(m), Some(d)) => ymd(y, m, d),
        _ => Err(unknown()),
    }
}

/// The cell as text for free-text fields and codes: trimmed, `None` when there is nothing in it.
pub fn text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Empty | Cell::Error(_) => None,
        Cell::Text(s) => Some(s.trim()).filter(|t| !t.is_empty()).map(str::to_string),
        Cell::Number(n) => Some(number_text(*n)),
        Cell::Bool(b) => Some(if *b { "是" } else { "否" }.to_string()),
        Cell::Date(serial) => Some(match serial_date(*serial) {
            Ok(d) => d.format("%Y-%m-%d").to_string(),
            Err(_) => number_text(*serial),
        }),
    }
}

/// The value as the user sees it in the workbook, quoted back in error reports so that they can
/// find the cell.
pub fn display(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) | Cell::Error(s) => s.clone(),
        Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Cell::Number(_) | Cell::Date(_) => text(cell).unwrap_or_default(),
    }
}

/// A header as it should be matched: the template marks required columns with a trailing `*`,
/// and users add stray (full-width) spaces.
pub fn normalize_header(s: &str) -> String {
    // A header cell with wrapped text ("统一社会\n信用代码") or stray spaces still names its
    // column: every whitespace character is dropped (Chinese headers have no meaningful spaces).
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.strip_suffix(['*', '＊']).unwrap_or(&t);
    t.to_string()
}

/// A date field: an Excel date cell, a serial number, or text in one of the accepted forms.
pub fn date(cell: &Cell) -> Result<Option<NaiveDate>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Text(s) if s.trim().is_empty() => Ok(None),
        Cell::Text(s) => text_date(s.trim()).map(Some),
        Cell::Date(serial) => serial_date(*serial).map(Some),
        // An eight-digit number cannot be a serial (too large), so it is read as YYYYMMDD.
        Cell::Number(n) if n.fract() == 0.0 && (1e7..1e8).contains(n) => {
            let v = *n as u32;
            ymd(v / 10_000, v / 100 % 100, v % 100).map(Some)
        }
        Cell::Number(n) => serial_date(*n).map(Some),
        Cell::Bool(_) => Err(format!("\"{}\" 不是日期，{DATE_FORMS}", display(cell))),
        Cell::Error(e) => Err(error_cell(e)),
    }
}

/// A yes/no field, accepting the spellings people actually use in Chinese spreadsheets.
pub fn yes_no(cell: &Cell) -> Result<Option<bool>, String> {
    let invalid = || {
        Err(format!(
            "无法识别的是/否值 \"{}\"，{YES_NO_FORMS}",
            display(cell)
        ))
    };
    match cell {
        Cell::Empty => Ok(None),
        Cell::Bool(b) => Ok(Some(*b)),
        Cell::Number(n) if *n == 1.0 => Ok(Some(true)),
        Cell::Number(n) if *n == 0.0 => Ok(Some(false)),
        Cell::Text(s) => match to_half_width(s).trim().to_uppercase().as_str() {
            "" => Ok(None),
            "是" | "Y" | "YES" | "1" | "TRUE" | "有" => Ok(Some(true)),
            "否" | "N" | "NO" | "0" | "FALSE" | "无" => Ok(Some(false)),
            _ => invalid(),
        },
        Cell::Error(e) => Err(error_cell(e)),
        Cell::Number(_) | Cell::Date(_) => invalid(),
    }
}

/// Digits with optional, correctly placed thousands separators (`1,234`), without them.
fn plain_digits(t: &str) -> Option<String> {
    let all_digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let mut groups = t.split(',');
    let first = groups.next()?;
    let rest: Vec<&str> = groups.collect();
    let grouped_ok = rest.is_empty() || (first.len() <= 3 && rest.iter().all(|g| g.len() == 3));
    (grouped_ok && all_digits(first) && rest.iter().all(|g| all_digits(g)))
        .then(|| t.replace(',', ""))
}

/// A head count or similar: an integer from 0 to 10 000 000.
pub fn count(cell: &Cell) -> Result<Option<i64>, String> {
    let too_large = |v: &str| format!("\"{v}\" 过大，应为不超过{MAX_COUNT}的整数");
    match cell {
        Cell::Empty => Ok(None),
        Cell::Number(n) if !n.is_finite() || n.fract() != 0.0 || *n < 0.0 => {
            Err(format!("\"{}\" 应为不小于0的整数", number_text(*n)))
        }
        Cell::Number(n) if *n > MAX_COUNT as f64 => Err(too_large(&number_text(*n))),
        Cell::Number(n) => Ok(Some(*n as i64)),
        Cell::Text(s) => {
            let raw = s.trim();
            let half = to_half_width(raw);
            let t = half.trim();
            if t.is_empty() {
                return Ok(None);
            }
            let (negative, body) = match t.strip_prefix('-') {
                Some(b) => (true, b.trim_start()),
                None => (false, t),
            };
            let digits =
                plain_digits(body).ok_or_else(|| format!("\"{raw}\" 不是整数，请只填数字"))?;
            if negative {
                return Err(format!("\"{raw}\" 应为不小于0的整数"));
            }
            match digits.parse::<u64>() {
                Ok(v) if v <= MAX_COUNT => Ok(Some(v as i64)),
                _ => Err(too_large(raw)),
            }
        }
        Cell::Error(e) => Err(error_cell(e)),
        Cell::Bool(_) | Cell::Date(_) => Err(format!("\"{}\" 不是整数，请只填数字", display(cell))),
    }
}

/// A list field (several codes in one cell), split on the separators people type in Chinese and
/// English, or on line breaks (Alt+Enter in Excel).
pub fn list(cell: &Cell) -> Vec<String> {
    let whole = match cell {
        Cell::Text(s) => s.clone(),
        Cell::Number(_) | Cell::Date(_) => text(cell).unwrap_or_default(),
        Cell::Empty | Cell::Bool(_) | Cell::Error(_) => String::new(),
    };
    whole
        .split([',', '，', ';', '；', '、', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    fn ymd_ok(y: i32, m: u32, d: u32) -> Result<Option<NaiveDate>, String> {
        Ok(Some(NaiveDate::from_ymd_opt(y, m, d).unwrap()))
    }

    #[test]
    fn text_and_display() {
        assert_eq!(text(&t("  阳泉  ")), Some("阳泉".to_string()));
        assert_eq!(text(&t(" \t ")), None);
        assert_eq!(text(&Cell::Empty), None);
        assert_eq!(text(&Cell::Error("#N/A".into())), None);
        assert_eq!(text(&Cell::Number(12.0)).unwrap(), "12");
        assert_eq!(text(&Cell::Number(-0.0)).unwrap(), "0");
        assert_eq!(text(&Cell::Number(12.5)).unwrap(), "12.5");
        assert_eq!(text(&Cell::Number(9.1e17)).unwrap(), "910000000000000000");
        assert_eq!(text(&Cell::Bool(true)).unwrap(), "是");
        assert_eq!(text(&Cell::Bool(false)).unwrap(), "否");
        assert_eq!(text(&Cell::Date(44714.5)).unwrap(), "2022-06-02");
        assert_eq!(display(&Cell::Empty), "");
        assert_eq!(display(&Cell::Error("#DIV/0!".into())), "#DIV/0!");
        assert_eq!(display(&t(" x ")), " x ");
        assert_eq!(display(&Cell::Bool(true)), "TRUE");
        assert_eq!(display(&Cell::Number(3.0)), "3");
        assert_eq!(display(&Cell::Date(1.0)), "1900-01-01");
    }

    #[test]
    fn headers() {
        assert_eq!(normalize_header(" 统一社会信用代码* "), "统一社会信用代码");
        assert_eq!(normalize_header("名称 ＊"), "名称");
        assert_eq!(normalize_header("名称**"), "名称*");
        assert_eq!(
            normalize_header("\u{3000}党组织\u{3000}名称\u{3000}"),
            "党组织名称"
        );
        assert_eq!(normalize_header("  "), "");
        assert_eq!(
            normalize_header("统一社会\n信用代码 *"),
            "统一社会信用代码",
            "wrapped header text"
        );
    }

    #[test]
    fn excel_serials() {
        assert_eq!(date(&Cell::Date(1.0)), ymd_ok(1900, 1, 1));
        assert_eq!(date(&Cell::Date(59.0)), ymd_ok(1900, 2, 28));
        assert!(date(&Cell::Date(60.0)).unwrap_err().contains("1900-02-29"));
        assert_eq!(date(&Cell::Date(61.0)), ymd_ok(1900, 3, 1));
        assert_eq!(date(&Cell::Date(44714.99)), ymd_ok(2022, 6, 2));
        assert_eq!(date(&Cell::Number(44714.0)), ymd_ok(2022, 6, 2));
        assert_eq!(date(&Cell::Date(2_958_465.0)), ymd_ok(9999, 12, 31));
        for bad in [0.0, 0.5, -1.0, 2_958_466.0, f64::NAN] {
            assert!(
                date(&Cell::Date(bad)).unwrap_err().contains("超出范围"),
                "{bad}"
            );
        }
        assert_eq!(date(&Cell::Number(20220602.0)), ymd_ok(2022, 6, 2));
        assert_eq!(
            date(&Cell::Number(20210230.0)).unwrap_err(),
            "日期 2021-02-30 不存在"
        );
    }

    #[test]
    fn text_dates() {
        let forms = [
            "2022-06-02",
            "2022/6/2",
            "2022.6.2",
            "2022年6月2日",
            " 2022-6-02 ",
            "２０２２－０６－０２",
            "２０２２年６月２日",
            "2022/06/02 00:00:00",
            "2022-06-02T08:30",
            "20220602",
        ];
        for f in forms {
            assert_eq!(date(&t(f)), ymd_ok(2022, 6, 2), "{f}");
        }
        assert_eq!(date(&t("   ")), Ok(None));
        assert_eq!(date(&Cell::Empty), Ok(None));
        assert_eq!(
            date(&t("2021-02-30")).unwrap_err(),
            "日期 2021-02-30 不存在"
        );
        assert_eq!(
            date(&t("2021年13月1日")).unwrap_err(),
            "日期 2021-13-01 不存在"
        );
        assert_eq!(
            date(&t("1899-12-31")).unwrap_err(),
            "日期早于1900年，请核对"
        );
        assert_eq!(
            date(&t("abc")).unwrap_err(),
            "无法识别的日期 \"abc\"，应为 2022-06-02、2022/6/2、2022.6.2 或 2022年6月2日"
        );
        for bad in [
            "2022-6",
            "22/6/2",
            "2022-6/2",
            "2022-06-02 上午",
            "6/2/2022",
            "2022年6月",
            "2022.6.2.1",
        ] {
            assert!(
                date(&t(bad)).unwrap_err().starts_with("无法识别的日期"),
                "{bad}"
            );
        }
    }

    #[test]
    fn dates_from_other_cells() {
        assert!(date(&Cell::Bool(true)).is_err());
        assert!(
            date(&Cell::Error("#VALUE!".into()))
                .unwrap_err()
                .contains("#VALUE!")
        );
    }

    #[test]
    fn yes_no_values() {
        for s in [
            "是",
            "y",
            "Y",
            "yes",
            "Yes",
            "1",
            "true",
            "TRUE",
            "有",
            " 是 ",
            "ｙｅｓ",
        ] {
            assert_eq!(yes_no(&t(s)), Ok(Some(true)), "{s}");
        }
        for s in ["否", "n", "NO", "0", "False", "无"] {
            assert_eq!(yes_no(&t(s)), Ok(Some(false)), "{s}");
        }
        assert_eq!(yes_no(&Cell::Bool(true)), Ok(Some(true)));
        assert_eq!(yes_no(&Cell::Number(1.0)), Ok(Some(true)));
        assert_eq!(yes_no(&Cell::Number(0.0)), Ok(Some(false)));
        assert_eq!(yes_no(&Cell::Empty), Ok(None));
        assert_eq!(yes_no(&t("  ")), Ok(None));
        let err = yes_no(&t("也许")).unwrap_err();
        assert!(
            err.contains("\"也许\"") && err.contains("是/否") && err.contains("有/无"),
            "{err}"
        );
        assert!(yes_no(&Cell::Number(2.0)).is_err());
        assert!(yes_no(&Cell::Error("#REF!".into())).is_err());
    }

    #[test]
    fn counts() {
        assert_eq!(count(&Cell::Number(12.0)), Ok(Some(12)));
        assert_eq!(count(&Cell::Number(0.0)), Ok(Some(0)));
        assert_eq!(count(&Cell::Number(10_000_000.0)), Ok(Some(10_000_000)));
        assert!(
            count(&Cell::Number(10_000_001.0))
                .unwrap_err()
                .contains("过大")
        );
        assert_eq!(
            count(&Cell::Number(1.5)).unwrap_err(),
            "\"1.5\" 应为不小于0的整数"
        );
        assert_eq!(
            count(&Cell::Number(-3.0)).unwrap_err(),
            "\"-3\" 应为不小于0的整数"
        );
        assert!(count(&Cell::Number(f64::INFINITY)).is_err());
        assert_eq!(count(&t(" 12 ")), Ok(Some(12)));
        assert_eq!(count(&t("１２")), Ok(Some(12)));
        assert_eq!(count(&t("1,234")), Ok(Some(1234)));
        assert_eq!(count(&t("1，234，567")), Ok(Some(1_234_567)));
        assert_eq!(
            count(&t("12人")).unwrap_err(),
            "\"12人\" 不是整数，请只填数字"
        );
        assert_eq!(
            count(&t("十二")).unwrap_err(),
            "\"十二\" 不是整数，请只填数字"
        );
        for bad in ["1,23", "12,", ",12", "1.5", "1 2", "1234,567"] {
            assert!(count(&t(bad)).unwrap_err().contains("不是整数"), "{bad}");
        }
        assert_eq!(count(&t("-5")).unwrap_err(), "\"-5\" 应为不小于0的整数");
        assert!(
            count(&t("99999999999999999999999"))
                .unwrap_err()
                .contains("过大")
        );
        assert_eq!(count(&t("  ")), Ok(None));
        assert_eq!(count(&Cell::Empty), Ok(None));
        assert!(count(&Cell::Bool(true)).is_err());
    }

    #[test]
    fn lists() {
        let cell = t(" A1，B2;C3；D4、E5\nF6\r\nG7,, ,H8 ");
        assert_eq!(
            list(&cell),
            ["A1", "B2", "C3", "D4", "E5", "F6", "G7", "H8"]
        );
        assert_eq!(list(&Cell::Number(140300.0)), ["140300"]);
        assert!(list(&Cell::Empty).is_empty());
        assert!(list(&t(" ,， ")).is_empty());
    }
}
