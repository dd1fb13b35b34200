//! `type: text`: a value from the definition itself, an environment variable, a file, or a command.

use std::path::PathBuf;
use std::sync::Arc;

use crate::yaml::{MapReader, NodeValue};

use super::provider::{
    BoxFuture, CredentialPlanner, CredentialProvider, CredentialType, ResolveContext, Resolved,
};
use super::secret::Secret;

/// The `text` credential type.
pub struct TextCredential;

#[derive(Debug)]
enum TextSource {
    Value(Secret),
    Env(String),
    File(PathBuf),
    Command(Vec<String>),
    /// Nothing in the definition: the encrypted store entry of the same name.
    Store,
}

#[derive(Debug)]
struct TextProvider {
    source: TextSource,
}

impl CredentialType for TextCredential {
    fn name(&self) -> &str {
        "text"
    }

    fn keys(&self) -> &'static [&'static str] {
        &["value", "env", "file", "command"]
    }

    fn plan(
        &self,
        r: &MapReader<'_>,
        cx: &mut CredentialPlanner<'_>,
    ) -> Option<Arc<dyn CredentialProvider>> {
        let given: Vec<&str> = ["value", "env", "file", "command"]
            .into_iter()
            .filter(|k| r.get(k).is_some())
            .collect();
        if given.len() > 1 {
            cx.diags.error(
                cx.source,
                r.node().location,
                format!("credential `{}` has more than one source: {}", cx.name, given.join(", ")),
                "keep exactly one of `value`, `env`, `file`, `command` (or none, to use the encrypted store)",
            );
            return None;
        }
        let source = match given.first().copied() {
            Some("value") => TextSource::Value(Secret::new(r.scalar_text("value", cx.diags)?)),
            Some("env") => TextSource::Env(r.string("env", cx.diags)?.to_owned()),
            Some("file") => TextSource::File(PathBuf::from(r.string("file", cx.diags)?)),
            Some("command") => {
                let node = r.get("command")?;
                let argv: Option<Vec<String>> = match &node.value {
                    NodeValue::Seq(items) => items
                        .iter()
                        .map(|i| i.as_str().map(str::to_owned))
                        .collect(),
                    _ => None,
                };
                match argv {
                    Some(argv) if !argv.is_empty() => TextSource::Command(argv),
                    _ => {
                        r.type_error(
                            "command",
                            node,
                            "a non-empty list of strings (the program and its arguments)",
                            cx.diags,
                        );
                        return None;
                    }
                }
            }
            _ => TextSource::Store,
        };
        Some(Arc::new(TextProvider { source }))
    }
}

impl CredentialProvider for TextProvider {
    fn memoize(&self) -> bool {
        // A stored value is read afresh: a rotation or `relay credential login` by another
        // process must be seen by a running daemon.
        !matches!(self.source, TextSource::Store)
    }

    fn describe(&self) -> String {
        match &self.source {
            TextSource::Value(_) => "value in relay.yaml".into(),
            TextSource::Env(var) => format!("environment variable {var}"),
            TextSource::File(path) => format!("file {}", path.display()),
            TextSource::Command(argv) => format!("command `{}`", argv.join(" ")),
            TextSource::Store => "encrypted store".into(),
        }
    }

    fn resolve<'a>(
        &'a self,
        cx: &'a ResolveContext<'a>,
    ) -> BoxFuture<'a, Result<Resolved, String>> {
        Box::pin(async move {
            let value = match &self.source {
                TextSource::Value(v) => v.clone(),
                TextSource::Env(var) => match std::env::var(var) {
                    Ok(v) if !v.is_empty() => Secret::new(v),
                    Ok(_) => return Err(format!("environment variable `{var}` is empty")),
                    Err(_) => {
                        return Err(format!(
                            "environment variable `{var}` is not set; export it before running relay"
                        ));
                    }
                },
                TextSource::File(path) => {
                    let full = cx.config_dir.join(path);
                    match tokio::fs::read_to_string(&full).await {
                        Ok(text) => Secret::new(text.trim_end_matches(['\n', '\r'])),
                        Err(e) => return Err(format!("cannot read `{}`: {e}", full.display())),
                    }
                }
                TextSource::Command(argv) => Secret::new(run_command(argv, cx).await?),
                TextSource::Store => {
                    let store = cx.store().await?;
                    match store.get_secret(cx.name).await.map_err(|e| e.to_string())? {
                        Some(bytes) => {
                            Secret::new(String::from_utf8(bytes.to_vec()).map_err(|_| {
                                format!("the stored value of `{}` is not UTF-8 text", cx.name)
                            })?)
                        }
                        None => {
                            return Err(format!(
                                "the encrypted store ({}) has no value for `{}`: run `relay credential set {}` (or give it `value`, `env`, `file` or `command` in relay.yaml)",
                                cx.state().dir().display(),
                                cx.name,
                                cx.name
                            ));
                        }
                    }
                }
            };
            Ok(Resolved::uncached(value))
        })
    }
}

async fn run_command(argv: &[String], cx: &ResolveContext<'_>) -> Result<String, String> {
    let output = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(cx.config_dir)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("cannot run `{}`: {e}", argv[0]))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>();
        return Err(format!(
            "command `{}` failed ({}){}",
            argv[0],
            output.status,
            if first.is_empty() {
                String::new()
            } else {
                format!(": {first}")
            }
        ));
    }
    let text = String::from_utf8(output.stdout)
        .map_err(|_| format!("command `{}` printed something that is not UTF-8", argv[0]))?;
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(format!("command `{}` printed nothing", argv[0]));
    }
    Ok(trimmed.to_owned())
}
