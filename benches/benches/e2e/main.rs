//! End-to-end benchmark: `relay run` as a whole process against the Halo sandbox, side by side
//! with a raw baseline measured in the same run.
//!
//! Expects a release build of relay (`cargo build --release`, found as `relay` next to this
//! benchmark in `<target>/release/`, or via `RELAY_BIN`); builds nothing itself. Run it with
//! `benches/run.sh`, or `cargo bench --manifest-path benches/Cargo.toml --target-dir target
//! --bench e2e [-- --quick] [-- SCENARIO…]`. See docs/performance.md.

mod cold;
mod memory;
mod requests;
mod serve;
mod setup;
mod validate;

use std::process::ExitCode;

use relay_benches::e2e::options::Options;
use relay_benches::e2e::report::{self, Row};
use relay_benches::e2e::{baseline, rss};
use setup::Bench;

type Scenario = fn(&Bench, &Options) -> Result<Vec<Row>, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--baseline") {
        return baseline::main(&args);
    }
    let options = match Options::parse(&args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("e2e: {e}");
            return ExitCode::from(2);
        }
    };
    if options.scenarios.is_empty() && !options.serve {
        println!("e2e: no scenario matches the filter; skipped");
        return ExitCode::SUCCESS;
    }
    let bench = match Bench::start() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("e2e: {e}");
            return ExitCode::from(1);
        }
    };
    if options.serve {
        return match serve::serve(bench, &options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("e2e: {e}");
                ExitCode::from(1)
            }
        };
    }
    println!("e2e: relay {}", bench.relay.display());
    println!(
        "e2e: sandbox {} (in this process), working dir {}",
        bench.sandbox.base_url(),
        bench.dir().display()
    );
    println!(
        "e2e: {} cores, load average {} at start; K = {}, {} reps (medians shown)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0),
        load_average(),
        options.requests,
        options.reps
    );
    if !rss::gnu_time_available() {
        println!(
            "e2e: /usr/bin/time (GNU) not found; peak RSS comes from polling /proc/<pid>/status VmHWM"
        );
    }
    let scenarios: [(&str, Scenario); 5] = [
        ("sequential", requests::sequential),
        ("fanout", requests::fan_out),
        ("cold", cold::cold_start),
        ("validate", validate::validate),
        ("memory", memory::memory),
    ];
    let mut rows = Vec::new();
    let mut failed = false;
    for (name, scenario) in scenarios {
        if !options.wants(name) {
            continue;
        }
        println!("e2e: running {name} …");
        match scenario(&bench, &options) {
            Ok(r) => rows.extend(r),
            Err(e) => {
                eprintln!("e2e: {name} could not be measured: {e}");
                rows.push(
                    Row::info(format!("{name}: ERROR (see above)"), "-", "-", "-")
                        .judged("-", false),
                );
                failed = true;
            }
        }
    }
    println!("\ne2e: load average {} at the end\n", load_average());
    print!("{}", report::table(&rows));
    let misses = rows.iter().filter(|r| r.pass == Some(false)).count();
    println!(
        "\n{misses} of {} targets missed",
        rows.iter().filter(|r| r.pass.is_some()).count()
    );
    // Missed targets are findings, not a broken benchmark: only a scenario that could not be
    // measured fails the command.
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `/proc/loadavg`'s three averages, or `?` off Linux.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}
