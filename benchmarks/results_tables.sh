#!/usr/bin/env bash
# Markdown tables from an nncert suite results file, for docs/results.md.
# usage: benchmarks/results_tables.sh by-property|per-instance RESULTS.csv [EXPECTED.csv]
# by-property:  answers per property file, with the expected unsat/sat counts
# per-instance: onnx, vnnlib, answer, expected, deciding method, seconds, peak MiB,
#               and the work done (stars and LPs of star-set reachability) when recorded
set -eu
mode=${1:?usage: results_tables.sh by-property|per-instance RESULTS.csv [EXPECTED.csv]}
res=${2:?results file}
exp=${3:-/dev/null}
[ -r "$exp" ] || exp=/dev/null
awk -F, -v mode="$mode" '
    FNR == 1 { file++ }
    file == 1 { if (FNR > 1) expected[$1 "," $2] = $3; next }
    FNR == 1 { next }   # header of the results file
    {
        onnx = $1; prop = $2; res = $3; secs = $4; method = $5; peak = $7
        detail = $8
        for (i = 9; i <= NF; i++) detail = detail "," $i   # a quoted detail may hold commas
        gsub(/"/, "", detail)
        e = ((onnx "," prop) in expected) ? expected[onnx "," prop] : ""
        n = split(prop, parts, "/"); p = parts[n]
        m = split(onnx, oparts, "/"); o = oparts[m]
        if (mode == "per-instance") {
            if (!header++) {
                print "| onnx | vnnlib | answer | expected | method | seconds | peak MiB | work |"
                print "|---|---|---|---|---|---|---|---|"
            }
            if (res != "error" && detail !~ /stars/) detail = ""
            printf "| %s | %s | %s | %s | %s | %.2f | %s | %s |\n", o, p, res, e, method, secs, peak, detail
            next
        }
        if (!(p in count)) order[++np] = p
        count[p]++; c[p "," res]++; t[p] += secs
        if (e == "unsat") eu[p]++
        if (e == "sat") es[p]++
    }
    END {
        if (mode != "by-property") exit
        print "| property | instances | holds | violated | unknown | timeout | error | expected unsat / sat | seconds |"
        print "|---|---|---|---|---|---|---|---|---|"
        for (i = 1; i <= np; i++) {
            p = order[i]
            printf "| %s | %d | %d | %d | %d | %d | %d | %d / %d | %.1f |\n", p, count[p], \
                c[p ",holds"], c[p ",violated"], c[p ",unknown"], c[p ",timeout"], c[p ",error"], \
                eu[p], es[p], t[p]
        }
    }' "$exp" "$res"
