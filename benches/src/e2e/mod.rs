//! The end-to-end benchmark's instruments (kept in the library so their unit tests run with
//! `cargo test`; a `harness = false` bench target runs none): options, child processes, peak
//! RSS, the raw baseline and the results table.

pub mod baseline;
pub mod child;
pub mod options;
pub mod report;
pub mod rss;
