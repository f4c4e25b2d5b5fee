//! An `.xlsx` workbook streamed sheet by sheet, row by row, in batches (the CLI's import).

use super::xlsx::{map_value, xlsx_damaged};
use super::*;

/// The limit on the unpacked size of a streamed workbook (the sizes its zip directory declares):
/// its rows are never held whole, so it is far above [`MAX_UNZIPPED_BYTES`].
pub const MAX_STREAMED_UNZIPPED_BYTES: u64 = 8 * 1024 * MB;

/// Columns of a worksheet (A … XFD).
pub(super) const MAX_COLUMNS: u32 = 16_384;

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
pub(super) struct RowStream {
    current: Option<(u32, Vec<Cell>)>,
    header_given: bool,
    batch: Vec<Row>,
    size: usize,
    /// Cell slots in `batch` (a row widened by a far-right cell counts all of its slots).
    slots: usize,
}

/// Cell slots a batch of streamed rows holds at most (rows reaching far to the right make
/// smaller batches, so that a batch stays a few MB).
pub(super) const BATCH_SLOTS: usize = 200_000;

impl RowStream {
    pub(super) fn new(size: usize) -> Self {
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
    pub(super) fn put(&mut self, row: u32, col: u32, cell: Cell) -> Result<Vec<SheetPart>, ()> {
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

    pub(super) fn place(cells: &mut Vec<Cell>, col: u32, cell: Cell) {
        let col = col as usize;
        if col >= cells.len() {
            cells.resize(col + 1, Cell::Empty);
        }
        cells[col] = cell;
    }

    pub(super) fn complete(&mut self, (row, cells): (u32, Vec<Cell>), ready: &mut Vec<SheetPart>) {
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
    pub(super) fn finish(mut self) -> Vec<SheetPart> {
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
