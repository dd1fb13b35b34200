//! `schedule:` → validated schedules: one cron string, or a list of `{cron, timezone, catchup,
//! catchup_window, overlap}` (items may also be plain cron strings).

use crate::diagnostic::Diagnostics;
use crate::schedule::ScheduleSpec;
use crate::source::SourceFile;
use crate::yaml::{MapReader, Node, NodeValue};

const KEYS: &[&str] = &["cron", "timezone", "catchup", "catchup_window", "overlap"];

/// The workflow's schedules (empty without `schedule:`); problems go to `diags`.
pub fn schedules(
    source: &SourceFile,
    node: Option<&Node>,
    diags: &mut Diagnostics,
) -> Vec<ScheduleSpec> {
    let Some(node) = node else { return Vec::new() };
    match &node.value {
        NodeValue::Str(_) => one(source, node, 0, diags).into_iter().collect(),
        NodeValue::Seq(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| one(source, item, i, diags))
            .collect(),
        _ => {
            diags.error(
                source,
                node.location,
                format!("`schedule` must be a cron string or a list of schedules, found {}", node.kind_name()),
                "write `schedule: \"*/15 * * * *\"` or a list of `{cron, timezone, catchup, overlap}`",
            );
            Vec::new()
        }
    }
}

fn one(
    source: &SourceFile,
    node: &Node,
    index: usize,
    diags: &mut Diagnostics,
) -> Option<ScheduleSpec> {
    let what = format!("schedule #{}", index + 1);
    if let Some(cron) = node.as_str() {
        return build(source, node, &what, cron, None, diags);
    }
    let r = MapReader::new(source, node, what.clone(), KEYS, diags)?;
    let cron = r.required_string("cron", "add `cron:`, e.g. `cron: \"*/15 * * * *\"`", diags)?;
    Some(build(source, node, &what, cron, Some(&r), diags)?)
}

fn build(
    source: &SourceFile,
    node: &Node,
    what: &str,
    cron: &str,
    r: Option<&MapReader<'_>>,
    diags: &mut Diagnostics,
) -> Option<ScheduleSpec> {
    let text =
        |key: &'static str, diags: &mut Diagnostics| r.and_then(|r| r.scalar_text(key, diags));
    let timezone = text("timezone", diags);
    let catchup = text("catchup", diags);
    let window = text("catchup_window", diags);
    let overlap = text("overlap", diags);
    match ScheduleSpec::new(
        cron,
        timezone.as_deref(),
        catchup.as_deref(),
        window.as_deref(),
        overlap.as_deref(),
    ) {
        Ok(spec) => Some(spec),
        Err(_) => {
            let problems = ScheduleSpec::problems(
                cron,
                timezone.as_deref(),
                catchup.as_deref(),
                window.as_deref(),
                overlap.as_deref(),
            );
            for e in problems {
                let at = r
                    .and_then(|r| r.node().get(e.field))
                    .map(|n| n.location)
                    .unwrap_or(node.location);
                diags.error(
                    source,
                    at,
                    format!("invalid `{}` in {what}: {}", e.field, e.message),
                    e.help,
                );
            }
            None
        }
    }
}
