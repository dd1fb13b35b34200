//! Checks what formulas read against what exists: credentials (and where they may appear),
//! resources, `LOCAL` keys, and upstream action results.

use std::collections::{BTreeSet, HashMap};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::SourceFile;
use crate::yaml::did_you_mean;

use super::options::OptionRef;

/// What exists for one workflow.
pub struct Known<'a> {
    pub source: &'a SourceFile,
    pub slugs: &'a HashMap<String, usize>,
    /// `upstream[i][j]`: action `j` is upstream of action `i` (None when links are broken).
    pub upstream: Option<&'a [Vec<bool>]>,
    pub resources: &'a BTreeSet<String>,
    pub credentials: &'a BTreeSet<String>,
    /// How to name relay.yaml in messages.
    pub config: &'a str,
}

/// Checks the references of action `index` (slug `slug`).
pub fn check(
    known: &Known<'_>,
    index: usize,
    slug: &str,
    refs: &[OptionRef],
    local_keys: &BTreeSet<String>,
    extra_roots: &[(String, &'static str)],
    diags: &mut Diagnostics,
) {
    for r in refs {
        let mut parts = r.path.split('.');
        let root = parts.next().unwrap_or_default();
        let name = parts.next();
        let at = |message: String, help: &str| {
            Diagnostic::new(known.source, r.location, message).with_help(help.to_owned())
        };
        let option = &r.option;
        match root {
            "CREDENTIAL" => {
                let Some(name) = name else {
                    diags.push(at(
                        format!("option `{option}` of action `{slug}` reads `CREDENTIAL` without a literal name"),
                        "write the credential's name literally, e.g. `<<CREDENTIAL.halo>>`, so Relay can check where it may be sent",
                    ));
                    continue;
                };
                if !r.credentials_allowed {
                    diags.push(at(
                        format!("`<<CREDENTIAL.{name}>>` cannot be used in option `{option}` of action `{slug}`"),
                        "credentials may only appear in `url`, `headers`, `payload` and `basic_auth` of an `http_request` action, so they only ever go to their allowed hosts",
                    ));
                } else if !known.credentials.contains(name) {
                    let suggestion =
                        did_you_mean(name, known.credentials.iter().map(String::as_str));
                    diags.push(
                        at(
                            format!("credential `{name}` (option `{option}` of action `{slug}`) is not defined in {}", known.config),
                            &format!("define it under `credentials:` in {}, e.g. `{name}: {{type: text, env: MY_TOKEN, allowed_hosts: [api.example.com]}}`", known.config),
                        )
                        .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?"))),
                    );
                }
            }
            "RESOURCE" => {
                if let Some(name) = name {
                    if !known.resources.contains(name) && !r.guarded {
                        let suggestion =
                            did_you_mean(name, known.resources.iter().map(String::as_str));
                        diags.push(
                            at(
                                format!("resource `{name}` (option `{option}` of action `{slug}`) is not defined"),
                                &format!(
                                    "define it under `resources:` in {} or in this workflow, or pass `--resource {name}=VALUE`; {}",
                                    known.config,
                                    match known.resources.len() {
                                        0 => "no resources are defined yet".to_owned(),
                                        _ => format!("defined: {}", known.resources.iter().map(String::as_str).collect::<Vec<_>>().join(", ")),
                                    }
                                ),
                            )
                            .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?"))),
                        );
                    }
                }
            }
            "LOCAL" => {
                if option == "local" || option.starts_with("local.") {
                    diags.push(at(
                        format!("`LOCAL` cannot be read inside `local` itself (action `{slug}`)"),
                        "compute the value directly, or move it to `options`",
                    ));
                } else if let Some(name) = name {
                    if !local_keys.contains(name) && !r.guarded {
                        let suggestion = did_you_mean(name, local_keys.iter().map(String::as_str));
                        diags.push(
                            at(format!("`LOCAL.{name}` (option `{option}` of action `{slug}`) is not defined in the action's `local`"), "add it under `local:` of this action")
                                .with_suggestion(suggestion.map(|s| format!("did you mean `{s}`?"))),
                        );
                    }
                }
            }
            "META" | "INFO" => {}
            "PAGINATE" => {
                if !option.starts_with("pagination") {
                    diags.push(at(format!("`PAGINATE` is only available inside `pagination` (option `{option}` of action `{slug}`)"), "read it from `pagination.next` or `pagination.while`"));
                }
            }
            _ => {
                if extra_roots.iter().any(|(opt, extra)| {
                    (option == opt || option.starts_with(&format!("{opt}."))) && *extra == root
                }) {
                    continue;
                }
                let Some(&target) = known.slugs.get(root) else {
                    continue;
                };
                if target == index {
                    diags.push(at(
                        format!("action `{slug}` reads its own result `{root}` in option `{option}`"),
                        "an action's options are rendered before it runs; read an upstream action's result instead",
                    ));
                } else if let Some(up) = known.upstream {
                    // A guarded read of an action on another branch is the Tines way to merge
                    // branches: `DEFAULT(branch_a.id, branch_b.id)`.
                    if !up[index][target] && !r.guarded {
                        diags.push(at(
                            format!("option `{option}` of action `{slug}` reads `{root}`, but `{root}` is not upstream of `{slug}`"),
                            &format!("no chain of links leads from `{root}` to `{slug}`, so its result is never in `{slug}`'s events; add a link or read another action"),
                        ));
                    }
                }
            }
        }
    }
}
