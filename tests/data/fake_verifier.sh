#!/bin/sh
# A stand-in verifier for the suite tests. It misbehaves on purpose when the
# network's file name says so, and otherwise runs the real nncert
# ($NNCERT_REAL) with the same arguments ("verify NET PROP ...").
net=$2
case "$net" in
*crash*) kill -SEGV $$ ;;
*hang*) exec sleep 600 ;;
*memory*) # one 3 GB buffer: refused at once under the suite's address-space
          # cap (exit 1, an error); without the cap, a real answer (on the
          # demo network beside it), which the tests would catch
          dd if=/dev/zero of=/dev/null bs=3000000000 count=1 2>/dev/null || exit 1
          cmd=$1; shift 2
          exec "$NNCERT_REAL" "$cmd" "$(dirname "$net")/examples/demo.onnx" "$@" ;;
*canned*) echo '{"result":"timeout","vnncomp":"timeout","seconds":9.5,"method":"bab-relu","subproblems":1234,"refined":56,"refine_seconds":7.5,"open_bound":-0.25,"disjuncts":9,"disjuncts_excluded":2}'; exit 0 ;;
*slow*) if [ -e "${NNCERT_SLOW_MARK:-/nonexistent}" ]; then sleep 60; fi ;;
esac
exec "$NNCERT_REAL" "$@"
