//! Printing diagnostics and run summaries on stderr.

use std::collections::BTreeSet;

use relay_core::diagnostic::Diagnostics;
use relay_core::engine::RunReport;

use crate::output::{Output, Style};
use crate::render::{diagnostic, events, progress::duration};

/// Every diagnostic, then a count ("3 problems in 2 files").
pub fn print_diagnostics(diags: &Diagnostics, out: &Output) {
    for d in diags.iter() {
        out.stderr_line(diagnostic::render(d, out).trim_end());
        out.stderr_line("");
    }
    let files: BTreeSet<_> = diags.iter().map(|d| d.file.clone()).collect();
    let n = diags.len();
    out.stderr_line(&format!(
        "{} {n} problem{} in {} file{}",
        out.paint(Style::Error, "error:"),
        if n == 1 { "" } else { "s" },
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    ));
}

/// `run 01J… succeeded: 7 actions, 312 executions, 1.9 s`, then each unhandled failure.
pub fn print_summary(report: &RunReport, out: &Output) {
    let stats = format!(
        "{} action{}, {} execution{}, {}",
        report.actions_run,
        if report.actions_run == 1 { "" } else { "s" },
        report.executions,
        if report.executions == 1 { "" } else { "s" },
        duration(report.duration)
    );
    if report.succeeded {
        out.stderr_line(&format!(
            "run {} {}: {stats}",
            report.run_id,
            out.paint(Style::Ok, "succeeded")
        ));
        return;
    }
    let why = match report.timed_out {
        Some(limit) => format!("timed out after {}", duration(limit)),
        None => format!(
            "{} unhandled failure{}",
            report.failures.len(),
            if report.failures.len() == 1 { "" } else { "s" }
        ),
    };
    out.stderr_line(&format!(
        "run {} {} ({why}): {stats}",
        report.run_id,
        out.paint(Style::Error, "failed")
    ));
    for f in &report.failures {
        out.stderr_line(&format!(
            "  {} action `{}` failed: {}",
            out.paint(Style::Error, "✗"),
            f.action,
            f.cause
        ));
        out.stderr_line(&format!(
            "    event: {}",
            events::short(&f.event, 300, &out.redactor)
        ));
    }
    if !report.failures.is_empty() {
        out.stderr_line("  (add a `failure` link from an action to handle its failures)");
    }
}
