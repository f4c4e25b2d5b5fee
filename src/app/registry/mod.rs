//! The registry's use cases: a record saved through its form, a workbook imported.

pub mod import;
pub mod known;
pub mod periods;
pub mod save_record;
pub mod stream;

pub use import::{ImportOutcome, Mode, import_workbook};
pub use known::known;
pub use periods::{
    PeriodRow, Periods, PeriodsOf, PeriodsSaved, keeps_party_org, load_periods, save_periods,
};
pub use save_record::{RecordInput, RecordKind, Saved, save_record};
