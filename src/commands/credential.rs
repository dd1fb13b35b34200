//! `relay credential list | test | set | login | rm | rotate-key`.

use std::io::{IsTerminal, Read};
use std::sync::Arc;
use std::time::SystemTime;

use relay_core::credentials::{Credentials, Secret};
use relay_core::diagnostic::Diagnostics;

use crate::cli::{Cli, CredentialCommand};
use crate::exit::{Exit, Failure};
use crate::loading::load_config;
use crate::output::{Output, Style};
use crate::report::print_diagnostics;
use crate::setup;

pub async fn credential(
    command: &CredentialCommand,
    cli: &Cli,
    out: &Output,
) -> Result<Exit, Failure> {
    let registry = crate::loading::registry(cli)?;
    let mut diags = Diagnostics::new();
    let mut config = load_config(cli.config.as_deref(), &registry, &mut diags)?;
    let credentials = setup::credentials(&mut config, out, &mut diags);
    if !diags.is_empty() {
        print_diagnostics(&diags, out);
        return Ok(Exit::Invalid);
    }
    let result = match command {
        CredentialCommand::List => list(&credentials, out).await,
        CredentialCommand::Test { name } => test(&credentials, name, out).await,
        CredentialCommand::Set { name } => set(&credentials, name, out).await,
        CredentialCommand::Login { name, username } => {
            login(&credentials, name, username.as_deref(), out).await
        }
        CredentialCommand::Rm { name } => rm(&credentials, name, out).await,
        CredentialCommand::RotateKey => rotate_key(&credentials, out).await,
    };
    setup::print_store_warnings(&credentials, out);
    result
}

fn known(credentials: &Credentials, name: &str) -> Result<(), Failure> {
    if credentials.get(name).is_some() {
        return Ok(());
    }
    let names: Vec<String> = credentials.definitions().map(|d| d.name.clone()).collect();
    let hint = relay_core::yaml::did_you_mean(name, names.iter().map(String::as_str))
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    let place = credentials
        .config_path()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "relay.yaml (none found)".into());
    Err(Failure::new(
        Exit::RunFailed,
        format!("credential `{name}` is not defined in {place}{hint}"),
    ))
}

async fn list(credentials: &Credentials, out: &Output) -> Result<Exit, Failure> {
    let state_exists = credentials
        .state()
        .dir()
        .join(relay_core::store::DATABASE_FILE)
        .exists();
    let stored: Vec<(String, SystemTime)> = if state_exists {
        match credentials.state().get().await {
            Ok(store) => store
                .list_secrets()
                .await
                .map(|v| v.into_iter().map(|s| (s.name, s.updated_at)).collect())
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let mut rows = vec![[
        "NAME".to_owned(),
        "TYPE".to_owned(),
        "ALLOWED HOSTS".to_owned(),
        "STATE".to_owned(),
    ]];
    for def in credentials.definitions() {
        let hosts = if def.allowed_hosts.patterns().is_empty() {
            "(none: unusable in requests)".to_owned()
        } else {
            def.allowed_hosts.patterns().join(", ")
        };
        let mut state = Vec::new();
        if let Some((_, at)) = stored.iter().find(|(n, _)| n == &def.name) {
            state.push(format!("stored (updated {})", rfc3339(*at)));
        }
        if def.provider.refreshable() && state_exists {
            state.push(match credentials.cached_until(&def.name).await {
                Some(until) => format!("token cached until {}", rfc3339(until)),
                None => "no cached token".to_owned(),
            });
        }
        let described = def.provider.describe();
        if !described.is_empty() {
            state.push(described);
        }
        rows.push([
            def.name.clone(),
            def.type_name.clone(),
            hosts,
            state.join("; "),
        ]);
    }
    if rows.len() == 1 {
        out.stderr_line("no credentials defined (add them under `credentials:` in relay.yaml)");
        return Ok(Exit::Success);
    }
    let widths: Vec<usize> = (0..3)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for r in &rows {
        text.push_str(
            &format!(
                "{:w0$}  {:w1$}  {:w2$}  {}\n",
                r[0],
                r[1],
                r[2],
                r[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            )
            .trim_end()
            .to_owned(),
        );
        text.push('\n');
    }
    out.stdout(&text);
    Ok(Exit::Success)
}

async fn test(credentials: &Credentials, name: &str, out: &Output) -> Result<Exit, Failure> {
    known(credentials, name)?;
    match credentials.resolve(name).await {
        Ok(value) => {
            let length = value.expose().chars().count();
            let cache = match credentials.cached_until(name).await {
                Some(until) => format!("cached until {}", rfc3339(until)),
                None => "not cached (resolved at each use)".to_owned(),
            };
            out.stdout(&format!(
                "{} credential `{name}` resolved: {length} characters, {cache}\n",
                out.paint(Style::Ok, "✓")
            ));
            if length < 6 {
                out.stderr_line(&format!(
                    "{} the value is shorter than 6 characters, so it is not masked in output (short values would mask ordinary words)",
                    out.paint(Style::Error, "warning:")
                ));
            }
            Ok(Exit::Success)
        }
        Err(e) => {
            out.stderr_line(&format!("{} {e}", out.paint(Style::Error, "✗")));
            Ok(Exit::RunFailed)
        }
    }
}

async fn set(credentials: &Credentials, name: &str, out: &Output) -> Result<Exit, Failure> {
    if credentials.get(name).is_none() {
        out.stderr_line(&format!("{} `{name}` is not a credential in relay.yaml; storing it anyway (a credential can read it with `type: text` and no value)", out.paint(Style::Error, "warning:")));
    }
    let value = read_secret(&format!("Value for `{name}`: "))?;
    if value.expose().is_empty() {
        return Err(Failure::new(
            Exit::Usage,
            format!("no value given for `{name}` on standard input"),
        ));
    }
    let store = credentials
        .state()
        .get()
        .await
        .map_err(|e| Failure::new(Exit::RunFailed, e))?;
    store
        .put_secret(name, value.expose().as_bytes())
        .await
        .map_err(|e| Failure::new(Exit::RunFailed, e.to_string()))?;
    for def in credentials.definitions() {
        if def.provider.reads().iter().any(|r| r == name) {
            credentials.invalidate(&def.name).await;
        }
    }
    out.stdout(&format!(
        "{} stored `{name}` ({} characters) in the encrypted store {}\n",
        out.paint(Style::Ok, "✓"),
        value.expose().chars().count(),
        store.location().display()
    ));
    Ok(Exit::Success)
}

async fn login(
    credentials: &Arc<Credentials>,
    name: &str,
    username: Option<&str>,
    out: &Output,
) -> Result<Exit, Failure> {
    known(credentials, name)?;
    let terminal = std::io::stdin().is_terminal();
    let username = match username {
        Some(u) => u.to_owned(),
        None if terminal => {
            eprint!("Username for `{name}`: ");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| {
                Failure::new(Exit::NoInput, format!("cannot read the username: {e}"))
            })?;
            line.trim().to_owned()
        }
        None => {
            return Err(Failure::new(
                Exit::Usage,
                "give --username when the password comes from standard input",
            ));
        }
    };
    let password = read_secret(&format!("Password for `{username}`: "))?;
    match credentials
        .login(name, &Secret::new(username), &password)
        .await
    {
        Ok(outcome) => {
            let location = credentials.state().dir().display().to_string();
            out.stdout(&format!(
                "{} logged in: the refresh token is stored (encrypted) as `{}` in {location}{}\n",
                out.paint(Style::Ok, "✓"),
                outcome.rotation.into,
                match outcome.token {
                    Some((_, until)) => format!("; access token cached until {}", rfc3339(until)),
                    None => String::new(),
                }
            ));
            Ok(Exit::Success)
        }
        Err(e) => {
            out.stderr_line(&format!("{} {e}", out.paint(Style::Error, "✗")));
            Ok(Exit::RunFailed)
        }
    }
}

async fn rm(credentials: &Credentials, name: &str, out: &Output) -> Result<Exit, Failure> {
    let store = credentials
        .state()
        .get()
        .await
        .map_err(|e| Failure::new(Exit::RunFailed, e))?;
    let secret = store
        .delete_secret(name)
        .await
        .map_err(|e| Failure::new(Exit::RunFailed, e.to_string()))?;
    let had_token = credentials.cached_until(name).await.is_some();
    credentials.invalidate(name).await;
    if !secret && !had_token {
        out.stderr_line(&format!("nothing stored for `{name}`"));
        return Ok(Exit::RunFailed);
    }
    let what = match (secret, had_token) {
        (true, true) => "its stored value and cached token",
        (true, false) => "its stored value",
        _ => "its cached token",
    };
    out.stdout(&format!(
        "{} removed {what} for `{name}`\n",
        out.paint(Style::Ok, "✓")
    ));
    Ok(Exit::Success)
}

async fn rotate_key(credentials: &Credentials, out: &Output) -> Result<Exit, Failure> {
    let store = credentials
        .state()
        .get()
        .await
        .map_err(|e| Failure::new(Exit::RunFailed, e))?;
    let report = store.rotate_key().await.map_err(|e| {
        Failure::new(
            Exit::RunFailed,
            format!("{e} (run `relay credential rotate-key` again to finish: no value is lost)"),
        )
    })?;
    out.stdout(&format!(
        "{} re-encrypted {} record(s) under new key {}; deleted {} old key(s), dropped {} expired token(s)\n",
        out.paint(Style::Ok, "✓"),
        report.reencrypted,
        report.new_key_id,
        report.keys_deleted,
        report.expired_tokens_dropped
    ));
    Ok(Exit::Success)
}

/// A secret from standard input: prompted without echo on a terminal, else read whole (one
/// trailing newline removed).
fn read_secret(prompt: &str) -> Result<Secret, Failure> {
    if std::io::stdin().is_terminal() {
        let value = rpassword::prompt_password(prompt).map_err(|e| {
            Failure::new(Exit::NoInput, format!("cannot read from the terminal: {e}"))
        })?;
        return Ok(Secret::new(value));
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Failure::new(Exit::NoInput, format!("cannot read standard input: {e}")))?;
    let trimmed = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    Ok(Secret::new(trimmed.to_owned()))
}

fn rfc3339(t: SystemTime) -> String {
    relay_core::time::format_utc(t)
}
