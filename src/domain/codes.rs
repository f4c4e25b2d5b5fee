//! Validated codes (`spec/rules.md` §6): GB 32100 credit codes, GB 11643 citizen IDs, GB/T 2260
//! region codes and mobile numbers. Each is a newtype whose only constructor is `parse`, so a value
//! that exists has already passed its checks and the rest of the program never re-validates.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::model::OrgKind;

/// Why a code was rejected; the `Display` text is Chinese because it goes straight into the
/// import error report that users read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    /// Nothing left after normalisation.
    Empty,
    /// Wrong number of characters (counted after normalisation).
    Length { expected: usize, actual: usize },
    /// A character outside the code's alphabet, such as the letters GB 32100 leaves out.
    InvalidChar(char),
    /// The check character does not match; `expected` lets the user see the likely typo.
    CheckChar { expected: char, found: char },
    /// A citizen ID whose birth-date digits (7–14) name no real date.
    BirthDate(String),
    /// Not a mobile number.
    Phone,
    /// Not a six-digit region code.
    Region,
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeError::Empty => f.write_str("不能为空"),
            CodeError::Length { expected, actual } => {
                write!(f, "长度应为{expected}位，实际为 {actual} 位")
            }
            CodeError::InvalidChar(c) => write!(f, "含有非法字符 \"{c}\""),
            CodeError::CheckChar { expected, .. } => write!(f, "校验位错误，应为 {expected}"),
            CodeError::BirthDate(digits) => write!(f, "出生日期 {digits} 不存在"),
            CodeError::Phone => f.write_str("应为以1开头的11位数字"),
            CodeError::Region => f.write_str("应为6位数字"),
        }
    }
}

impl std::error::Error for CodeError {}

/// Converts full-width ASCII forms (U+FF01..U+FF5E) and the ideographic space to half-width,
/// because Chinese input methods often type codes and dates in full width.
pub fn to_half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Brings a code as typed or pasted into canonical form (half-width, no spaces, upper-case), so
/// that the same code always compares equal however it was entered. Shared with the Excel layer.
pub fn normalize_code(s: &str) -> String {
    to_half_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{200B}' | '\u{FEFF}'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Normalises and rejects empty input, the first step every parse shares.
fn normalized_nonempty(s: &str) -> Result<String, CodeError> {
    Some(normalize_code(s))
        .filter(|n| !n.is_empty())
        .ok_or(CodeError::Empty)
}

/// Checks the length in characters, since a pasted code may contain non-ASCII.
fn check_len(s: &str, expected: usize) -> Result<(), CodeError> {
    let actual = s.chars().count();
    (actual == expected)
        .then_some(())
        .ok_or(CodeError::Length { expected, actual })
}

const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
const ORG_CODE_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Values of a credit-code body (its first 17 characters), failing on the first illegal one.
fn credit_values(body: &str) -> Result<Vec<u32>, CodeError> {
    body.chars()
        .map(|c| {
            CREDIT_ALPHABET
                .iter()
                .position(|&a| char::from(a) == c)
                .map(|i| i as u32)
                .ok_or(CodeError::InvalidChar(c))
        })
        .collect()
}

/// The GB 32100 check character for 17 body values.
fn credit_check_char(values: &[u32]) -> char {
    let sum: u32 = values.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
    let r = (31 - sum % 31) % 31;
    char::from(CREDIT_ALPHABET[r as usize])
}

/// 统一社会信用代码 (GB 32100-2015), the key by which social organizations are matched on import.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

/// What a credit code's first two characters say about the registrant; it decides whether the
/// registrant belongs in this (social organization) system at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeCategory {
    /// `51` 社会团体.
    Association,
    /// `52` 民办非企业单位 (社会服务机构).
    ServiceInstitution,
    /// `53` 基金会.
    Foundation,
    /// `31` 律师事务所, treated as a social organization for party building.
    LawFirm,
    /// Any other non-enterprise registrant (`59`, institutions, …): accepted as 其他 with a warning.
    Other,
    /// `9x`: enterprises, individual businesses, co-operatives, which belong to another system.
    Enterprise,
}

impl CodeCategory {
    /// The organization kind the code implies; `None` for enterprises, which cannot be imported.
    pub fn org_kind(self) -> Option<OrgKind> {
        match self {
            CodeCategory::Association => Some(OrgKind::Association),
            CodeCategory::ServiceInstitution => Some(OrgKind::ServiceInstitution),
            CodeCategory::Foundation => Some(OrgKind::Foundation),
            CodeCategory::LawFirm => Some(OrgKind::LawFirm),
            CodeCategory::Other => Some(OrgKind::Other),
            CodeCategory::Enterprise => None,
        }
    }

    /// A Chinese name for messages that explain a mismatch between code and declared type.
    pub fn describe(self) -> &'static str {
        match self {
            CodeCategory::Association => "社会团体",
            CodeCategory::ServiceInstitution => "民办非企业单位",
            CodeCategory::Foundation => "基金会",
            CodeCategory::LawFirm => "律师事务所",
            CodeCategory::Other => "其他",
            CodeCategory::Enterprise => "企业等市场主体",
        }
    }
}

impl CreditCode {
    /// Accepts a code as typed (any width, case or spacing) if its alphabet and check are right.
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let code = normalized_nonempty(s)?;
        check_len(&code, 18)?;
        let values = credit_values(&code)?;
        let (body, last) = values.split_at(17);
        let expected = credit_check_char(body);
        let found = char::from(CREDIT_ALPHABET[last[0] as usize]);
        if expected != found {
            return Err(CodeError::CheckChar { expected, found });
        }
        Ok(CreditCode(code))
    }

    /// Completes a 17-character body with its check character, so generated demo data is valid.
    pub fn from_body(body17: &str) -> Result<Self, CodeError> {
        let mut code = normalized_nonempty(body17)?;
        check_len(&code, 17)?;
        let values = credit_values(&code)?;
        code.push(credit_check_char(&values));
        Ok(CreditCode(code))
    }

    /// The canonical 18-character form, for storage and lookups.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The registrant category, used to check the declared type and to reject enterprises.
    pub fn category(&self) -> CodeCategory {
        match &self.0[..2] {
            "51" => CodeCategory::Association,
            "52" => CodeCategory::ServiceInstitution,
            "53" => CodeCategory::Foundation,
            "31" => CodeCategory::LawFirm,
            p if p.starts_with('9') => CodeCategory::Enterprise,
            _ => CodeCategory::Other,
        }
    }

    /// The registering authority's area code (positions 3–8), to cross-check the stated region.
    pub fn area_code(&self) -> &str {
        &self.0[2..8]
    }

    /// The GB 11714 check character that position 17 should carry, computed from positions 9–16;
    /// `None` if those cannot be valued (not possible for a parsed code, kept for safety).
    pub fn expected_inner_check(&self) -> Option<char> {
        let sum = self.0[8..16]
            .chars()
            .zip(ORG_CODE_WEIGHTS)
            .map(|(c, w)| c.to_digit(36).map(|v| v * w))
            .sum::<Option<u32>>()?;
        Some(match 11 - sum % 11 {
            10 => 'X',
            11 => '0',
            d => char::from_digit(d, 10)?,
        })
    }

    /// Whether the embedded organization code checks out; a mismatch is only a warning because
    /// older codes were issued with faulty inner check characters.
    pub fn inner_check_ok(&self) -> bool {
        self.expected_inner_check() == self.0[16..17].chars().next()
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// 公民身份号码 (GB 11643). Personal data: `Debug` prints only the masked form so that logs never
/// leak it, and there is deliberately no `Display` or `Serialize`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CitizenId {
    id: String,
    birth: NaiveDate,
}

impl CitizenId {
    /// Accepts an 18-character ID (lower-case `x` allowed) with a real birth date and right check.
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let id = normalized_nonempty(s)?;
        check_len(&id, 18)?;
        let mut digits = Vec::with_capacity(17);
        for (i, c) in id.chars().enumerate() {
            match c.to_digit(10) {
                Some(d) if i < 17 => digits.push(d),
                _ if i == 17 && (c.is_ascii_digit() || c == 'X') => {}
                _ => return Err(CodeError::InvalidChar(c)),
            }
        }
        let birth_digits = &id[6..14];
        let number = |r: std::ops::Range<usize>| birth_digits[r].parse::<u32>().unwrap_or(0);
        let birth = i32::try_from(number(0..4))
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, number(4..6), number(6..8)))
            .ok_or_else(|| CodeError::BirthDate(birth_digits.to_string()))?;
        let sum: u32 = digits.iter().zip(ID_WEIGHTS).map(|(d, w)| d * w).sum();
        let expected = char::from(ID_CHECK[(sum % 11) as usize]);
        let found = id[17..].chars().next().unwrap_or(' ');
        if expected != found {
            return Err(CodeError::CheckChar { expected, found });
        }
        Ok(CitizenId { id, birth })
    }

    /// The full number, for the few places (storage, authorised roles) that need it.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The form safe to show anywhere: first 6 and last 4 characters.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.id[..6], &self.id[14..])
    }

    /// The birth date encoded in digits 7–14, known to exist because `parse` checked it.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }
}

impl fmt::Debug for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CitizenId").field(&self.masked()).finish()
    }
}

/// Free text (a log line, a database's error message) with anything shaped like a citizen ID (18
/// characters: 17 digits and a digit or X) or a mobile number (11 digits starting with 1) masked
/// as `CitizenId::masked` and `Phone::masked` do. A run of digits that is part of a longer run of
/// letters and digits (a credit code, a longer number) is left alone; an all-digit credit code is
/// masked too, which costs a log nothing.
pub fn mask_personal_data(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_alphanumeric() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // One run of ASCII letters and digits.
        let start = i;
        while i < chars.len() && chars[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let run = &chars[start..i];
        let digits = |r: &[char]| r.iter().all(char::is_ascii_digit);
        let is_id = run.len() == 18
            && digits(&run[..17])
            && (run[17].is_ascii_digit() || run[17] == 'X' || run[17] == 'x');
        let is_phone = run.len() == 11 && run[0] == '1' && digits(run);
        if is_id {
            out.extend(&run[..6]);
            out.push_str("********");
            out.extend(&run[14..]);
        } else if is_phone {
            out.extend(&run[..3]);
            out.push_str("****");
            out.extend(&run[7..]);
        } else {
            out.extend(run);
        }
    }
    out
}

/// A mainland mobile number. `Debug` prints it masked so that logs do not collect contact data.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts 11 digits starting with 1; dashes and spaces people type as groupings are dropped.
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let n: String = normalized_nonempty(s)?
            .chars()
            .filter(|&c| c != '-')
            .collect();
        if n.len() == 11 && n.starts_with('1') && n.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Phone(n))
        } else {
            Err(CodeError::Phone)
        }
    }

    /// The bare 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form shown in lists: `138****1234`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&self.masked()).finish()
    }
}

/// A GB/T 2260 region code; only the shape is checked here, whether the region is known is the
/// registry's business.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RegionCode(String);

impl RegionCode {
    /// Accepts exactly six digits (full-width allowed).
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        let n = normalized_nonempty(s)?;
        if n.len() == 6 && n.bytes().all(|b| b.is_ascii_digit()) {
            Ok(RegionCode(n))
        } else {
            Err(CodeError::Region)
        }
    }

    /// The six digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: [&str; 3] = [
        "51140300MJY00001XN",
        "52140302MJY000028G",
        "53140322MJY0000367",
    ];

    #[test]
    fn credit_code_valid_vectors() {
        for v in VALID {
            let c = CreditCode::parse(v).unwrap();
            assert_eq!(c.as_str(), v);
            assert_eq!(c.to_string(), v);
            assert!(c.inner_check_ok(), "{v}");
            assert_eq!(CreditCode::from_body(&v[..17]).unwrap(), c);
        }
        let c = CreditCode::parse(VALID[0]).unwrap();
        assert_eq!(c.area_code(), "140300");
        assert_eq!(c.expected_inner_check(), Some('X'));
    }

    #[test]
    fn credit_code_normalisation() {
        let c = CreditCode::parse(" ５１１４０３００ｍｊｙ　０００ 01xn\u{3000}").unwrap();
        assert_eq!(c.as_str(), "51140300MJY00001XN");
        assert_eq!(normalize_code(" ａＢ１ c\u{3000}d "), "AB1CD");
    }

    #[test]
    fn credit_code_errors() {
        let err = CreditCode::parse("51140300MJY00001XA").unwrap_err();
        assert_eq!(err.to_string(), "校验位错误，应为 N");
        assert!(matches!(
            err,
            CodeError::CheckChar {
                expected: 'N',
                found: 'A'
            }
        ));
        let err = CreditCode::parse("51140300MJY00001X").unwrap_err();
        assert_eq!(err.to_string(), "长度应为18位，实际为 17 位");
        assert_eq!(CreditCode::parse("  ").unwrap_err(), CodeError::Empty);
        for bad in ['I', 'O', 'Z', 'S', 'V'] {
            let code = format!("51140300MJ{bad}00001XN");
            let err = CreditCode::parse(&code).unwrap_err();
            assert_eq!(err, CodeError::InvalidChar(bad));
            assert_eq!(err.to_string(), format!("含有非法字符 \"{bad}\""));
        }
        assert_eq!(
            CreditCode::parse("51140300MJY0000号XN").unwrap_err(),
            CodeError::InvalidChar('号')
        );
        assert!(CreditCode::from_body("51140300MJY00001").is_err());
    }

    #[test]
    fn credit_code_categories() {
        use CodeCategory as C;
        let cases = [
            ("51", C::Association),
            ("52", C::ServiceInstitution),
            ("53", C::Foundation),
        ];
        let more = [
            ("31", C::LawFirm),
            ("59", C::Other),
            ("12", C::Other),
            ("91", C::Enterprise),
        ];
        for (prefix, cat) in cases.into_iter().chain(more) {
            let c = CreditCode::from_body(&format!("{prefix}140300MJY00001X")).unwrap();
            assert_eq!(c.category(), cat, "{prefix}");
            let label = cat.org_kind().map_or("企业等市场主体", OrgKind::label);
            assert_eq!(cat.describe(), label);
        }
        assert_eq!(
            C::ServiceInstitution.org_kind(),
            Some(OrgKind::ServiceInstitution)
        );
        assert_eq!(C::LawFirm.org_kind(), Some(OrgKind::LawFirm));
        assert_eq!(C::Other.org_kind(), Some(OrgKind::Other));
        assert_eq!(C::Enterprise.org_kind(), None);
    }

    #[test]
    fn credit_code_inner_check_mismatch_is_detected() {
        let c = CreditCode::from_body("51140300MJY000019").unwrap();
        assert!(!c.inner_check_ok());
        assert_eq!(c.expected_inner_check(), Some('X'));
    }

    #[test]
    fn credit_code_serializes_as_string() {
        let c = CreditCode::parse(VALID[1]).unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"52140302MJY000028G\"");
        let r = RegionCode::parse("140300").unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"140300\"");
    }

    #[test]
    fn personal_data_in_free_text_is_masked() {
        let line = "重复键 (citizen_id)=(11010519491231002X)，电话 13812341234；\
                    信用代码 51140300MJY000010W 与编号 123456789012 不变";
        assert_eq!(
            mask_personal_data(line),
            "重复键 (citizen_id)=(110105********002X)，电话 138****1234；\
             信用代码 51140300MJY000010W 与编号 123456789012 不变"
        );
        // Parts of longer runs are not IDs or phones.
        assert_eq!(mask_personal_data("A13812341234"), "A13812341234");
        assert_eq!(mask_personal_data("x"), "x");
    }

    #[test]
    fn citizen_id_valid_and_masked() {
        let id = CitizenId::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        let debug = format!("{id:?}");
        assert!(!debug.contains("11010519491231002X"), "{debug}");
        assert!(debug.contains("110105********002X"));
        assert_eq!(
            CitizenId::parse("１１０１０５１９４９１２３１００２Ｘ").unwrap(),
            id
        );
    }

    #[test]
    fn citizen_id_errors() {
        let err = CitizenId::parse("110105194912310021").unwrap_err();
        assert_eq!(err.to_string(), "校验位错误，应为 X");
        let err = CitizenId::parse("110105199902300011").unwrap_err();
        assert_eq!(err.to_string(), "出生日期 19990230 不存在");
        assert!(matches!(
            CitizenId::parse("110105194913310021"),
            Err(CodeError::BirthDate(_))
        ));
        let err = CitizenId::parse("1101051949123100").unwrap_err();
        assert_eq!(err.to_string(), "长度应为18位，实际为 16 位");
        assert_eq!(
            CitizenId::parse("11010519491231A02X").unwrap_err(),
            CodeError::InvalidChar('A')
        );
        assert_eq!(
            CitizenId::parse("11010519491231002Y").unwrap_err(),
            CodeError::InvalidChar('Y')
        );
        assert_eq!(CitizenId::parse("").unwrap_err(), CodeError::Empty);
    }

    #[test]
    fn phone() {
        let p = Phone::parse(" 138-0013-1234 ").unwrap();
        assert_eq!(p.as_str(), "13800131234");
        assert_eq!(p.masked(), "138****1234");
        assert!(!format!("{p:?}").contains("13800131234"));
        assert_eq!(Phone::parse("１３８ ００１３ １２３４").unwrap(), p);
        for bad in [
            "23800131234",
            "1380013123",
            "138001312345",
            "1380013123a",
            "+8613800131234",
        ] {
            let err = Phone::parse(bad).unwrap_err();
            assert_eq!(err.to_string(), "应为以1开头的11位数字", "{bad}");
        }
    }

    #[test]
    fn region_code() {
        let r = RegionCode::parse(" １４０３００ ").unwrap();
        assert_eq!(r.as_str(), "140300");
        assert_eq!(r.to_string(), "140300");
        for bad in ["14030", "1403000", "14030a", "阳泉市"] {
            assert_eq!(
                RegionCode::parse(bad).unwrap_err().to_string(),
                "应为6位数字",
                "{bad}"
            );
        }
    }
}
