#!/usr/bin/env bash
# KV v2 get/put latency of the vault backend vs the Python hvac client, against the same local
# OpenBao dev server in one run, then a bulk enrolment into OpenBao with the time split between
# the store's calls, the client's CPU and the server's CPU. BENCHMARKS.md records a run.
#   bash benches/vault.sh            # N=2000 KV calls per op and client, 1000 enrolments
#   N=500 BULK=300 bash benches/vault.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
BULK=${BULK:-1000}
out=target/bench-results
mkdir -p "$out"
bao=$(bash tests/vault/install.sh)
venv=$(dirname "$(dirname "$bao")")
"$venv/bin/python" -c 'import hvac' 2>/dev/null || "$venv/bin/pip" install -q --disable-pip-version-check 'hvac==2.4.0'
cargo build --release -q -p wallet-tests --bin vault-bench
bench=target/release/vault-bench

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bao" server -dev -dev-root-token-id=root -dev-listen-address="127.0.0.1:$port" -dev-no-store-token >"$out/bao-bench.log" 2>&1 &
bao_pid=$!
trap 'kill $bao_pid 2>/dev/null; wait $bao_pid 2>/dev/null' EXIT
until curl -sf "http://127.0.0.1:$port/v1/sys/health" >/dev/null; do sleep 0.1; done
export VAULT_TOKEN=root
server_cpu() { awk '{print ($14 + $15) / 100}' "/proc/$bao_pid/stat"; }

{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server: $("$bao" version | head -1), -dev (in-memory storage), http://127.0.0.1:$port"
  echo "hvac: $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("hvac"))'), $("$venv/bin/python" --version)"
  echo
  echo "## KV v2, one thread, $N calls per op, 256-byte values (two alternating rounds)"
  for round in 1 2; do
    "$bench" kv "vault+http://127.0.0.1:$port/secret/rust$round" "$N"
    "$venv/bin/python" benches/vault_hvac.py "http://127.0.0.1:$port" secret "py$round" "$N"
  done
  echo
  echo "## bulk enrolment of $BULK identities into OpenBao"
  before=$(server_cpu)
  "$bench" bulk "vault+http://127.0.0.1:$port/secret/bulk" "$BULK"
  after=$(server_cpu)
  echo "{\"server_cpu_s\": $(python3 -c "print(round($after - $before, 2))")}"
} | tee "$out/vault.txt"
