#!/usr/bin/env bash
# Coverage-guided fuzzing of Arbor's parsers of untrusted input with libFuzzer.
#
#   Tests/Fuzz/run.sh SECONDS [TARGET...]
#
# Builds the ArborFuzz executable with -sanitize=fuzzer,address into .build-fuzz,
# then runs each target (all by default) for SECONDS, starting from the committed
# seeds in Tests/Fuzz/corpus/TARGET (new inputs go to a temporary directory, so the
# committed corpus only changes by hand). Prints one line per target with the
# number of executions; exits non-zero on the first crash, leak or hang, leaving
# the reproducer in Tests/Fuzz/artifacts/. Replay one with a plain build:
#   swift run ArborFuzz TARGET FILE
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:?usage: Tests/Fuzz/run.sh SECONDS [TARGET...]}"
shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(safetensors-header shard-index checkpoint-json tree-json rules hf-config pytorch-pickle pytorch-zip)
fi

swift build -c release --scratch-path .build-fuzz --product ArborFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | grep -v "^\[" || true
binary="$(swift build -c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld --show-bin-path)/ArborFuzz"
[ -x "$binary" ] || { echo "fuzz: build failed"; exit 1; }

mkdir -p Tests/Fuzz/artifacts
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
for target in "${targets[@]}"; do
    mkdir -p "$work/$target"
    log="$work/$target.log"
    # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: growth past 2 GiB is a bug.
    if ARBOR_FUZZ_TARGET="$target" "$binary" "$work/$target" "Tests/Fuzz/corpus/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix="Tests/Fuzz/artifacts/$target-" -print_final_stats=1 >"$log" 2>&1; then
        runs="$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')"
        echo "fuzz $target: ${runs:-?} executions in ${seconds}s, no crash"
        passed=$((passed + 1))
    else
        echo "fuzz $target: FAILED"
        tail -40 "$log"
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
