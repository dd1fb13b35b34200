//! `relay plugin list | inspect`, loading from every source, and schema checks at validate.

use std::path::Path;

use super::build::{self, text};
use super::project::Project;

fn canonical(path: &Path) -> String {
    text(&std::fs::canonicalize(path).expect("canonical path"))
}

#[test]
fn plugin_list_shows_each_plugin_once_in_loading_order() {
    let halo = build::halo();
    let misbehaving = build::broken("misbehaving");
    let p = Project::new(&[(
        "relay.yaml",
        &format!("plugins:\n  - {}\n", text(misbehaving)),
    )]);
    let dir = p.path("plugins");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::os::unix::fs::symlink(halo, dir.join("libhalo.so")).expect("symlink");
    let r = p.relay_with(
        &["--plugin", &text(misbehaving), "plugin", "list"],
        None,
        &[("RELAY_PLUGIN_PATH", &text(&dir))],
    );
    r.assert_code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    let columns = |line: &str| {
        line.split("  ")
            .filter(|c| !c.is_empty())
            .map(str::trim)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        columns(lines[0]),
        vec!["NAME", "VERSION", "PROVIDES", "PATH"]
    );
    assert_eq!(
        columns(lines[1]),
        vec![
            "misbehaving".to_owned(),
            "0.0.1".to_owned(),
            "credential boom, action misbehaving.panic, action misbehaving.hang, action misbehaving.echo, action misbehaving.fetch".to_owned(),
            canonical(misbehaving),
        ]
    );
    assert_eq!(
        columns(lines[2]),
        vec![
            "halo".to_owned(),
            env!("CARGO_PKG_VERSION").to_owned(),
            "credential halo, action halo.tickets".to_owned(),
            canonical(halo)
        ]
    );
    assert_eq!(r.stderr, "");

    let none = Project::new(&[]).relay(&["plugin", "list"]);
    none.assert_code(0);
    assert_eq!(none.stdout, "");
    assert_eq!(
        none.stderr,
        "no plugins loaded (list them under `plugins:` in relay.yaml, pass --plugin PATH, or set RELAY_PLUGIN_PATH)\n"
    );
}

#[test]
fn plugin_inspect_prints_the_description_with_its_schemas() {
    let halo = build::halo();
    let r = Project::new(&[]).relay(&["plugin", "inspect", &text(halo)]);
    r.assert_code(0);
    let d = r.json();
    assert_eq!(d["name"], "halo");
    assert_eq!(d["abi_version"], 1);
    assert_eq!(d["protocol"], "1.0.0");
    assert_eq!(d["path"], canonical(halo));
    let credential = &d["credential_types"][0];
    assert_eq!(
        (credential["name"].as_str(), credential["login"].as_bool()),
        (Some("halo"), Some(true))
    );
    assert_eq!(
        credential["schema"]["required"],
        serde_json::json!(["client_id"])
    );
    assert_eq!(
        credential["schema"]["properties"]["grant"]["enum"],
        serde_json::json!(["refresh_token", "client_credentials", "password"])
    );
    let action = &d["action_types"][0];
    assert_eq!(action["name"], "halo.tickets");
    assert_eq!(action["schema"]["properties"]["page_size"]["maximum"], 100);
    assert_eq!(action["schema"]["additionalProperties"], false);

    let p = Project::new(&[("junk.so", "junk")]);
    let bad = p.relay(&["plugin", "inspect", "junk.so"]);
    bad.assert_code(69);
    assert!(bad.stderr.starts_with("error: plugin junk.so (given to `relay plugin inspect`) cannot be loaded: expected a shared library"), "{}", bad.stderr);
}

#[test]
fn validate_checks_plugin_options_against_their_schemas_with_positions() {
    let config = format!(
        "plugins:\n  - {}\nresources: {{page_size: 10}}\ncredentials:\n  halo:\n    type: halo\n    allowed_hosts: [\"127.0.0.1\"]\n    client_id: x\n    tennant: acme\n    grant: refresh\n    max_retries: 11\n",
        text(build::halo())
    );
    let workflow = "name: Bad\nactions:\n  - name: Get tickets\n    type: halo.tickets\n    options:\n      resource_server: http://127.0.0.1\n      token: <<CREDENTIAL.halo>>\n      page_size: 150\n      opne_only: true\n  - name: More\n    type: halo.tickets\n    options:\n      resource_server: http://127.0.0.1\n      page_size: <<RESOURCE.page_size>>\n";
    let p = Project::new(&[("relay.yaml", &config), ("wf.yaml", workflow)]);
    let r = p.relay(&["validate", "wf.yaml"]);
    r.assert_code(65);
    let headlines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(
        headlines,
        vec![
            "error: unknown key `tennant` in credential `halo` (line 9, column 5); did you mean `tenant`?",
            "error: `grant` in credential `halo` is \"refresh\"; expected one of: \"refresh_token\", \"client_credentials\", \"password\" (line 10, column 12); did you mean `refresh_token`?",
            "error: `max_retries` in credential `halo` is 11, above the maximum 10 (line 11, column 18)",
            "error: `page_size` in the options of action `get_tickets` is 150, above the maximum 100 (line 8, column 18)",
            "error: unknown key `opne_only` in the options of action `get_tickets` (line 9, column 7); did you mean `open_only`?",
            "error: `token` is required in the options of action `more` (line 13, column 7)",
            "error: 6 problems in 2 files",
        ],
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("= help: retries after HTTP 429 (default 3)"),
        "the schema's description is the help: {}",
        r.stderr
    );
}

#[test]
fn rendered_options_are_checked_before_the_plugin_is_called() {
    let config = format!(
        "plugins:\n  - {}\nresources:\n  page_size: 500\n",
        text(build::halo())
    );
    let workflow = "name: Late\nactions:\n  - name: Get tickets\n    type: halo.tickets\n    options:\n      resource_server: http://127.0.0.1:9\n      token: t\n      page_size: <<RESOURCE.page_size>>\n";
    let p = Project::new(&[("relay.yaml", &config), ("wf.yaml", workflow)]);
    p.relay(&["validate", "wf.yaml"]).assert_code(0);
    let r = p.relay(&["run", "wf.yaml"]);
    r.assert_code(1);
    assert!(
        r.stderr.contains("action `get_tickets` failed: after rendering, `page_size` in the options of action `get_tickets` is 500, above the maximum 100"),
        "{}",
        r.stderr
    );
}
