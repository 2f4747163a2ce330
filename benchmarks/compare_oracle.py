#!/usr/bin/env python3
"""Compares nncert's pure bounds with the reference bounds in ../shared/oracles.

usage: benchmarks/compare_oracle.py DOMAIN ORACLE_CSV [ALPHA_ITERS]
  e.g. benchmarks/compare_oracle.py alpha-crown alpha_crown.csv 100
Prints, per network family, how many output bounds are tighter / equal /
looser than the reference and the mean width ratio (ours / reference).
Boxes with several input regions (ACAS Xu prop_6) are skipped.
"""
import csv, json, os, subprocess, sys
from collections import defaultdict

root = os.environ.get("NNCERT_BENCHMARKS", "../shared/benchmarks")
oracles = os.path.join(root, "..", "oracles")
domain, file = sys.argv[1], sys.argv[2]
iters = sys.argv[3] if len(sys.argv) > 3 else "20"
binary = os.environ.get("NNCERT_BIN", "build/nncert")

rows = defaultdict(dict)
with open(os.path.join(oracles, file)) as f:
    for r in csv.DictReader(f):
        rows[(r["network"], r["property_or_box"])][int(r["output_index"])] = (float(r["lower"]), float(r["upper"]))

def paths(netname, box):
    if netname.startswith("ACASXU"):
        return f"{root}/acasxu/onnx/{netname}.onnx", f"{root}/acasxu/vnnlib/{box}.vnnlib"
    if netname.startswith("mnist"):
        return f"{root}/mnistfc/onnx/{netname}.onnx", f"{root}/mnistfc/vnnlib_2021/{box}.vnnlib"
    return f"{oracles}/random_nets/{netname}.onnx", f"{oracles}/random_nets/{netname}_{box}.vnnlib"

stats = defaultdict(lambda: [0, 0, 0, 0.0, 0])
for (netname, box), outs in sorted(rows.items()):
    if "_box" in box and netname.startswith("ACASXU"):
        continue
    n, p = paths(netname, box)
    out = subprocess.run([binary, "bounds", n, p, "--domain", domain, "--alpha-iters", iters, "--json"],
                         capture_output=True, text=True, check=True).stdout
    ours = json.loads(out)
    fam = "acasxu" if netname.startswith("ACASXU") else netname if netname.startswith("mnist") else "random"
    s = stats[fam]
    for i, (lo, hi) in outs.items():
        ol, oh = ours["lower"][i], ours["upper"][i]
        w, ow = hi - lo, oh - ol
        tol = 1e-9 * max(1.0, abs(w))
        if ow < w - tol: s[0] += 1
        elif ow > w + tol: s[2] += 1
        else: s[1] += 1
        s[3] += ow / w if w > 0 else 1.0
        s[4] += 1

print(f"| networks | outputs | tighter | equal | looser | mean width ours/reference |")
print(f"|---|---|---|---|---|---|")
for fam, (t, e, l, ratio, n) in sorted(stats.items()):
    print(f"| {fam} | {n} | {t} | {e} | {l} | {ratio / n:.3f} |")
