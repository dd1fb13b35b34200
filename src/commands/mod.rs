//! One module per `relay` subcommand.

pub mod credential;
pub mod run;
pub mod validate;
