//! Pure domain types and rules: no SQL, no HTTP.

pub mod census;
pub mod codes;
pub mod collation;
pub mod coverage;
pub mod dataset;
pub mod evidence;
pub mod ledger;
pub mod model;
pub mod periods;
pub mod region;
pub mod role;
pub mod rules;
pub mod short_names;
pub mod sources;
pub mod span_index;
pub mod spans;
pub mod throttle;
pub mod vocab;
