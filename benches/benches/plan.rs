//! Plan building for a 1,000-action workflow: YAML → raw workflow → checked plan with every
//! formula compiled, which is all `relay validate` does besides reading files.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use relay_benches::planning::{load_config, plan_source};
use relay_benches::workflows::{chain_workflow, relay_config};
use relay_core::diagnostic::Diagnostics;
use relay_core::plan::{self, PlanInputs};
use relay_core::registry::Registry;
use relay_core::source::SourceFile;
use relay_core::workflow::RawWorkflow;

const ACTIONS: usize = 1_000;

fn bench_plan(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config_path = dir.path().join("relay.yaml");
    std::fs::write(
        &config_path,
        relay_config("http://127.0.0.1:9", "127.0.0.1:9"),
    )
    .expect("write relay.yaml");
    let registry = Registry::builtin();
    let config = load_config(&config_path, &registry).unwrap_or_else(|e| panic!("{e}"));
    let source = SourceFile::new("chain.yaml", chain_workflow(ACTIONS));
    let planned = plan_source(source.clone(), &config, &registry).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(planned.actions.len(), ACTIONS);

    let mut diags = Diagnostics::new();
    let raw = RawWorkflow::read(source.clone(), &mut diags).expect("reads");
    let inputs = PlanInputs {
        config: &config,
        registry: &registry,
        resource_overrides: &[],
    };

    let mut group = c.benchmark_group("plan");
    group.sample_size(20);
    group.bench_function("read_1000_actions", |b| {
        b.iter(|| RawWorkflow::read(black_box(source.clone()), &mut Diagnostics::new()))
    });
    group.bench_function("build_1000_actions", |b| {
        b.iter(|| plan::build(black_box(&raw), &inputs, &mut Diagnostics::new()))
    });
    group.bench_function("read_and_build_1000_actions", |b| {
        b.iter(|| plan_source(black_box(source.clone()), &config, &registry))
    });
    group.finish();
}

criterion_group!(benches, bench_plan);
criterion_main!(benches);
