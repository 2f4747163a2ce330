#!/usr/bin/env bash
# make memcheck: the end-to-end commands under valgrind memcheck. Fails when
# valgrind reports an invalid access, an uninitialised value that matters or
# a definite leak (exit code 99 from valgrind) in any of them.
# usage: tests/memcheck.sh [NNCERT_BINARY]
set -u
cd "$(dirname "$0")/.."
bin=${1:-build/nncert}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# nncert runs itself again with other BLAS kernels when OpenBLAS falls back
# to Prescott's (src/app/blas_cpu.h); under valgrind that new run would not
# be checked, so the kernels are fixed here: Prescott's run everywhere.
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Prescott}
printf 'examples/demo.onnx,examples/demo_holds.vnnlib,10\nexamples/demo.onnx,examples/demo_violated.vnnlib,10\n' > "$tmp/inst.csv"
runs=(
    "info examples/demo.onnx"
    "info examples/demo.nnet"
    "verify examples/demo.onnx examples/demo_holds.vnnlib"
    "verify examples/demo.nnet examples/demo_violated.vnnlib --json --results-file $tmp/r.txt"
    "verify tests/data/fp_trap.nnet tests/data/fp_trap.vnnlib"
    "verify examples/demo.onnx examples/demo_holds.vnnlib --method smt"
    "verify examples/reach/reach.nnet examples/reach/reach.vnnlib --method star --jobs 2"
    "verify examples/reach/reach.nnet examples/reach/reach.vnnlib --method star --jobs 2 --reach-out $tmp/p.jsonl --reach-plot $tmp/p.svg"
    "verify examples/demo.onnx examples/demo_violated.vnnlib --method bab"
    "verify examples/reach/reach.nnet examples/reach/reach.vnnlib --method bab-relu --jobs 2"
    "verify examples/demo.onnx examples/demo_violated.vnnlib --method milp"
    "verify examples/reach/reach.nnet examples/reach/reach.vnnlib --method milp"
    "bounds examples/reach/reach.nnet examples/reach/reach.vnnlib --domain star --spec"
    "bounds examples/demo.onnx examples/demo_holds.vnnlib --domain zonotope --spec"
    "bounds examples/demo.onnx examples/demo_holds.vnnlib --domain crown --json"
    "bounds examples/demo.onnx examples/demo_holds.vnnlib --domain alpha-crown --alpha-iters 5"
    "certify examples/certify/toy.nnet --data examples/certify/toy.csv --eps 0.04,0.1,0.32 --clip 0,1 --cex-dir $tmp/cex --out $tmp/rows.csv"
    "gate examples/gate/policy.yaml --junit $tmp/g.xml --json $tmp/g.json"
    "gate examples/gate/policy.yaml --model examples/gate/model-perturbed.nnet --baseline $tmp/g.json"
    "suite $tmp/inst.csv --root . --out $tmp/res.csv --report $tmp/r.html"
    "suite --compare $tmp/res.csv $tmp/res.csv"
    "info tests/bad-inputs/truncated.onnx"
    "verify examples/demo.onnx tests/bad-inputs/nonlinear.vnnlib"
    "gate tests/bad-inputs/unknown-key.yaml"
)
fail=0
for args in "${runs[@]}"; do
    # shellcheck disable=SC2086
    OPENBLAS_NUM_THREADS=1 valgrind --quiet --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite --show-leak-kinds=definite \
        "$bin" $args > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ "$rc" -eq 99 ]; then
        fail=1
        echo "memcheck: FAILED: nncert $args"
        sed 's/^/    /' "$tmp/err" | head -40
    else
        echo "memcheck: clean (exit $rc): nncert $args"
    fi
done
exit $fail
