//! Event building: every action execution emits `E ⊕ {slug: R}`; a 10-action chain builds ten
//! of them, and later formulas look results up through the chain.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use relay_core::Value;
use relay_core::event::Event;

const CHAIN: usize = 10;

fn result(i: usize) -> Value {
    Value::from_pairs([
        ("status", Value::from(200)),
        ("index", Value::from(i)),
        ("body", Value::from(format!("result of step {i}"))),
    ])
}

fn build(slugs: &[Arc<str>], results: &[Value]) -> Event {
    let mut event = Event::entry(Value::from_pairs([("ticket_id", Value::from(7))]));
    for (slug, r) in slugs.iter().zip(results) {
        event = event.with(slug, r.clone());
    }
    event
}

fn bench_events(c: &mut Criterion) {
    let slugs: Vec<Arc<str>> = (0..CHAIN).map(|i| Arc::from(format!("step_{i}"))).collect();
    let results: Vec<Value> = (0..CHAIN).map(result).collect();
    let built = build(&slugs, &results);
    assert_eq!(
        built
            .get("step_0")
            .and_then(|r| r.get_attr("index").ok())
            .and_then(|v| v.as_i64()),
        Some(0)
    );
    assert_eq!(built.to_value().len(), Some(CHAIN + 1));

    let mut group = c.benchmark_group("event");
    group.bench_function("build_10_action_chain", |b| {
        b.iter(|| build(black_box(&slugs), black_box(&results)))
    });
    group.bench_function("lookup_oldest_of_10", |b| {
        b.iter(|| black_box(&built).get("step_0"))
    });
    group.bench_function("lookup_entry_key_of_10", |b| {
        b.iter(|| black_box(&built).get("ticket_id"))
    });
    group.bench_function("to_value_10_action_chain", |b| {
        b.iter(|| black_box(&built).to_value())
    });
    group.finish();
}

criterion_group!(benches, bench_events);
criterion_main!(benches);
