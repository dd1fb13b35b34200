//! The raw baseline: this same binary started with `--baseline`, a fresh process with one
//! reqwest client making the scenario's requests (one after another, or N in flight), so it
//! pays what a `relay run` process pays except Relay itself.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What one baseline process does.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineArgs {
    pub url: String,
    pub requests: usize,
    pub in_flight: usize,
}

impl BaselineArgs {
    /// `--baseline URL REQUESTS IN_FLIGHT` (the bearer token comes from `HALO_ACCESS_TOKEN`).
    pub fn parse(args: &[String]) -> Result<BaselineArgs, String> {
        let rest: Vec<&String> = args
            .iter()
            .skip_while(|a| *a != "--baseline")
            .skip(1)
            .collect();
        let [url, requests, in_flight] = rest.as_slice() else {
            return Err("usage: e2e --baseline URL REQUESTS IN_FLIGHT".to_owned());
        };
        let number = |s: &str| {
            s.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("`{s}` is not a positive whole number"))
        };
        Ok(BaselineArgs {
            url: (*url).clone(),
            requests: number(requests)?,
            in_flight: number(in_flight)?,
        })
    }

    /// The arguments that make [`BaselineArgs::parse`] return `self`.
    pub fn to_args(&self) -> Vec<String> {
        vec![
            "--baseline".to_owned(),
            self.url.clone(),
            self.requests.to_string(),
            self.in_flight.to_string(),
        ]
    }
}

/// Runs the baseline; prints `ok N` and exits 0 when every response was a 200.
pub fn main(args: &[String]) -> ExitCode {
    let parsed = match BaselineArgs::parse(args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let Ok(token) = std::env::var("HALO_ACCESS_TOKEN") else {
        eprintln!("HALO_ACCESS_TOKEN is not set");
        return ExitCode::from(2);
    };
    // Tokio's multi-threaded default, the fastest this baseline gets; with
    // `E2E_BASELINE_RUNTIME=current` it runs on one thread, as `relay run` does, which shows
    // how much of the baseline's speed comes from the second worker (docs/performance.md).
    let mut builder = if std::env::var("E2E_BASELINE_RUNTIME").as_deref() == Ok("current") {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start tokio: {e}");
            return ExitCode::from(70);
        }
    };
    match runtime.block_on(run(parsed, token)) {
        Ok(n) => {
            println!("ok {n}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("baseline failed: {e}");
            ExitCode::from(1)
        }
    }
}

async fn run(args: BaselineArgs, token: String) -> Result<usize, String> {
    let client = reqwest::Client::builder()
        .build()
        .map_err(|e| e.to_string())?;
    let auth = format!("Bearer {token}");
    if args.in_flight == 1 {
        for _ in 0..args.requests {
            fetch(&client, &args.url, &auth).await?;
        }
        return Ok(args.requests);
    }
    let next = Arc::new(AtomicUsize::new(0));
    let shared = Arc::new((client, args.url, auth));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..args.in_flight.min(args.requests) {
        let next = next.clone();
        let shared = shared.clone();
        let total = args.requests;
        workers.spawn(async move {
            let mut done = 0usize;
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let (client, url, auth) = &*shared;
                fetch(client, url, auth).await?;
                done += 1;
            }
            Ok::<usize, String>(done)
        });
    }
    let mut done = 0;
    while let Some(joined) = workers.join_next().await {
        done += joined.map_err(|e| e.to_string())??;
    }
    Ok(done)
}

async fn fetch(client: &reqwest::Client, url: &str, auth: &str) -> Result<(), String> {
    let response = client
        .get(url)
        .header(reqwest::header::AUTHORIZATION, auth)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    // Read the whole body, as relay does; a raw client would at least do this much.
    response.bytes().await.map_err(|e| e.to_string())?;
    if status != reqwest::StatusCode::OK {
        return Err(format!("GET {url} answered {status}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_round_trip() {
        let a = BaselineArgs {
            url: "http://127.0.0.1:9/api/Tickets?count=1".to_owned(),
            requests: 2_000,
            in_flight: 64,
        };
        let mut args = vec!["--bench".to_owned()];
        args.extend(a.to_args());
        assert_eq!(BaselineArgs::parse(&args), Ok(a));
    }

    #[test]
    fn bad_arguments_are_errors() {
        let args: Vec<String> = ["--baseline", "http://x", "0", "1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(BaselineArgs::parse(&args).is_err());
        let args: Vec<String> = ["--baseline", "http://x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(BaselineArgs::parse(&args).is_err());
    }
}
