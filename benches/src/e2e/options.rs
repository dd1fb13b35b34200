//! Command-line options of the end-to-end benchmark.

/// Scenario names, in the order they run.
pub const SCENARIOS: &[&str] = &["sequential", "fanout", "cold", "validate", "memory"];

/// What to run and how big.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Requests per run in the sequential and fan-out scenarios (K).
    pub requests: usize,
    /// In-flight requests of the fan-out scenario.
    pub fan_out: usize,
    /// Repetitions of each timed command (the tables show medians).
    pub reps: usize,
    /// Repetitions of the short cold-start and validate commands.
    pub short_reps: usize,
    /// Items of the memory scenario; it also runs twice as many for the scaling check.
    pub items: usize,
    /// Repetitions of each memory run.
    pub memory_reps: usize,
    /// Actions of the generated workflow `relay validate` checks.
    pub validate_actions: usize,
    /// Scenarios to run (all when no filter is given).
    pub scenarios: Vec<&'static str>,
    /// `--serve`: set everything up, print how to run each scenario by hand (for a profiler),
    /// and keep the sandbox up until interrupted, instead of measuring.
    pub serve: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            requests: 2_000,
            fan_out: 64,
            reps: 7,
            short_reps: 21,
            items: 100_000,
            memory_reps: 5,
            validate_actions: 1_000,
            scenarios: SCENARIOS.to_vec(),
            serve: false,
        }
    }
}

impl Options {
    /// Parses the arguments after the program name. Positional words select scenarios by
    /// substring (`cargo bench -- fanout`); words that match none select nothing, so a
    /// criterion filter such as `formula` skips this benchmark. `--bench` (added by
    /// `cargo bench`) is accepted and ignored.
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options::default();
        let mut filters: Vec<&str> = Vec::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut number = |name: &str| -> Result<usize, String> {
                let text = it.next().ok_or_else(|| format!("{name} needs a number"))?;
                text.parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{name}: `{text}` is not a positive whole number"))
            };
            match arg.as_str() {
                "--bench" => {}
                "--serve" => options.serve = true,
                "--quick" => {
                    options.requests = 200;
                    options.reps = 3;
                    options.short_reps = 5;
                    options.items = 10_000;
                    options.memory_reps = 1;
                }
                "--requests" => options.requests = number("--requests")?,
                "--fan-out" => options.fan_out = number("--fan-out")?,
                "--reps" => options.reps = number("--reps")?,
                "--items" => options.items = number("--items")?,
                "--memory-reps" => options.memory_reps = number("--memory-reps")?,
                "--validate-actions" => options.validate_actions = number("--validate-actions")?,
                flag if flag.starts_with('-') => {
                    return Err(format!(
                        "unknown option `{flag}`; known: --quick --serve --requests K --fan-out N --reps N --items N --memory-reps N --validate-actions N [SCENARIO…]"
                    ));
                }
                word => filters.push(word),
            }
        }
        if !filters.is_empty() {
            options.scenarios = SCENARIOS
                .iter()
                .copied()
                .filter(|s| filters.iter().any(|f| s.contains(f) || *f == "e2e"))
                .collect();
        }
        Ok(options)
    }

    /// True when `scenario` was selected.
    pub fn wants(&self, scenario: &str) -> bool {
        self.scenarios.contains(&scenario)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        Options::parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn no_arguments_run_everything_at_full_size() {
        let o = parse(&["--bench"]).unwrap();
        assert_eq!(o, Options::default());
        assert_eq!(o.requests, 2_000);
        assert_eq!(o.items, 100_000);
    }

    #[test]
    fn words_select_scenarios_and_unrelated_filters_select_none() {
        assert_eq!(parse(&["fan"]).unwrap().scenarios, vec!["fanout"]);
        assert_eq!(parse(&["e2e"]).unwrap().scenarios, SCENARIOS.to_vec());
        assert!(parse(&["--bench", "formula"]).unwrap().scenarios.is_empty());
    }

    #[test]
    fn numbers_are_checked() {
        assert_eq!(parse(&["--requests", "50"]).unwrap().requests, 50);
        assert!(parse(&["--requests", "0"]).is_err());
        assert!(parse(&["--reps"]).is_err());
        assert!(
            parse(&["--frobnicate"])
                .unwrap_err()
                .contains("--frobnicate")
        );
        assert!(parse(&["--serve"]).unwrap().serve);
    }
}
