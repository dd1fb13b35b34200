//! Black-box tests of the `relay` binary: real processes, real HTTP servers on 127.0.0.1.

mod support;

mod allowed_hosts;
mod credentials;
mod daemon;
mod engine;
mod http_request;
mod plugins;
mod run_cli;
mod secrets;
mod smoke;
mod tines;
mod transforms;
mod validate;
