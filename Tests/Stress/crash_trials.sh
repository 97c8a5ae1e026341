#!/usr/bin/env bash
# Long crash-safety run: SIGKILL a saving `arbor-test-helper save-loop` (a
# test-only executable, not part of the shipped `arbor`) at random moments,
# TRIALS times (default 120), and after each kill check that no partial step is
# listed and the newest step restores bit-exact. Not part of `swift test`.
#   [ARBOR_TEST_HELPER=path/to/arbor-test-helper] Tests/Stress/crash_trials.sh [TRIALS]
set -euo pipefail
cd "$(dirname "$0")/../.."
trials=${1:-120}
# ARBOR_TEST_HELPER names an already built binary; otherwise build the release one.
if [ -n "${ARBOR_TEST_HELPER:-}" ]; then
  bin=$ARBOR_TEST_HELPER
else
  swift build -c release --product arbor-test-helper >/dev/null
  bin=.build/release/arbor-test-helper
fi
dir=$(mktemp -d -t arbor-crash-XXXXXX)
trap 'rm -rf "$dir"' EXIT
failures=0
for ((i = 1; i <= trials; i++)); do
  "$bin" save-loop "$dir" --elements 262144 >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(printf '%03d' $((RANDOM % 400 + 20)))"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if ! out=$("$bin" save-loop "$dir" --elements 262144 --check 2>&1); then
    echo "trial $i: FAILED: $out"
    failures=$((failures + 1))
  fi
done
echo "$((trials - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
