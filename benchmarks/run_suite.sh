#!/usr/bin/env bash
# Runs every instance of a VNN-COMP suite with `nncert verify` and prints a
# table: per instance result and time, then counts per result and every
# answer that contradicts expected.csv.
# usage: benchmarks/run_suite.sh SUITE_DIR [TIMEOUT_S] [OUT.csv]
#   SUITE_DIR  e.g. ../shared/benchmarks/acasxu (has instances.csv, expected.csv)
#   TIMEOUT_S  per-instance timeout (default: the suite's own)
#   OUT.csv    where rows go (default build/bench/<suite>.csv)
# NNCERT_VERIFY_ARGS adds options to every `nncert verify` (e.g. "--jobs 2").
set -u
suite=${1:?usage: run_suite.sh SUITE_DIR [TIMEOUT_S] [OUT.csv]}
timeout=${2:-}
name=$(basename "$suite")
out=${3:-build/bench/$name.csv}
bin=${NNCERT_BIN:-build/nncert}
mkdir -p "$(dirname "$out")"
echo "onnx,vnnlib,result,seconds,expected" > "$out"
declare -A expected
while IFS=, read -r onnx vnnlib exp _; do
    expected["$onnx,$vnnlib"]=$exp
done < <(tail -n +2 "$suite/expected.csv")
n=0; bad=0
declare -A count
while IFS=, read -r onnx vnnlib tmo; do
    [ -z "$onnx" ] && continue
    t=${timeout:-$tmo}
    # shellcheck disable=SC2086
    json=$("$bin" verify "$suite/$onnx" "$suite/$vnnlib" --timeout "$t" --json ${NNCERT_VERIFY_ARGS:-} 2>/dev/null)
    code=$?
    res=$(printf '%s' "$json" | sed -n 's/.*"vnncomp":"\([a-z]*\)".*/\1/p')
    secs=$(printf '%s' "$json" | sed -n 's/.*"seconds":\([-0-9.e]*\).*/\1/p')
    [ "$code" -eq 3 ] && res=error
    exp=${expected["$onnx,$vnnlib"]:-unknown}
    echo "$onnx,$vnnlib,$res,$secs,$exp" >> "$out"
    count[$res]=$(( ${count[$res]:-0} + 1 ))
    n=$((n + 1))
    if { [ "$res" = sat ] && [ "$exp" = unsat ]; } || { [ "$res" = unsat ] && [ "$exp" = sat ]; }; then
        bad=$((bad + 1))
        echo "CONTRADICTION: $onnx $vnnlib: nncert $res, expected $exp"
    fi
done < "$suite/instances.csv"
echo "suite: $name   instances: $n   timeout: ${timeout:-suite}"
printf '| result | count |\n|---|---|\n'
for r in unsat sat unknown timeout error; do printf '| %s | %d |\n' "$r" "${count[$r]:-0}"; done
total=$(awk -F, 'NR > 1 { s += $4 } END { printf "%.1f", s }' "$out")
echo "total time: ${total} s   contradictions with expected.csv: $bad"
echo "rows: $out"
[ "$bad" -eq 0 ]
