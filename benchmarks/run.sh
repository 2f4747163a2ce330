#!/usr/bin/env bash
# make bench: loader/parser timings and the ACAS Xu suite table.
# BENCH=quick runs the parser timings and a 30-instance ACAS Xu sample only.
set -u
cd "$(dirname "$0")/.."
bench=${NNCERT_BENCHMARKS:-../shared/benchmarks}
if [ ! -d "$bench" ]; then
    echo "benchmarks not found at $bench (set NNCERT_BENCHMARKS)"; exit 2
fi
echo "## Loading and parsing (50 runs each)"
build/bench_parse "$bench"/mnistfc/vnnlib/prop_0_0.03.vnnlib "$bench"/acasxu/vnnlib/prop_6.vnnlib \
    "$bench"/mnistfc/onnx/mnist-net_256x6.onnx "$bench"/acasxu/onnx/ACASXU_run2a_1_1_batch_2000.onnx \
    "$bench"/acasxu/nnet/ACASXU_run2a_1_1_batch_2000.nnet
echo
echo "## ACAS Xu, nncert verify --timeout 10"
if [ "${BENCH:-}" = quick ]; then
    mkdir -p build/bench
    awk 'NR % 6 == 1' "$bench"/acasxu/instances.csv > build/bench/acasxu-quick.csv
    tmp=$(mktemp -d)
    ln -s "$(cd "$bench"/acasxu && pwd)"/{onnx,vnnlib,expected.csv} "$tmp"/
    cp build/bench/acasxu-quick.csv "$tmp"/instances.csv
    bash benchmarks/run_suite.sh "$tmp" 10 build/bench/acasxu-quick-results.csv | tail -11
    rm -rf "$tmp"
else
    bash benchmarks/run_suite.sh "$bench"/acasxu 10 | tail -11
fi

echo
echo "## Abstract domains, pure (bench_domains)"
build/bench_domains "$bench"/acasxu 20
if [ "${BENCH:-}" != quick ]; then
    echo
    build/bench_domains "$bench"/mnistfc 20
fi
echo
echo "## CROWN against its matrix products"
build/bench_domains --flops "$bench"/mnistfc/onnx/mnist-net_256x6.onnx "$bench"/mnistfc/vnnlib/prop_0_0.03.vnnlib
