#!/usr/bin/env bash
# make bench: the benchmark suites with their official timeouts through
# `nncert suite`, then loader and domain timings; writes docs/results.md
# (tables, summaries, cactus plots under docs/img/) and leaves the result
# files and HTML reports in build/bench/.
#
# BENCH=quick      a few-minute smoke run (every 6th ACAS Xu instance and
#                  every 9th MNIST-FC instance, --timeout 10); writes
#                  build/bench/results-quick.md instead of docs/results.md.
# BENCH_JOBS=N     instances at a time (default 2).
# BENCH_RESUME=1   resume the suite runs in build/bench/ instead of starting
#                  them afresh.
set -u
cd "$(dirname "$0")/.."
bench=${NNCERT_BENCHMARKS:-../shared/benchmarks}
if [ ! -d "$bench" ]; then
    echo "benchmarks not found at $bench (set NNCERT_BENCHMARKS)"; exit 2
fi
bin=build/nncert
jobs=${BENCH_JOBS:-2}
quick=${BENCH:-}
mkdir -p build/bench
if [ "$quick" = quick ]; then
    md=build/bench/results-quick.md; img=build/bench/img; imgrel=img
else
    md=docs/results.md; img=docs/img; imgrel=img
fi
mkdir -p "$img"
tmp=$md.tmp

# run_suite NAME TITLE INSTANCES ROOT [extra suite options...]
run_suite() {
    local name=$1 title=$2 inst=$3 root=$4
    shift 4
    local out=build/bench/$name.csv
    [ "${BENCH_RESUME:-}" = 1 ] || rm -f "$out"
    rm -rf "build/bench/$name-cex"
    # SUITE_JOBS / INSTANCE_CORES (set for one call): instances at a time,
    # and the cores each instance uses (default: $jobs, and one core)
    local sj=${SUITE_JOBS:-$jobs} ic=${INSTANCE_CORES:-1}
    [ "$ic" -gt 1 ] && set -- --instance-jobs "$ic" "$@"
    local cmd="nncert suite $inst --root $root --jobs $sj --out $out --report build/bench/$name.html --plot $img/$name-cactus.svg $*"
    echo "== $title: $cmd" >&2
    local before=0
    [ -f "$out" ] && before=$(( $(wc -l < "$out") - 1 ))
    local start=$SECONDS
    "$bin" suite "$inst" --root "$root" --jobs "$sj" --out "$out" \
        --report "build/bench/$name.html" --plot "$img/$name-cactus.svg" "$@" \
        > "build/bench/$name.summary" 2> "build/bench/$name.log"
    local rc=$? wall=$((SECONDS - start))
    cat "build/bench/$name.summary" >&2
    {
        echo "## $title"
        echo
        if [ "$before" -gt 0 ]; then
            echo "\`$cmd\` (exit code $rc; resumed with $before instances already in the results file,"
            echo "which come from an earlier run of the same command; this invocation took $wall s wall clock;"
        else
            echo "\`$cmd\` (exit code $rc; $wall s wall clock;"
        fi
        if [ "$ic" -gt 1 ]; then
            echo "$([ "$sj" = 1 ] && echo "one instance" || echo "$sj instances") at a time, each with $ic threads on the $(nproc) cores; the times below are per instance, wall clock):"
        else
            echo "$sj instances at a time; the times below are per instance, each instance on one core):"
        fi
        echo
        echo '```'
        cat "build/bench/$name.summary"
        echo '```'
        echo
        echo "![instances decided against time]($imgrel/$name-cactus.svg)"
        echo
        echo "By property file (answers, then the expected answers from \`expected.csv\`):"
        echo
        benchmarks/results_tables.sh by-property "$out" "$root/expected.csv"
        echo
        echo "<details><summary>Every instance: answer, deciding method, time, peak memory</summary>"
        echo
        benchmarks/results_tables.sh per-instance "$out" "$root/expected.csv"
        echo
        echo "</details>"
        echo
    } >> "$tmp"
}

sample() {   # sample INSTANCES EVERY OUT
    awk -v k="$2" 'NR % k == 1' "$1" > "$3"
}

{
    echo "# Results"
    echo
    echo "Written by \`make bench\` ($(if [ "$quick" = quick ]; then echo "BENCH=quick, "; fi)$(date -u '+%Y-%m-%d'),"
    echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)) on $(nproc) cores,"
    echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM."
    echo "Each instance runs in its own process (\`nncert suite\`), on one core with"
    echo "\`--jobs $jobs\` instances at a time unless its section says it had both cores;"
    echo "\"total\" is the sum of the per-instance times. Violated answers carry a"
    echo "counterexample checked in exact arithmetic. Timings of the parts"
    echo "(loaders, domains, CROWN against BLAS) are in [performance.md](performance.md)."
    echo
} > "$tmp"

if [ "$quick" = quick ]; then
    sample "$bench/acasxu/instances.csv" 6 build/bench/acasxu-quick-instances.csv
    sample "$bench/mnistfc/instances.csv" 9 build/bench/mnistfc-quick-instances.csv
    run_suite acasxu-quick "ACAS Xu, every 6th instance, --timeout 10" \
        build/bench/acasxu-quick-instances.csv "$bench/acasxu" --timeout 10
    run_suite mnistfc-quick "MNIST-FC, every 9th instance, --timeout 10" \
        build/bench/mnistfc-quick-instances.csv "$bench/mnistfc" --timeout 10
else
    run_suite acasxu "ACAS Xu, 186 instances, the suite's timeouts" \
        "$bench/acasxu/instances.csv" "$bench/acasxu"
    run_suite acasxu-star "ACAS Xu, 186 instances, the suite's timeouts, star-set reachability alone (--method star)" \
        "$bench/acasxu/instances.csv" "$bench/acasxu" --method star
    # the target for this set is on both cores: one instance at a time
    SUITE_JOBS=1 INSTANCE_CORES=$(nproc) run_suite mnistfc \
        "MNIST-FC (VNN-COMP 2022 set), 90 instances, the suite's timeouts, each instance on every core" \
        "$bench/mnistfc/instances.csv" "$bench/mnistfc"
    run_suite mnistfc-2021 "MNIST-FC (VNN-COMP 2021 set), 90 instances, the suite's timeouts" \
        "$bench/mnistfc/instances_2021.csv" "$bench/mnistfc"
fi

{
    echo "## Loading and parsing"
    echo
    echo '`build/bench_parse` (median of 50 runs, file read included):'
    echo
    build/bench_parse "$bench"/mnistfc/vnnlib/prop_0_0.03.vnnlib "$bench"/acasxu/vnnlib/prop_6.vnnlib \
        "$bench"/mnistfc/onnx/mnist-net_256x6.onnx "$bench"/acasxu/onnx/ACASXU_run2a_1_1_batch_2000.onnx \
        "$bench"/acasxu/nnet/ACASXU_run2a_1_1_batch_2000.nnet
    echo
    echo "## Abstract domains alone (no splitting)"
    echo
    echo "\`build/bench_domains SUITE 20\`: per domain, the time per input box, the"
    echo "mean output width, and the instances each proves on its own."
    echo
    build/bench_domains "$bench"/acasxu 20
    if [ "$quick" != quick ]; then
        echo
        build/bench_domains "$bench"/mnistfc 20
    fi
    echo
    echo "## CROWN against its matrix products"
    echo
    build/bench_domains --flops "$bench"/mnistfc/onnx/mnist-net_256x6.onnx "$bench"/mnistfc/vnnlib/prop_0_0.03.vnnlib
} >> "$tmp"
mv "$tmp" "$md"
echo "wrote $md" >&2
