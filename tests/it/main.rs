//! One integration-test binary; its files mirror what they test. Every test gets its own
//! database: a SQLite file in a temporary folder, or — when `DANGJIAN_TEST_DATABASE_URL` names a
//! PostgreSQL server — a fresh database created for the test and dropped after it.

mod admin_pages;
mod api;
mod census;
mod cli;
mod exchange_history;
mod fixture;
mod import;
mod layers;
mod ledger;
mod ledger_lists;
mod ledger_rules;
mod migrations;
mod registry_edit;
mod registry_lists;
mod round_trip;
mod scope_matrix;
mod scoped_writes;
mod security;
mod span_cache;
mod spans;
mod stats;
mod stream;
mod support;
mod web;
