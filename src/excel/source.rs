//! Reading a workbook: `.xlsx`, or a folder / `.zip` of `<sheet>.csv` files (UTF-8 with or
//! without BOM, or GB18030), into sheets of cells.
//!
//! The format is detected by content, not by file name. Nothing here panics on bad input: every
//! problem becomes a [`SourceError`] whose text tells the user, in Chinese, what to do.

use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx, XlsxError};

/// One cell as read, before any field rule is applied.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    /// An Excel date cell, as its serial number in the 1900 date system.
    Date(f64),
    /// An Excel error value (`#DIV/0!`), or a formula without a cached value; the text says which.
    Error(String),
}

/// A data row; `number` is the row number as Excel shows it (1-based; the header is row 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: u32,
    pub cells: Vec<Cell>,
}

/// One sheet: its header row (row 1) and its non-empty data rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<Cell>,
    pub rows: Vec<Row>,
}

/// All sheets of a workbook (or of a folder / zip of CSV files), in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
}

impl Workbook {
    /// The sheet with this name (surrounding spaces ignored).
    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets.iter().find(|s| s.name.trim() == name.trim())
    }
}

/// Largest file accepted (a technical limit, not a business rule).
pub const MAX_FILE_BYTES: u64 = 200 * 1024 * 1024;
/// Largest total decompressed size of a zip / xlsx (guards against zip bombs).
pub const MAX_UNZIPPED_BYTES: u64 = 500 * 1024 * 1024;
/// Largest number of cell slots kept in memory for one workbook.
pub const MAX_CELLS: usize = 10_000_000;
const MB: u64 = 1024 * 1024;

/// What a workbook held in memory may take, by where it comes from (the review's F4: a small
/// upload must not unpack into gigabytes). Sizes in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The file itself.
    pub file_bytes: u64,
    /// Its parts unpacked (zip bombs).
    pub unzipped_bytes: u64,
    /// An .xlsx's shared-strings part unpacked (held whole by the reader).
    pub shared_strings_bytes: u64,
    /// Cell slots kept (padding included).
    pub cells: usize,
}

impl Limits {
    /// The registry workbook (the CLI, the city admin's import page).
    pub const IMPORT: Limits = Limits {
        file_bytes: MAX_FILE_BYTES,
        unzipped_bytes: MAX_UNZIPPED_BYTES,
        shared_strings_bytes: 200 * MB,
        cells: MAX_CELLS,
    };
    /// A campaign's 摸排 workbook uploaded by an org, an instructor or a unit: one row per org
    /// in the campaign (a county's: a few thousand).
    pub const CENSUS: Limits = Limits {
        file_bytes: 20 * MB,
        unzipped_bytes: 60 * MB,
        shared_strings_bytes: 20 * MB,
        cells: 2_000_000,
    };
}

/// Cell slots still allowed for a workbook, and the limit they started from (for the message).
struct Budget {
    left: usize,
    limit: usize,
}

impl Budget {
    fn of(limit: usize) -> Budget {
        Budget { left: limit, limit }
    }
}
/// Text of the cell error for a formula saved without its computed value.
pub const NO_CACHED_VALUE: &str = "公式没有计算结果（缓存值），请在 Excel 中重新计算并保存";

/// Why a file could not be read; the text is for the user.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(
        "文件 {0} 不是有效的 Excel 工作簿（.xlsx），也不是 CSV 文件或 CSV 压缩包；请使用下载的模板，在 Excel 中保存为「Excel 工作簿（.xlsx）」后再导入"
    )]
    NotAWorkbook(String),
    #[error(
        "文件 {0} 是旧版 Excel 97-2003 工作簿（.xls）或设置了打开密码，无法读取；请在 Excel 中取消密码并「另存为」Excel 工作簿（.xlsx）后再导入"
    )]
    OldXls(String),
    #[error("文件已损坏或不完整：{0}（{1}）；请重新保存或重新上传完整的文件")]
    Damaged(String, String),
    /// Sizes in MB.
    #[error("文件过大（{1} MB），上限为 {2} MB：{0}；请拆分后分批导入")]
    TooLarge(String, u64, u64),
    #[error("文件 {0} 解压后超过 {1} MB，可能已损坏或不是正常的工作簿；请拆分后分批导入")]
    UnzippedTooLarge(String, u64),
    #[error(
        "文件 {0} 中的文字内容（共享字符串表）解压后超过 {1} MB，可能已损坏或不是正常的工作簿；请删除多余的内容后重新保存"
    )]
    SharedStringsTooLarge(String, u64),
    #[error(
        "工作表 {0} 的数据范围过大（超过 {1} 个单元格）；请删除表格右侧和下方多余的内容后再导入"
    )]
    TooManyCells(String, usize),
    #[error("{0} 中没有任何工作表（.xlsx 中的工作表，或文件夹 / 压缩包中的 .csv 文件）")]
    NoSheets(String),
    #[error("文件 {0} 没有数据（文件是空的）")]
    Empty(String),
    #[error(
        "工作表 {0} 的单元格未按行的顺序存放，无法逐行读取；请在 Excel 中打开并另存为 Excel 工作簿（.xlsx）后再导入"
    )]
    Unordered(String),
    #[error("无法读取文件 {0}：{1}")]
    Io(String, String),
    #[error(
        "CSV 文件 {0} 无法识别编码（既不是 UTF-8，也不是 GB18030/GBK）；请在 Excel 中另存为「CSV UTF-8（逗号分隔）」后再导入"
    )]
    CsvDecode(String),
}

fn io_error(path: &Path, e: &std::io::Error) -> SourceError {
    let detail = match e.kind() {
        std::io::ErrorKind::NotFound => "文件或文件夹不存在".to_string(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".to_string(),
        _ => e.to_string(),
    };
    SourceError::Io(path.display().to_string(), detail)
}

/// `size` and `limit` in bytes.
fn too_large(file: impl std::fmt::Display, size: u64, limit: u64) -> SourceError {
    SourceError::TooLarge(file.to_string(), size.div_ceil(MB), limit / MB)
}

fn damaged(file: &str, detail: impl std::fmt::Display) -> SourceError {
    SourceError::Damaged(file.to_string(), detail.to_string())
}

fn zip_damaged(file: &str, e: &zip::result::ZipError) -> SourceError {
    use zip::result::ZipError;
    match e {
        ZipError::UnsupportedArchive(m) if *m == ZipError::PASSWORD_REQUIRED => {
            damaged(file, "压缩包设置了密码，请取消密码后再导入")
        }
        ZipError::InvalidArchive(m) => damaged(file, format!("压缩包结构无效：{m}")),
        other => damaged(file, format!("解压失败：{other}")),
    }
}

/// Reads a file (by content: xlsx, zip of CSV, or CSV), or every `*.csv` of a directory.
pub fn open(path: &Path) -> Result<Workbook, SourceError> {
    let io = |e: std::io::Error| io_error(path, &e);
    if !std::fs::metadata(path).map_err(io)?.is_dir() {
        let name = path
            .file_name()
            .unwrap_or(path.as_os_str())
            .to_string_lossy();
        return read_bytes(&name, &read_file_limited(path)?);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io)? {
        let p = entry.map_err(io)?.path();
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(name) = name
            && p.is_file()
            && name.to_lowercase().ends_with(".csv")
            && !name.starts_with('.')
        {
            files.push((p, name));
        }
    }
    files.sort();
    let (mut sheets, mut budget, mut total) = (Vec::new(), Budget::of(MAX_CELLS), 0);
    for (p, name) in files {
        let bytes = read_file_limited(&p)?;
        total += bytes.len() as u64;
        if total > MAX_UNZIPPED_BYTES {
            return Err(too_large(path.display(), total, MAX_UNZIPPED_BYTES));
        }
        let shown = p.display().to_string();
        sheets.push(csv_sheet(&shown, csv_stem(&name), &bytes, &mut budget)?);
    }
    if sheets.is_empty() {
        let file = format!("文件夹 {}", path.display());
        return Err(SourceError::NoSheets(file));
    }
    Ok(Workbook { sheets })
}

/// Reads a file whole, after checking its size.
fn read_file_limited(path: &Path) -> Result<Vec<u8>, SourceError> {
    let len = std::fs::metadata(path)
        .map_err(|e| io_error(path, &e))?
        .len();
    if len > MAX_FILE_BYTES {
        return Err(too_large(path.display(), len, MAX_FILE_BYTES));
    }
    std::fs::read(path).map_err(|e| io_error(path, &e))
}

/// Reads a workbook from memory (a file, or a browser upload); `file_name` is used for CSV sheet
/// names and in messages. The format is detected by content.
pub fn read_bytes(file_name: &str, bytes: &[u8]) -> Result<Workbook, SourceError> {
    read_bytes_within(file_name, bytes, &Limits::IMPORT)
}

/// [`read_bytes`] within the limits of where the file comes from.
pub fn read_bytes_within(
    file_name: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Workbook, SourceError> {
    let file = file_name.to_string();
    if bytes.len() as u64 > limits.file_bytes {
        return Err(too_large(file, bytes.len() as u64, limits.file_bytes));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(SourceError::Empty(file));
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return read_zip(file_name, bytes, limits);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(SourceError::OldXls(file));
    }
    let named_csv = file_name.to_lowercase().ends_with(".csv");
    if named_csv || looks_like_csv(bytes) {
        let mut budget = Budget::of(limits.cells);
        let sheet = csv_sheet(file_name, csv_stem(file_name), bytes, &mut budget)?;
        return Ok(Workbook {
            sheets: vec![sheet],
        });
    }
    Err(SourceError::NotAWorkbook(file))
}

/// The sheet name for a CSV file name: the stem, without any directory.
fn csv_stem(name: &str) -> &str {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.len().checked_sub(4) {
        Some(cut) if base.is_char_boundary(cut) && base[cut..].eq_ignore_ascii_case(".csv") => {
            &base[..cut]
        }
        _ => base,
    }
}

/// UTF-8 (BOM stripped), else GB18030 if it decodes without errors.
fn decode_text(bytes: &[u8]) -> Option<String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(body) {
        return Some(s.to_string());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// Text without control characters, not markup (HTML / XML saved as ".xls" by some systems).
fn looks_like_csv(bytes: &[u8]) -> bool {
    decode_text(bytes).is_some_and(|t| {
        !t.trim_start().starts_with('<')
            && !t
                .chars()
                .any(|c| (c.is_control() && !matches!(c, '\t' | '\r' | '\n')) || c == '\u{FFFD}')
    })
}

/// Undoes the formula-injection guard of our CSV exports: `'=…` → `=…` (also `+`, `-`, `@`).
fn unguard(field: &str) -> String {
    match field.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_string(),
        _ => field.to_string(),
    }
}

fn text_cell(s: String) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s)
    }
}

fn is_blank(cell: &Cell) -> bool {
    match cell {
        Cell::Empty => true,
        Cell::Text(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn take_budget(sheet: &str, budget: &mut Budget, n: usize) -> Result<(), SourceError> {
    let left = budget.left.checked_sub(n);
    budget.left = left.ok_or_else(|| SourceError::TooManyCells(sheet.to_string(), budget.limit))?;
    Ok(())
}

fn csv_sheet(
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
fn leading_blank_lines(text: &[u8], from: usize) -> u32 {
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

/// The name of a zip entry: UTF-8, else GB18030 (Chinese Windows zips do not flag UTF-8).
fn entry_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling(raw)
            .0
            .into_owned(),
    }
}

fn read_zip(file: &str, bytes: &[u8], limits: &Limits) -> Result<Workbook, SourceError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| zip_damaged(file, &e))?;
    let is_xlsx = zip
        .file_names()
        .any(|n| n.eq_ignore_ascii_case("xl/workbook.xml"));
    let mut total = 0u64;
    let mut csvs = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| zip_damaged(file, &e))?;
        let name = entry_name(entry.name_raw());
        let base = name.rsplit(['/', '\\']).next().unwrap_or(&name);
        let is_csv = !entry.is_dir()
            && base.to_lowercase().ends_with(".csv")
            && !base.starts_with('.')
            && !name.starts_with("__MACOSX");
        if !is_xlsx && !is_csv {
            continue;
        }
        let mut content = Vec::new();
        let limit = limits.unzipped_bytes.saturating_sub(total) + 1;
        let n = if is_xlsx {
            std::io::copy(&mut (&mut entry).take(limit), &mut std::io::sink())
        } else {
            (&mut entry)
                .take(limit)
                .read_to_end(&mut content)
                .map(|n| n as u64)
        }
        .map_err(|e| damaged(file, format!("解压 {name} 失败：{e}")))?;
        total += n;
        if total > limits.unzipped_bytes {
            let limit = limits.unzipped_bytes / MB;
            return Err(SourceError::UnzippedTooLarge(file.to_string(), limit));
        }
        // The shared strings are held whole by the reader, so they have a limit of their own.
        if is_xlsx
            && name.eq_ignore_ascii_case("xl/sharedStrings.xml")
            && n > limits.shared_strings_bytes
        {
            let limit = limits.shared_strings_bytes / MB;
            return Err(SourceError::SharedStringsTooLarge(file.to_string(), limit));
        }
        if is_csv {
            csvs.push((name, content));
        }
    }
    if is_xlsx {
        return read_xlsx(file, bytes, limits.cells);
    }
    if csvs.is_empty() {
        return Err(SourceError::NotAWorkbook(file.to_string()));
    }
    let mut budget = Budget::of(limits.cells);
    let mut sheets = Vec::new();
    for (name, content) in csvs {
        let shown = format!("{file}/{name}");
        sheets.push(csv_sheet(&shown, csv_stem(&name), &content, &mut budget)?);
    }
    Ok(Workbook { sheets })
}

fn read_xlsx(file: &str, bytes: &[u8], cells: usize) -> Result<Workbook, SourceError> {
    // calamine is not supposed to panic, but this input comes from users: be certain.
    std::panic::catch_unwind(|| read_xlsx_inner(file, bytes, cells))
        .unwrap_or_else(|_| Err(damaged(file, "无法解析工作簿内容")))
}

fn xlsx_damaged(file: &str, e: &XlsxError) -> SourceError {
    damaged(file, format!("工作簿内容无效：{e}"))
}

fn read_xlsx_inner(file: &str, bytes: &[u8], cells: usize) -> Result<Workbook, SourceError> {
    let mut xlsx: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| xlsx_damaged(file, &e))?;
    let offset_1904 = if xlsx.has_1904_epoch() { 1462.0 } else { 0.0 };
    let mut budget = cells;
    let mut sheets = Vec::new();
    for name in xlsx.sheet_names() {
        let mut reader = match xlsx.worksheet_cells_reader(&name) {
            Ok(reader) => reader,
            Err(XlsxError::NotAWorksheet(_)) => continue, // chart sheets and the like
            Err(e) => return Err(xlsx_damaged(file, &e)),
        };
        let mut rows = RowsBuilder::new(budget);
        while let Some(record) = reader
            .next_cell_with_formula_metadata()
            .map_err(|e| xlsx_damaged(file, &e))?
        {
            let cell = if record.formula.is_some() && record.value == DataRef::Empty {
                Cell::Error(NO_CACHED_VALUE.to_string())
            } else {
                map_value(record.value, offset_1904)
            };
            if cell != Cell::Empty {
                let (row, col) = record.pos;
                rows.put(row, col, cell)
                    .map_err(|()| SourceError::TooManyCells(name.clone(), cells))?;
            }
        }
        let (sheet, left) = rows.finish(name);
        budget = left;
        sheets.push(sheet);
    }
    if sheets.is_empty() {
        return Err(SourceError::NoSheets(file.to_string()));
    }
    Ok(Workbook { sheets })
}

/// The limit on the unpacked size of a streamed workbook (the sizes its zip directory declares):
/// its rows are never held whole, so it is far above [`MAX_UNZIPPED_BYTES`].
pub const MAX_STREAMED_UNZIPPED_BYTES: u64 = 8 * 1024 * MB;

/// Columns of a worksheet (A … XFD).
const MAX_COLUMNS: u32 = 16_384;

/// A part of a streamed sheet: its first row (the header), then its non-blank rows in batches.
#[derive(Debug)]
pub enum SheetPart {
    Header(Vec<Cell>),
    Rows(Vec<Row>),
}

/// An .xlsx workbook read from its file sheet by sheet, each sheet's rows as they stream out of
/// the file, so that a workbook too large to hold in memory is read with little (the CLI's
/// import). calamine still holds the shared-strings table whole.
pub struct XlsxStream {
    xlsx: Xlsx<std::io::BufReader<std::fs::File>>,
    file: String,
    offset_1904: f64,
}

impl XlsxStream {
    /// Opens an .xlsx file for streaming; `Ok(None)` when the path is not an .xlsx file (a CSV
    /// file, a folder, a zip of CSV files: read those whole with [`open`]).
    pub fn open(path: &Path) -> Result<Option<XlsxStream>, SourceError> {
        let io = |e: std::io::Error| io_error(path, &e);
        let meta = std::fs::metadata(path).map_err(io)?;
        if meta.is_dir() {
            return Ok(None);
        }
        let file = path
            .file_name()
            .unwrap_or(path.as_os_str())
            .to_string_lossy()
            .to_string();
        if meta.len() > MAX_FILE_BYTES {
            return Err(too_large(path.display(), meta.len(), MAX_FILE_BYTES));
        }
        let mut magic = [0u8; 4];
        let mut f = std::fs::File::open(path).map_err(io)?;
        if f.read_exact(&mut magic).is_err() || &magic != b"PK\x03\x04" {
            return Ok(None);
        }
        let zip = zip::ZipArchive::new(std::fs::File::open(path).map_err(io)?)
            .map_err(|e| zip_damaged(&file, &e))?;
        if !zip
            .file_names()
            .any(|n| n.eq_ignore_ascii_case("xl/workbook.xml"))
        {
            return Ok(None);
        }
        // (Unknown when the sizes follow the data: the rows are streamed, so memory stays
        // bounded all the same.)
        let declared = zip.decompressed_size().unwrap_or(0);
        if declared > u128::from(MAX_STREAMED_UNZIPPED_BYTES) {
            let limit = MAX_STREAMED_UNZIPPED_BYTES / MB;
            return Err(SourceError::UnzippedTooLarge(file, limit));
        }
        let reader = std::io::BufReader::new(std::fs::File::open(path).map_err(io)?);
        let xlsx = std::panic::catch_unwind(|| Xlsx::new(reader))
            .map_err(|_| damaged(&file, "无法解析工作簿内容"))?
            .map_err(|e| xlsx_damaged(&file, &e))?;
        let offset_1904 = if xlsx.has_1904_epoch() { 1462.0 } else { 0.0 };
        Ok(Some(XlsxStream {
            xlsx,
            file,
            offset_1904,
        }))
    }

    /// The names of the worksheets (chart sheets and the like left out).
    pub fn sheet_names(&self) -> Vec<String> {
        self.xlsx
            .sheets_metadata()
            .iter()
            .filter(|s| s.typ == calamine::SheetType::WorkSheet)
            .map(|s| s.name.clone())
            .collect()
    }

    /// Streams a sheet to `f`: its header first (empty when row 1 is empty), then its non-blank
    /// rows in batches of up to `batch`. `f` answers false to stop early. A sheet whose cells are
    /// not stored row by row (no spreadsheet program writes them so) is refused with
    /// [`SourceError::Unordered`]: read such a workbook whole.
    pub fn read(
        &mut self,
        name: &str,
        batch: usize,
        f: &mut dyn FnMut(SheetPart) -> bool,
    ) -> Result<(), SourceError> {
        let file = self.file.clone();
        let offset_1904 = self.offset_1904;
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut reader = self
                .xlsx
                .worksheet_cells_reader(name)
                .map_err(|e| xlsx_damaged(&file, &e))?;
            let mut rows = RowStream::new(batch);
            while let Some(record) = reader
                .next_cell_with_formula_metadata()
                .map_err(|e| xlsx_damaged(&file, &e))?
            {
                let cell = if record.formula.is_some() && record.value == DataRef::Empty {
                    Cell::Error(NO_CACHED_VALUE.to_string())
                } else {
                    map_value(record.value, offset_1904)
                };
                if cell == Cell::Empty {
                    continue;
                }
                let (row, col) = record.pos;
                // Excel's last column is XFD (16,384): a reference beyond it is not a cell.
                if col >= MAX_COLUMNS {
                    return Err(SourceError::TooManyCells(name.to_string(), MAX_CELLS));
                }
                let ready = rows
                    .put(row, col, cell)
                    .map_err(|()| SourceError::Unordered(name.to_string()))?;
                for part in ready {
                    if !f(part) {
                        return Ok(());
                    }
                }
            }
            for part in rows.finish() {
                if !f(part) {
                    return Ok(());
                }
            }
            Ok(())
        }))
        .unwrap_or_else(|_| Err(damaged(&self.file, "无法解析工作簿内容")))
    }

    /// Reads a sheet whole (for the short ones).
    pub fn sheet(&mut self, name: &str) -> Result<Sheet, SourceError> {
        let mut sheet = Sheet {
            name: name.to_string(),
            header: Vec::new(),
            rows: Vec::new(),
        };
        let mut cells = 0usize;
        let mut too_many = false;
        self.read(name, 1000, &mut |part| {
            match part {
                SheetPart::Header(h) => sheet.header = h,
                SheetPart::Rows(rows) => {
                    cells += rows.iter().map(|r| r.cells.len()).sum::<usize>();
                    sheet.rows.extend(rows);
                }
            }
            too_many = cells > MAX_CELLS;
            !too_many
        })?;
        if too_many {
            return Err(SourceError::TooManyCells(name.to_string(), MAX_CELLS));
        }
        Ok(sheet)
    }
}

/// Assembles the rows of a streamed sheet, row by row: a row is complete when the next one
/// starts. Row 0 is the header, given first; blank rows are dropped.
struct RowStream {
    current: Option<(u32, Vec<Cell>)>,
    header_given: bool,
    batch: Vec<Row>,
    size: usize,
    /// Cell slots in `batch` (a row widened by a far-right cell counts all of its slots).
    slots: usize,
}

/// Cell slots a batch of streamed rows holds at most (rows reaching far to the right make
/// smaller batches, so that a batch stays a few MB).
const BATCH_SLOTS: usize = 200_000;

impl RowStream {
    fn new(size: usize) -> Self {
        RowStream {
            current: None,
            header_given: false,
            batch: Vec::with_capacity(size.max(1)),
            size: size.max(1),
            slots: 0,
        }
    }

    /// Places a cell (0-based row and column); answers the parts completed by it, or `Err` when
    /// the cell belongs to a row already completed.
    fn put(&mut self, row: u32, col: u32, cell: Cell) -> Result<Vec<SheetPart>, ()> {
        let mut ready = Vec::new();
        match &mut self.current {
            Some((r, _)) if *r > row => return Err(()),
            Some((r, cells)) if *r == row => {
                Self::place(cells, col, cell);
                return Ok(ready);
            }
            _ => {}
        }
        let mut cells = Vec::new();
        Self::place(&mut cells, col, cell);
        if let Some(done) = self.current.replace((row, cells)) {
            self.complete(done, &mut ready);
        }
        Ok(ready)
    }

    fn place(cells: &mut Vec<Cell>, col: u32, cell: Cell) {
        let col = col as usize;
        if col >= cells.len() {
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = cell;
    }

    fn complete(&mut self, (row, cells): (u32, Vec<Cell>), ready: &mut Vec<SheetPart>) {
        if !self.header_given {
            self.header_given = true;
            if row == 0 {
                ready.push(SheetPart::Header(cells));
                return;
            }
            ready.push(SheetPart::Header(Vec::new()));
        }
        if cells.iter().all(is_blank) {
            return;
        }
        self.slots += cells.len();
        self.batch.push(Row {
            number: row.saturating_add(1),
            cells,
        });
        if self.batch.len() >= self.size || self.slots >= BATCH_SLOTS {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(self.size));
            self.slots = 0;
            ready.push(SheetPart::Rows(full));
        }
    }

    /// The parts left at the end of the sheet.
    fn finish(mut self) -> Vec<SheetPart> {
        let mut ready = Vec::new();
        if let Some(done) = self.current.take() {
            self.complete(done, &mut ready);
        }
        if !self.header_given {
            ready.push(SheetPart::Header(Vec::new()));
        }
        if !self.batch.is_empty() {
            ready.push(SheetPart::Rows(std::mem::take(&mut self.batch)));
        }
        ready
    }
}

fn map_value(value: DataRef<'_>, offset_1904: f64) -> Cell {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text_cell(s),
        DataRef::SharedString(s) => text_cell(s.to_string()),
        DataRef::Float(f) => Cell::Number(f),
        DataRef::Int(i) => Cell::Number(i as f64),
        DataRef::Bool(b) => Cell::Bool(b),
        DataRef::DateTime(d) => Cell::Date(d.as_f64() + offset_1904),
        DataRef::Error(e) => Cell::Error(e.to_string()),
    }
}

/// Assembles a sheet's rows from its cells as they stream out of the file: in document order
/// (row by row, columns ascending) each cell lands in the row being built, so no cell is held
/// twice. A file written out of order is put right at the end (stably: of two values for one
/// cell, the last one read wins).
struct RowsBuilder {
    /// 0-based row numbers with their cells, in the order first met.
    rows: Vec<(u32, Vec<Cell>)>,
    /// Whether `rows` is in ascending row order without repeats.
    ordered: bool,
    /// Cell slots (including the empty ones that pad a row) still allowed for the workbook: a
    /// row widened to a far-right column is charged for every slot before it is allocated.
    budget: usize,
}

/// The width a new row reserves: its predecessor's, within reason.
const RESERVE_MAX: usize = 64;

impl RowsBuilder {
    fn new(budget: usize) -> Self {
        RowsBuilder {
            rows: Vec::new(),
            ordered: true,
            budget,
        }
    }

    /// Places a cell (0-based row and column); `Err` when the slot budget is spent.
    fn put(&mut self, row: u32, col: u32, cell: Cell) -> Result<(), ()> {
        let col = col as usize;
        let last = self.rows.last().map(|(r, cells)| (*r, cells.len()));
        let cells = match last {
            Some((r, _)) if r == row => &mut self.rows.last_mut().ok_or(())?.1,
            _ => {
                if last.is_some_and(|(r, _)| r > row) {
                    self.ordered = false;
                }
                let reserve = last.map_or(0, |(_, len)| len).min(RESERVE_MAX);
                self.rows.push((row, Vec::with_capacity(reserve)));
                &mut self.rows.last_mut().ok_or(())?.1
            }
        };
        if col >= cells.len() {
            let grow = col + 1 - cells.len();
            self.budget = self.budget.checked_sub(grow).ok_or(())?;
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = cell;
        Ok(())
    }

    /// The sheet (row 0 is the header; blank data rows are dropped) and the budget left.
    fn finish(mut self, name: String) -> (Sheet, usize) {
        if !self.ordered && !self.rows.is_empty() {
            self.rows.sort_by_key(|(row, _)| *row);
            let mut merged: Vec<(u32, Vec<Cell>)> = Vec::with_capacity(self.rows.len());
            for (row, cells) in self.rows {
                match merged.last_mut() {
                    Some((last, into)) if *last == row => {
                        // Both pieces were charged; the merged row keeps the wider one's slots.
                        self.budget += cells.len().min(into.len());
                        if cells.len() > into.len() {
                            into.resize(cells.len(), Cell::Empty);
                        }
                        for (col, cell) in cells.into_iter().enumerate() {
                            if cell != Cell::Empty {
                                into[col] = cell;
                            }
                        }
                    }
                    _ => merged.push((row, cells)),
                }
            }
            self.rows = merged;
        }
        let mut sheet = Sheet {
            name,
            header: Vec::new(),
            rows: Vec::with_capacity(self.rows.len()),
        };
        for (row, cells) in self.rows {
            if row > 0 && cells.iter().all(is_blank) {
                self.budget += cells.len(); // blank rows do not count
                continue;
            }
            if row == 0 {
                sheet.header = cells;
            } else {
                sheet.rows.push(Row {
                    number: row.saturating_add(1),
                    cells,
                });
            }
        }
        (sheet, self.budget)
    }
}

#[cfg(test)]
mod tests {
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
}
