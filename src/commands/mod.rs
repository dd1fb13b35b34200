//! One module per `relay` subcommand.

pub mod run;
pub mod validate;
