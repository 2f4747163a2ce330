#!/usr/bin/env bash
# make demo: nncert on the demo network shipped in examples/.
# One property holds (proved by interval bounds), one is violated (with a
# counterexample checked in exact arithmetic); then certified robust accuracy
# of a toy classifier whose radii follow by hand (examples/certify/README.md);
# last, the exact reachable set of a small network by star sets, drawn to
# build/reach.svg (docs/star.md).
set -u
bin=${1:-build/nncert}
cd "$(dirname "$0")/.."

run() {
    echo "\$ nncert $*"
    "$bin" "$@"
    echo "(exit code $?)"
    echo
}

run info examples/demo.onnx
run bounds examples/demo.onnx examples/demo_holds.vnnlib --domain interval
run verify examples/demo.onnx examples/demo_holds.vnnlib
run verify examples/demo.onnx examples/demo_violated.vnnlib
run verify examples/demo.nnet examples/demo_violated.vnnlib --json
run certify examples/certify/toy.nnet --data examples/certify/toy.csv --eps 0.04,0.1,0.32 --clip 0,1 --cex-dir build/demo-cex
run verify examples/reach/reach.nnet examples/reach/reach.vnnlib --method star --reach-out build/reach.jsonl --reach-plot build/reach.svg
