//! Black-box tests of the `relay` binary: real processes, real HTTP servers on 127.0.0.1.

mod support;

mod smoke;
mod engine;
mod run_cli;
mod secrets;
mod allowed_hosts;
mod http_request;
mod credentials;
mod daemon;
mod validate;
mod plugins;
mod tines;
mod transforms;
