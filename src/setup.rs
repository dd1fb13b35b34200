//! Building the process-wide services from a loaded configuration.

use std::sync::Arc;

use relay_core::config::Config;
use relay_core::credentials::{Credentials, CredentialsSetup};
use relay_core::diagnostic::Diagnostics;
use relay_core::engine::Services;
use relay_core::http::HttpClient;

use crate::output::{Output, Style};

/// The credential service for `config` (its definitions move into it).
pub fn credentials(config: &mut Config, out: &Output, diags: &mut Diagnostics) -> Arc<Credentials> {
    let resources = config.resources_value(diags);
    Arc::new(Credentials::new(CredentialsSetup {
        definitions: std::mem::take(&mut config.credentials),
        config_path: config.path.clone(),
        config_dir: config.dir.clone(),
        resources,
        state_dir: config.state_dir(),
        http: Arc::new(HttpClient::new()),
        redactor: out.redactor.clone(),
    }))
}

pub fn services(credentials: Arc<Credentials>) -> Arc<Services> {
    Arc::new(Services::new(credentials))
}

/// Prints what the state store wants the user to know (e.g. back up a new master key).
pub fn print_store_warnings(credentials: &Credentials, out: &Output) {
    for w in credentials.state().take_warnings() {
        out.stderr_line(&format!("{} {w}", out.paint(Style::Error, "warning:")));
    }
}
