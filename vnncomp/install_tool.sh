#!/usr/bin/env bash
# VNN-COMP tool interface: install dependencies and build nncert.
# usage: install_tool.sh v1
set -euo pipefail
[ "${1:-}" = v1 ] || { echo "install_tool.sh: expected interface version v1, got '${1:-}'" >&2; exit 1; }
cd "$(dirname "$0")/.."
make deps
make build/nncert
