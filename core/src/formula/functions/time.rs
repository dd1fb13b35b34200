//! Time functions: NOW, DATE, UNIX_TIMESTAMP. All read "now" from the injected clock.

use std::fmt::Write;
use std::sync::Arc;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;
use minijinja::value::ValueKind;
use minijinja::{Error, Value};

use super::Clock;
use super::args::{Args, Number, type_name};

/// A registered time function; it owns a handle to the clock.
pub type ClockedFunc = Arc<dyn Fn(&[Value]) -> Result<Value, Error> + Send + Sync>;

/// Name/implementation pairs for the clock-reading functions.
pub fn clocked_functions(clock: Clock) -> Vec<(&'static str, ClockedFunc)> {
    let (c1, c2, c3) = (clock.clone(), clock.clone(), clock);
    vec![
        (
            "NOW",
            Arc::new(move |raw: &[Value]| now(raw, &c1)) as ClockedFunc,
        ),
        ("DATE", Arc::new(move |raw: &[Value]| date(raw, &c2))),
        (
            "UNIX_TIMESTAMP",
            Arc::new(move |raw: &[Value]| unix_timestamp(raw, &c3)),
        ),
    ]
}

/// Inputs above this magnitude are unix milliseconds, below it unix seconds. 10^11 seconds is
/// the year 5138, while 10^11 milliseconds is March 1973, so real data never straddles it.
const MILLIS_THRESHOLD: f64 = 1e11;

/// `NOW()`: the current UTC time as ISO-8601 with whole seconds, e.g. `2026-11-28T22:55:49Z`.
fn now(raw: &[Value], clock: &Clock) -> Result<Value, Error> {
    Args::new("NOW", raw, 0, 0)?;
    Ok(Value::from(
        clock().to_rfc3339_opts(SecondsFormat::Secs, true),
    ))
}

fn from_epoch(args: &Args<'_>, n: Number) -> Result<DateTime<Utc>, Error> {
    let out_of_range = || args.error_at(0, "is outside the supported date range");
    let millis = match n {
        Number::Int(i) if (i as f64).abs() > MILLIS_THRESHOLD => i,
        Number::Int(i) => i.checked_mul(1000).ok_or_else(out_of_range)?,
        Number::Float(f) if f.abs() > MILLIS_THRESHOLD => f.round() as i64,
        Number::Float(f) => (f * 1000.0).round() as i64,
    };
    Utc.timestamp_millis_opt(millis)
        .single()
        .ok_or_else(out_of_range)
}

/// Reads text as a date: `now`/`today`, unix seconds or milliseconds, ISO-8601 / RFC 3339
/// (with `T` or a space, optional fraction, `Z`, `+hh:mm` or `+hhmm`), a date alone (midnight
/// UTC) or RFC 2822 (`Tue, 1 Jul 2003 10:52:37 GMT`). Times without an offset are UTC.
fn parse_text(args: &Args<'_>, text: &str, clock: &Clock) -> Result<DateTime<Utc>, Error> {
    let t = text.trim();
    match t.to_ascii_lowercase().as_str() {
        "now" => return Ok(clock()),
        "today" => {
            let midnight = clock().date_naive().and_hms_opt(0, 0, 0);
            return midnight
                .map(|m| m.and_utc())
                .ok_or_else(|| args.error("cannot compute today's date"));
        }
        _ => {}
    }
    if let Some(n) = Number::parse(t) {
        return from_epoch(args, n);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(dt) = DateTime::<FixedOffset>::parse_from_str(t, fmt) {
            return Ok(dt.with_timezone(&Utc));
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(naive.and_utc());
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        && let Some(midnight) = day.and_hms_opt(0, 0, 0)
    {
        return Ok(midnight.and_utc());
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    Err(args.error_at(
        0,
        format!(
            "\"{t}\" is not a date (expected ISO-8601 text, unix seconds or unix milliseconds)"
        ),
    ))
}

/// Argument `idx` as an instant.
fn instant(args: &Args<'_>, idx: usize, clock: &Clock) -> Result<DateTime<Utc>, Error> {
    let v = args.value(idx)?;
    match v.kind() {
        ValueKind::Number => {
            let n = Number::from_value(v)
                .ok_or_else(|| args.error_at(idx, "is not a usable number"))?;
            from_epoch(args, n)
        }
        ValueKind::String => parse_text(args, v.as_str().unwrap_or_default(), clock),
        _ => Err(args.error_at(
            idx,
            format!(
                "must be date text or a unix timestamp, got {}",
                type_name(v)
            ),
        )),
    }
}

fn time_zone(args: &Args<'_>, idx: usize) -> Result<Option<Tz>, Error> {
    match args.opt_text(idx)? {
        None => Ok(None),
        Some(name) => name
            .trim()
            .parse::<Tz>()
            .map(Some)
            .map_err(|_| args.error_at(idx, format!("\"{name}\" is not an IANA time zone"))),
    }
}

/// `DATE(value, [format], [time_zone])`: reads `value` (see `parse_text`; numbers above 10^11
/// are milliseconds) and formats it with strftime `format` in `time_zone` (IANA name, default
/// UTC). Without a format the result is ISO-8601 with whole seconds (`...Z` in UTC, otherwise
/// with the zone's offset).
fn date(raw: &[Value], clock: &Clock) -> Result<Value, Error> {
    let args = Args::new("DATE", raw, 1, 3)?;
    let at = instant(&args, 0, clock)?;
    let format = args.opt_text(1)?;
    let tz = time_zone(&args, 2)?.unwrap_or(Tz::UTC);
    let local = at.with_timezone(&tz);
    let Some(format) = format else {
        return Ok(Value::from(
            local.to_rfc3339_opts(SecondsFormat::Secs, true),
        ));
    };
    let items: Vec<Item<'_>> = StrftimeItems::new(&format)
        .parse()
        .map_err(|_| args.error_at(1, format!("\"{format}\" is not a valid strftime format")))?;
    let mut out = String::new();
    write!(out, "{}", local.format_with_items(items.iter()))
        .map_err(|_| args.error_at(1, format!("\"{format}\" cannot be applied to this date")))?;
    Ok(Value::from(out))
}

/// `UNIX_TIMESTAMP([value])`: whole unix seconds of `value` (same inputs as DATE), or of now.
fn unix_timestamp(raw: &[Value], clock: &Clock) -> Result<Value, Error> {
    let args = Args::new("UNIX_TIMESTAMP", raw, 0, 1)?;
    let at = if args.len() == 0 {
        clock()
    } else {
        instant(&args, 0, clock)?
    };
    Ok(Value::from(at.timestamp()))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{empty, eval, eval_err, json, render};
    use minijinja::Value;

    #[test]
    fn now_is_pinned_utc_iso_without_fraction() {
        let c = empty();
        assert_eq!(eval("NOW()", &c), Value::from("2026-11-28T22:55:49Z"));
        assert_eq!(render("at <<NOW()>>", &c), "at 2026-11-28T22:55:49Z");
        assert!(eval_err("NOW(1)", &c).contains("NOW: expects 0 arguments, got 1"));
    }

    #[test]
    fn date_reads_iso_text_seconds_and_millis() {
        let c = json(
            r#"{"iso":"2024-03-05T14:07:09Z","secs":1709647629,"ms":1709647629000,"ms_text":"1709647629000"}"#,
        );
        for expr in [
            "iso",
            "secs",
            "ms",
            "ms_text",
            "'1709647629'",
            "1709647629.4",
        ] {
            assert_eq!(
                eval(&format!("DATE({expr}, '%Y-%m-%d %H:%M:%S')"), &c),
                Value::from("2024-03-05 14:07:09"),
                "{expr}"
            );
        }
        assert_eq!(eval("DATE(ms)", &c), Value::from("2024-03-05T14:07:09Z"));
        assert_eq!(eval("iso|DATE('%d/%m/%Y')", &c), Value::from("05/03/2024"));
    }

    #[test]
    fn date_reads_iso_variants() {
        let c = empty();
        let cases = [
            "2024-03-05T15:07:09+01:00",
            "2024-03-05T15:07:09+0100",
            "2024-03-05T14:07:09.123Z",
            "2024-03-05 14:07:09",
            "2024-03-05T14:07:09",
            "Tue, 05 Mar 2024 14:07:09 GMT",
        ];
        for text in cases {
            assert_eq!(
                eval(&format!("DATE('{text}', '%Y-%m-%dT%H:%M:%S')"), &c),
                Value::from("2024-03-05T14:07:09"),
                "{text}"
            );
        }
        assert_eq!(
            eval("DATE('2024-03-05', '%H:%M %A')", &c),
            Value::from("00:00 Tuesday")
        );
    }

    #[test]
    fn date_converts_time_zones() {
        let c = empty();
        assert_eq!(
            eval(
                "DATE('2024-07-01T12:00:00Z', '%Y-%m-%d %H:%M %Z', 'Europe/Dublin')",
                &c
            ),
            Value::from("2024-07-01 13:00 IST")
        );
        assert_eq!(
            eval("DATE('2024-01-01T12:00:00Z', NULL, 'America/New_York')", &c),
            Value::from("2024-01-01T07:00:00-05:00")
        );
        assert_eq!(
            eval("DATE('2024-01-01T23:30:00Z', '%d', 'Asia/Tokyo')", &c),
            Value::from("02")
        );
        assert!(
            eval_err("DATE('2024-01-01', '%d', 'Mars/Base')", &c)
                .contains("\"Mars/Base\" is not an IANA time zone")
        );
    }

    #[test]
    fn date_now_and_today_use_the_clock() {
        let c = empty();
        assert_eq!(
            eval("DATE('now', '%Y-%m-%d %H:%M')", &c),
            Value::from("2026-11-28 22:55")
        );
        assert_eq!(
            eval("DATE('today')", &c),
            Value::from("2026-11-28T00:00:00Z")
        );
        assert_eq!(
            eval("DATE('now', '%Y-%m-%d', 'Pacific/Auckland')", &c),
            Value::from("2026-11-29")
        );
    }

    #[test]
    fn date_rejects_bad_input() {
        let c = json(r#"{"b":true}"#);
        assert!(eval_err("DATE('next tuesday')", &c).contains("\"next tuesday\" is not a date"));
        assert!(
            eval_err("DATE(b)", &c).contains("must be date text or a unix timestamp, got boolean")
        );
        assert!(eval_err("DATE(NULL)", &c).contains("got null"));
        assert!(eval_err("DATE(nope.x, '%Y')", &c).contains("DATE: argument 1 is missing"));
        assert!(eval_err("DATE('2024-01-01', '%Q')", &c).contains("not a valid strftime format"));
        assert!(
            eval_err("DATE(99999999999999999)", &c).contains("outside the supported date range")
        );
        assert!(eval_err("DATE('2024-13-45')", &c).contains("is not a date"));
    }

    #[test]
    fn unix_timestamp_of_now_and_values() {
        let c = empty();
        assert_eq!(eval("UNIX_TIMESTAMP()", &c), Value::from(1_795_906_549));
        assert_eq!(
            eval("UNIX_TIMESTAMP('2024-03-05T14:07:09Z')", &c),
            Value::from(1_709_647_629)
        );
        assert_eq!(
            eval("UNIX_TIMESTAMP(1709647629000)", &c),
            Value::from(1_709_647_629)
        );
        assert!(eval_err("UNIX_TIMESTAMP('soon')", &c).contains("is not a date"));
    }
}
