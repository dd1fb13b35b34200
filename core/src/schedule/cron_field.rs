//! Checks one field of a cron expression so that mistakes get a message naming the field.
//!
//! croner's own errors ("Number out of bounds.") do not say which field or value is wrong, and
//! croner replaces day and month names anywhere in the pattern (`JAN` in the day-of-week field
//! silently becomes Monday). This check runs first and rejects those cases precisely; whatever it
//! lets through is still parsed by croner.

use super::suggest::closest;

const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// One field of a five- or six-field cron expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CronField {
    Second,
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
}

/// What is wrong with a field, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FieldError {
    /// What is wrong, starting with the field's name.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl CronField {
    /// The fields of a five-field expression, in order.
    pub const FIVE: [CronField; 5] = [
        Self::Minute,
        Self::Hour,
        Self::DayOfMonth,
        Self::Month,
        Self::DayOfWeek,
    ];
    /// The fields of a six-field expression (seconds first), in order.
    pub const SIX: [CronField; 6] = [
        Self::Second,
        Self::Minute,
        Self::Hour,
        Self::DayOfMonth,
        Self::Month,
        Self::DayOfWeek,
    ];

    /// The field's name as messages show it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Second => "second",
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::DayOfMonth => "day-of-month",
            Self::Month => "month",
            Self::DayOfWeek => "day-of-week",
        }
    }

    fn range(self) -> (u32, u32) {
        match self {
            Self::Second | Self::Minute => (0, 59),
            Self::Hour => (0, 23),
            Self::DayOfMonth => (1, 31),
            Self::Month => (1, 12),
            // 7 is Sunday as well as 0.
            Self::DayOfWeek => (0, 7),
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Self::Month => &MONTH_NAMES,
            Self::DayOfWeek => &DAY_NAMES,
            _ => &[],
        }
    }

    fn error(self, message: impl Into<String>, help: impl Into<String>) -> FieldError {
        FieldError {
            message: format!("{} field {}", self.name(), message.into()),
            help: help.into(),
        }
    }
}

/// Checks `text` (one whitespace-free field) as `field`.
pub(super) fn check_field(field: CronField, text: &str) -> Result<(), FieldError> {
    // `+` makes day-of-month AND day-of-week both required (croner syntax).
    let body = match text.strip_prefix('+') {
        Some(rest) if field == CronField::DayOfWeek => rest,
        _ => text,
    };
    if body.is_empty() {
        return Err(field.error(
            format!("`{text}` is empty"),
            "write `*` to match every value",
        ));
    }
    let items: Vec<&str> = body.split(',').collect();
    for &item in &items {
        // croner reads `*` and `?` only as a whole field; inside a list they are errors.
        if items.len() > 1 && (item == "*" || item == "?") {
            return Err(field.error(
                format!("`{text}` combines `{item}` with other values"),
                format!("`{item}` already matches every value; write it alone or list the values"),
            ));
        }
        if item.is_empty() {
            return Err(field.error(
                format!("`{text}` has an empty list item"),
                "separate values with single commas, e.g. `1,15`",
            ));
        }
        check_item(field, item)?;
    }
    Ok(())
}

fn check_item(field: CronField, item: &str) -> Result<(), FieldError> {
    if item == "*" {
        return Ok(());
    }
    if item == "?" {
        return match field {
            CronField::DayOfMonth | CronField::DayOfWeek => Ok(()),
            _ => Err(field.error("`?` is only allowed in the day fields", "use `*`")),
        };
    }
    match field {
        CronField::DayOfMonth => {
            if item.eq_ignore_ascii_case("L") || item.eq_ignore_ascii_case("LW") {
                return Ok(());
            }
            if let Some(day) = item.strip_suffix(['W', 'w']) {
                return check_value(field, day, item).map(drop);
            }
        }
        CronField::DayOfWeek => {
            if item.eq_ignore_ascii_case("L") {
                return Err(field.error(
                    "`L` alone matches no day",
                    "write `5L` for the last Friday of the month, or put `L` in the day-of-month field for the last day",
                ));
            }
            if let Some((days, nth)) = item.split_once('#') {
                if !nth.eq_ignore_ascii_case("L") && !matches!(nth, "1" | "2" | "3" | "4" | "5") {
                    return Err(field.error(
                        format!("`{item}`: the occurrence after `#` must be 1–5 or L"),
                        "e.g. `5#2` is the second Friday of the month, `5#L` the last",
                    ));
                }
                return check_range_or_value(field, days, item);
            }
            // `5L` / `FRIL`: the last Friday of the month.
            if let Some(days) = item.strip_suffix(['L', 'l'])
                && !days.is_empty()
                && !days.contains('/')
            {
                if days.contains('-') {
                    return Err(field.error(
                        format!("`{item}`: `L` after a range is not supported"),
                        format!("write `{days}#L` for the last of each of those days in the month"),
                    ));
                }
                return check_range_or_value(field, days, item);
            }
        }
        _ => {}
    }
    if let Some((base, step)) = item.split_once('/') {
        return check_step(field, base, step, item);
    }
    check_range_or_value(field, item, item)
}

fn check_step(field: CronField, base: &str, step: &str, item: &str) -> Result<(), FieldError> {
    match step.parse::<u32>() {
        Ok(0) => return Err(field.error(format!("`{item}`: the step cannot be 0"), "e.g. `*/15`")),
        Ok(_) => {}
        Err(_) => {
            return Err(field.error(
                format!("`{item}`: the step `{step}` is not a whole number"),
                "write a step like `*/15` or `0-30/5`",
            ));
        }
    }
    if base == "*" {
        return Ok(());
    }
    if base.contains('-') {
        return check_range_or_value(field, base, item);
    }
    // A value that is itself wrong (`61/5`) is the more useful message.
    if !base.is_empty() {
        check_value(field, base, item)?;
    }
    let (low, high) = field.range();
    let start = if base.is_empty() {
        low.to_string()
    } else {
        base.to_string()
    };
    Err(field.error(
        format!("`{item}`: a step needs `*` or a range before the slash"),
        format!("write `*/{step}`, or `{start}-{high}/{step}` to start at {start}"),
    ))
}

/// Checks `A-B` or a single value `A`; `item` is the whole list item, for messages.
fn check_range_or_value(field: CronField, text: &str, item: &str) -> Result<(), FieldError> {
    let Some((start, end)) = text.split_once('-') else {
        return check_value(field, text, item).map(drop);
    };
    let start_value = check_value(field, start, item)?;
    // `SAT-SUN` means Saturday through Sunday, so a day name that ends a range is day 7.
    let end_value = match check_value(field, end, item)? {
        0 if field == CronField::DayOfWeek && end.eq_ignore_ascii_case("SUN") => 7,
        value => value,
    };
    if start_value > end_value {
        let (low, high) = field.range();
        return Err(field.error(
            format!("range `{text}` starts after it ends"),
            format!(
                "ranges do not wrap around; write `{start}-{high},{low}-{end}` or swap the ends"
            ),
        ));
    }
    Ok(())
}

/// Checks one number or name and returns its numeric value.
fn check_value(field: CronField, text: &str, item: &str) -> Result<u32, FieldError> {
    let (low, high) = field.range();
    if text.is_empty() {
        return Err(field.error(
            format!("`{item}` is missing a value"),
            format!("use values {low}–{high}"),
        ));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u32>() {
            Ok(value) if (low..=high).contains(&value) => Ok(value),
            _ => Err(field.error(
                format!("`{text}` is out of range {low}–{high}"),
                range_help(field),
            )),
        };
    }
    if text.bytes().all(|b| b.is_ascii_alphabetic()) {
        let names = field.names();
        if let Some(index) = names
            .iter()
            .position(|name| name.eq_ignore_ascii_case(text))
        {
            // Months are numbered from 1, days from 0 (Sunday).
            let offset = u32::from(field == CronField::Month);
            return Ok(u32::try_from(index).unwrap_or(0) + offset);
        }
        if names.is_empty() {
            return Err(field.error(
                format!("`{text}` is not a number"),
                format!(
                    "names are allowed only in the month (JAN–DEC) and day-of-week (SUN–SAT) fields; use {low}–{high} here"
                ),
            ));
        }
        let suggestion = closest(text, names.iter().copied()).or_else(|| {
            names
                .iter()
                .copied()
                .find(|name| text.to_ascii_uppercase().starts_with(name))
        });
        let kind = if field == CronField::Month {
            "month"
        } else {
            "day"
        };
        let mut help = format!(
            "use three-letter {kind} names ({}–{}) or numbers {low}–{high}",
            names[0],
            names[names.len() - 1]
        );
        if let Some(name) = suggestion {
            help = format!("did you mean `{name}`? {help}");
        }
        return Err(field.error(format!("`{text}` is not a {kind} name"), help));
    }
    let message = match text.chars().find(|c| !c.is_ascii_alphanumeric()) {
        Some(bad) => format!("`{item}` contains `{bad}`, which is not allowed here"),
        None if text == item => format!("`{item}` is not a valid value"),
        None => format!("`{item}`: `{text}` is not a valid value"),
    };
    Err(field.error(message, range_help(field)))
}

fn range_help(field: CronField) -> String {
    let (low, high) = field.range();
    match field {
        CronField::DayOfWeek => {
            "days of the week are 0–7 (0 and 7 are Sunday) or SUN–SAT".to_string()
        }
        CronField::Month => "months are 1–12 or JAN–DEC".to_string(),
        _ => format!("{}s are {low}–{high}", field.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(field: CronField, text: &str) -> String {
        match check_field(field, text) {
            Ok(()) => panic!("`{text}` should be rejected as a {} field", field.name()),
            Err(error) => error.message,
        }
    }

    #[test]
    fn accepts_croner_syntax() {
        let cases = [
            (CronField::Minute, "*/15"),
            (CronField::Minute, "0-30/5"),
            (CronField::Minute, "1,2,5-9"),
            (CronField::Hour, "9-17"),
            (CronField::DayOfMonth, "L"),
            (CronField::DayOfMonth, "LW"),
            (CronField::DayOfMonth, "15W"),
            (CronField::DayOfMonth, "?"),
            (CronField::Month, "JAN-MAR,dec"),
            (CronField::DayOfWeek, "fri#l"),
            (CronField::DayOfMonth, "lw"),
            (CronField::DayOfWeek, "MON-FRI"),
            (CronField::DayOfWeek, "5#2"),
            (CronField::DayOfWeek, "FRI#L"),
            (CronField::DayOfWeek, "5L"),
            (CronField::DayOfWeek, "SAT-SUN"),
            (CronField::DayOfWeek, "0,7"),
            (CronField::DayOfWeek, "+MON"),
        ];
        for (field, text) in cases {
            assert_eq!(
                check_field(field, text),
                Ok(()),
                "{} field `{text}`",
                field.name()
            );
        }
    }

    #[test]
    fn out_of_range_values_name_the_field_and_range() {
        assert_eq!(
            message(CronField::Minute, "61"),
            "minute field `61` is out of range 0–59"
        );
        assert_eq!(
            message(CronField::Hour, "1,24"),
            "hour field `24` is out of range 0–23"
        );
        assert_eq!(
            message(CronField::DayOfMonth, "0"),
            "day-of-month field `0` is out of range 1–31"
        );
        assert_eq!(
            message(CronField::DayOfMonth, "32W"),
            "day-of-month field `32` is out of range 1–31"
        );
        assert_eq!(
            message(CronField::DayOfWeek, "8"),
            "day-of-week field `8` is out of range 0–7"
        );
        assert_eq!(
            message(CronField::Month, "1-13"),
            "month field `13` is out of range 1–12"
        );
    }

    #[test]
    fn names_are_checked_per_field_with_suggestions() {
        let error = check_field(CronField::DayOfWeek, "mom").unwrap_err();
        assert_eq!(error.message, "day-of-week field `mom` is not a day name");
        assert!(
            error.help.starts_with("did you mean `MON`?"),
            "{}",
            error.help
        );
        // croner alone would turn JAN into 1 (Monday) here.
        assert_eq!(
            message(CronField::DayOfWeek, "JAN"),
            "day-of-week field `JAN` is not a day name"
        );
        assert_eq!(
            message(CronField::Month, "MON"),
            "month field `MON` is not a month name"
        );
        assert_eq!(
            message(CronField::Minute, "MON"),
            "minute field `MON` is not a number"
        );
        let monday = check_field(CronField::DayOfWeek, "MONDAY").unwrap_err();
        assert!(
            monday.help.starts_with("did you mean `MON`?"),
            "{}",
            monday.help
        );
    }

    #[test]
    fn step_and_range_mistakes_are_explained() {
        assert_eq!(
            message(CronField::Minute, "*/0"),
            "minute field `*/0`: the step cannot be 0"
        );
        assert_eq!(
            message(CronField::Minute, "0/10"),
            "minute field `0/10`: a step needs `*` or a range before the slash"
        );
        assert_eq!(
            check_field(CronField::Minute, "5/10").unwrap_err().help,
            "write `*/10`, or `5-59/10` to start at 5"
        );
        assert_eq!(
            message(CronField::Minute, "*/x"),
            "minute field `*/x`: the step `x` is not a whole number"
        );
        assert_eq!(
            message(CronField::Hour, "22-2"),
            "hour field range `22-2` starts after it ends"
        );
        assert_eq!(
            message(CronField::DayOfWeek, "6-0"),
            "day-of-week field range `6-0` starts after it ends"
        );
        assert_eq!(
            check_field(CronField::Hour, "22-2").unwrap_err().help,
            "ranges do not wrap around; write `22-23,0-2` or swap the ends"
        );
        assert_eq!(
            message(CronField::DayOfWeek, "5#6"),
            "day-of-week field `5#6`: the occurrence after `#` must be 1–5 or L"
        );
        assert_eq!(
            message(CronField::DayOfWeek, "L"),
            "day-of-week field `L` alone matches no day"
        );
        assert_eq!(
            message(CronField::Minute, "1,,2"),
            "minute field `1,,2` has an empty list item"
        );
        assert_eq!(
            message(CronField::Hour, "?"),
            "hour field `?` is only allowed in the day fields"
        );
        assert_eq!(
            message(CronField::Minute, "1.5"),
            "minute field `1.5` contains `.`, which is not allowed here"
        );
        assert_eq!(
            message(CronField::DayOfWeek, "5L#2"),
            "day-of-week field `5L#2`: `5L` is not a valid value"
        );
        assert_eq!(
            message(CronField::DayOfWeek, "1-5L"),
            "day-of-week field `1-5L`: `L` after a range is not supported"
        );
        assert_eq!(
            message(CronField::DayOfMonth, "*,1"),
            "day-of-month field `*,1` combines `*` with other values"
        );
        assert_eq!(
            message(CronField::DayOfWeek, "?,1"),
            "day-of-week field `?,1` combines `?` with other values"
        );
    }
}
