#!/usr/bin/env bash
# VNN-COMP tool interface: decide one instance and write the results file
# (sat/unsat/unknown/timeout/error, then the counterexample after sat).
# usage: run_instance.sh v1 CATEGORY ONNX VNNLIB RESULTS_FILE TIMEOUT
set -uo pipefail
[ "${1:-}" = v1 ] || { echo "run_instance.sh: expected interface version v1, got '${1:-}'" >&2; exit 1; }
[ $# -eq 6 ] || { echo "usage: run_instance.sh v1 CATEGORY ONNX VNNLIB RESULTS_FILE TIMEOUT" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vnncomp/files.sh
. "$here/files.sh"
results=$5
timeout=$6
onnx=$(plain_file "$3") || { echo error > "$results"; exit 0; }
vnnlib=$(plain_file "$4") || { echo error > "$results"; exit 0; }
jobs=$(nproc 2>/dev/null || echo 1)
"${NNCERT_BIN:-$here/../build/nncert}" verify "$onnx" "$vnnlib" --timeout "$timeout" --jobs "$jobs" \
    --results-file "$results"
code=$?
# 0 unsat, 1 sat, 2 unknown/timeout: the results file says which; 3 wrote "error"
[ "$code" -le 3 ] || echo error > "$results"
exit 0
