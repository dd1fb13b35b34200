//! One module per `relay` subcommand.

pub mod credential;
pub mod daemon;
pub mod plugin;
pub mod run;
pub mod runs;
pub mod schedule;
pub mod tines;
pub mod validate;
