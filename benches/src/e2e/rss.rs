//! Peak resident memory of a child process. GNU time (`/usr/bin/time -f %M`) reads it from
//! `wait4`'s rusage, which sees the true peak; without it, `/proc/<pid>/status` `VmHWM` (the
//! kernel's own high-water mark) is polled, which can miss growth in the last poll interval.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::child::{self, Finished};

const GNU_TIME: &str = "/usr/bin/time";

/// A finished process and its peak RSS in KiB.
#[derive(Debug)]
pub struct Measured {
    pub finished: Finished,
    pub peak_kib: u64,
    /// How the peak was read, for the report.
    pub method: &'static str,
}

/// True when GNU time is there and reports `%M`.
pub fn gnu_time_available() -> bool {
    Command::new(GNU_TIME)
        .args(["-f", "%M", "true"])
        .output()
        .is_ok_and(|o| {
            o.status.success() && parse_kib(&String::from_utf8_lossy(&o.stderr)).is_some()
        })
}

/// Runs `program args…` in `dir` with `envs`, measuring its peak RSS.
pub fn measure(
    program: &Path,
    args: &[String],
    envs: &[(&str, &str)],
    dir: &Path,
    label: &str,
) -> Result<Measured, String> {
    if gnu_time_available() {
        let report = dir.join(format!("{label}.rss"));
        let mut cmd = Command::new(GNU_TIME);
        cmd.arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&report)
            .arg(program)
            .args(args)
            .current_dir(dir);
        cmd.envs(envs.iter().copied());
        let finished = child::run(&mut cmd, dir, label)?;
        let text = std::fs::read_to_string(&report)
            .map_err(|e| format!("reading {}: {e}", report.display()))?;
        let peak_kib =
            parse_kib(&text).ok_or_else(|| format!("GNU time wrote no peak RSS: {text:?}"))?;
        return Ok(Measured {
            finished,
            peak_kib,
            method: "GNU time %M (wait4 rusage)",
        });
    }
    poll_vmhwm(program, args, envs, dir, label)
}

/// The last line of GNU time's output that is a number (it prints a "Command exited with
/// non-zero status" line first when the command fails).
fn parse_kib(text: &str) -> Option<u64> {
    text.lines()
        .rev()
        .find_map(|l| l.trim().parse::<u64>().ok())
}

fn poll_vmhwm(
    program: &Path,
    args: &[String],
    envs: &[(&str, &str)],
    dir: &Path,
    label: &str,
) -> Result<Measured, String> {
    let open = |p: &Path| {
        std::fs::File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()))
    };
    let stdout = dir.join(format!("{label}.out"));
    let stderr = dir.join(format!("{label}.err"));
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(dir).envs(envs.iter().copied());
    cmd.stdin(std::process::Stdio::null())
        .stdout(open(&stdout)?)
        .stderr(open(&stderr)?);
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {label}: {e}"))?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            peak_kib = peak_kib.max(vmhwm_kib(&text).unwrap_or(0));
        }
        match child
            .try_wait()
            .map_err(|e| format!("waiting for {label}: {e}"))?
        {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(2)),
        }
    };
    let wall = started.elapsed();
    Ok(Measured {
        finished: Finished {
            wall,
            status,
            stdout,
            stderr,
        },
        peak_kib,
        method: "/proc VmHWM polled every 2 ms (may miss the last 2 ms)",
    })
}

fn vmhwm_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gnu_time_output_is_read_past_the_failure_line() {
        assert_eq!(
            parse_kib("Command exited with non-zero status 1\n81234\n"),
            Some(81_234)
        );
        assert_eq!(parse_kib("4096\n"), Some(4_096));
        assert_eq!(parse_kib("no number\n"), None);
    }

    #[test]
    fn vmhwm_is_read_from_proc_status() {
        let status = "Name:\trelay\nVmPeak:\t  900 kB\nVmHWM:\t  123456 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(vmhwm_kib(status), Some(123_456));
        assert_eq!(vmhwm_kib("Name:\trelay\n"), None);
    }

    #[test]
    fn this_process_has_a_high_water_mark() {
        let text = std::fs::read_to_string("/proc/self/status").unwrap();
        assert!(vmhwm_kib(&text).unwrap() > 0);
    }
}
