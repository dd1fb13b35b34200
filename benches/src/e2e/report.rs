//! The table the benchmark prints: one row per figure, with its target and verdict.

use std::time::Duration;

/// One line of the results table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub scenario: String,
    pub relay: String,
    pub baseline: String,
    /// Ratio or overhead against the baseline.
    pub versus: String,
    pub target: String,
    /// `None` for figures shown for information only.
    pub pass: Option<bool>,
}

impl Row {
    /// A row without a target.
    pub fn info(
        scenario: impl Into<String>,
        relay: impl Into<String>,
        baseline: impl Into<String>,
        versus: impl Into<String>,
    ) -> Row {
        Row {
            scenario: scenario.into(),
            relay: relay.into(),
            baseline: baseline.into(),
            versus: versus.into(),
            target: "(info)".to_owned(),
            pass: None,
        }
    }

    /// The same row, judged against `target`.
    pub fn judged(mut self, target: impl Into<String>, pass: bool) -> Row {
        self.target = target.into();
        self.pass = Some(pass);
        self
    }
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// Renders `rows` as a Markdown table (readable in a terminal, pasteable into the docs).
pub fn table(rows: &[Row]) -> String {
    let header = [
        "scenario",
        "relay (median)",
        "baseline (median)",
        "vs baseline",
        "target",
        "result",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let verdict = match r.pass {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "",
            };
            [
                r.scenario.clone(),
                r.relay.clone(),
                r.baseline.clone(),
                r.versus.clone(),
                r.target.clone(),
                verdict.to_owned(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: Vec<&str>| -> String {
        let padded: Vec<String> = cols
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let mut out = line(header.to_vec());
    out.push_str(&line(widths.iter().map(|_| "").collect()).replace(' ', "-"));
    for row in &cells {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns_and_shows_verdicts() {
        let rows = vec![
            Row::info("a", "1.0 ms", "2.0 ms", "0.50×"),
            Row::info("longer scenario", "3 ms", "-", "").judged("≤ 50 ms", false),
        ];
        let text = table(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[1].starts_with("|---"));
        let widths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{text}");
        assert!(lines[3].contains("FAIL"));
        assert!(lines[2].contains("(info)"));
    }

    #[test]
    fn milliseconds_have_one_decimal() {
        assert_eq!(ms(Duration::from_micros(12_345)), "12.3 ms");
    }
}
