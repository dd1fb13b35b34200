//! Shared test support: run the real `relay` binary in a temp directory, start the Halo
//! sandbox, and record raw HTTP requests with a hand-rolled server.

pub mod daemon;
pub mod encoding;
pub mod project;
pub mod recorder;
pub mod relay;
pub mod runs;
pub mod sandbox;

pub use recorder::{RawRequest, Recorder, Reply};
pub use relay::{Relay, RunResult};
pub use sandbox::TestSandbox;
