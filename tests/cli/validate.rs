//! `relay validate`: the corpus of broken workflows in `tests/broken/`, each with the exact
//! stderr it must produce, plus the valid examples, the Tines paste format and the exit codes.
//!
//! Every corpus file is validated on its own, from a temp dir holding `tests/broken/relay.yaml`
//! as `relay.yaml` and the file as `broken/<name>.yaml`, so the expected text names
//! `broken/<name>.yaml`. `RELAY_BLESS=1` rewrites the `.stderr` files from what relay prints;
//! review every rewritten file before committing it.

use std::path::{Path, PathBuf};

use crate::support::{Relay, RunResult};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/broken");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/workflows");
const EXAMPLES_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/relay.yaml");

/// One broken workflow and what `relay validate` must print for it.
struct Case {
    name: String,
    yaml: String,
    stderr_path: PathBuf,
    expected: Option<String>,
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn corpus_config() -> String {
    read(&Path::new(CORPUS).join("relay.yaml"))
}

/// The corpus, sorted by name (`relay.yaml` is the shared configuration, not a case).
fn corpus() -> Vec<Case> {
    let mut cases: Vec<Case> = std::fs::read_dir(CORPUS)
        .expect("tests/broken exists")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "yaml")
                && p.file_name().is_some_and(|n| n != "relay.yaml")
        })
        .map(|p| {
            let stderr_path = p.with_extension("stderr");
            Case {
                name: p.file_name().unwrap().to_string_lossy().into_owned(),
                yaml: read(&p),
                expected: std::fs::read_to_string(&stderr_path).ok(),
                stderr_path,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// `relay validate broken/<name>…` in a temp dir with the corpus relay.yaml.
fn validate_corpus_files(cases: &[&Case]) -> RunResult {
    let mut relay = Relay::new().file("relay.yaml", &corpus_config());
    for case in cases {
        relay = relay.file(&format!("broken/{}", case.name), &case.yaml);
    }
    relay
        .args(["validate".to_owned()])
        .args(cases.iter().map(|c| format!("broken/{}", c.name)))
        .run()
}

/// A line diff of expected vs actual (LCS), `-` for expected-only and `+` for actual-only lines.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!(" {}\n", a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("-{}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+{}\n", b[j]));
            j += 1;
        }
    }
    if expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("(the two differ in their final line break)\n");
    }
    out
}

/// The diagnostics of one expected stderr, without its final "error: N problems in M files" line.
fn without_summary(stderr: &str) -> &str {
    let body = stderr.trim_end_matches('\n');
    let cut = body.rfind('\n').map(|i| i + 1).unwrap_or(0);
    assert!(
        body[cut..].starts_with("error: ") && body[cut..].contains(" in 1 file"),
        "last line is the summary: {stderr}"
    );
    &stderr[..cut]
}

/// The number of problems an expected stderr announces in its summary line.
fn problem_count(stderr: &str) -> usize {
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    let n = last
        .strip_prefix("error: ")
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok());
    n.unwrap_or_else(|| panic!("no summary line in {stderr:?}"))
}

#[test]
fn every_broken_workflow_gets_its_exact_diagnostics_and_exit_65() {
    let bless = std::env::var("RELAY_BLESS").is_ok_and(|v| v == "1");
    let cases = corpus();
    assert!(
        cases.len() >= 35,
        "the corpus has {} files; it must keep at least 35",
        cases.len()
    );
    let orphans: Vec<String> = std::fs::read_dir(CORPUS)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "stderr") && !p.with_extension("yaml").exists()
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        orphans.is_empty(),
        "expected-output files without a workflow: {orphans:?}"
    );

    let mut failures = Vec::new();
    for case in &cases {
        let result = validate_corpus_files(&[case]);
        if bless {
            std::fs::write(&case.stderr_path, &result.stderr).expect("write .stderr");
        }
        let mut problems = Vec::new();
        if result.code != 65 {
            problems.push(format!("exit code {} instead of 65", result.code));
        }
        if !result.stdout.is_empty() {
            problems.push(format!("stdout is not empty:\n{}", result.stdout));
        }
        match &case.expected {
            None if !bless => problems.push(format!(
                "{} is missing; run with RELAY_BLESS=1 and review it",
                case.stderr_path.display()
            )),
            Some(expected) if !bless && *expected != result.stderr => problems.push(format!(
                "stderr differs (-expected +actual):\n{}",
                diff(expected, &result.stderr)
            )),
            _ => {}
        }
        if result.stderr.contains("panicked") || result.stderr.contains("RUST_BACKTRACE") {
            problems.push("stderr shows a panic".to_owned());
        }
        if !problems.is_empty() {
            failures.push(format!("=== {}\n{}", case.name, problems.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} corpus files failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn several_broken_files_at_once_report_every_problem_of_every_file() {
    let cases = corpus();
    let pick = |prefix: &str| {
        cases
            .iter()
            .find(|c| c.name.starts_with(prefix))
            .unwrap_or_else(|| panic!("corpus file {prefix}-*"))
    };
    // A YAML syntax error, a schema error, a multi-problem file and a graph error.
    let chosen = [
        pick("01-"),
        pick("10-"),
        pick("55-"),
        pick("56-"),
        pick("24-"),
    ];
    let expected_count: usize = chosen
        .iter()
        .map(|c| problem_count(c.expected.as_deref().expect("blessed")))
        .sum();
    assert!(
        expected_count >= 12,
        "the chosen files hold many problems ({expected_count})"
    );
    let result = validate_corpus_files(&chosen);
    result.assert_code(65);
    let mut expected: String = chosen
        .iter()
        .map(|c| without_summary(c.expected.as_deref().unwrap()))
        .collect();
    expected.push_str(&format!(
        "error: {expected_count} problems in {} files\n",
        chosen.len()
    ));
    assert_eq!(
        result.stderr.matches("\nerror: ").count()
            + usize::from(result.stderr.starts_with("error: ")),
        expected_count + 1
    );
    assert!(
        result.stderr == expected,
        "stderr differs (-expected +actual):\n{}",
        diff(&expected, &result.stderr)
    );
}

#[test]
fn validating_the_corpus_directory_reports_all_files_in_order() {
    let cases = corpus();
    let mut relay = Relay::new().file("relay.yaml", &corpus_config());
    for case in &cases {
        relay = relay.file(&format!("broken/{}", case.name), &case.yaml);
    }
    let result = relay.args(["validate", "broken"]).run();
    result.assert_code(65);
    let total: usize = cases
        .iter()
        .map(|c| problem_count(c.expected.as_deref().expect("blessed")))
        .sum();
    let mut expected: String = cases
        .iter()
        .map(|c| without_summary(c.expected.as_deref().unwrap()))
        .collect();
    expected.push_str(&format!(
        "error: {total} problems in {} files\n",
        cases.len()
    ));
    assert!(
        result.stderr == expected,
        "stderr differs (-expected +actual):\n{}",
        diff(&expected, &result.stderr)
    );
    assert_eq!(result.stdout, "", "no corpus file is valid");
}

#[test]
fn the_example_workflows_are_valid() {
    let mut relay = Relay::new().file("relay.yaml", &read(Path::new(EXAMPLES_CONFIG)));
    let names = example_names();
    assert!(
        names.len() >= 4,
        "the spec asks for at least four examples: {names:?}"
    );
    for name in &names {
        relay = relay.file(
            &format!("workflows/{name}"),
            &read(&Path::new(EXAMPLES).join(name)),
        );
    }
    let result = relay.args(["validate", "workflows"]).run();
    result.assert_code(0);
    assert_eq!(result.stderr, format!("{} workflows valid\n", names.len()));
    let lines: Vec<&str> = result.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        names.len(),
        "one line per workflow:\n{}",
        result.stdout
    );
    for (line, name) in lines.iter().zip(&names) {
        assert!(line.starts_with(&format!("✓ workflows/{name} (")), "{line}");
        assert!(
            line.ends_with(" actions)") || line.ends_with(" action)"),
            "{line}"
        );
    }
    assert!(
        result
            .stdout
            .contains("✓ workflows/halo_tickets.yaml (Halo tickets, 5 actions)"),
        "{}",
        result.stdout
    );

    // Each file named on its own validates too.
    let one = relay_with_examples(&names)
        .args(["validate", "workflows/halo_tickets_from_tines.yaml"])
        .run();
    one.assert_code(0);
    assert_eq!(
        one.stdout,
        "✓ workflows/halo_tickets_from_tines.yaml (Halo tickets (pasted from Tines), 2 actions)\n"
    );
    assert_eq!(one.stderr, "1 workflow valid\n");
}

/// Every file of workflows/: each must be valid with the repository's relay.yaml alone, since
/// `relay daemon workflows/` and `relay validate workflows/` take the whole directory (the plugin
/// example lives in plugins/halo/, beside the relay.yaml that loads the plugin).
fn example_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(EXAMPLES)
        .expect("workflows/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn relay_with_examples(names: &[String]) -> Relay {
    let mut relay = Relay::new().file("relay.yaml", &read(Path::new(EXAMPLES_CONFIG)));
    for name in names {
        relay = relay.file(
            &format!("workflows/{name}"),
            &read(&Path::new(EXAMPLES).join(name)),
        );
    }
    relay
}

const PASTED: &str = r#"name: Pasted
actions:
  - name: Get a list of Tickets
    type: http_request
    options: '{"url":"https://acme.halopsa.com/api/Tickets","method":"get","content_type":"json","headers":{"Authorization":"Bearer <<CREDENTIAL.halo>>"},"payload":{"pageinate":true,"page_size":"<<RESOURCE.page_size>>"}}'
  - name: Count
    type: event_transform
    options: "{\"mode\": \"message_only\", \"payload\": {\"count\": \"=SIZE(get_a_list_of_tickets.body.tickets)\"}}"
"#;

#[test]
fn options_as_a_json_string_are_accepted_and_checked() {
    let result = Relay::new()
        .file("relay.yaml", &corpus_config())
        .file("pasted.yaml", PASTED)
        .args(["validate", "pasted.yaml"])
        .run();
    result.assert_code(0);
    assert_eq!(result.stdout, "✓ pasted.yaml (Pasted, 2 actions)\n");
    assert_eq!(result.stderr, "1 workflow valid\n");

    // The string's content is planned like any options: a bad method inside it is found.
    let bad = PASTED.replace(r#""method":"get""#, r#""method":"fetch""#);
    let result = Relay::new()
        .file("relay.yaml", &corpus_config())
        .file("pasted.yaml", &bad)
        .args(["validate", "pasted.yaml"])
        .run();
    result.assert_code(65);
    assert!(result.stderr.contains("`fetch`"), "{}", result.stderr);
    assert!(
        result.stderr.contains(" --> pasted.yaml:5:"),
        "points into the pasted line:\n{}",
        result.stderr
    );
    assert!(
        result.stderr.ends_with("error: 1 problem in 1 file\n"),
        "{}",
        result.stderr
    );
}

#[test]
fn a_missing_file_exits_66() {
    let result = Relay::new()
        .file("relay.yaml", &corpus_config())
        .args(["validate", "nope.yaml"])
        .run();
    result.assert_code(66);
    assert_eq!(result.stdout, "");
    assert_eq!(
        result.stderr,
        "error: nope.yaml: no such file or directory\n"
    );

    // Beside files that exist, the missing path is one more problem: the others are still
    // checked and reported (every problem of every file), and the exit code is still 66.
    let result = Relay::new()
        .file("relay.yaml", &corpus_config())
        .file("ok.yaml", "name: x\nactions:\n  - {name: a, type: event_transform, options: {mode: message_only}}\n")
        .file("bad.yaml", "name: y\nactions:\n  - {name: a, type: event_transform, opitons: {mode: message_only}}\n")
        .args(["validate", "missing/flow.yaml", "ok.yaml", "bad.yaml"])
        .run();
    result.assert_code(66);
    assert!(
        result
            .stderr
            .contains("missing/flow.yaml: no such file or directory"),
        "{}",
        result.stderr
    );
    assert!(
        result.stdout.contains("ok.yaml (x, 1 action)"),
        "{}",
        result.stdout
    );
    assert!(
        result.stderr.contains("unknown key `opitons`") && result.stderr.contains("bad.yaml:3:"),
        "the broken file is reported too:\n{}",
        result.stderr
    );
}

#[test]
fn an_unknown_flag_exits_2() {
    let result = Relay::new()
        .args(["validate", "--frobnicate", "x.yaml"])
        .run();
    result.assert_code(2);
    assert_eq!(result.stdout, "");
    assert!(
        result.stderr.contains("unexpected argument '--frobnicate'"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("relay validate"),
        "usage names the command: {}",
        result.stderr
    );
}

/// The repository as a user has it: `relay validate workflows/` and `relay schedule list` from
/// its root, with its relay.yaml. The plugin example below workflows/ has its own relay.yaml,
/// so it is left out with a note instead of failing for want of the plugin.
#[test]
fn the_repository_workflows_directory_validates_from_its_root() {
    let root = env!("CARGO_MANIFEST_DIR");
    let relay = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_relay"))
            .args(args)
            .current_dir(root)
            .env_remove("RELAY_CONFIG")
            .env_remove("RELAY_PLUGIN_PATH")
            .env_remove("RELAY_STATE_URL")
            .env("NO_COLOR", "1")
            .output()
            .expect("run relay");
        RunResult {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let note = "note: skipped workflows/halo_plugin/: it has its own relay.yaml (run relay there, or pass --config workflows/halo_plugin/relay.yaml)";
    let r = relay(&["validate", "workflows/"]);
    r.assert_code(0);
    assert!(r.stderr.contains(note), "{}", r.stderr);
    assert!(
        r.stderr
            .ends_with(&format!("{} workflows valid\n", example_names().len())),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("halo_plugin"), "{}", r.stdout);
    let schedules = relay(&["schedule", "list"]);
    schedules.assert_code(0);
    assert!(
        schedules
            .stdout
            .contains("#1 */15 * * * * (Europe/London): Every 15 minutes"),
        "{}",
        schedules.stdout
    );
}

#[test]
fn a_nested_project_is_validated_when_named_itself() {
    let plugin_workflow = "name: P\nactions:\n  - name: Get\n    type: nope.tickets\n";
    let r = Relay::new()
        .file("relay.yaml", "")
        .file("workflows/a.yaml", "name: A\nactions:\n  - name: Echo\n    type: event_transform\n    options: {mode: message_only, payload: {a: 1}}\n")
        .file("workflows/nested/relay.yaml", "")
        .file("workflows/nested/p.yaml", plugin_workflow)
        .args(["validate", "workflows", "workflows/nested"])
        .run();
    r.assert_code(65);
    assert!(
        r.stdout.contains("✓ workflows/a.yaml (A, 1 action)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains("note: skipped workflows/nested/"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("--> workflows/nested/p.yaml:4:11"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_formula_too_long_to_parse_safely_is_a_located_error_not_a_crash() {
    // MiniJinja recurses once per operator of a chain; 20,000 of them overflowed the stack.
    let chain = vec!["1"; 20_000].join("+");
    let wf = format!(
        "name: x\nactions:\n  - name: a\n    type: event_transform\n    options: {{mode: message_only, payload: {{v: \"={chain}\"}}}}\n"
    );
    for command in ["validate", "run"] {
        let r = Relay::new()
            .file("wf.yaml", &wf)
            .args([command, "wf.yaml"])
            .run();
        r.assert_code(65);
        assert!(
            r.stderr
                .contains("the formula has 19999 operators; at most 1000 are allowed")
                && r.stderr.contains("--> wf.yaml:5:"),
            "{command}: {}",
            &r.stderr[..r.stderr.len().min(600)]
        );
        assert!(!r.stderr.contains("overflow"), "{command}");
    }
}

#[test]
fn every_bad_setting_of_one_schedule_entry_and_one_credential_is_reported() {
    let wf = "name: x\nschedule:\n  - cron: \"0 * * * *\"\n    timezone: Europe/Londn\n    catchup: sometimes\n    catchup_window: forever\n    overlap: never\nactions:\n  - {name: a, type: event_transform, options: {mode: message_only}}\n";
    let config = "credentials:\n  api:\n    type: oauth2\n    grant_type: implicit\n    auth_style: header\n    token_url: https://auth.example.com/token\n    allowed_hosts: [api.example.com]\n";
    let r = Relay::new()
        .file("relay.yaml", config)
        .file("wf.yaml", wf)
        .args(["validate", "wf.yaml"])
        .run();
    r.assert_code(65);
    for (problem, at) in [
        ("invalid `timezone` in schedule #1", "wf.yaml:4:"),
        ("invalid `catchup` in schedule #1", "wf.yaml:5:"),
        ("invalid `catchup_window` in schedule #1", "wf.yaml:6:"),
        ("invalid `overlap` in schedule #1", "wf.yaml:7:"),
        (
            "unknown grant_type `implicit` in credential `api`",
            "relay.yaml:4:",
        ),
        (
            "unknown auth_style `header` in credential `api`",
            "relay.yaml:5:",
        ),
    ] {
        assert!(
            r.stderr.contains(problem) && r.stderr.contains(at),
            "{problem} at {at}:\n{}",
            r.stderr
        );
    }
}
