//! A human description of a schedule's cron expression ("At 09:00 on Monday through Friday").
//!
//! croner writes the description; the phrasing below tightens its English ("Every 15 minutes"
//! rather than "At every 15 minutes.") and keeps it exact where croner drops a range
//! (`0-20/2` in the hour field is not "every 2 hours").

use croner::CronPattern;
use croner::describe::{English, Language};

use super::spec::ScheduleSpec;

const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

impl ScheduleSpec {
    /// A one-line English description of the cron expression, without the time zone.
    pub fn describe(&self) -> String {
        let pattern = &self.cron.pattern;
        let raw = self.cron.describe_lang(Phrasing { pattern });
        let mut text = raw
            .trim_end_matches('.')
            .replace(", on ", " on ")
            .replace(", in ", " in ")
            .replace(", of ", " of ");
        let days: Vec<u16> = pattern.days_of_week.values();
        // croner describes `LW` (the last weekday) as the last day.
        let fields: Vec<&str> = self.cron().split_whitespace().collect();
        let day_of_month = fields
            .len()
            .checked_sub(3)
            .and_then(|index| fields.get(index));
        if day_of_month.is_some_and(|field| field.to_ascii_uppercase().contains("LW")) {
            text = text.replace("the last day of the month", "the last weekday of the month");
        }
        if let Some(compact) = compact_day_list(&days) {
            text = text.replace(&english_list(&day_names(&days)), &compact);
        }
        text
    }
}

/// croner's English with tighter wording; it sees the pattern to keep stepped ranges exact.
struct Phrasing<'a> {
    pattern: &'a CronPattern,
}

impl Phrasing<'_> {
    /// `" (minute 0 through 30)"` when a stepped field stops short of its maximum.
    fn stepped_range(values: &[u16], step: u16, max: u16, unit: &str) -> String {
        match (values.first(), values.last()) {
            (Some(first), Some(last)) if u32::from(*last) + u32::from(step) <= u32::from(max) => {
                format!(" ({unit} {first} through {last})")
            }
            _ => String::new(),
        }
    }
}

impl Language for Phrasing<'_> {
    fn every_minute(&self) -> &'static str {
        English.every_minute()
    }
    fn every_second_phrase(&self) -> &'static str {
        English.every_second_phrase()
    }
    fn every_x_minutes(&self, step: u16) -> String {
        let range = Self::stepped_range(&self.pattern.minutes.values(), step, 59, "minute");
        format!("every {step} minutes{range}")
    }
    fn every_x_seconds(&self, step: u16) -> String {
        let range = Self::stepped_range(&self.pattern.seconds.values(), step, 59, "second");
        format!("every {step} seconds{range}")
    }
    fn every_x_hours(&self, step: u16) -> String {
        let range = Self::stepped_range(&self.pattern.hours.values(), step, 23, "hour");
        format!("of every {step} hours{range}")
    }
    fn every_minute_of_every_x_hours(&self, step: u16) -> String {
        format!("Every minute {}", self.every_x_hours(step))
    }
    fn at_time(&self, time: &str) -> String {
        English.at_time(time)
    }
    fn at_time_and_every_x_seconds(&self, time: &str, step: u16) -> String {
        English.at_time_and_every_x_seconds(time, step)
    }
    fn at_time_at_second(&self, time: &str, second: &str) -> String {
        English.at_time_at_second(time, second)
    }
    fn at_phrase(&self, phrase: &str) -> String {
        match phrase.strip_prefix("every ") {
            Some(rest) => format!("Every {rest}"),
            None => English.at_phrase(phrase),
        }
    }
    fn on_phrase(&self, phrase: &str) -> String {
        English.on_phrase(phrase)
    }
    fn in_phrase(&self, phrase: &str) -> String {
        English.in_phrase(phrase)
    }
    fn second_phrase(&self, s: &str) -> String {
        English.second_phrase(s)
    }
    fn minute_phrase(&self, s: &str) -> String {
        English.minute_phrase(s)
    }
    fn minute_past_every_hour_phrase(&self, s: &str) -> String {
        English.minute_past_every_hour_phrase(s)
    }
    fn hour_phrase(&self, s: &str) -> String {
        English.hour_phrase(s)
    }
    fn year_phrase(&self, s: &str) -> String {
        English.year_phrase(s)
    }
    fn day_phrase(&self, s: &str) -> String {
        English.day_phrase(s)
    }
    fn the_last_day_of_the_month(&self) -> &'static str {
        English.the_last_day_of_the_month()
    }
    fn the_weekday_nearest_day(&self, day: &str) -> String {
        English.the_weekday_nearest_day(day)
    }
    fn the_last_weekday_of_the_month(&self, day: &str) -> String {
        English.the_last_weekday_of_the_month(day)
    }
    fn the_nth_weekday_of_the_month(&self, n: u8, day: &str) -> String {
        English.the_nth_weekday_of_the_month(n, day)
    }
    fn dom_and_dow_if_also(&self, dow: &str) -> String {
        English.dom_and_dow_if_also(dow)
    }
    fn dom_and_dow_if_also_one_of(&self, dow: &str) -> String {
        English.dom_and_dow_if_also_one_of(dow)
    }
    fn list_conjunction_and(&self) -> &'static str {
        English.list_conjunction_and()
    }
    fn list_conjunction_or(&self) -> &'static str {
        English.list_conjunction_or()
    }
    fn list_conjunction_and_comma(&self) -> &'static str {
        English.list_conjunction_and_comma()
    }
    fn day_of_week_names(&self) -> [&'static str; 7] {
        English.day_of_week_names()
    }
    fn month_names(&self) -> [&'static str; 12] {
        English.month_names()
    }
    fn every_past_phrase(&self, every: &str, hours: &str) -> String {
        // "Every minute of every 2 hours", not croner's "Every minute past of every 2 hours".
        if hours.starts_with("of ") {
            format!("{every} {hours}")
        } else {
            English.every_past_phrase(every, hours)
        }
    }
}

fn day_names(days: &[u16]) -> Vec<String> {
    days.iter()
        .filter_map(|&day| DAY_NAMES.get(usize::from(day)))
        .map(|name| (*name).to_string())
        .collect()
}

/// A list as croner writes it: "A", "A and B", "A, B, and C".
fn english_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [first, second] => format!("{first} and {second}"),
        [front @ .., last] => format!("{}, and {last}", front.join(", ")),
    }
}

/// "Monday through Friday" for runs of three or more consecutive days; `None` if no such run.
fn compact_day_list(days: &[u16]) -> Option<String> {
    let mut runs: Vec<(u16, u16)> = Vec::new();
    for &day in days {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == day => *end = day,
            _ => runs.push((day, day)),
        }
    }
    if !runs.iter().any(|(start, end)| end - start >= 2) {
        return None;
    }
    let name = |day: u16| DAY_NAMES.get(usize::from(day)).copied().unwrap_or("?");
    let mut items = Vec::new();
    for (start, end) in runs {
        match end - start {
            0 => items.push(name(start).to_string()),
            1 => items.extend([name(start).to_string(), name(end).to_string()]),
            _ => items.push(format!("{} through {}", name(start), name(end))),
        }
    }
    Some(english_list(&items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(cron: &str) -> String {
        ScheduleSpec::new(cron, None, None, None, None)
            .expect("valid cron")
            .describe()
    }

    #[test]
    fn describes_common_shapes() {
        assert_eq!(describe("*/15 * * * *"), "Every 15 minutes");
        assert_eq!(describe("0 9 * * 1-5"), "At 09:00 on Monday through Friday");
        assert_eq!(
            describe("0 9 * * MON-FRI"),
            "At 09:00 on Monday through Friday"
        );
        assert_eq!(describe("* * * * *"), "Every minute");
        assert_eq!(describe("*/1 * * * * *"), "Every second");
        assert_eq!(describe("@daily"), "At 00:00");
        assert_eq!(describe("@hourly"), "At minute 0 past every hour");
        assert_eq!(describe("@weekly"), "At 00:00 on Sunday");
        assert_eq!(describe("30 2 * * *"), "At 02:30");
    }

    #[test]
    fn describes_special_day_syntax() {
        assert_eq!(
            describe("0 0 L * *"),
            "At 00:00 on the last day of the month"
        );
        assert_eq!(
            describe("0 0 LW * *"),
            "At 00:00 on the last weekday of the month"
        );
        assert_eq!(
            describe("0 0 0 lw * *"),
            "At 00:00 on the last weekday of the month"
        );
        assert_eq!(
            describe("0 0 15W * *"),
            "At 00:00 on the weekday nearest day 15"
        );
        assert_eq!(
            describe("0 10 * * 5#2"),
            "At 10:00 on the 2nd Friday of the month"
        );
        assert_eq!(
            describe("0 0 * * 5L"),
            "At 00:00 on the last Friday of the month"
        );
        assert_eq!(describe("0 0 1 1 *"), "At 00:00 on day 1 in January");
    }

    #[test]
    fn keeps_stepped_ranges_exact() {
        assert_eq!(describe("0 */2 * * *"), "At minute 0 of every 2 hours");
        assert_eq!(
            describe("23 0-20/2 * * *"),
            "At minute 23 of every 2 hours (hour 0 through 20)"
        );
        assert_eq!(
            describe("0-30/10 * * * *"),
            "Every 10 minutes (minute 0 through 30)"
        );
        assert_eq!(describe("* */2 * * *"), "Every minute of every 2 hours");
    }

    #[test]
    fn compacts_only_runs_of_three_or_more_days() {
        assert_eq!(
            describe("0 8 * * 1,2,3,5"),
            "At 08:00 on Monday through Wednesday and Friday"
        );
        assert_eq!(describe("0 8 * * 0,6"), "At 08:00 on Sunday and Saturday");
        assert_eq!(
            describe("0 8 * * 1,3,5"),
            "At 08:00 on Monday, Wednesday, and Friday"
        );
    }
}
