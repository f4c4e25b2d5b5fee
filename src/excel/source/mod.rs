//! Reading a workbook: `.xlsx`, or a folder / `.zip` of `<sheet>.csv` files (UTF-8 with or
//! without BOM, or GB18030), into sheets of cells.
//!
//! The format is detected by content, not by file name. Nothing here panics on bad input: every
//! problem becomes a [`SourceError`] whose text tells the user, in Chinese, what to do.

use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx, XlsxError};

mod stream;
#[cfg(test)]
mod tests;
mod text;
mod xlsx;
mod zipped;

pub use stream::{MAX_STREAMED_UNZIPPED_BYTES, SheetPart, XlsxStream};
use text::{csv_sheet, csv_stem, looks_like_csv};
use xlsx::read_xlsx;
use zipped::read_zip;

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
        "文件 {0} 中单元格的文字合计超过 {1} MB（同一段文字被许多单元格引用），可能已损坏或不是正常的工作簿；请删除多余的内容后重新保存"
    )]
    TextTooLarge(String, u64),
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
