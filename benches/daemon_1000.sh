#!/usr/bin/env bash
# Benchmark (not a test): `relay daemon` holding 1,000 schedules.
#
#   benches/daemon_1000.sh [--seconds N] [--count N] [MODE...]
#     MODE: idle | spread | burst   (default: all three, in that order)
#     RELAY_BIN=/path/to/relay      use this binary instead of `cargo build --release`
#     KEEP=1                        keep the temp projects (printed) for inspection
#
# Each mode writes COUNT (1,000) workflow files into a fresh temp project, each a one-action
# `event_transform` (no network: the daemon, the engine and the SQLite state store are measured,
# not HTTP), starts `relay --log-format json daemon` (release build), lets it run for N seconds
# (default 30) after it logged `daemon started`, then stops it with SIGTERM.
#
#   idle    every schedule fires once an hour, at a minute ~30 min away: nothing is due during
#           the window. Reports idle CPU = (utime+stime delta from /proc/PID/stat) / wall time.
#   spread  `S-59/10 * * * * *` with S = i mod 10: each schedule every 10 s, 100 fires every
#           second, continuously.
#   burst   `*/10 * * * * *` for all: 1,000 fires at the same second, every 10 s.
#
# For spread and burst it reports, from the JSON `fire` log lines: fires seen vs. expected,
# lateness_ms (as the daemon records it in the ledger: claim time − fire time) median / p95 /
# max, the log-line lateness (the `fire` line's timestamp − fire time, i.e. when the run was
# claimed and started), skipped/missed counts from the final `daemon stopped` line, and the
# process's CPU use over the window. Startup time (spawn → `daemon started`) is reported too.
#
# Needs: bash, python3, getconf, a Linux /proc.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=30
count=1000
modes=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    idle|spread|burst) modes+=("$1"); shift ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ ${#modes[@]} -eq 0 ]] && modes=(idle spread burst)

if [[ -z "${RELAY_BIN:-}" ]]; then
  target="${CARGO_TARGET_DIR:-$root/target}"
  (cd "$root" && cargo build --release --bin relay --target-dir "$target")
  RELAY_BIN="$target/release/relay"
fi
tck=$(getconf CLK_TCK)

echo "relay: $RELAY_BIN"
echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "schedules: $count, window: ${seconds}s"

# utime+stime of PID in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
now_s() { date +%s.%N; }

write_workflows() { # DIR MODE
  local dir="$1" mode="$2" i cron minute
  mkdir -p "$dir/workflows"
  minute=$(( ($(date -u +%-M) + 30) % 60 ))
  for ((i = 0; i < count; i++)); do
    case "$mode" in
      idle) cron="$((i % 60)) $minute * * * *" ;;
      spread) cron="$((i % 10))-59/10 * * * * *" ;;
      burst) cron="*/10 * * * * *" ;;
    esac
    printf 'name: Bench %d\nschedule: "%s"\nactions:\n  - name: Say\n    type: event_transform\n    options:\n      mode: message_only\n      payload:\n        n: %d\n' \
      "$i" "$cron" "$i" > "$dir/workflows/w$(printf '%04d' "$i").yaml"
  done
}

run_mode() { # MODE
  local mode="$1" dir log pid t_spawn t_started c0 c1 w0 w1
  dir="$(mktemp -d "${TMPDIR:-/tmp}/relay-daemon-bench-$mode.XXXXXX")"
  log="$dir/daemon.log"
  write_workflows "$dir" "$mode"
  t_spawn=$(now_s)
  (cd "$dir" && exec "$RELAY_BIN" --log-format json daemon --keep-runs 100 2> "$log") &
  pid=$!
  for _ in $(seq 1 600); do
    grep -q '"daemon started"' "$log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { echo "daemon exited early:"; cat "$log"; [[ -n "${KEEP:-}" ]] || rm -rf "$dir"; return 1; }
    sleep 0.1
  done
  t_started=$(now_s)
  # Skip the first seconds (catch-up, first burst of store creation) before measuring.
  sleep 2
  c0=$(cpu_ticks "$pid"); w0=$(now_s)
  sleep "$seconds"
  c1=$(cpu_ticks "$pid"); w1=$(now_s)
  local rss
  rss=$(awk '/VmRSS/ {print $2 " " $3}' "/proc/$pid/status")
  kill -TERM "$pid"
  wait "$pid" || true
  python3 - "$mode" "$log" "$count" "$tck" "$c0" "$c1" "$w0" "$w1" "$t_spawn" "$t_started" "$rss" "$dir" <<'PY'
import json, sys
from datetime import datetime
mode, log, count, tck, c0, c1, w0, w1, t_spawn, t_started, rss, d = sys.argv[1:]
count, tck = int(count), int(tck)
c0, c1, w0, w1, t_spawn, t_started = map(float, (c0, c1, w0, w1, t_spawn, t_started))
cpu = (c1 - c0) / tck
wall = w1 - w0
def ts(s): return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
fires, seen_late, stopped, errors = [], [], None, 0
for line in open(log):
    try: rec = json.loads(line)
    except ValueError: continue
    f = rec.get("fields", {})
    if rec.get("level") in ("ERROR", "WARN"): errors += 1
    if f.get("message") == "fire":
        t, ft = ts(rec["timestamp"]), ts(f["fire_time"])
        if w0 <= ft <= w1:
            fires.append(f["lateness_ms"]); seen_late.append((t - ft) * 1000)
    elif f.get("message") == "daemon stopped":
        stopped = f
def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")
print(f"\n== {mode} ==  ({d})")
print(f"startup (spawn -> 'daemon started'): {t_started - t_spawn:.2f} s;  RSS at the end of the window: {rss}")
print(f"CPU over {wall:.1f} s window: {cpu:.2f} s = {100 * cpu / wall:.2f} % of one core")
if mode != "idle":
    expected = count * wall / 10  # every schedule fires every 10 s
    print(f"fires in window: {len(fires)} (expected ~{expected:.0f})")
    print(f"lateness_ms (ledger)  median {pct(fires, 50):.0f}  p95 {pct(fires, 95):.0f}  max {max(fires or [float('nan')]):.0f}")
    print(f"fire log line - fire time (ms)  median {pct(seen_late, 50):.0f}  p95 {pct(seen_late, 95):.0f}  max {max(seen_late or [float('nan')]):.0f}")
print(f"final line: {stopped};  ERROR/WARN lines: {errors}")
PY
  [[ -n "${KEEP:-}" ]] || rm -rf "$dir"
}

for mode in "${modes[@]}"; do
  run_mode "$mode"
done
