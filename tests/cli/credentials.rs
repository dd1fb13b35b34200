//! Credentials that stay alive unattended (credentials.md, cli.md `relay credential …`): the
//! `http_request` credential of the repository's relay.yaml and `oauth2` credentials, run by the
//! real binary against the Halo sandbox. Each test has its own project directory (relay.yaml,
//! workflows, `.relay/` state) and its own sandbox, whose counters prove what was requested.

mod common;

mod cache;
mod commands;
mod oauth2;
mod redaction;
mod rotation;
mod store;
