use super::stream::*;
use super::xlsx::*;
use super::*;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula};
use std::io::Write;

fn t(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn sample_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("社会组织").unwrap();
    for (i, h) in ["名称", "成立登记日期", "正式党员数", "合计"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, 2 + i as u16, *h).unwrap();
    }
    ws.write_string(1, 2, "甲协会").unwrap();
    let date = ExcelDateTime::from_ymd(2020, 1, 15).unwrap();
    let format = Format::new().set_num_format("yyyy-mm-dd");
    ws.write_datetime_with_format(1, 3, &date, &format).unwrap();
    ws.write_number(1, 4, 5).unwrap();
    ws.write_formula(1, 5, Formula::new("=E2+1").set_result("6"))
        .unwrap();
    ws.merge_range(2, 2, 2, 3, "合并", &Format::new()).unwrap();
    ws.write_string(4, 2, "   ").unwrap();
    ws.write_string(5, 2, "51140300MJY00001XM").unwrap();
    ws.write_formula(5, 5, "=E6*2").unwrap();
    wb.add_worksheet().set_name("空表").unwrap();
    wb.save_to_buffer().unwrap()
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for (name, content) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The sample workbook with its first sheet's XML changed by `edit`.
fn sample_xlsx_edited(edit: impl Fn(String) -> String) -> Vec<u8> {
    let bytes = sample_xlsx();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut entries = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        if entry.name() == "xl/worksheets/sheet1.xml" {
            content = edit(String::from_utf8(content).unwrap()).into_bytes();
        }
        entries.push((entry.name().to_string(), content));
    }
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    zip_of(&refs)
}

#[test]
fn a_streamed_sheet_with_a_cell_beyond_the_last_column_is_refused_not_allocated() {
    // ZZZZZZ is column 321,272,406: far beyond XFD (16,384), a reference no program writes.
    let bytes = sample_xlsx_edited(|xml| {
        xml.replacen(
            "</sheetData>",
            r#"<row r="9"><c r="ZZZZZZ9" t="n"><v>1</v></c></row></sheetData>"#,
            1,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("far.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let mut stream = XlsxStream::open(&path).unwrap().expect("an .xlsx file");
    let mut parts = 0;
    let result = stream.read("社会组织", 10, &mut |_| {
        parts += 1;
        true
    });
    assert!(
        matches!(result, Err(SourceError::TooManyCells(ref s, _)) if s == "社会组织"),
        "{result:?}"
    );
    // The rows before it were handed over as usual.
    assert!(parts >= 1);
    // The unedited workbook streams whole.
    let path = dir.path().join("ok.xlsx");
    std::fs::write(&path, sample_xlsx()).unwrap();
    let mut stream = XlsxStream::open(&path).unwrap().expect("an .xlsx file");
    assert_eq!(stream.sheet_names(), ["社会组织", "空表"]);
    let sheet = stream.sheet("社会组织").unwrap();
    let whole = read_bytes("ok.xlsx", &sample_xlsx()).unwrap();
    assert_eq!(Some(&sheet), whole.sheet("社会组织"));
}

#[test]
fn xlsx_cells_land_at_true_positions() {
    let wb = read_bytes("台账.xlsx", &sample_xlsx()).unwrap();
    assert_eq!(wb.sheets.len(), 2);
    let s = wb.sheet("社会组织").unwrap();
    let (e, n) = (Cell::Empty, Cell::Number);
    let head = [t("名称"), t("成立登记日期"), t("正式党员数"), t("合计")];
    assert_eq!(s.header, [&[e.clone(), e.clone()][..], &head].concat());
    let row2 = vec![
        e.clone(),
        e.clone(),
        t("甲协会"),
        Cell::Date(43845.0),
        n(5.0),
        n(6.0),
    ];
    let row3 = vec![e.clone(), e.clone(), t("合并")];
    let code = t("51140300MJY00001XM");
    let row6 = vec![e.clone(), e.clone(), code, e.clone(), e.clone(), n(0.0)];
    let got: Vec<_> = s.rows.iter().map(|r| (r.number, r.cells.clone())).collect();
    assert_eq!(got, vec![(2, row2), (3, row3), (6, row6)]);
    let empty = wb.sheet(" 空表 ").unwrap();
    assert!(empty.header.is_empty() && empty.rows.is_empty());
}

#[test]
fn formula_without_cached_value_is_an_error_cell() {
    let mut zip = zip::ZipArchive::new(Cursor::new(sample_xlsx())).unwrap();
    let mut entries = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut content = String::new();
        f.read_to_string(&mut content).unwrap();
        let patched = content.replace("<f>E6*2</f><v>0</v>", "<f>E6*2</f>");
        assert_eq!(f.name() == "xl/worksheets/sheet1.xml", patched != content);
        entries.push((f.name().to_string(), patched));
    }
    let refs: Vec<_> = entries
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_bytes()))
        .collect();
    let wb = read_bytes("台账.xlsx", &zip_of(&refs)).unwrap();
    let row = &wb.sheet("社会组织").unwrap().rows[2];
    assert_eq!(row.cells[5], Cell::Error(NO_CACHED_VALUE.to_string()));
}

const CSV: &str = "名称,党员数\r\n甲协会,5\r\n , \r\n\"乙,\"\"会\"\"\",\r\n丙\n";

fn expected_csv(name: &str) -> Sheet {
    let rows = [
        (2, vec![t("甲协会"), t("5")]),
        (4, vec![t("乙,\"会\"")]),
        (5, vec![t("丙")]),
    ];
    let rows = rows
        .into_iter()
        .map(|(number, cells)| Row { number, cells })
        .collect();
    let header = vec![t("名称"), t("党员数")];
    Sheet {
        name: name.to_string(),
        header,
        rows,
    }
}

fn gb18030(s: &str) -> Vec<u8> {
    let bytes = encoding_rs::GB18030.encode(s).0.into_owned();
    assert!(std::str::from_utf8(&bytes).is_err());
    bytes
}

#[test]
fn csv_utf8_bom_and_gb18030_give_the_same_cells() {
    let utf8 = [&b"\xEF\xBB\xBF"[..], CSV.as_bytes()].concat();
    let a = read_bytes("社会组织.csv", &utf8).unwrap();
    assert_eq!(a.sheets, vec![expected_csv("社会组织")]);
    assert_eq!(a, read_bytes("dir/社会组织.CSV", &gb18030(CSV)).unwrap());
    let by_content = read_bytes("upload", &gb18030(CSV)).unwrap();
    assert_eq!(by_content.sheets, vec![expected_csv("upload")]);
}

#[test]
fn zip_of_csv_files() {
    let gb = gb18030(CSV);
    let bytes = zip_of(&[
        ("社会组织.csv", CSV.as_bytes()),
        ("子目录/党组织.csv", &gb),
        ("说明.txt", b"not a sheet"),
        ("__MACOSX/._单位.csv", b"\x00\x05junk"),
    ]);
    let wb = read_bytes("导入.zip", &bytes).unwrap();
    assert_eq!(
        wb.sheets,
        vec![expected_csv("社会组织"), expected_csv("党组织")]
    );
    let err = read_bytes("a.zip", &zip_of(&[("说明.txt", b"x")])).unwrap_err();
    assert!(matches!(err, SourceError::NotAWorkbook(_)), "{err}");
}

#[test]
fn directory_of_csv_files_and_files_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("社会组织.csv"), CSV).unwrap();
    std::fs::write(dir.path().join("单位.csv"), gb18030(CSV)).unwrap();
    std::fs::write(dir.path().join("说明.txt"), "x").unwrap();
    let wb = open(dir.path()).unwrap();
    assert_eq!(
        wb.sheets,
        vec![expected_csv("单位"), expected_csv("社会组织")]
    );
    let xlsx = dir.path().join("台账.xlsx");
    std::fs::write(&xlsx, sample_xlsx()).unwrap();
    assert_eq!(open(&xlsx).unwrap().sheets.len(), 2);
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(open(empty.path()), Err(SourceError::NoSheets(_))));
    let missing = open(&dir.path().join("无.xlsx")).unwrap_err();
    assert!(missing.to_string().contains("不存在"), "{missing}");
}

#[test]
fn bad_input_gives_clear_errors_never_panics() {
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let err = read_bytes("a.xlsx", &junk).unwrap_err();
    assert!(err.to_string().contains("不是有效的 Excel 工作簿"), "{err}");
    let html = read_bytes(
        "导出.xls",
        b"<html><table><tr><td>1</td></tr></table></html>",
    );
    assert!(matches!(html, Err(SourceError::NotAWorkbook(_))));
    assert!(matches!(
        read_bytes("a.xlsx", b""),
        Err(SourceError::Empty(_))
    ));
    let xls = [
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..],
        &[0u8; 504],
    ]
    .concat();
    let err = read_bytes("旧.xls", &xls).unwrap_err();
    assert!(matches!(err, SourceError::OldXls(_)) && err.to_string().contains(".xlsx"));
    let full = sample_xlsx();
    let err = read_bytes("a.xlsx", &full[..full.len() / 2]).unwrap_err();
    assert!(err.to_string().starts_with("文件已损坏或不完整"), "{err}");
    for cut in (0..full.len()).step_by(97) {
        let _ = read_bytes("a.xlsx", &full[..cut]);
    }
    let mut flipped = full.clone();
    for i in (30..flipped.len()).step_by(211) {
        flipped[i] ^= 0x5A;
        let _ = read_bytes("a.xlsx", &flipped);
    }
    let bad_csv = read_bytes("a.csv", &[0xFF, 0xFE, 0xFF, 0x00]).unwrap_err();
    assert!(matches!(bad_csv, SourceError::CsvDecode(ref file) if file == "a.csv"));
}

#[test]
fn csv_row_numbers_count_blank_lines_and_multi_line_cells_as_excel_does() {
    // Row 1 header; row 2 a list over two lines in one cell; row 3 blank; row 4 data.
    let text = "名称,列表\n甲,\"A\nB\"\n\n乙,C\n";
    let wb = read_bytes("社会组织.csv", text.as_bytes()).unwrap();
    let numbers: Vec<u32> = wb.sheets[0].rows.iter().map(|r| r.number).collect();
    assert_eq!(numbers, [2, 4]);
    // As Excel shows them: 乙 is row 5 after two blank lines (LF and CRLF alike); a cell over
    // two lines keeps its row one row; a row of commas is a (blank) row too.
    let cases: [(&str, &[u32]); 6] = [
        ("名称\n甲\n\n\n乙\n", &[2, 5]),
        // Blank lines before the header: the header is still the header.
        ("\n\n名称\n甲\n", &[4]),
        ("名称\r\n甲\r\n\r\n\r\n乙\r\n", &[2, 5]),
        ("名称,列表\n甲,\"A\nB\"\n乙,C\n", &[2, 3]),
        ("名称,列表\r\n甲,\"A\r\nB\"\r\n\r\n乙,C", &[2, 4]),
        ("名称,列表\n甲,\n,\n乙,C\n", &[2, 4]),
    ];
    for (text, want) in cases {
        let wb = read_bytes("社会组织.csv", text.as_bytes()).unwrap();
        let numbers: Vec<u32> = wb.sheets[0].rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, want, "{text:?}");
        assert_eq!(wb.sheets[0].header.first(), Some(&t("名称")), "{text:?}");
    }
}

#[test]
fn rows_assembled_from_cells_out_of_order_and_repeated() {
    // Cells as a hand-written file might give them: row 2 before row 1, a cell of row 1
    // written twice (the later value wins), a blank row 3 and a row 4 met in two pieces.
    let mut b = RowsBuilder::new(100);
    b.put(0, 0, t("名称")).unwrap();
    b.put(2, 1, t("乙")).unwrap();
    b.put(1, 0, t("旧")).unwrap();
    b.put(1, 0, t("甲")).unwrap();
    b.put(3, 0, t("  ")).unwrap();
    b.put(4, 0, t("丙")).unwrap();
    b.put(1, 2, Cell::Number(3.0)).unwrap();
    b.put(4, 1, t("丁")).unwrap();
    let (sheet, left) = b.finish("表".into());
    assert_eq!(sheet.header, [t("名称")]);
    let rows: Vec<(u32, Vec<Cell>)> = sheet
        .rows
        .into_iter()
        .map(|r| (r.number, r.cells))
        .collect();
    assert_eq!(
        rows,
        [
            (2, vec![t("甲"), Cell::Empty, Cell::Number(3.0)]),
            (3, vec![Cell::Empty, t("乙")]),
            (5, vec![t("丙"), t("丁")]),
        ]
    );
    // Slots kept: 1 (header) + 3 + 2 + 2 = 8; the blank row's slot was given back.
    assert_eq!(left, 100 - 8);
}

/// The parts of a streamed sheet in a short form: `H:<cells>` or `R<row numbers>`.
fn parts(cells: &[(u32, u32, &str)], batch: usize) -> Result<Vec<String>, ()> {
    let mut rows = RowStream::new(batch);
    let mut out = Vec::new();
    let show = |p: SheetPart| match p {
        SheetPart::Header(h) => format!("H:{}", h.len()),
        SheetPart::Rows(r) => format!(
            "R{}",
            r.iter()
                .map(|r| r.number.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    for (row, col, text) in cells {
        let cell = if text.is_empty() { t(" ") } else { t(text) };
        out.extend(rows.put(*row, *col, cell)?.into_iter().map(show));
    }
    out.extend(rows.finish().into_iter().map(show));
    Ok(out)
}

#[test]
fn streamed_rows_come_after_the_header_in_batches_without_blank_rows() {
    // Header of 2 cells; rows 2, 3 (blank: a space only), 4, 6 (1-based) in batches of 2.
    let cells = [
        (0, 0, "a"),
        (0, 1, "b"),
        (1, 1, "x"),
        (1, 0, "y"), // columns in any order within a row
        (2, 0, ""),
        (3, 0, "z"),
        (5, 2, "w"),
    ];
    assert_eq!(parts(&cells, 2).unwrap(), ["H:2", "R2,4", "R6"]);
    // No row 1: an empty header, then the rows.
    assert_eq!(parts(&[(1, 0, "x")], 10).unwrap(), ["H:0", "R2"]);
    // Nothing at all: an empty header only.
    assert_eq!(parts(&[], 10).unwrap(), ["H:0"]);
    // Rows reaching far to the right make smaller batches.
    let far = [
        (1, 0, "a"),
        (1, 150_000, "b"),
        (2, 150_000, "c"),
        (3, 0, "d"),
    ];
    assert_eq!(parts(&far, 10).unwrap(), ["H:0", "R2,3", "R4"]);
    // A cell of a row already passed: refused (such a sheet is read whole instead).
    assert_eq!(parts(&[(0, 0, "a"), (2, 0, "b"), (1, 0, "c")], 10), Err(()));
}

#[test]
fn a_far_right_cell_is_charged_before_it_is_allocated() {
    let mut b = RowsBuilder::new(1_000);
    b.put(0, 0, t("名称")).unwrap();
    // Column XFD (16,384 slots) does not fit a budget of 1,000.
    assert!(b.put(1, 16_383, t("x")).is_err());
    let wide = {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet().set_name("社会组织").unwrap();
        ws.write_string(0, 0, "名称").unwrap();
        for r in 1..=700u32 {
            ws.write_string(r, 16_383, "x").unwrap();
        }
        wb.save_to_buffer().unwrap()
    };
    // 700 rows of 16,384 slots = 11.5 million > MAX_CELLS (10 million).
    match read_bytes("宽.xlsx", &wide) {
        Err(SourceError::TooManyCells(sheet, _)) => assert_eq!(sheet, "社会组织"),
        other => panic!("expected TooManyCells, got {other:?}"),
    }
}

#[test]
fn one_shared_string_in_many_cells_is_charged_for_every_cell() {
    // A 30,000-character string in 400 cells: one shared string of 30 kB in the file, 12 MB of
    // text once read. With 10 MB allowed unpacked, the file itself passes, its cells do not.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet().set_name("摸排").unwrap();
    let long = "x".repeat(30_000);
    for r in 0..400 {
        ws.write_string(r, 0, &long).unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    assert!(bytes.len() < 200_000, "a small file: {} bytes", bytes.len());
    let limits = Limits {
        file_bytes: 20 * MB,
        unzipped_bytes: 10 * MB,
        shared_strings_bytes: 10 * MB,
        cells: 2_000_000,
    };
    match read_bytes_within("a.xlsx", &bytes, &limits) {
        Err(e @ SourceError::TextTooLarge(..)) => {
            assert!(e.to_string().contains("超过 10 MB"), "{e}");
        }
        other => panic!("expected TextTooLarge, got {other:?}"),
    }
    // The same workbook within a larger allowance reads whole.
    let roomy = Limits {
        unzipped_bytes: 20 * MB,
        ..limits
    };
    let wb = read_bytes_within("a.xlsx", &bytes, &roomy).expect("read");
    assert_eq!(wb.sheets[0].rows.len(), 399, "the header and 399 data rows");
}
