//! Purpose-built broken plugins: each fails with its own message (exit 69 at load, or a
//! failed execution at run time) and relay keeps working.

use std::path::Path;
use std::time::{Duration, Instant};

use super::build::{self, text};
use super::project::Project;
use crate::support::Recorder;

fn canonical(path: &Path) -> String {
    text(&std::fs::canonicalize(path).expect("canonical path"))
}

fn misbehaving_project(workflow: &str, more_config: &str) -> Project {
    let config = format!(
        "plugins:\n  - {}\n{more_config}",
        text(build::broken("misbehaving"))
    );
    Project::new(&[("relay.yaml", &config), ("wf.yaml", workflow)])
}

const PANICS: &str = r#"name: Panics
actions:
  - name: Boom
    type: misbehaving.panic
    options: {}
  - name: After
    type: misbehaving.echo
    options:
      caught: <<boom.error>>
  - name: Independent
    type: misbehaving.echo
    options:
      still: alive
links:
  - {from: boom, to: after, type: failure}
"#;

#[test]
fn a_panic_in_an_action_fails_that_execution_and_the_run_goes_on() {
    let p = misbehaving_project(PANICS, "");
    let r = p.relay(&["run", "wf.yaml"]);
    r.assert_code(0);
    let output = r.json();
    let events = output.as_array().expect("leaf events");
    assert_eq!(events.len(), 2, "{output}");
    let caught = events
        .iter()
        .find_map(|e| e["after"]["caught"].as_str())
        .expect("the failure link ran");
    let prefix = format!(
        "plugin `misbehaving` ({}) panicked in action `boom` (misbehaving.panic): the panic action panicked (at src/lib.rs:",
        canonical(build::broken("misbehaving"))
    );
    assert!(caught.starts_with(&prefix), "{caught}");
    assert!(
        caught.ends_with("); the plugin stays loaded and relay goes on"),
        "{caught}"
    );
    assert!(events.iter().any(|e| e["independent"]["still"] == "alive"));
    assert!(
        !r.stderr.contains("thread '") && !r.stderr.contains("RUST_BACKTRACE"),
        "no Rust panic text: {}",
        r.stderr
    );
}

#[test]
fn a_panic_while_resolving_a_credential_is_a_failed_resolution() {
    let p = misbehaving_project(
        PANICS,
        "credentials:\n  c:\n    type: boom\n    allowed_hosts: [example.com]\n",
    );
    let r = p.relay(&["credential", "test", "c"]);
    r.assert_code(1);
    let expected = format!(
        "✗ credential `c` could not be resolved: plugin `misbehaving` ({}) panicked in resolving credential `c`: credential c exploded (at src/lib.rs:",
        canonical(build::broken("misbehaving"))
    );
    assert!(r.stderr.starts_with(&expected), "{}", r.stderr);
    assert!(!r.stderr.contains("thread '"), "{}", r.stderr);
}

#[test]
fn a_hung_action_is_abandoned_after_its_timeout() {
    let workflow = PANICS
        .replace(
            "type: misbehaving.panic\n    options: {}",
            "type: misbehaving.hang\n    options: {timeout: 1}",
        )
        .replace("Boom", "Stuck")
        .replace("boom", "stuck");
    let p = misbehaving_project(&workflow, "");
    let started = Instant::now();
    let r = p.relay(&["run", "wf.yaml"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "relay exits although the plugin's thread still sleeps"
    );
    r.assert_code(0);
    let output = r.json();
    let caught = output
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["after"]["caught"].as_str())
        .expect("the failure link ran");
    assert_eq!(
        caught,
        format!(
            "plugin `misbehaving` ({}) did not finish action `stuck` (misbehaving.hang) within 1 s; the call was abandoned (its thread may stay busy until relay exits; raise `timeout` if the work is legitimately slow)",
            canonical(build::broken("misbehaving"))
        )
    );
    assert!(
        output
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["independent"]["still"] == "alive")
    );
}

#[test]
fn a_plugin_of_another_abi_version_is_refused_before_it_is_used() {
    let plugin = text(build::broken("wrong_abi"));
    let p = Project::new(&[(
        "wf.yaml",
        "name: x\nactions:\n  - {name: a, type: event_transform, options: {mode: message_only, payload: {}}}\n",
    )]);
    let r = p.relay(&["--plugin", &plugin, "validate", "wf.yaml"]);
    r.assert_code(69);
    assert_eq!(
        r.stderr,
        format!(
            "error: plugin {plugin} (given with --plugin) is incompatible: expected plugin ABI version 1, found version 999; rebuild it against the relay-plugin-sdk of this relay\n"
        )
    );
    assert_eq!(r.stdout, "");
}

#[test]
fn a_library_without_the_entry_symbol_is_not_a_plugin() {
    let plugin = text(build::broken("no_entry"));
    let p = Project::new(&[]);
    let r = p.relay(&["--plugin", &plugin, "plugin", "list"]);
    r.assert_code(69);
    assert_eq!(
        r.stderr,
        format!(
            "error: plugin {plugin} (given with --plugin) cannot be loaded: expected the entry symbol `relay_plugin_entry` (generated by `relay_plugin_sdk::export_plugin!`), found a library without it: this is not a Relay plugin\n"
        )
    );
}

#[test]
fn a_file_that_is_not_a_library_is_refused_wherever_it_is_listed() {
    let p = Project::new(&[
        ("relay.yaml", "plugins:\n  - plugin.so\n"),
        ("plugin.so", "#!/bin/sh\necho not a library\n"),
        ("dir/other.so", "not a library either"),
        (
            "wf.yaml",
            "name: x\nactions:\n  - {name: a, type: event_transform, options: {mode: message_only, payload: {}}}\n",
        ),
    ]);
    let r = p.relay(&["run", "wf.yaml"]);
    r.assert_code(69);
    assert!(
        r.stderr.starts_with("error: plugin ./plugin.so (listed in relay.yaml) cannot be loaded: expected a shared library (.so/.dylib), found a file the dynamic loader refuses: "),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");

    std::fs::remove_file(p.path("relay.yaml")).expect("remove relay.yaml");
    let dir = text(&p.path("dir"));
    let r = p.relay_with(&["run", "wf.yaml"], None, &[("RELAY_PLUGIN_PATH", &dir)]);
    r.assert_code(69);
    assert!(
        r.stderr.starts_with(&format!("error: plugin {dir}/other.so (found in RELAY_PLUGIN_PATH directory {dir}) cannot be loaded: expected a shared library")),
        "{}",
        r.stderr
    );
    let missing = p.relay(&["--plugin", "nowhere.so", "run", "wf.yaml"]);
    missing.assert_code(69);
    assert!(
        missing
            .stderr
            .starts_with("error: plugin nowhere.so (given with --plugin): no such file"),
        "{}",
        missing.stderr
    );
    // Without plugins the same workflow runs.
    p.relay(&["run", "wf.yaml"]).assert_code(0);
}

#[test]
fn two_plugins_claiming_one_type_is_a_load_error_naming_both() {
    let halo = build::halo();
    let impostor = build::broken("impostor");
    let p = Project::new(&[]);
    let r = p.relay(&[
        "--plugin",
        &text(halo),
        "--plugin",
        &text(impostor),
        "plugin",
        "list",
    ]);
    r.assert_code(69);
    assert_eq!(
        r.stderr,
        format!(
            "error: credential type `halo` is provided by both plugin `halo` ({}) and plugin `impostor` ({})\n",
            canonical(halo),
            canonical(impostor)
        )
    );
    let alone = p.relay(&["--plugin", &text(impostor), "plugin", "list"]);
    alone.assert_code(69);
    assert_eq!(
        alone.stderr,
        format!(
            "error: credential type `oauth2` is provided by both relay itself (built-in) and plugin `impostor` ({})\n",
            canonical(impostor)
        )
    );
}

#[test]
fn a_plugin_actions_requests_obey_the_allowed_hosts_of_its_credentials() {
    let allowed = Recorder::ok();
    let other = Recorder::ok();
    let workflow = "name: Fetch\nactions:\n  - name: Fetch\n    type: misbehaving.fetch\n    options:\n      url: <<url>>\n      token: <<CREDENTIAL.tok>>\n";
    let credentials = format!(
        "credentials:\n  tok:\n    type: text\n    env: TOK\n    allowed_hosts: [\"{}\"]\n",
        allowed.host()
    );
    let p = misbehaving_project(workflow, &credentials);
    let token = "tok-Canary-51d2a9e7";
    let input = format!("{{\"url\": \"{}\"}}", other.url("/steal"));
    let refused = p.relay_with(
        &["run", "wf.yaml", "--input", &input],
        None,
        &[("TOK", token)],
    );
    refused.assert_code(1);
    assert!(
        refused.stderr.contains(&format!(
            "credential `tok` may not be sent to `{}`: its allowed_hosts are [{}]",
            other.host(),
            allowed.host()
        )),
        "{}",
        refused.stderr
    );
    assert_eq!(other.count(), 0);

    let input = format!("{{\"url\": \"{}\"}}", allowed.url("/ok"));
    let ok = p.relay_with(
        &["run", "wf.yaml", "--input", &input],
        None,
        &[("TOK", token)],
    );
    ok.assert_code(0);
    assert_eq!(ok.json()[0]["fetch"]["status"], 200);
    let seen = allowed.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].header("authorization"),
        Some(&*format!("Bearer {token}"))
    );
    assert!(!ok.all_output().contains(token) && !refused.all_output().contains(token));
}
