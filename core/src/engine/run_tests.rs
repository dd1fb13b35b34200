//! The engine's workers against actions that only tests have: one that panics, and a pure one
//! that awaits, so ordering and crash handling are checked where no built-in action can reach.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use minijinja::Value;

use super::*;
use crate::config::Config;
use crate::credentials::{BoxFuture, Credentials, CredentialsSetup, Redactor};
use crate::diagnostic::Diagnostics;
use crate::event::Event;
use crate::http::HttpClient;
use crate::plan::{OptionPlanner, PlanInputs, build};
use crate::registry::Registry;
use crate::source::SourceFile;
use crate::workflow::RawWorkflow;

/// `test.panic`: panics on every execution.
#[derive(Debug)]
struct Panics;

impl Action for Panics {
    fn execute<'a>(&'a self, _cx: &'a ActionContext<'a>, _event: Event) -> BoxFuture<'a, Outcome> {
        Box::pin(async { panic!("boom") })
    }
}

/// `test.slow_pure`: a pure action that takes longer for earlier items (item `n` of `count`
/// sleeps `count - n` ms), recording when each execution starts and ends.
#[derive(Debug)]
struct SlowPure {
    log: Arc<Mutex<Vec<String>>>,
}

impl Action for SlowPure {
    fn execute<'a>(&'a self, _cx: &'a ActionContext<'a>, event: Event) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let n = item_number(&event);
            self.log.lock().unwrap().push(format!("start {n}"));
            tokio::time::sleep(Duration::from_millis((10 - n).max(0) as u64)).await;
            self.log.lock().unwrap().push(format!("end {n}"));
            Outcome::emit(vec![event])
        })
    }

    fn is_pure(&self) -> bool {
        true
    }
}

/// `n` of the explode `items` that `event` comes from.
fn item_number(event: &Event) -> i64 {
    event
        .get("items")
        .and_then(|items| items.get_attr("n").ok())
        .and_then(|n| i64::try_from(n).ok())
        .expect("an event of the explode")
}

struct TestType {
    name: &'static str,
    action: Arc<dyn Action>,
}

impl ActionType for TestType {
    fn name(&self) -> &str {
        self.name
    }

    fn plan(&self, _planner: &mut OptionPlanner<'_>) -> Option<Arc<dyn Action>> {
        Some(self.action.clone())
    }
}

fn plan(yaml: &str, types: Vec<TestType>) -> Arc<crate::plan::Plan> {
    let mut registry = Registry::builtin();
    for t in types {
        registry.add_action_type(Arc::new(t), "test").unwrap();
    }
    let mut diags = Diagnostics::new();
    let raw = RawWorkflow::read(SourceFile::new("test.yaml", yaml), &mut diags).unwrap();
    let config = Config::default();
    let inputs = PlanInputs {
        config: &config,
        registry: &registry,
        resource_overrides: &[],
    };
    let plan = build(&raw, &inputs, &mut diags);
    assert!(diags.is_empty(), "the test workflow plans: {diags:?}");
    Arc::new(plan.unwrap())
}

fn services(state: &std::path::Path) -> Arc<Services> {
    Arc::new(Services::new(Arc::new(Credentials::new(
        CredentialsSetup {
            definitions: Vec::new(),
            config_path: None,
            config_dir: state.to_path_buf(),
            resources: Value::from(()),
            state_dir: state.to_path_buf(),
            http: Arc::new(HttpClient::new()),
            redactor: Arc::new(Redactor::new()),
        },
    ))))
}

async fn run_to_end(plan: Arc<crate::plan::Plan>) -> RunReport {
    run_observed(plan, true, Arc::new(NoObserver)).await
}

async fn run_observed(
    plan: Arc<crate::plan::Plan>,
    collect_output: bool,
    observer: Arc<dyn Observer>,
) -> RunReport {
    let state = tempfile::tempdir().unwrap();
    let options = RunOptions {
        input: Value::from_pairs(Vec::<(Value, Value)>::new()),
        dry_run: false,
        trigger: "cli".into(),
        run_id: None,
        default_timeout: None,
        collect_output,
    };
    // A lost job would hang the run: fail instead.
    tokio::time::timeout(
        Duration::from_secs(20),
        run(plan, services(state.path()), options, observer),
    )
    .await
    .expect("the run ends")
}

const EXPLODE_TEN: &str = "  - name: Items
    type: event_transform
    options:
      mode: explode
      path: <<range(10) | list>>
      to: n
";

/// A plan that explodes ten items into action `name` of the test type `type_name`.
fn explode_into(
    concurrency: usize,
    name: &str,
    type_name: &'static str,
    action: Arc<dyn Action>,
) -> Arc<crate::plan::Plan> {
    let yaml = format!(
        "name: Test\nconcurrency: {concurrency}\nactions:\n{EXPLODE_TEN}  - name: {name}\n    type: {type_name}\n"
    );
    plan(
        &yaml,
        vec![TestType {
            name: type_name,
            action,
        }],
    )
}

#[tokio::test]
async fn a_panicking_action_fails_each_execution_and_the_run_still_ends() {
    let plan = explode_into(4, "Boom", "test.panic", Arc::new(Panics));
    let report = run_to_end(plan).await;
    assert!(!report.succeeded);
    assert_eq!(
        report.executions, 11,
        "the explode and ten crashed executions"
    );
    assert_eq!(report.failures.len(), 10);
    for failure in &report.failures {
        assert_eq!(failure.action, "boom");
        assert!(
            failure
                .cause
                .starts_with("internal error: the action crashed"),
            "{}",
            failure.cause
        );
    }
}

#[tokio::test]
async fn pure_actions_run_one_at_a_time_in_arrival_order_even_when_they_wait() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let action = Arc::new(SlowPure { log: log.clone() });
    let plan = explode_into(8, "Slow", "test.slow_pure", action);
    let report = run_to_end(plan).await;
    assert!(report.succeeded);
    // Concurrent executions would start 0..9 at once and end in reverse (shorter sleeps last).
    let expected: Vec<String> = (0..10)
        .flat_map(|n| [format!("start {n}"), format!("end {n}")])
        .collect();
    assert_eq!(*log.lock().unwrap(), expected);
    let order: Vec<i64> = report.output.iter().map(item_number).collect();
    assert_eq!(order, (0..10).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_run_whose_only_action_is_disabled_ends_with_nothing_run() {
    let plan = plan(
        "name: Off\nactions:\n  - name: Off\n    type: event_transform\n    disabled: true\n    options:\n      mode: message_only\n      payload: {a: 1}\n",
        Vec::new(),
    );
    let report = run_to_end(plan).await;
    assert!(report.succeeded);
    assert_eq!(report.executions, 1);
    assert_eq!(report.actions_run, 0);
}

/// Records the leaf events it is shown.
#[derive(Default)]
struct OutputRecorder(Mutex<Vec<i64>>);

impl Observer for OutputRecorder {
    fn output(&self, event: &Event) {
        self.0.lock().unwrap().push(item_number(event));
    }
}

#[tokio::test]
async fn leaf_events_reach_the_observer_in_order_and_the_report_only_when_collected() {
    let yaml = format!("name: Leaves\nconcurrency: 8\nactions:\n{EXPLODE_TEN}");
    for collect in [true, false] {
        let recorder = Arc::new(OutputRecorder::default());
        let report = run_observed(plan(&yaml, Vec::new()), collect, recorder.clone()).await;
        assert!(report.succeeded);
        assert_eq!(*recorder.0.lock().unwrap(), (0..10).collect::<Vec<_>>());
        let collected: Vec<i64> = report.output.iter().map(item_number).collect();
        let expected: Vec<i64> = if collect {
            (0..10).collect()
        } else {
            Vec::new()
        };
        assert_eq!(collected, expected, "collect_output: {collect}");
    }
}
