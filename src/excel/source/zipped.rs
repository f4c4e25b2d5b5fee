//! A `.zip` of `<sheet>.csv` files, each entry within the unpacked-size limit.

use super::text::{csv_sheet, csv_stem};
use super::*;

/// The name of a zip entry: UTF-8, else GB18030 (Chinese Windows zips do not flag UTF-8).
pub(super) fn entry_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling(raw)
            .0
            .into_owned(),
    }
}

pub(super) fn read_zip(file: &str, bytes: &[u8], limits: &Limits) -> Result<Workbook, SourceError> {
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
        return read_xlsx(file, bytes, limits.cells, limits.unzipped_bytes);
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
