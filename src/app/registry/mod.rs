//! The registry's use cases: a record saved through its form, a workbook imported.

pub mod save_record;

pub use save_record::{RecordInput, RecordKind, Saved, save_record};
