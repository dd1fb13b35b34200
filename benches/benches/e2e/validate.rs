//! `relay validate` of a generated workflow of 1,000 actions (a chain of requests, transforms
//! and triggers, each reading its predecessor), shown next to `relay --version`, the cost of
//! starting the process at all.

use relay_benches::stats::median;
use relay_benches::workflows::chain_workflow;

use crate::setup::Bench;
use relay_benches::e2e::child;
use relay_benches::e2e::options::Options;
use relay_benches::e2e::report::{Row, ms};

/// Target for validating 1,000 actions.
const TARGET_MS: f64 = 50.0;

pub fn validate(bench: &Bench, o: &Options) -> Result<Vec<Row>, String> {
    let n = o.validate_actions;
    let workflow = "chain.yaml";
    bench.write(workflow, &chain_workflow(n))?;
    let mut validate_times = Vec::new();
    let mut version_times = Vec::new();
    for rep in 0..=o.short_reps {
        let run = child::run(
            &mut bench.relay(["validate", workflow]),
            bench.dir(),
            "validate",
        )?;
        run.expect_success("relay validate")?;
        let version = child::run(&mut bench.relay(["--version"]), bench.dir(), "version")?;
        version.expect_success("relay --version")?;
        if rep > 0 {
            validate_times.push(run.wall);
            version_times.push(version.wall);
        }
    }
    let validate = median(&validate_times).ok_or("no samples")?;
    let version = median(&version_times).ok_or("no samples")?;
    let pass = validate.as_secs_f64() * 1e3 <= TARGET_MS;
    Ok(vec![
        Row::info(
            format!("validate: {n} actions (baseline: `relay --version`)"),
            ms(validate),
            ms(version),
            format!(
                "{:+.1} ms",
                (validate.as_secs_f64() - version.as_secs_f64()) * 1e3
            ),
        )
        .judged(format!("≤ {TARGET_MS:.0} ms"), pass),
    ])
}
