#!/usr/bin/env bash
# Runs each libFuzzer harness for a time budget, seeded from tests/fuzz/seeds/
# and the regression inputs, and prints a table: executions, corpus size,
# crashes. Exit 1 when any harness found a crash (inputs in build-fuzz/crashes/).
# usage: tests/fuzz/run.sh SECONDS NAME...
# FUZZ_RUNS=N instead runs exactly N inputs per harness from seed 1, so that
# a CI run is repeatable.
set -u
cd "$(dirname "$0")/../.."
secs=${1:?usage: run.sh SECONDS NAME...}
shift
mkdir -p build-fuzz/crashes
status=0
printf '| parser | seconds | executions | exec/s | corpus inputs | crashes |\n|---|---|---|---|---|---|\n'
start=$SECONDS
for name in "$@"; do
    corpus=build-fuzz/corpus/$name
    mkdir -p "$corpus" "tests/fuzz/seeds/$name" "tests/fuzz/regressions/$name"
    log=build-fuzz/fuzz_$name.log
    if [ -n "${FUZZ_RUNS:-}" ]; then budget="-runs=$FUZZ_RUNS -seed=1"; else budget="-max_total_time=$secs"; fi
    # shellcheck disable=SC2086
    ASAN_OPTIONS=detect_leaks=1 build-fuzz/fuzz_"$name" $budget -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -artifact_prefix=build-fuzz/crashes/"$name"- "$corpus" "tests/fuzz/seeds/$name" \
        "tests/fuzz/regressions/$name" > "$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    crashes=$(find build-fuzz/crashes -name "$name-*" | wc -l)
    took=$((SECONDS - start)); start=$SECONDS
    printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$took" "${execs:-?}" "${rate:-?}" \
        "$(find "$corpus" -type f | wc -l)" "$crashes"
    if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        status=1
        echo "fuzz_$name: crash or failure, see $log" >&2
    fi
done
exit $status
