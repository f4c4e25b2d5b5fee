//! The command line: `serve`, `migrate`, `import`, `export`, `template`, `demo`, `stats`.
//! Exit codes: 0 success, 1 rejected input, 2 usage (clap), 3 database, 4 files and other
//! failures.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

mod users;

use crate::app::Actor;
use crate::app::registry::{ImportOutcome, Mode, import_workbook, stream};
use crate::db::{Db, DbError, ReadOptions, Scope};
use crate::excel::{export, source, writer};
use crate::stats::{self, By};

/// Who the command line's writes are by, in the audit log and the histories.
const CLI_ACTOR: &str = "cli";

#[derive(Debug, Parser)]
#[command(name = "dangjian", version, about = "社会组织党建工作管理平台")]
pub struct Cli {
    /// 数据库地址：sqlite://文件路径 或 postgres://用户@主机/数据库
    #[arg(
        long,
        global = true,
        env = "DANGJIAN_DATABASE_URL",
        default_value = "sqlite://dangjian.db"
    )]
    pub database: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 启动服务（JSON API）
    Serve {
        /// 监听地址
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// 数据库为空时先生成演示数据
        #[arg(long)]
        demo: bool,
        /// 只通过 HTTPS 发送登录 Cookie（经 HTTPS 反向代理访问时使用）
        #[arg(long)]
        secure_cookies: bool,
        /// 反向代理写入客户端地址的请求头，如 X-Forwarded-For 或 X-Real-IP（用于登录限速和审计日志；不经代理时不要设置）
        #[arg(long, value_name = "HEADER")]
        client_ip_header: Option<String>,
    },
    /// 执行数据库迁移
    Migrate,
    /// 导入登记台账（.xlsx，或 CSV 文件夹 / .zip）；有任何错误时不保存
    Import {
        file: PathBuf,
        /// 把带“错误说明”列的工作簿写到此文件
        #[arg(long)]
        errors_out: Option<PathBuf>,
        /// 只校验，不保存
        #[arg(long)]
        dry_run: bool,
    },
    /// 导出登记台账（.xlsx，或 .zip 为 CSV）
    Export { file: PathBuf },
    /// 写出空白模板（含填写说明）
    Template { file: PathBuf },
    /// 生成演示数据
    Demo {
        #[arg(long, default_value_t = 20211231)]
        seed: u64,
        #[arg(long, default_value_t = 700)]
        orgs: usize,
        /// 同时把演示数据写成工作簿
        #[arg(long)]
        xlsx: Option<PathBuf>,
        /// 只写工作簿，不写数据库
        #[arg(long, requires = "xlsx")]
        no_db: bool,
    },
    /// 用户管理
    User {
        #[command(subcommand)]
        what: users::UserCommand,
    },
    /// 工作台账（清账销号）
    Ledger {
        #[command(subcommand)]
        what: LedgerCommand,
    },
    /// 统计
    Stats {
        #[command(subcommand)]
        what: StatsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// 按当前数据生成台账事项（不重复生成未销号的同类事项），并标记已满足销号条件的事项
    Detect,
    /// 列出台账事项
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// 党的组织覆盖和工作覆盖统计
    Coverage {
        /// 统计截止日期 YYYY-MM-DD（默认今天）
        #[arg(long)]
        as_of: Option<NaiveDate>,
        #[arg(long, value_enum, default_value = "region")]
        by: By,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// 双向进入、交叉任职统计
    CrossAppointment {
        /// 统计截止日期 YYYY-MM-DD（默认今天）
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Table,
}

/// A failure with its exit code and a message for the terminal.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Failure {
        let code = if matches!(e, DbError::BadUrl(_)) {
            2
        } else {
            3
        };
        Failure {
            code,
            message: e.to_string(),
        }
    }
}

fn rejected(message: impl Into<String>) -> Failure {
    Failure {
        code: 1,
        message: message.into(),
    }
}

fn file_failure(path: &Path, e: impl std::fmt::Display) -> Failure {
    Failure {
        code: 4,
        message: format!("无法写入文件 {}：{e}", path.display()),
    }
}

/// Today's date in Beijing — the default "as of" (the system clock; see `crate::clock`).
fn today() -> NaiveDate {
    crate::clock::Clock::system().today()
}

/// How `serve` starts the web server. The binary (`main.rs`) passes it in: the one place that
/// knows both the command line and the web layer, which never import each other.
pub type Server =
    fn(
        Db,
        crate::app::Deployment,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<()>> + Send>>;

/// Runs a parsed command line.
pub async fn run(cli: Cli, server: Server) -> Result<(), Failure> {
    match cli.command {
        Command::Serve {
            listen,
            demo,
            secure_cookies,
            client_ip_header,
        } => {
            let db = Db::open(&cli.database).await?;
            if demo && db.is_empty().await? {
                eprintln!("数据库为空，正在生成演示数据……");
                crate::app::demo::populate(&db, 20211231, 700).await?;
            }
            users::ensure_first_admin(&db).await?;
            // A write committed before a crash left its ledger detection pending: caught up
            // beside the server (it may take a while on a large registry).
            {
                let db = db.clone();
                tokio::spawn(async move {
                    match crate::app::ledger::catch_up(&db).await {
                        Ok(Some(s)) => {
                            tracing::info!(raised = s.raised, "pending ledger detection caught up")
                        }
                        Ok(None) => {}
                        Err(e) => tracing::warn!(error = %e, "pending ledger detection failed"),
                    }
                });
            }
            // The setting of earlier versions still turns Secure on.
            let secure_cookies = secure_cookies
                || db
                    .setting("security.cookie_secure")
                    .await?
                    .is_some_and(|v| v == "1");
            let deployment = crate::app::Deployment {
                listen,
                secure_cookies,
                client_ip_header,
            };
            server(db, deployment).await.map_err(|e| Failure {
                code: 4,
                message: format!("服务启动失败：{e}"),
            })
        }
        Command::User { what } => {
            let db = Db::open(&cli.database).await?;
            users::run(&db, what).await
        }
        Command::Ledger { what } => {
            let db = Db::open(&cli.database).await?;
            ledger_command(&db, what).await
        }
        Command::Migrate => {
            let db = Db::open(&cli.database).await?;
            println!("数据库迁移已完成");
            if let Some(s) = crate::app::ledger::catch_up(&db)
                .await
                .map_err(app_failure)?
            {
                println!(
                    "已补做上次写入后未完成的台账检查：新生成 {} 项，{} 项已满足销号条件",
                    s.raised, s.closable
                );
            }
            Ok(())
        }
        Command::Import {
            file,
            errors_out,
            dry_run,
        } => import_command(&cli.database, &file, errors_out.as_deref(), dry_run).await,
        Command::Export { file } => {
            let db = Db::open(&cli.database).await?;
            let data = db
                .read_dataset(&Scope::City, ReadOptions::default())
                .await?;
            write_sheets(&file, &export::dataset_sheets(&data, today()))?;
            println!(
                "已导出 {} 个社会组织、{} 个党组织到 {}",
                data.orgs.len(),
                data.party_orgs.len(),
                file.display()
            );
            Ok(())
        }
        Command::Template { file } => {
            write_sheets(&file, &export::template_sheets())?;
            println!("已写出模板 {}", file.display());
            Ok(())
        }
        Command::Demo {
            seed,
            orgs,
            xlsx,
            no_db,
        } => {
            if let Some(path) = &xlsx {
                let data = crate::demo::generate(seed, orgs, today());
                write_sheets(path, &export::dataset_sheets(&data, today()))?;
                println!("已写出演示工作簿 {}", path.display());
            }
            if !no_db {
                let db = Db::open(&cli.database).await?;
                let summary = crate::app::demo::populate(&db, seed, orgs).await?;
                println!(
                    "演示数据：新增社会组织 {}，党组织 {}，指导员 {}",
                    summary.orgs_added, summary.party_orgs_added, summary.instructors_added
                );
            }
            Ok(())
        }
        Command::Stats {
            what: StatsCommand::CrossAppointment { as_of },
        } => {
            let db = Db::open(&cli.database).await?;
            let r =
                stats::cross_appointment(&db, &Scope::City, as_of.unwrap_or_else(today)).await?;
            let json = serde_json::to_string_pretty(&r).map_err(|e| Failure {
                code: 4,
                message: e.to_string(),
            })?;
            println!("{json}");
            Ok(())
        }
        Command::Stats {
            what: StatsCommand::Coverage { as_of, by, format },
        } => {
            let db = Db::open(&cli.database).await?;
            let report =
                stats::coverage(&db, &Scope::City, as_of.unwrap_or_else(today), by).await?;
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&report).map_err(|e| Failure {
                        code: 4,
                        message: e.to_string()
                    })?
                ),
                Format::Table => print!("{}", stats::table(&report)),
            }
            Ok(())
        }
    }
}

/// One item of `ledger list --format json`, exactly the fields issue 4 names.
#[derive(Debug, serde::Serialize)]
struct LedgerJson<'a> {
    kind: &'static str,
    subject: &'a str,
    responsible_unit: Option<&'a str>,
    state: &'static str,
    deadline: Option<&'a str>,
    overdue: bool,
}

async fn ledger_command(db: &Db, what: LedgerCommand) -> Result<(), Failure> {
    match what {
        LedgerCommand::Detect => {
            let s = crate::app::ledger::detect(db, &Actor::operator(CLI_ACTOR))
                .await
                .map_err(app_failure)?;
            println!(
                "新生成台账事项 {} 项；已满足销号条件待核销 {} 项",
                s.raised, s.closable
            );
        }
        LedgerCommand::List { format } => {
            let items = db.ledger_items(&Scope::City, today()).await?;
            match format {
                Format::Json => {
                    let out: Vec<LedgerJson> = items
                        .iter()
                        .map(|i| LedgerJson {
                            kind: i.kind.code(),
                            subject: &i.subject,
                            responsible_unit: i.responsible_unit.as_deref(),
                            state: i.state.code(),
                            deadline: i.deadline.as_deref(),
                            overdue: i.overdue,
                        })
                        .collect();
                    let json = serde_json::to_string_pretty(&out).map_err(|e| Failure {
                        code: 4,
                        message: e.to_string(),
                    })?;
                    println!("{json}");
                }
                Format::Table => {
                    println!("事项\t对象\t名称\t责任单位\t状态\t期限\t逾期\t问题");
                    for i in &items {
                        println!(
                            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                            i.kind.label(),
                            i.subject,
                            i.subject_name,
                            i.responsible_unit.as_deref().unwrap_or("（无法确定）"),
                            i.state.label(),
                            i.deadline.as_deref().unwrap_or("—"),
                            if i.overdue { "是" } else { "否" },
                            i.gap
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// Writes sheets as .xlsx, or as a zip of CSV files when the name ends in .zip.
fn write_sheets(path: &Path, sheets: &[writer::OutSheet]) -> Result<(), Failure> {
    let is_zip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let bytes = if is_zip {
        writer::write_csv_zip(sheets).map_err(|e| file_failure(path, e))?
    } else {
        writer::write_xlsx(sheets).map_err(|e| file_failure(path, e))?
    };
    std::fs::write(path, bytes).map_err(|e| file_failure(path, e))
}

/// Problems printed in full before the rest are only counted.
const PRINTED: usize = 1000;

async fn import_command(
    url: &str,
    file: &Path,
    errors_out: Option<&Path>,
    dry_run: bool,
) -> Result<(), Failure> {
    let db = Db::open_tuned(url, crate::db::Tuning::Bulk).await?;
    let bar = progress_bar();
    let outcome = match import_file(&db, file, dry_run, &bar).await {
        Ok(outcome) => outcome,
        Err(e) => {
            bar.finish_and_clear();
            return Err(e);
        }
    };
    bar.finish_and_clear();
    let report = &outcome.report;
    for p in report.problems.iter().take(PRINTED) {
        eprintln!("[{}] {p}", p.severity.label());
    }
    let shown = report.problems.len().min(PRINTED);
    if report.errors + report.warnings > shown {
        eprintln!(
            "……另有 {} 条问题未列出（共 {} 条错误、{} 条警告）",
            report.errors + report.warnings - shown,
            report.errors,
            report.warnings
        );
    }
    if let Some(path) = errors_out {
        // The workbook is read again, whole, to be written back with the notes.
        match source::open(file) {
            Ok(wb) => {
                write_sheets(path, &export::error_sheets(&wb, report))?;
                eprintln!("已写出错误说明工作簿 {}", path.display());
            }
            Err(e) => eprintln!("未能写出错误说明工作簿：{e}"),
        }
    }
    if report.has_errors() {
        return Err(rejected(format!(
            "导入被拒绝：共 {} 条错误、{} 条警告，未保存任何数据。请改正后重新导入。",
            report.errors, report.warnings
        )));
    }
    let Some(s) = &outcome.written else {
        return Ok(());
    };
    if dry_run {
        println!(
            "校验通过（{} 条警告），未保存（--dry-run）。导入将发生的变化：",
            report.warnings
        );
    } else {
        println!("导入完成（{} 条警告）。发生的变化：", report.warnings);
    }
    print_changes(s);
    if let Some(d) = &outcome.detected {
        println!(
            "台账：新生成事项 {}，已满足销号条件 {}",
            d.raised, d.closable
        );
    }
    Ok(())
}

/// Changes listed in full up to this many; beyond, counted.
const CHANGES_PRINTED: usize = 200;

/// What an import changed (or would change): the counts, then each change.
fn print_changes(s: &crate::db::WriteSummary) {
    if s.is_noop() {
        println!("  没有任何变化（工作簿与系统中的数据一致）");
        return;
    }
    println!("  {}", s.describe());
    for c in s.changes.iter().take(CHANGES_PRINTED) {
        println!(
            "  [{}] {} {}：{}",
            c.kind.label(),
            c.record,
            c.key,
            c.detail
        );
    }
    let more = s.changes.len().saturating_sub(CHANGES_PRINTED) + s.more_changes;
    if more > 0 {
        println!("  ……另有 {more} 项变化未列出");
    }
}

/// A spinner with a message on standard error while an import runs; hidden when standard error
/// is not a terminal (a script's log stays clean).
fn progress_bar() -> indicatif::ProgressBar {
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    let style = indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
    bar.set_style(style);
    bar.set_message("正在打开工作簿……");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Reads, validates and writes (or previews) a workbook: an .xlsx file streamed in parts
/// (`app::registry::stream`), anything else (CSV, a folder or zip of CSV files, an .xlsx whose
/// cells are out of order) read whole.
async fn import_file(
    db: &Db,
    file: &Path,
    dry_run: bool,
    bar: &indicatif::ProgressBar,
) -> Result<ImportOutcome, Failure> {
    let started = std::time::Instant::now();
    let progress = |message: String| bar.set_message(message);
    let actor = Actor::operator(CLI_ACTOR);
    let mode = if dry_run { Mode::Preview } else { Mode::Write };
    let options = stream::StreamOptions {
        mode: mode.clone(),
        ..Default::default()
    };
    let streamed = stream::import_xlsx(db, &actor, file, options, &progress)
        .await
        .map_err(|e| match e {
            stream::StreamError::Source(e) => rejected(e.to_string()),
            stream::StreamError::App(e) => app_failure(e),
        })?;
    if let Some(outcome) = streamed {
        tracing::debug!(elapsed = ?started.elapsed(), "streamed import done");
        return Ok(outcome);
    }
    bar.set_message("正在读取工作簿……");
    let wb = source::open(file).map_err(|e| rejected(e.to_string()))?;
    tracing::debug!(elapsed = ?started.elapsed(), "workbook read");
    bar.set_message("正在校验并写入……");
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    import_workbook(db, &actor, &wb, &name, mode)
        .await
        .map_err(app_failure)
}

/// A use case's refusal or failure as the command line reports it.
fn app_failure(e: crate::app::AppError) -> Failure {
    match e {
        crate::app::AppError::Internal(e) => e.into(),
        crate::app::AppError::Busy => Failure {
            code: 3,
            message: e.to_string(),
        },
        other => rejected(other.to_string()),
    }
}

/// Standard error for the log, with citizen IDs and mobile numbers masked in every line
/// (`domain::codes::mask_personal_data`): an error message of the database may quote the value
/// that failed, and the log must not collect it. The formatter writes each event in one call.
struct MaskingStderr;

impl std::io::Write for MaskingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().write_all(mask_between_colours(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Masks personal data in a log line whose parts may be coloured: the terminal's colour codes
/// (`ESC [ … m`) would otherwise glue onto a number (`0m138…`) and hide its shape.
fn mask_between_colours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('\u{1b}') {
        out.push_str(&crate::domain::codes::mask_personal_data(&rest[..start]));
        let code = &rest[start..];
        // The sequence runs to its final letter (an `m` for colours).
        let end = code
            .char_indices()
            .skip(1)
            .find(|(_, c)| c.is_ascii_alphabetic())
            .map_or(code.len(), |(i, c)| i + c.len_utf8());
        out.push_str(&code[..end]);
        rest = &code[end..];
    }
    out.push_str(&crate::domain::codes::mask_personal_data(rest));
    out
}

/// The process entry point used by `main.rs`.
pub fn main(server: Server) -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DANGJIAN_LOG")
                .unwrap_or_else(|_| "info,sqlx=error".into()),
        )
        .with_writer(|| MaskingStderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("无法启动运行时：{e}");
            return ExitCode::from(4);
        }
    };
    match runtime.block_on(run(cli, server)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("{}", crate::domain::codes::mask_personal_data(&f.message));
            ExitCode::from(f.code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coloured_log_lines_are_masked_too() {
        let line = "\u{1b}[3merror\u{1b}[0m\u{1b}[2m=\u{1b}[0m13812341234 键 11010519491231002X";
        assert_eq!(
            mask_between_colours(line),
            "\u{1b}[3merror\u{1b}[0m\u{1b}[2m=\u{1b}[0m138****1234 键 110105********002X"
        );
    }
}
