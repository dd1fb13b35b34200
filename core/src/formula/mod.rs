//! Formulas: `<<pills>>`, `=expressions` and `<% blocks %>` in option values, compiled once
//! when a plan is built and rendered per event. The language is MiniJinja's expression syntax
//! with Tines' delimiters and function names.

mod code_scan;
mod compile;
mod env;
mod error;
pub mod functions;
mod guards;
mod limits;
mod path;
mod pills;
mod refs;
mod render;
mod scope;
mod text;

pub use compile::{Compiled, compile, locate};
pub use env::environment;
pub use error::{FormulaError, FormulaSyntaxError};
pub use refs::Refs;
pub use scope::Scope;
pub use text::to_text;
