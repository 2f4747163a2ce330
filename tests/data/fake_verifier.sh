#!/bin/sh
# A stand-in verifier for the suite tests. It misbehaves on purpose when the
# network's file name says so, and otherwise runs the real nncert
# ($NNCERT_REAL) with the same arguments ("verify NET PROP ...").
net=$2
case "$net" in
*crash*) kill -SEGV $$ ;;
*hang*) exec sleep 600 ;;
*memory*) x=$(head -c 3000000000 /dev/zero | tr '\0' x); echo "${#x}"; exit 0 ;;
*canned*) echo '{"result":"timeout","vnncomp":"timeout","seconds":9.5,"method":"bab-relu","subproblems":1234,"refined":56,"refine_seconds":7.5,"open_bound":-0.25,"disjuncts":9,"disjuncts_excluded":2}'; exit 0 ;;
*slow*) if [ -e "${NNCERT_SLOW_MARK:-/nonexistent}" ]; then sleep 60; fi ;;
esac
exec "$NNCERT_REAL" "$@"
