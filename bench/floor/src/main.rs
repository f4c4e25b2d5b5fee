//! Reads every cell of every worksheet of an .xlsx with calamine and prints what it saw.
//!
//! usage: xlsx-floor FILE.xlsx [cells|range]
//!   cells (default): streaming `worksheet_cells_reader`, the API dangjian itself uses;
//!   range: `worksheet_range`, which materialises each sheet as a dense range.
//! Output: one line per sheet (name, data rows, non-empty cells) and a total line, so the
//! work cannot be optimised away and the row count can be checked.

use calamine::{Data, DataRef, Reader, Xlsx, open_workbook};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: xlsx-floor FILE.xlsx [cells|range]");
        return ExitCode::from(2);
    };
    let mode = args.get(2).map(String::as_str).unwrap_or("cells");
    let mut wb: Xlsx<_> = match open_workbook(path) {
        Ok(wb) => wb,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(1);
        }
    };
    let (mut total_rows, mut total_cells, mut bytes) = (0u64, 0u64, 0u64);
    for name in wb.sheet_names() {
        let (mut rows, mut cells) = (0u64, 0u64);
        match mode {
            "cells" => {
                let mut reader = match wb.worksheet_cells_reader(&name) {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("{name}: {e}");
                        continue;
                    }
                };
                let mut last_row = u32::MAX;
                loop {
                    match reader.next_cell() {
                        Ok(Some(c)) => {
                            let v = c.get_value();
                            if *v == DataRef::Empty {
                                continue;
                            }
                            cells += 1;
                            bytes += match v {
                                DataRef::String(s) => s.len() as u64,
                                DataRef::SharedString(s) => s.len() as u64,
                                _ => 8,
                            };
                            let row = c.get_position().0;
                            if row != last_row {
                                last_row = row;
                                if row > 0 {
                                    rows += 1;
                                }
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            eprintln!("{name}: {e}");
                            return ExitCode::from(1);
                        }
                    }
                }
            }
            "range" => {
                let range = match wb.worksheet_range(&name) {
                    Ok(r) => r,
                    Err(e) => {
                        eprintln!("{name}: {e}");
                        continue;
                    }
                };
                for (i, row) in range.rows().enumerate() {
                    if i > 0 && row.iter().any(|c| *c != Data::Empty) {
                        rows += 1;
                    }
                    for c in row {
                        if *c == Data::Empty {
                            continue;
                        }
                        cells += 1;
                        bytes += match c {
                            Data::String(s) => s.len() as u64,
                            _ => 8,
                        };
                    }
                }
            }
            other => {
                eprintln!("unknown mode {other}");
                return ExitCode::from(2);
            }
        }
        println!("{name}\t{rows} rows\t{cells} cells");
        total_rows += rows;
        total_cells += cells;
    }
    println!("total\t{total_rows} rows\t{total_cells} cells\t{bytes} bytes");
    ExitCode::SUCCESS
}
