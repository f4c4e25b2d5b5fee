//! The import of an .xlsx file as it streams out of the file (the CLI's `import`): one thread
//! reads the sheets row by row while the validation and the writes run on the other core. The
//! records are validated and written in parts inside one transaction, so that a workbook of a
//! million orgs is imported with bounded memory; all or nothing still holds: a workbook found
//! to have an error anywhere is rolled back whole (and a preview is rolled back in any case).

use std::path::Path;

use chrono::NaiveDate;
use tokio::sync::mpsc;

use super::import::{ImportOutcome, Mode, finish, may_import};
use crate::app::{Actor, AppError};
use crate::db::{DatasetWrite, Db, DbError};
use crate::excel::columns::{self, SheetSpec};
use crate::excel::import::{Pass, Validation};
use crate::excel::source::{Cell, Row, Sheet, SheetPart, SourceError, XlsxStream};

/// Rows per batch handed from the reading thread.
const BATCH_ROWS: usize = 1000;
/// How a streamed import runs.
#[derive(Debug, Clone)]
pub struct StreamOptions {
    /// Written, or previewed (written and rolled back).
    pub mode: Mode,
    /// Records validated before they are written as a part (also at the end of each sheet).
    pub part_records: usize,
}

impl Default for StreamOptions {
    fn default() -> Self {
        StreamOptions {
            mode: Mode::Write,
            part_records: 10_000,
        }
    }
}

/// Why a streamed import stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The file could not be read (rejected input).
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<DbError> for StreamError {
    fn from(e: DbError) -> StreamError {
        StreamError::App(e.into())
    }
}

/// What the reading thread hands over, in this order: the 摸排 sheet whole (if any), the 单位
/// sheet and the 摸排活动 sheet whole (if any), then for each [`Pass`] whose sheet exists its header, its rows in
/// batches, and its end.
enum Event {
    Census(Sheet),
    Units(Sheet),
    Campaigns(Sheet),
    Begin(Pass, Vec<Cell>),
    Rows(Vec<Row>),
    End,
}

/// Imports an .xlsx file streamed (see the module). `Ok(None)` when the path is not an .xlsx
/// file, or one whose cells are not stored row by row: read it whole then
/// ([`super::import_workbook`]). `progress` is told what is being done, now and then.
pub async fn import_xlsx(
    db: &Db,
    actor: &Actor,
    path: &Path,
    options: StreamOptions,
    progress: &(dyn Fn(String) + Sync),
) -> Result<Option<ImportOutcome>, StreamError> {
    may_import(actor)?;
    let today: NaiveDate = db.clock().today();
    let Some(stream) = XlsxStream::open(path)? else {
        return Ok(None);
    };
    let sheet_names = stream.sheet_names();
    let known = crate::app::registry::known(db).await?;
    let (tx, mut rx) = mpsc::channel::<Result<Event, SourceError>>(4);
    let names = sheet_names.clone();
    let reader = std::thread::spawn(move || read_in_order(stream, &names, &tx));
    let mut v = Validation::new(&known, today, &sheet_names);
    let mut writer = Some(
        db.begin_dataset_write(&actor.scope, actor.name(), today)
            .await?,
    );
    let mut census = None;
    let mut failure = None;
    let (mut sheet, mut rows) = ("", 0usize);
    while let Some(event) = rx.recv().await {
        match event {
            Err(e) => {
                failure = Some(e);
                break;
            }
            Ok(Event::Census(s)) => {
                v.census_codes(&s);
                census = Some(s);
            }
            Ok(Event::Units(s)) => v.units(&s),
            Ok(Event::Campaigns(s)) => v.campaigns(&s),
            Ok(Event::Begin(pass, header)) => {
                (sheet, rows) = (pass.spec().name, 0);
                v.begin(pass, &header);
            }
            Ok(Event::Rows(batch)) => {
                for row in &batch {
                    v.row(row);
                    if v.held() >= options.part_records.max(1) {
                        write_part(&mut v, &mut writer).await?;
                    }
                }
                rows += batch.len();
                progress(format!("{sheet}：已读 {rows} 行"));
            }
            Ok(Event::End) => {
                v.end();
                write_part(&mut v, &mut writer).await?;
            }
        }
    }
    drop(rx);
    // The thread ends at its next hand-over once the receiver is gone.
    let _ = reader.join();
    match failure {
        Some(SourceError::Unordered(_)) => return Ok(None),
        Some(e) => return Err(e.into()),
        None => {}
    }
    if let Some(s) = &census {
        v.census(s);
    }
    let (rest, report) = v.finish();
    match writer {
        // Dropped without finishing: nothing of the parts written is kept.
        Some(_) if report.has_errors() => Ok(Some(ImportOutcome {
            report,
            written: None,
            detected: None,
            saved: false,
        })),
        Some(mut w) => {
            w.write(&rest).await?;
            drop(rest);
            progress(match options.mode {
                Mode::Preview => "正在汇总将发生的变化……".into(),
                _ => "正在计算覆盖状态并提交……".into(),
            });
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(Some(
                finish(db, actor, w, &name, options.mode.clone(), report).await?,
            ))
        }
        None => Ok(None),
    }
}

/// Takes the records validated so far and writes them, unless the workbook has shown an error
/// already (the rest is then only checked, to report every problem).
async fn write_part(
    v: &mut Validation<'_>,
    writer: &mut Option<DatasetWrite>,
) -> Result<(), DbError> {
    let part = v.take();
    if let Some(w) = writer
        && !v.has_errors()
    {
        w.write(&part).await?;
    }
    Ok(())
}

/// The reading thread: hands over the sheets in the order the validation needs them.
fn read_in_order(
    mut stream: XlsxStream,
    names: &[String],
    tx: &mpsc::Sender<Result<Event, SourceError>>,
) {
    let find = |spec: &SheetSpec| names.iter().find(|n| n.trim() == spec.name).cloned();
    let send = |event: Event| tx.blocking_send(Ok(event)).is_ok();
    let mut run = || -> Result<(), SourceError> {
        if let Some(name) = find(&columns::CENSUS)
            && !send(Event::Census(stream.sheet(&name)?))
        {
            return Ok(());
        }
        if let Some(name) = find(&columns::UNITS)
            && !send(Event::Units(stream.sheet(&name)?))
        {
            return Ok(());
        }
        if let Some(name) = find(&columns::CAMPAIGNS)
            && !send(Event::Campaigns(stream.sheet(&name)?))
        {
            return Ok(());
        }
        for pass in Pass::STREAMED {
            let Some(name) = find(pass.spec()) else {
                continue;
            };
            let mut open = true;
            stream.read(&name, BATCH_ROWS, &mut |part| {
                open = send(match part {
                    SheetPart::Header(header) => Event::Begin(pass, header),
                    SheetPart::Rows(rows) => Event::Rows(rows),
                });
                open
            })?;
            if !open || !send(Event::End) {
                return Ok(());
            }
        }
        Ok(())
    };
    if let Err(e) = run() {
        let _ = tx.blocking_send(Err(e));
    }
}
