//! The request scenarios: `relay run` of K authenticated ticket GETs (one at a time, or N in
//! flight) against the raw baseline process making the same requests.

use std::time::Duration;

use relay_benches::stats::{marginal_us, median, per_request_overhead_us};
use relay_benches::workflows::requests_workflow;

use crate::setup::Bench;
use relay_benches::e2e::baseline::BaselineArgs;
use relay_benches::e2e::child::{self, Finished};
use relay_benches::e2e::options::Options;
use relay_benches::e2e::report::{Row, ms};

/// Medians of relay and of the baseline for one request count.
struct Pair {
    relay: Duration,
    baseline: Duration,
}

/// Runs relay and the baseline `reps` times each, interleaved so that load drifting over the
/// run hits both alike; one unmeasured warm-up of each first.
fn compare(
    bench: &Bench,
    workflow: &str,
    requests: usize,
    in_flight: usize,
    reps: usize,
) -> Result<Pair, String> {
    let input = format!("{{\"k\": {requests}}}");
    let baseline_args = BaselineArgs {
        url: bench.tickets_url(),
        requests,
        in_flight,
    }
    .to_args();
    let mut relay_times = Vec::new();
    let mut baseline_times = Vec::new();
    for rep in 0..=reps {
        let relay = child::run(
            &mut bench.relay(["run", workflow, "--input", &input, "--output", "json"]),
            bench.dir(),
            "relay",
        )?;
        check_relay(&relay, requests)?;
        let base = child::run(
            &mut bench.command(&bench.me, &baseline_args),
            bench.dir(),
            "baseline",
        )?;
        base.expect_success("the baseline")?;
        if base.stdout_text().trim() != format!("ok {requests}") {
            return Err(format!("the baseline printed {:?}", base.stdout_text()));
        }
        if rep > 0 {
            relay_times.push(relay.wall);
            baseline_times.push(base.wall);
        }
    }
    Ok(Pair {
        relay: median(&relay_times).ok_or("no samples")?,
        baseline: median(&baseline_times).ok_or("no samples")?,
    })
}

/// The run succeeded and printed one leaf event per request, each a 200.
fn check_relay(run: &Finished, requests: usize) -> Result<(), String> {
    run.expect_success("relay run")?;
    let text = run.stdout_text();
    let events: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("relay's output is not JSON ({e}): {:.200}", text))?;
    let events = events.as_array().ok_or("relay's output is not a list")?;
    if events.len() != requests {
        return Err(format!(
            "relay printed {} events for {requests} requests",
            events.len()
        ));
    }
    if let Some(bad) = events.iter().find(|e| e["get_tickets"]["status"] != 200) {
        return Err(format!(
            "a request did not answer 200: {:.300}",
            bad.to_string()
        ));
    }
    Ok(())
}

/// Sequential: `concurrency: 1` against one client in a loop. Also runs K = 1 of each, so
/// the marginal cost of one request can be told apart from start-up.
pub fn sequential(bench: &Bench, o: &Options) -> Result<Vec<Row>, String> {
    let workflow = "requests_sequential.yaml";
    bench.write(workflow, &requests_workflow(1))?;
    let k = o.requests;
    let many = compare(bench, workflow, k, 1, o.reps)?;
    let one = compare(bench, workflow, 1, 1, o.reps)?;
    let ratio = many.relay.as_secs_f64() / many.baseline.as_secs_f64();
    let overhead = per_request_overhead_us(many.relay, many.baseline, k);
    let relay_marginal = marginal_us(one.relay, many.relay, 1, k);
    let base_marginal = marginal_us(one.baseline, many.baseline, 1, k);
    Ok(vec![
        Row::info(
            format!("sequential: {k} GETs, concurrency 1 (whole process)"),
            ms(many.relay),
            ms(many.baseline),
            format!("{ratio:.2}×"),
        )
        .judged("≤ 1.10×", ratio <= 1.10),
        Row::info(
            "sequential: overhead per request (whole process)",
            format!("{:.1} µs/req", many.relay.as_secs_f64() * 1e6 / k as f64),
            format!("{:.1} µs/req", many.baseline.as_secs_f64() * 1e6 / k as f64),
            format!("{overhead:+.1} µs"),
        )
        .judged("≤ 15 µs", overhead <= 15.0),
        Row::info(
            format!("sequential: marginal cost per request (K={k} minus K=1)"),
            format!("{relay_marginal:.1} µs/req"),
            format!("{base_marginal:.1} µs/req"),
            format!("{:+.1} µs", relay_marginal - base_marginal),
        ),
        Row::info(
            "sequential: 1 GET (start-up floor)",
            ms(one.relay),
            ms(one.baseline),
            format!(
                "{:+.1} ms",
                (one.relay.as_secs_f64() - one.baseline.as_secs_f64()) * 1e3
            ),
        ),
    ])
}

/// Fan-out: `concurrency: N` against the baseline with N requests in flight; throughput.
pub fn fan_out(bench: &Bench, o: &Options) -> Result<Vec<Row>, String> {
    let workflow = "requests_fan_out.yaml";
    bench.write(workflow, &requests_workflow(o.fan_out))?;
    let k = o.requests;
    let pair = compare(bench, workflow, k, o.fan_out, o.reps)?;
    let per_second = |d: Duration| k as f64 / d.as_secs_f64();
    let ratio = per_second(pair.relay) / per_second(pair.baseline);
    Ok(vec![
        Row::info(
            format!("fan-out: {k} GETs, {} in flight (throughput)", o.fan_out),
            format!("{:.0} req/s ({})", per_second(pair.relay), ms(pair.relay)),
            format!(
                "{:.0} req/s ({})",
                per_second(pair.baseline),
                ms(pair.baseline)
            ),
            format!("{ratio:.2}×"),
        )
        .judged("≥ 0.85×", ratio >= 0.85),
    ])
}
