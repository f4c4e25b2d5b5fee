//! A small generic writer for exports, the empty template and the error workbook: `.xlsx`, or a
//! `.zip` of `<sheet>.csv` files (UTF-8 with BOM, so that Excel opens them correctly).
//!
//! Text is always written as text (never as a formula or a number), so credit codes and other
//! long digit strings stay exact; in CSV, text beginning with `=`, `+`, `-` or `@` gets a leading
//! `'` so that no spreadsheet runs it as a formula (the CSV reader removes it again).

use std::io::{Cursor, Write};

use chrono::Datelike;
use rust_xlsxwriter::{Color, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// One output cell.
#[derive(Debug, Clone, PartialEq)]
pub enum OutCell {
    Empty,
    Text(String),
    Int(i64),
    Date(chrono::NaiveDate),
    /// A rate as the product displays it (half-up, e.g. "82.3" for 82.3 %), written as the
    /// number 0.823 formatted as a percentage with as many decimals, so that it sorts and sums.
    Percent(String),
    /// A number as it was read (a workbook written back).
    Number(f64),
    /// A date as Excel keeps it (its serial number), written as a date.
    Serial(f64),
    /// A cell a problem names: written as its content, on a red fill.
    Marked(Box<OutCell>),
}

/// One output sheet: a header row, then the data rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OutSheet {
    pub name: String,
    pub headers: Vec<String>,
    /// Same length as `headers` (required columns are marked), or empty.
    pub required: Vec<bool>,
    pub rows: Vec<Vec<OutCell>>,
    /// Per row: an error note, or empty (then no note column is written).
    pub notes: Vec<Option<String>>,
    /// Drop-down lists: (column index, the values offered), applied below the header.
    pub choices: Vec<(usize, Vec<String>)>,
}

/// Header of the added note column.
pub const NOTE_HEADER: &str = "错误说明";
/// Party red, for required headers and notes.
const PARTY_RED: u32 = 0xC8161D;
const HEADER_FILL: u32 = 0xE7E6E6;
const NOTE_FILL: u32 = 0xFDE2E1;
const MAX_WIDTH: usize = 60;

impl OutSheet {
    /// The header texts as written: required ones end with ` *`, plus the note column if any.
    fn header_texts(&self) -> Vec<String> {
        let mut texts: Vec<String> = (self.headers.iter().enumerate())
            .map(|(i, h)| match self.required.get(i) {
                Some(true) => format!("{h} *"),
                _ => h.clone(),
            })
            .collect();
        if !self.notes.is_empty() {
            texts.push(NOTE_HEADER.to_string());
        }
        texts
    }

    fn note(&self, row: usize) -> Option<&str> {
        self.notes
            .get(row)
            .and_then(|n| n.as_deref())
            .filter(|n| !n.is_empty())
    }
}

/// Display width for column sizing: CJK (any non-ASCII) characters count double.
fn display_width(text: &str) -> usize {
    let line = |l: &str| {
        l.chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum::<usize>()
    };
    text.lines().map(line).max().unwrap_or(0)
}

fn to_row(index: usize) -> Result<u32, XlsxError> {
    u32::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)
}

fn to_col(index: usize) -> Result<u16, XlsxError> {
    u16::try_from(index).map_err(|_| XlsxError::RowColumnLimitError)
}

fn date_text(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

struct Formats {
    header: Format,
    required: Format,
    text: Format,
    date: Format,
    note: Format,
}

/// Writes the sheets as an `.xlsx` workbook.
pub fn write_xlsx(sheets: &[OutSheet]) -> Result<Vec<u8>, XlsxError> {
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(HEADER_FILL));
    let formats = Formats {
        required: header.clone().set_font_color(Color::RGB(PARTY_RED)),
        header,
        text: Format::new().set_num_format("@"),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        note: (Format::new().set_font_color(Color::RGB(PARTY_RED)))
            .set_background_color(Color::RGB(NOTE_FILL)),
    };
    let mut workbook = Workbook::new();
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet.set_name(&sheet.name)?;
        write_sheet(worksheet, sheet, &formats)?;
    }
    workbook.save_to_buffer()
}

fn write_sheet(ws: &mut Worksheet, sheet: &OutSheet, f: &Formats) -> Result<(), XlsxError> {
    let headers = sheet.header_texts();
    // The drop-downs cover the data rows and room for more (typed values stay possible: the
    // importer checks them anyway, with synonyms).
    let last = to_row(sheet.rows.len().max(1000))?;
    for (c, values) in &sheet.choices {
        let dv = rust_xlsxwriter::DataValidation::new()
            .allow_list_strings(values)?
            .ignore_blank(true)
            .show_error_message(false);
        ws.add_data_validation(1, to_col(*c)?, last, to_col(*c)?, &dv)?;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| display_width(h)).collect();
    for (c, text) in headers.iter().enumerate() {
        let required = sheet.required.get(c).copied().unwrap_or(false);
        let format = if required { &f.required } else { &f.header };
        ws.write_string_with_format(0, to_col(c)?, text, format)?;
    }
    let mark = Format::new().set_background_color(Color::RGB(NOTE_FILL));
    for (r, row) in sheet.rows.iter().enumerate() {
        let rn = to_row(r + 1)?;
        for (c, cell) in row.iter().enumerate() {
            let col = to_col(c)?;
            // A marked cell keeps its content and its number format, on the note's fill.
            let (cell, marked) = match cell {
                OutCell::Marked(inner) => (inner.as_ref(), true),
                other => (other, false),
            };
            let fmt = |base: &Format| {
                if marked {
                    base.clone().set_background_color(Color::RGB(NOTE_FILL))
                } else {
                    base.clone()
                }
            };
            let width = match cell {
                OutCell::Marked(_) => 0,
                OutCell::Number(n) => {
                    ws.write_number_with_format(rn, col, *n, &fmt(&Format::new()))?;
                    format!("{n}").len()
                }
                OutCell::Serial(v) => {
                    ws.write_number_with_format(rn, col, *v, &fmt(&f.date))?;
                    10
                }
                OutCell::Empty if marked => {
                    ws.write_blank(rn, col, &mark)?;
                    0
                }
                OutCell::Empty => 0,
                OutCell::Text(s) => {
                    ws.write_string_with_format(rn, col, s, &fmt(&f.text))?;
                    display_width(s)
                }
                OutCell::Int(i) => {
                    ws.write_number_with_format(rn, col, *i as f64, &fmt(&Format::new()))?;
                    i.to_string().len()
                }
                OutCell::Percent(p) => {
                    let decimals = p.split_once('.').map_or(0, |(_, d)| d.len());
                    let format = Format::new().set_num_format(if decimals == 0 {
                        "0%".to_string()
                    } else {
                        format!("0.{}%", "0".repeat(decimals))
                    });
                    match p.parse::<f64>() {
                        Ok(v) => ws.write_number_with_format(rn, col, v / 100.0, &format)?,
                        Err(_) => ws.write_string_with_format(rn, col, p, &f.text)?,
                    };
                    p.len() + 1
                }
                OutCell::Date(d) => {
                    let excel = (u16::try_from(d.year()).ok()).and_then(|y| {
                        ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok()
                    });
                    match excel {
                        Some(e) => ws.write_datetime_with_format(rn, col, &e, &f.date)?,
                        None => ws.write_string_with_format(rn, col, date_text(*d), &f.text)?,
                    };
                    10
                }
            };
            grow(&mut widths, c, width);
        }
        if let Some(note) = sheet.note(r) {
            let c = headers.len() - 1; // the note column exists whenever a note does
            ws.write_string_with_format(rn, to_col(c)?, note, &f.note)?;
            grow(&mut widths, c, display_width(note));
        }
    }
    ws.set_freeze_panes(1, 0)?;
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(to_col(c)?, (w + 2).clamp(8, MAX_WIDTH) as f64)?;
    }
    Ok(())
}

fn grow(widths: &mut Vec<usize>, col: usize, width: usize) {
    if widths.len() <= col {
        widths.resize(col + 1, 0);
    }
    if let Some(w) = widths.get_mut(col) {
        *w = (*w).max(width);
    }
}

/// A number, a date serial or a marked cell in a CSV file.
fn csv_cell(cell: &OutCell) -> String {
    match cell {
        OutCell::Empty => String::new(),
        OutCell::Text(s) => csv_text(s),
        OutCell::Int(i) => i.to_string(),
        OutCell::Date(d) => date_text(*d),
        OutCell::Percent(p) => format!("{p}%"),
        OutCell::Number(n) => format!("{n}"),
        OutCell::Serial(v) => crate::excel::cells::date(&crate::excel::source::Cell::Date(*v))
            .ok()
            .flatten()
            .map(date_text)
            .unwrap_or_else(|| format!("{v}")),
        OutCell::Marked(inner) => csv_cell(inner),
    }
}

/// Text for CSV, with the formula-injection guard.
fn csv_text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Writes the sheets as a `.zip` with one `<name>.csv` per sheet (UTF-8 with BOM).
pub fn write_csv_zip(sheets: &[OutSheet]) -> Result<Vec<u8>, std::io::Error> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for sheet in sheets {
        let mut csv = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        csv.write_record(sheet.header_texts())?;
        for (r, row) in sheet.rows.iter().enumerate() {
            let mut record: Vec<String> = (row.iter())
                .map(|cell| match cell {
                    OutCell::Empty => String::new(),
                    OutCell::Text(s) => csv_text(s),
                    OutCell::Int(i) => i.to_string(),
                    OutCell::Date(d) => date_text(*d),
                    OutCell::Percent(p) => format!("{p}%"),
                    other => csv_cell(other),
                })
                .collect();
            if !sheet.notes.is_empty() {
                record.resize(sheet.headers.len().max(record.len()), String::new());
                record.push(sheet.note(r).map(csv_text).unwrap_or_default());
            }
            csv.write_record(&record)?;
        }
        let bytes = csv.into_inner().map_err(|e| e.into_error())?;
        zip.start_file(format!("{}.csv", sheet.name), options)?;
        zip.write_all(&bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::super::source::{Cell, read_bytes};
    use super::*;
    use std::io::Read;

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    #[test]
    fn choices_become_drop_down_lists_and_the_template_offers_them() {
        // The template's 党组织 sheet: 组建方式 is its 3rd column (C), 组织类别 its 2nd (B).
        let bytes = write_xlsx(&crate::excel::export::template_sheets()).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let names: Vec<String> = zip.file_names().map(str::to_string).collect();
        let mut found = false;
        for name in names
            .iter()
            .filter(|n| n.starts_with("xl/worksheets/sheet"))
        {
            let mut xml = String::new();
            zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
            if xml.contains("单独组建,联合组建") {
                assert!(xml.contains("<dataValidation type=\"list\""), "{xml}");
                assert!(xml.contains("sqref=\"C2:C1001\""), "{xml}");
                assert!(xml.contains("党委,党总支,党支部,联合党支部,临时党支部"));
                found = true;
            }
        }
        assert!(found, "the 组建方式 list is in a sheet");
    }

    fn sample(notes: bool) -> OutSheet {
        let text = |s: &str| OutCell::Text(s.to_string());
        let date = chrono::NaiveDate::from_ymd_opt(2020, 1, 15).unwrap();
        OutSheet {
            name: "社会组织".to_string(),
            headers: ["统一社会信用代码", "名称", "成立登记日期", "从业人员数"]
                .map(String::from)
                .to_vec(),
            required: vec![true, true, false, false],
            rows: vec![
                vec![
                    text("123456789012345678"),
                    text("=1+1"),
                    OutCell::Date(date),
                    OutCell::Int(12),
                ],
                vec![OutCell::Empty, text("-5"), OutCell::Empty, OutCell::Int(0)],
            ],
            notes: if notes {
                vec![Some("名称有误".to_string()), None]
            } else {
                vec![]
            },
            choices: Vec::new(),
        }
    }

    fn entry(zip_bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(zip_bytes)).unwrap();
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn xlsx_round_trip_keeps_text_as_text_and_adds_notes() {
        let bytes = write_xlsx(&[sample(true)]).unwrap();
        let wb = read_bytes("导出.xlsx", &bytes).unwrap();
        let s = wb.sheet("社会组织").unwrap();
        let head = [
            "统一社会信用代码 *",
            "名称 *",
            "成立登记日期",
            "从业人员数",
            NOTE_HEADER,
        ];
        assert_eq!(s.header, head.map(t).to_vec());
        let row2 = vec![
            t("123456789012345678"),
            t("=1+1"),
            Cell::Date(43845.0),
            Cell::Number(12.0),
            t("名称有误"),
        ];
        let row3 = vec![Cell::Empty, t("-5"), Cell::Empty, Cell::Number(0.0)];
        assert_eq!((s.rows[0].number, &s.rows[0].cells), (2, &row2));
        assert_eq!((s.rows[1].number, &s.rows[1].cells), (3, &row3));
        let xml = entry(&bytes, "xl/worksheets/sheet1.xml");
        assert!(
            !xml.contains("<f>") && xml.contains(r#"ySplit="1""#),
            "{xml}"
        );
        assert!(entry(&bytes, "xl/styles.xml").contains("C8161D"));
        let plain = read_bytes("x.xlsx", &write_xlsx(&[sample(false)]).unwrap()).unwrap();
        assert_eq!(plain.sheets[0].header.len(), 4);
    }

    #[test]
    fn csv_zip_has_bom_guards_formulas_and_reads_back() {
        let bytes = write_csv_zip(&[
            sample(true),
            OutSheet {
                name: "单位".into(),
                ..sample(false)
            },
        ])
        .unwrap();
        let csv = entry(&bytes, "社会组织.csv");
        assert!(csv.starts_with('\u{FEFF}'));
        assert!(csv.contains("'=1+1") && csv.contains("'-5") && csv.contains("123456789012345678"));
        let wb = read_bytes("导出.zip", &bytes).unwrap();
        let s = wb.sheet("社会组织").unwrap();
        assert_eq!(s.header.last(), Some(&t(NOTE_HEADER)));
        let row2 = vec![
            t("123456789012345678"),
            t("=1+1"),
            t("2020-01-15"),
            t("12"),
            t("名称有误"),
        ];
        assert_eq!(s.rows[0].cells, row2);
        assert_eq!(
            s.rows[1].cells,
            vec![Cell::Empty, t("-5"), Cell::Empty, t("0")]
        );
        assert_eq!(wb.sheet("单位").unwrap().header.len(), 4);
    }
}
