#!/usr/bin/env bash
# Relay's benchmarks, the one documented command (run from anywhere):
#   benches/run.sh                 # everything: criterion micro-benchmarks, then the e2e table
#   benches/run.sh --quick         # small sizes, for a smoke test of the instruments
#   benches/run.sh e2e [-- ARGS]   # only the end-to-end benchmark (ARGS: see docs/performance.md)
#   benches/run.sh micro           # only the criterion micro-benchmarks
# Builds relay in release mode first; the benchmarks share the root target directory
# (or $CARGO_TARGET_DIR) so the engine's dependencies compile once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
what="all"
case "${1:-}" in
  e2e|micro) what="$1"; shift ;;
esac
[[ "${1:-}" == "--" ]] && shift
quick=()
for arg in "$@"; do [[ "$arg" == "--quick" ]] && quick=(--quick); done

cd "$root"
cargo build --release --bin relay --target-dir "$target"
bench=(cargo bench --manifest-path benches/Cargo.toml --target-dir "$target")
if [[ "$what" != "e2e" ]]; then
  if [[ ${#quick[@]} -gt 0 ]]; then
    # Criterion's quick mode: fewer samples, good enough to see the instruments work.
    "${bench[@]}" --bench formula --bench plan --bench event -- --quick
  else
    "${bench[@]}" --bench formula --bench plan --bench event
  fi
fi
if [[ "$what" != "micro" ]]; then
  "${bench[@]}" --bench e2e -- "$@"
fi
