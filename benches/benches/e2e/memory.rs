//! Memory and scaling: an explode of N items of 1 KiB each through a trigger and an implode,
//! at N and 2N, measuring peak RSS and wall time.
//!
//! The items come from the entry event (`--input @items.json`), so the figures are Relay's
//! alone: no server serializes them, and no HTTP body limit (64 MiB) applies. The last step
//! checks the imploded count and emits only when it is wrong, so a correct run prints `[]`
//! rather than the data set twice over (the leaf's lineage holds the input and the list).

use std::io::{BufWriter, Write};
use std::time::Duration;

use relay_benches::items::{ITEM_BYTES, write_items};
use relay_benches::stats::{median, median_u64};
use relay_benches::workflows::{ImplodeCheck, explode_workflow};

use crate::setup::Bench;
use relay_benches::e2e::options::Options;
use relay_benches::e2e::report::Row;
use relay_benches::e2e::rss::{self, Measured};

/// Peak RSS target for N = 100,000, in MB.
const TARGET_MB: f64 = 400.0;
/// Most the time may grow from N to 2N.
const TARGET_SCALING: f64 = 2.2;
/// Items of the sanity run that checks the workflow really implodes everything, in order.
const SANITY_ITEMS: usize = 1_000;

fn write_input(bench: &Bench, name: &str, count: usize) -> Result<(), String> {
    let path = bench.dir().join(name);
    let file = std::fs::File::create(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut out = BufWriter::new(file);
    write_items(&mut out, count, ITEM_BYTES)
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn run(bench: &Bench, workflow: &str, input: &str, label: &str) -> Result<Measured, String> {
    let args = [
        "run",
        workflow,
        "--input",
        &format!("@{input}"),
        "--output",
        "json",
    ]
    .map(String::from);
    rss::measure(&bench.relay, &args, &bench.envs(), bench.dir(), label)
}

/// A small run whose last step emits the imploded list: every item back, in order.
fn sanity(bench: &Bench) -> Result<(), String> {
    write_input(bench, "items_sanity.json", SANITY_ITEMS)?;
    bench.write(
        "explode_sanity.yaml",
        &explode_workflow(SANITY_ITEMS, ImplodeCheck::EmitWhenComplete),
    )?;
    let m = run(
        bench,
        "explode_sanity.yaml",
        "items_sanity.json",
        "memory-sanity",
    )?;
    m.finished
        .expect_success("relay run (memory sanity check)")?;
    let out: serde_json::Value = serde_json::from_str(&m.finished.stdout_text())
        .map_err(|e| format!("sanity run output is not JSON: {e}"))?;
    let items = out[0]["implode_items"]["items"]
        .as_array()
        .ok_or("the sanity run emitted no imploded list")?;
    let in_order = items.iter().enumerate().all(|(i, item)| item["id"] == i);
    if out.as_array().map(Vec::len) != Some(1) || items.len() != SANITY_ITEMS || !in_order {
        return Err(format!(
            "the sanity run imploded {} items (in order: {in_order}), expected {SANITY_ITEMS}",
            items.len()
        ));
    }
    Ok(())
}

/// A measured run printed `[]` and executed every step for every item.
fn check(m: &Measured, items: usize) -> Result<(), String> {
    m.finished.expect_success("relay run (memory)")?;
    let stdout = m.finished.stdout_text();
    if stdout.trim() != "[]" {
        return Err(format!(
            "the implode did not hold all {items} items: {:.300}",
            stdout
        ));
    }
    // explode 1 + trigger N + implode N + check 1: the check ran, so the implode emitted.
    let executions = format!("{} executions", 2 * items + 2);
    let tail = m.finished.stderr_tail();
    if !tail.contains(&executions) {
        return Err(format!("expected {executions} in relay's summary:\n{tail}"));
    }
    Ok(())
}

struct Size {
    items: usize,
    walls: Vec<Duration>,
    peaks: Vec<u64>,
    method: &'static str,
}

pub fn memory(bench: &Bench, o: &Options) -> Result<Vec<Row>, String> {
    sanity(bench)?;
    let mut sizes = vec![o.items, o.items * 2]
        .into_iter()
        .map(|items| Size {
            items,
            walls: Vec::new(),
            peaks: Vec::new(),
            method: "",
        })
        .collect::<Vec<_>>();
    for size in &sizes {
        write_input(bench, &format!("items_{}.json", size.items), size.items)?;
        bench.write(
            &format!("explode_{}.yaml", size.items),
            &explode_workflow(size.items, ImplodeCheck::EmitWhenWrong),
        )?;
    }
    for _ in 0..o.memory_reps {
        for size in &mut sizes {
            let n = size.items;
            let m = run(
                bench,
                &format!("explode_{n}.yaml"),
                &format!("items_{n}.json"),
                &format!("memory-{n}"),
            )?;
            check(&m, n)?;
            size.walls.push(m.finished.wall);
            size.peaks.push(m.peak_kib);
            size.method = m.method;
        }
    }
    for size in &sizes {
        let _ = std::fs::remove_file(bench.dir().join(format!("items_{}.json", size.items)));
    }
    let mb = |kib: u64| kib as f64 * 1024.0 / 1e6;
    let input_mb = |n: usize| (n * (ITEM_BYTES + 1)) as f64 / 1e6;
    let (small, large) = (&sizes[0], &sizes[1]);
    let small_peak = mb(median_u64(&small.peaks).ok_or("no samples")?);
    let large_peak = mb(median_u64(&large.peaks).ok_or("no samples")?);
    let small_wall = median(&small.walls).ok_or("no samples")?;
    let large_wall = median(&large.walls).ok_or("no samples")?;
    let scaling = large_wall.as_secs_f64() / small_wall.as_secs_f64();
    println!("memory: peak RSS read with {}", small.method);
    let mut rss_row = Row::info(
        format!(
            "explode {} × 1 KiB → trigger → implode: peak RSS",
            small.items
        ),
        format!("{small_peak:.0} MB"),
        format!("input {:.0} MB", input_mb(small.items)),
        format!("{:.2}× input", small_peak / input_mb(small.items)),
    );
    // The memory target is for 100,000 items; smaller (--quick) runs only show the figure.
    if small.items == 100_000 {
        rss_row = rss_row.judged(format!("≤ {TARGET_MB:.0} MB"), small_peak <= TARGET_MB);
    }
    Ok(vec![
        rss_row,
        Row::info(
            format!("explode {}: wall time", small.items),
            format!("{:.2} s", small_wall.as_secs_f64()),
            "-",
            "-",
        ),
        Row::info(
            format!("explode {}: wall time (scaling)", large.items),
            format!("{:.2} s", large_wall.as_secs_f64()),
            format!("{:.2} s at {}", small_wall.as_secs_f64(), small.items),
            format!("{scaling:.2}×"),
        )
        .judged(format!("≤ {TARGET_SCALING}×"), scaling <= TARGET_SCALING),
        Row::info(
            format!("explode {}: peak RSS", large.items),
            format!("{large_peak:.0} MB"),
            format!("input {:.0} MB", input_mb(large.items)),
            format!("{:.2}× input", large_peak / input_mb(large.items)),
        ),
    ])
}
