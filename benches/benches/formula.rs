//! Formula rendering: what every HTTP request pays per event (a header pill, a 20-pill
//! payload, a typed single pill), with formulas compiled once up front as a plan does.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use relay_core::Value;
use relay_core::event::Event;
use relay_core::formula::{Compiled, Scope, compile};
use relay_core::source::SourceFile;
use relay_core::yaml;

fn compiled(yaml_text: &str) -> Compiled {
    let source = SourceFile::new("bench.yaml", yaml_text);
    let node = yaml::parse(yaml_text).expect("benchmark YAML parses");
    compile(&source, &node).unwrap_or_else(|e| panic!("benchmark formula compiles: {e:?}"))
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("benchmark JSON parses")
}

/// An event after a ticket request, as the next action's formulas see it.
fn scope() -> Scope {
    let tickets: Vec<String> = (1..=5)
        .map(|id| {
            format!(
                r#"{{"id": {id}, "summary": "Printer on floor {id} is jammed", "priority_id": {p}, "client_name": "Acme", "user_name": "Ann", "status_id": 1}}"#,
                p = id % 4 + 1
            )
        })
        .collect();
    let body = format!(
        r#"{{"record_count": 5, "tickets": [{}]}}"#,
        tickets.join(",")
    );
    let result = json(&format!(
        r#"{{"status": 200, "headers": {{"content-type": "application/json"}}, "body": {body}}}"#
    ));
    let event = Event::entry(json(r#"{"ticket_id": 7}"#)).with(&Arc::from("get_tickets"), result);
    Scope {
        event: Some(event),
        resources: json(r#"{"halo_api": "http://127.0.0.1:8080", "page_size": 50}"#),
        credentials: json(r#"{"halo": "eyJhbGciOiJIUzI1NiJ9.c2FuZGJveC1hY2Nlc3MtdG9rZW4.c2ln"}"#),
        ..Scope::default()
    }
}

/// A payload of 20 pills: typed single pills and pills inside text, over the event's roots.
fn payload_yaml() -> String {
    let mut out = String::new();
    for i in 0..20 {
        let t = i % 5;
        let line = match i % 4 {
            0 => format!("k{i}: <<get_tickets.body.tickets[{t}].id>>\n"),
            1 => format!(
                "k{i}: \"Ticket <<get_tickets.body.tickets[{t}].id>>: <<get_tickets.body.tickets[{t}].summary>>\"\n"
            ),
            2 => format!("k{i}: <<RESOURCE.page_size>>\n"),
            _ => format!("k{i}: <<UPCASE(get_tickets.body.tickets[{t}].client_name)>>\n"),
        };
        out.push_str(&line);
    }
    out
}

fn bench_formulas(c: &mut Criterion) {
    let scope = scope();
    let header = compiled("\"Bearer <<CREDENTIAL.halo>>\"");
    let payload = compiled(&payload_yaml());
    let typed = compiled("<<get_tickets.body.record_count>>");
    // The benchmarks are only worth their numbers if the formulas render what they should.
    assert!(
        header
            .render(&scope)
            .expect("header renders")
            .as_str()
            .is_some_and(|s| s.starts_with("Bearer eyJ"))
    );
    assert_eq!(
        payload.render(&scope).expect("payload renders").len(),
        Some(20)
    );
    assert_eq!(
        typed.render(&scope).expect("pill renders").as_i64(),
        Some(5)
    );

    let mut group = c.benchmark_group("formula");
    group.bench_function("header_pill", |b| {
        b.iter(|| header.render(black_box(&scope)))
    });
    group.bench_function("payload_20_pills", |b| {
        b.iter(|| payload.render(black_box(&scope)))
    });
    group.bench_function("typed_single_pill", |b| {
        b.iter(|| typed.render(black_box(&scope)))
    });
    group.finish();
}

criterion_group!(benches, bench_formulas);
criterion_main!(benches);
