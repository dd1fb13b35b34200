//! One module per `relay` subcommand.

pub mod credential;
pub mod run;
pub mod tines;
pub mod validate;
