#!/usr/bin/env bash
# Every benchmark, side by side with the reference tools, in one session on one machine.
# Results go to stdout and to target/bench-results/; BENCHMARKS.md records a run of this script.
#   bash scripts/bench.sh            # full run (~15 minutes on 2 cores)
#   QUICK=1 bash scripts/bench.sh    # shorter criterion runs
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench-results
mkdir -p "$out"
mt=${QUICK:+2}; mt=${mt:-5}
crit=(-- --warm-up-time 1 --measurement-time "$mt")

# Criterion prints a long benchmark name on its own line and "time: [low median high]" below it.
crit_times() { awk '/^[^ ].*time:/ {print; next} /^[^ ]/ {name=$0; next} /^ +time:/ {sub(/^ +/, ""); print name "  " $0}'; }
section() { printf '\n### %s\n' "$*" | tee -a "$out/summary.txt"; }
: > "$out/summary.txt"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "rustc: $(rustc --version); openssl: $(openssl version); node: $(node --version); python: $(python3 --version 2>&1)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$out/summary.txt"

npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error >/dev/null
python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install -q cryptography
cargo build --release -q -p wallet-cli

section "reference: openssl speed ecdsap256"
openssl speed -seconds 3 ecdsap256 2>/dev/null | tail -2 | tee -a "$out/summary.txt"

section "reference: Node fabric-network 2.2.20 FileSystemWallet, 10,000 identities"
node tests/interop/bench-wallet.js --n 10000 | tee -a "$out/summary.txt"

section "reference: Python cryptography issuing the Fabric CA profile"
python3 benches/issue_python.py | tee -a "$out/summary.txt"

section "ours: encrypted file wallet, 10,000 identities (criterion)"
cargo bench -q -p wallet-core --bench file_backend "${crit[@]}" 2>/dev/null | crit_times | tee -a "$out/summary.txt"

section "ours: CA issuance, register+enrol, bulk (criterion)"
cargo bench -q -p wallet-core --bench ca "${crit[@]}" 2>/dev/null | crit_times | tee -a "$out/summary.txt"

section "ours: CLI processes (default Argon2id), encrypted file wallet"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export WALLET_URI="$work/w" WALLET_PASSPHRASE=bench-passphrase
W=target/release/wallet
$W init >/dev/null
$W ca init org1-ca --msp-id Org1MSP >/dev/null
t() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
unlock=(); enrol=()
for i in $(seq 1 5); do
  unlock+=("$(t $W list)")
  $W ca register "u$i" --affiliation org1 > "$work/s$i"
  enrol+=("$(t $W ca enroll "u$i" --secret-file "$work/s$i")")
done
echo "wallet list (= unlock) ms: ${unlock[*]}" | tee -a "$out/summary.txt"
echo "wallet ca enroll (one process) ms: ${enrol[*]}" | tee -a "$out/summary.txt"
for n in 1000 10000; do
  python3 - "$n" > "$work/users$n.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("id,type,affiliation,attributes")
for i in range(n):
    print(f"bulk{n}-{i},client,org1.department1,role=member:ecert")
PY
  ms=$(t $W ca bulk-enroll --csv "$work/users$n.csv")
  echo "wallet ca bulk-enroll $n rows: $ms ms" | tee -a "$out/summary.txt"
done

section "ours: C API vs Rust API signing (100,000 each, 5 rounds)"
ffi/bench/run.sh 100000 5 | tail -12 | tee -a "$out/summary.txt"

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/summary.txt"
