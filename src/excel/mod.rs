//! The Excel exchange (`spec/import-format.md`): reading workbooks, validating them into a
//! [`crate::domain::dataset::Dataset`], and writing exports, templates and error workbooks.

pub mod cells;
pub mod columns;
pub mod export;
pub mod import;
pub mod problems;
pub mod source;
pub mod writer;
