//! CSV text: a sheet from a `.csv` file (UTF-8 or GB18030), the sheet name from the file name.

use super::*;

/// The sheet name for a CSV file name: the stem, without any directory.
pub(super) fn csv_stem(name: &str) -> &str {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.len().checked_sub(4) {
        Some(cut) if base.is_char_boundary(cut) && base[cut..].eq_ignore_ascii_case(".csv") => {
            &base[..cut]
        }
        _ => base,
    }
}

/// UTF-8 (BOM stripped), else GB18030 if it decodes without errors.
pub(super) fn decode_text(bytes: &[u8]) -> Option<String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(body) {
        return Some(s.to_string());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// Text without control characters, not markup (HTML / XML saved as ".xls" by some systems).
pub(super) fn looks_like_csv(bytes: &[u8]) -> bool {
    decode_text(bytes).is_some_and(|t| {
        !t.trim_start().starts_with('<')
            && !t
                .chars()
                .any(|c| (c.is_control() && !matches!(c, '\t' | '\r' | '\n')) || c == '\u{FFFD}')
    })
}

/// Undoes the formula-injection guard of our CSV exports: `'=…` → `=…` (also `+`, `-`, `@`).
pub(super) fn unguard(field: &str) -> String {
    match field.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
        _ => field.to_string(),
    }
}

pub(super) fn csv_sheet(
    file: &str,
    name: &str,
    bytes: &[u8],
    budget: &mut Budget,
) -> Result<Sheet, SourceError> {
    let text = decode_text(bytes).ok_or_else(|| SourceError::CsvDecode(file.to_string()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut sheet = Sheet {
        name: name.to_string(),
        header: Vec::new(),
        rows: Vec::new(),
    };
    let mut record = csv::StringRecord::new();
    let mut index: u32 = 0;
    // The csv reader skips wholly empty lines, which Excel counts as rows, and a quoted cell may
    // span lines, which Excel does not. A record's position is where its parse began, just after
    // the previous record, so the blank lines it skipped are the line breaks it starts with.
    while reader
        .read_record(&mut record)
        .map_err(|e| damaged(file, e))?
    {
        let start = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(0);
        let skipped = leading_blank_lines(text.as_bytes(), start);
        index = index.saturating_add(1).saturating_add(skipped);
        let fields: Vec<&str> = record.iter().collect();
        let width = fields
            .iter()
            .rposition(|f| !f.is_empty())
            .map_or(0, |i| i + 1);
        let blank = fields.iter().all(|f| f.trim().is_empty());
        if index > 1 && blank {
            continue;
        }
        take_budget(name, budget, width)?;
        let cells = fields[..width]
            .iter()
            .map(|f| text_cell(unguard(f)))
            .collect();
        // The first non-blank record is the header, also after blank lines (as CSV files
        // always imported; in a worksheet the header must be row 1).
        if sheet.header.is_empty() && sheet.rows.is_empty() {
            sheet.header = cells;
        } else {
            let number = index;
            sheet.rows.push(Row { number, cells });
        }
    }
    Ok(sheet)
}

/// The number of line breaks at `text[from..]` before anything else (the blank lines a CSV
/// record's parse skipped); `\r\n`, `\r` and `\n` each end one line. A `\n` right at `from`
/// that completes the previous record's `\r\n` is not a blank line.
pub(super) fn leading_blank_lines(text: &[u8], from: usize) -> u32 {
    let Some(rest) = text.get(from..) else {
        return 0;
    };
    let completes_crlf = from > 0 && text.get(from - 1) == Some(&b'\r');
    let mut i = usize::from(completes_crlf && rest.first() == Some(&b'\n'));
    let mut n: u32 = 0;
    loop {
        match (rest.get(i), rest.get(i + 1)) {
            (Some(b'\r'), Some(b'\n')) => i += 2,
            (Some(b'\r' | b'\n'), _) => i += 1,
            _ => return n,
        }
        n = n.saturating_add(1);
    }
}
