//! Parsing the `timezone` setting: IANA names, with suggestions for near misses.

use chrono_tz::{TZ_VARIANTS, Tz};

use super::error::ScheduleError;
use super::suggest::closest;

const FIELD: &str = "timezone";
const HELP: &str =
    "use an IANA time zone name such as `Europe/London` or `America/New_York`; the default is UTC";

/// Common abbreviations people write, and the zone they usually mean.
const ABBREVIATIONS: [(&str, &str); 10] = [
    ("PST", "America/Los_Angeles"),
    ("PDT", "America/Los_Angeles"),
    ("CDT", "America/Chicago"),
    ("EDT", "America/New_York"),
    ("MDT", "America/Denver"),
    ("BST", "Europe/London"),
    ("CEST", "Europe/Paris"),
    ("IST", "Asia/Kolkata"),
    ("JST", "Asia/Tokyo"),
    ("AEST", "Australia/Sydney"),
];

/// Parses the `timezone` setting; `None` means UTC.
pub(super) fn parse_timezone(text: Option<&str>) -> Result<Tz, ScheduleError> {
    let Some(text) = text else {
        return Ok(Tz::UTC);
    };
    let name = text.trim();
    if name.is_empty() {
        return Err(ScheduleError::new(FIELD, "the time zone is empty", HELP));
    }
    if let Ok(zone) = name.parse::<Tz>() {
        return Ok(zone);
    }
    let message = match suggestion(name) {
        Some(suggested) => format!("unknown time zone `{name}`; did you mean `{suggested}`?"),
        None => format!("unknown time zone `{name}`"),
    };
    let help = if name.starts_with(['+', '-']) || name.to_ascii_uppercase().starts_with("UTC+") {
        "fixed offsets are not time zones: use the IANA name of the place, e.g. `Europe/Berlin`, so DST is applied"
    } else {
        HELP
    };
    Err(ScheduleError::new(FIELD, message, help))
}

fn suggestion(name: &str) -> Option<&'static str> {
    let upper = name.to_ascii_uppercase();
    if let Some((_, zone)) = ABBREVIATIONS
        .iter()
        .find(|(abbreviation, _)| *abbreviation == upper)
    {
        return Some(zone);
    }
    let names = || TZ_VARIANTS.iter().map(|zone| zone.name());
    // Zone names are case-sensitive; a wrong case is the likeliest slip.
    if let Some(exact) = names().find(|candidate| candidate.eq_ignore_ascii_case(name)) {
        return Some(exact);
    }
    // `London` or `new york` for `Europe/London`, `America/New_York`.
    let city = name.replace(' ', "_");
    if let Some(zone) = names().find(|candidate| {
        candidate
            .rsplit('/')
            .next()
            .is_some_and(|last| last.eq_ignore_ascii_case(&city))
            && candidate.contains('/')
    }) {
        return Some(zone);
    }
    closest(&city, names())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> String {
        let error = parse_timezone(Some(text)).expect_err("should be rejected");
        assert_eq!(error.field, "timezone");
        error.message
    }

    #[test]
    fn defaults_to_utc_and_parses_iana_names() {
        assert_eq!(parse_timezone(None), Ok(Tz::UTC));
        assert_eq!(
            parse_timezone(Some("Europe/London")),
            Ok(Tz::Europe__London)
        );
        assert_eq!(
            parse_timezone(Some("America/New_York")),
            Ok(Tz::America__New_York)
        );
        assert_eq!(parse_timezone(Some("UTC")), Ok(Tz::UTC));
    }

    #[test]
    fn unknown_zones_suggest_the_nearest_name() {
        assert_eq!(
            message("Europe/Londn"),
            "unknown time zone `Europe/Londn`; did you mean `Europe/London`?"
        );
        assert_eq!(
            message("europe/london"),
            "unknown time zone `europe/london`; did you mean `Europe/London`?"
        );
        assert_eq!(
            message("New York"),
            "unknown time zone `New York`; did you mean `America/New_York`?"
        );
        assert_eq!(
            message("PST"),
            "unknown time zone `PST`; did you mean `America/Los_Angeles`?"
        );
        assert_eq!(
            message("Mars/Olympus_Mons"),
            "unknown time zone `Mars/Olympus_Mons`"
        );
        assert_eq!(message(""), "the time zone is empty");
    }

    #[test]
    fn fixed_offsets_get_their_own_help() {
        let error = parse_timezone(Some("+02:00")).expect_err("offsets are not zones");
        assert!(
            error.help.starts_with("fixed offsets are not time zones"),
            "{}",
            error.help
        );
    }
}
