//! relay-core: the Relay engine. YAML workflows are loaded into located trees, planned into a
//! validated [`plan::Plan`] (every formula compiled once), and executed on tokio. Nothing in
//! this crate prints or exits; the `relay` CLI renders what it returns.

pub mod config;
pub mod credentials;
pub mod daemon;
pub mod diagnostic;
pub mod engine;
pub mod event;
pub mod formula;
pub mod http;
pub mod ids;
pub mod import;
pub mod plan;
pub mod plugin_host;
pub mod registry;
pub mod schedule;
pub mod source;
pub mod store;
pub mod time;
pub mod value;
pub mod workflow;
pub mod yaml;

/// The data model of events and formula values (re-exported so callers use the same version).
pub use minijinja::Value;
pub use minijinja::value::ValueKind;
