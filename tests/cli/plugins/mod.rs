//! Native plugins through the real `relay` binary: the Halo plugin built from `plugins/halo`
//! against the Halo sandbox, purpose-built broken plugins from `tests/plugins/`, and the
//! `relay plugin` commands.

mod broken;
pub mod build;
mod commands;
mod halo;
mod project;
