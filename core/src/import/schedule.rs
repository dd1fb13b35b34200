//! Tines schedules live on an action (`schedule: [{cron, timezone}]`); Relay's live on the
//! workflow. This reads one action's schedule into Relay schedule entries.

use super::json::Json;

/// Keys of a Relay schedule entry besides `cron` (scheduler.md), carried when present.
const EXTRA_KEYS: &[&str] = &["timezone", "catchup", "catchup_window", "overlap"];

/// Relay schedule entries for one Tines action schedule, and problems found.
pub fn entries(schedule: &Json) -> (Vec<Json>, Vec<String>) {
    let mut issues = Vec::new();
    let items: Vec<Json> = match schedule {
        Json::Null => Vec::new(),
        Json::Array(items) => items.clone(),
        Json::Object(_) => vec![schedule.clone()],
        Json::String(s) if s.trim().is_empty() => Vec::new(),
        Json::String(s) => vec![Json::Object(vec![("cron".into(), Json::str(s.trim()))])],
        other => {
            issues.push(format!(
                "schedule {} is not a list of `{{cron, timezone}}`; ignored",
                other.to_compact()
            ));
            Vec::new()
        }
    };
    let mut out = Vec::new();
    for item in items {
        let Some(cron) = item
            .get("cron")
            .and_then(Json::as_str)
            .map(str::trim)
            .filter(|c| !c.is_empty())
        else {
            issues.push(format!(
                "schedule entry {} has no `cron`; ignored",
                item.to_compact()
            ));
            continue;
        };
        let mut entry = vec![("cron".to_owned(), Json::str(cron))];
        for key in EXTRA_KEYS {
            if let Some(value) = item.get(key).filter(|v| !v.is_empty_value()) {
                entry.push(((*key).to_owned(), value.clone()));
            }
        }
        if item.get("timezone").is_none_or(Json::is_empty_value) {
            issues.push(format!(
                "schedule `{cron}` names no time zone; Relay runs it in UTC"
            ));
        }
        out.push(Json::Object(entry));
    }
    (out, issues)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tines_schedules() {
        let (e, i) = entries(
            &Json::parse(r#"[{"cron":"*/1 * * * *","timezone":"America/Chicago"}]"#).unwrap(),
        );
        assert_eq!(
            Json::Array(e).to_compact(),
            r#"[{"cron":"*/1 * * * *","timezone":"America/Chicago"}]"#
        );
        assert!(i.is_empty());
        assert!(entries(&Json::Null).0.is_empty());
        assert!(entries(&Json::Array(vec![])).0.is_empty());
    }

    #[test]
    fn relay_extras_survive_and_odd_shapes_are_reported() {
        let (e, _) = entries(
            &Json::parse(
                r#"[{"cron":"0 9 * * 1-5","timezone":"UTC","overlap":"queue","catchup":"all"}]"#,
            )
            .unwrap(),
        );
        assert_eq!(
            Json::Array(e).to_compact(),
            r#"[{"cron":"0 9 * * 1-5","timezone":"UTC","catchup":"all","overlap":"queue"}]"#
        );
        let (e, i) = entries(&Json::str("@hourly"));
        assert_eq!(Json::Array(e).to_compact(), r#"[{"cron":"@hourly"}]"#);
        assert!(i[0].contains("UTC"));
        let (e, i) = entries(&Json::parse(r#"[{"timezone":"UTC"}]"#).unwrap());
        assert!(e.is_empty() && i[0].contains("no `cron`"));
        assert!(entries(&Json::Number(5.into())).1[0].contains("not a list"));
    }
}
