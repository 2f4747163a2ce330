#!/usr/bin/env bash
# VNN-COMP tool interface: prepare one instance (decompress .gz inputs and
# check that both files load).
# usage: prepare_instance.sh v1 CATEGORY ONNX VNNLIB
set -uo pipefail
[ "${1:-}" = v1 ] || { echo "prepare_instance.sh: expected interface version v1, got '${1:-}'" >&2; exit 1; }
[ $# -eq 4 ] || { echo "usage: prepare_instance.sh v1 CATEGORY ONNX VNNLIB" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vnncomp/files.sh
. "$here/files.sh"
onnx=$(plain_file "$3") || exit 1
vnnlib=$(plain_file "$4") || exit 1
# loading both is the check; bounds exits 0 when they load and match
"${NNCERT_BIN:-$here/../build/nncert}" bounds "$onnx" "$vnnlib" --domain interval > /dev/null
