#!/usr/bin/env bash
# The network part of the test command: two networks from the shared Fabric binaries, each
# started, tested and stopped.
#   1. every identity from root CAs: the cases of client/cases.test.js, then a short benchmark
#      round (bench.js --check: counts add up, speed is not checked);
#   2. the application org's identities from an intermediate CA: the same cases.
# A missing binary, or a network that does not come up, fails with the reason from the logs.
#
#   tests/network/run.sh            (CI: this is a step of scripts/test.sh)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

command -v node >/dev/null || die "node is missing"
command -v npm >/dev/null || die "npm is missing"
if [ ! -d "$here/node_modules/@hyperledger/fabric-gateway" ] || [ ! -d "$here/node_modules/fabric-contract-api" ]; then
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi
(cd "$root" && cargo build -q -p wallet-cli -p ffi) || die "cargo build of wallet-cli and ffi failed"
export WALLET_BIN=$target/debug/wallet WALLET_LIB=$target/debug/libwallet.so
[ -f "$WALLET_LIB" ] || die "libwallet $WALLET_LIB is missing"

current=""
cleanup() {
  local rc=$?
  if [ -n "$current" ] && [ -d "$current/pids" ]; then
    if [ "$rc" != 0 ]; then
      echo "network tests failed; the logs of $current:" >&2
      for l in orderer peer chaincode; do
        [ -s "$current/logs/$l.log" ] && { echo "  $l:" >&2; log_reason "$current/logs/$l.log" >&2; }
      done
    fi
    bash "$here/down.sh" "$current" >/dev/null || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap "exit 143" TERM
trap "exit 130" INT

one_network() {
  local name=$1; shift
  echo "==> network: $name"
  current=$(mktemp -d "${TMPDIR:-/tmp}/wallet-network.XXXXXX")
  bash "$here/up.sh" "$@" "$current"
  NETWORK_DIR=$current node --test --test-reporter=spec "$here/client/cases.test.js"
}

start=$(date +%s)
one_network "root CAs"
echo "==> a short benchmark round (counts, not speed)"
NETWORK_DIR=$current node "$here/bench.js" --duration 2 --concurrency 10 --check
bash "$here/down.sh" "$current"; current=""

one_network "application org from an intermediate CA" --intermediate
bash "$here/down.sh" "$current"; current=""
echo "network tests: all passed in $(( $(date +%s) - start )) s"
