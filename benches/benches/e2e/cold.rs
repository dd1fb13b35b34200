//! Cold start: `relay run` of a one-request workflow as a whole process, against `curl`
//! making the same request.

use std::path::{Path, PathBuf};

use relay_benches::stats::median;
use relay_benches::workflows::single_request_workflow;

use crate::setup::Bench;
use relay_benches::e2e::child;
use relay_benches::e2e::options::Options;
use relay_benches::e2e::report::{Row, ms};

/// `curl` on the PATH, if any.
fn find_curl() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("curl"))
        .find(|p| p.is_file())
}

/// Interleaved runs of both; a row saying so (and no verdict) when curl is missing.
pub fn cold_start(bench: &Bench, o: &Options) -> Result<Vec<Row>, String> {
    let Some(curl) = find_curl() else {
        println!("cold start: skipped, `curl` is not on the PATH");
        return Ok(vec![Row::info(
            "cold start: skipped (no curl)",
            "-",
            "-",
            "-",
        )]);
    };
    let workflow = "single_request.yaml";
    bench.write(workflow, &single_request_workflow())?;
    let auth = format!("Authorization: Bearer {}", bench.token);
    let curl_args = [
        "-sS",
        "--fail",
        "-o",
        "/dev/null",
        "-H",
        auth.as_str(),
        &bench.tickets_url(),
    ];
    let mut relay_times = Vec::new();
    let mut curl_times = Vec::new();
    for rep in 0..=o.short_reps {
        let relay = child::run(
            &mut bench.relay(["run", workflow, "--output", "json"]),
            bench.dir(),
            "cold-relay",
        )?;
        relay.expect_success("relay run (cold start)")?;
        if !relay.stdout_text().contains("\"status\":200") {
            return Err(format!(
                "relay's cold-start run did not get a 200: {:.300}",
                relay.stdout_text()
            ));
        }
        let curl_run = child::run(
            &mut bench.command(Path::new(&curl), curl_args),
            bench.dir(),
            "cold-curl",
        )?;
        curl_run.expect_success("curl")?;
        if rep > 0 {
            relay_times.push(relay.wall);
            curl_times.push(curl_run.wall);
        }
    }
    let relay = median(&relay_times).ok_or("no samples")?;
    let curl_median = median(&curl_times).ok_or("no samples")?;
    let ratio = relay.as_secs_f64() / curl_median.as_secs_f64();
    Ok(vec![
        Row::info(
            "cold start: `relay run` of 1 GET vs curl",
            ms(relay),
            ms(curl_median),
            format!("{ratio:.2}×"),
        )
        .judged("≤ 1.5×", ratio <= 1.5),
    ])
}
