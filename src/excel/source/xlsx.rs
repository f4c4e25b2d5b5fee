//! An `.xlsx` workbook read whole into memory, its cells assembled into rows within a budget.

use super::*;

/// Reads a workbook whole: at most `cells` cell slots, and at most `text_bytes` of cell text
/// counted once per cell (a shared string is one string in the file but a copy in every cell
/// that shows it: a small file of one long string in many cells would otherwise fill memory).
pub(super) fn read_xlsx(
    file: &str,
    bytes: &[u8],
    cells: usize,
    text_bytes: u64,
) -> Result<Workbook, SourceError> {
    // calamine is not supposed to panic, but this input comes from users: be certain.
    std::panic::catch_unwind(|| read_xlsx_inner(file, bytes, cells, text_bytes))
        .unwrap_or_else(|_| Err(damaged(file, "无法解析工作簿内容")))
}

pub(super) fn xlsx_damaged(file: &str, e: &XlsxError) -> SourceError {
    damaged(file, format!("工作簿内容无效：{e}"))
}

pub(super) fn read_xlsx_inner(
    file: &str,
    bytes: &[u8],
    cells: usize,
    text_bytes: u64,
) -> Result<Workbook, SourceError> {
    let mut text_left = text_bytes;
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
            if let Cell::Text(t) = &cell {
                text_left = text_left.checked_sub(t.len() as u64).ok_or_else(|| {
                    SourceError::TextTooLarge(file.to_string(), text_bytes / (1024 * 1024))
                })?;
            }
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

pub(super) fn map_value(value: DataRef<'_>, offset_1904: f64) -> Cell {
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
pub(super) struct RowsBuilder {
    /// 0-based row numbers with their cells, in the order first met.
    rows: Vec<(u32, Vec<Cell>)>,
    /// Whether `rows` is in ascending row order without repeats.
    ordered: bool,
    /// Cell slots (including the empty ones that pad a row) still allowed for the workbook: a
    /// row widened to a far-right column is charged for every slot before it is allocated.
    budget: usize,
}

/// The width a new row reserves: its predecessor's, within reason.
pub(super) const RESERVE_MAX: usize = 64;

impl RowsBuilder {
    pub(super) fn new(budget: usize) -> Self {
        RowsBuilder {
            rows: Vec::new(),
            ordered: true,
            budget,
        }
    }

    /// Places a cell (0-based row and column); `Err` when the slot budget is spent.
    pub(super) fn put(&mut self, row: u32, col: u32, cell: Cell) -> Result<(), ()> {
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
    pub(super) fn finish(mut self, name: String) -> (Sheet, usize) {
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
