#!/usr/bin/env bash
# Every benchmark of the project, side by side with the reference tools, in one session on one
# machine; prints the ratios and rewrites the generated section of BENCHMARKS.md.
#   bash scripts/bench.sh            # full run (~25 minutes on 2 cores)
#   QUICK=1 bash scripts/bench.sh    # shorter criterion runs and loops
#   BENCH_SECTIONS="references criterion oneshot ffi" bash scripts/bench.sh   # some sections only
#     (references criterion cli oneshot ffi scripts; default: all), and
#   BENCH_CRITERION="wallet-core:crypto wallet-core:ca"                     # some criterion benches
# What runs: the references (openssl speed ecdsap256, openssl dgst -sign, Node's file wallet,
# Python cryptography issuing the Fabric profile); every criterion bench of the workspace (found
# with cargo metadata, so new ones join); CLI processes; ffi/bench/run.sh; and every executable
# benches/*.sh (each prints its own lines). Raw output: target/bench-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=target/bench-results
mkdir -p "$out"
mt=${QUICK:+2}; mt=${mt:-5}
loops=${QUICK:+20000}; loops=${loops:-100000}
crit=(-- --warm-up-time 1 --measurement-time "$mt")

# Criterion prints a long benchmark name on its own line and "time: [low median high]" below it.
crit_times() { awk '/^[^ ].*time:/ {print; next} /^[^ ]/ {name=$0; next} /^ +time:/ {sub(/^ +/, ""); print name "  " $0}'; }
section() { printf '\n### %s\n' "$*" | tee -a "$out/summary.txt"; }
sections=" ${BENCH_SECTIONS:-references criterion cli oneshot ffi scripts} "
want() { [[ $sections == *" $1 "* ]]; }
: > "$out/summary.txt"

# --- tools the benchmarks need (not the tests: scripts/test.sh never times anything) ---------
need_apt=()
command -v hyperfine >/dev/null || need_apt+=(hyperfine)
command -v openssl >/dev/null || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error >/dev/null
python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install -q cryptography
cargo build --release -q -p wallet-cli -p ffi

{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "rustc: $(rustc --version); openssl: $(openssl version); node: $(node --version); python: $(python3 --version 2>&1); $(hyperfine --version)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$out/summary.txt"

# --- references ---------------------------------------------------------------------------------
if want references; then
section "reference: openssl speed ecdsap256"
openssl speed -seconds 3 ecdsap256 2>/dev/null | tail -2 | tee "$out/openssl-speed.txt" | tee -a "$out/summary.txt"

section "reference: Node fabric-network 2.2.20 FileSystemWallet, 10,000 identities"
node tests/interop/bench-wallet.js --n 10000 | tee -a "$out/summary.txt"

section "reference: Python cryptography issuing the Fabric CA profile"
python3 benches/issue_python.py | tee "$out/python-issue.json" | tee -a "$out/summary.txt"
fi

# --- criterion: every bench target of the workspace, except ffi's sign (a plain program that
# --- ffi/bench/run.sh drives with arguments) ------------------------------------------------------
cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    for t in p["targets"]:
        if "bench" in t["kind"] and not (p["name"] == "ffi" and t["name"] == "sign"):
            print(p["name"], t["name"])' > "$out/criterion-targets.txt"
want criterion && : > "$out/criterion.txt"
while want criterion && read -r pkg bench; do
  [ -z "${BENCH_CRITERION:-}" ] || [[ " $BENCH_CRITERION " == *" $pkg:$bench "* ]] || continue
  section "ours: cargo bench -p $pkg --bench $bench (criterion)"
  cargo bench -q -p "$pkg" --bench "$bench" "${crit[@]}" 2>/dev/null </dev/null | crit_times | tee -a "$out/criterion.txt" | tee -a "$out/summary.txt"
done < "$out/criterion-targets.txt"

# --- CLI processes ----------------------------------------------------------------------------
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
W=$root/target/release/wallet
want cli && (
  section "ours: CLI processes (default Argon2id), encrypted file wallet"
  export WALLET_URI="$work/w" WALLET_PASSPHRASE=bench-passphrase
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
)

# A file wallet with the smallest Argon2id cost allowed (OWASP: 19 MiB, t=2), so the unlock
# (measured apart by `wallet list`) is small; the comparison is the process and the signature.
want oneshot && (
  section "ours vs openssl: one-shot sign process, same key (hyperfine)"
  export WALLET_URI="$work/fast" WALLET_PASSPHRASE=bench-passphrase WALLET_KDF_PARAMS=19456,2,1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/O=Org1/CN=oneshot" -keyout "$work/k.pem" -out "$work/c.pem" 2>/dev/null
  head -c 1024 /dev/urandom > "$work/msg.bin"
  $W init >/dev/null
  $W import --cert "$work/c.pem" --key "$work/k.pem" --msp-id Org1MSP --label oneshot >/dev/null
  runs=${QUICK:+50}; runs=${runs:-200}
  hyperfine -N --warmup 10 --runs "$runs" --export-json "$out/oneshot.json" \
    -n "openssl dgst -sha256 -sign" "openssl dgst -sha256 -sign $work/k.pem -out $work/o.der $work/msg.bin" \
    -n "wallet sign (aws-lc)" "env WALLET_CRYPTO_PROVIDER=aws-lc $W sign oneshot --in $work/msg.bin --out-format der --out $work/w.der" \
    -n "wallet sign (rustcrypto)" "env WALLET_CRYPTO_PROVIDER=rustcrypto $W sign oneshot --in $work/msg.bin --out-format der --out $work/r.der" \
    -n "wallet list (unlock only)" "$W list" 2>&1 | tee -a "$out/summary.txt"
  openssl dgst -sha256 -verify <(openssl x509 -in "$work/c.pem" -pubkey -noout) -signature "$work/w.der" "$work/msg.bin" | tee -a "$out/summary.txt"
)

# The same key in a file wallet that the kernel keyring unlocks (issue 8): no passphrase and no
# Argon2id, so the process shows what `wallet sign` costs apart from the unlock. Run in a session
# keyring of its own (`keyctl session -`), which every process hyperfine starts inherits.
want oneshot && (
  section "ours vs openssl: one-shot sign process, keychain-unlocked wallet (hyperfine)"
  command -v keyctl >/dev/null || { echo "bench.sh: keyctl is missing (apt-get install keyutils)" >&2; exit 1; }
  [ -f "$work/k.pem" ] || { echo "bench.sh: the oneshot key is missing" >&2; exit 1; }
  runs=${QUICK:+50}; runs=${runs:-200}
  WALLET_URI="$work/keyring" W="$W" work="$work" out="$out" runs="$runs" keyctl session - bash -c '
    set -euo pipefail
    unset WALLET_PASSPHRASE
    $W init --unlock keychain:keyutils >/dev/null
    $W import --cert "$work/c.pem" --key "$work/k.pem" --msp-id Org1MSP --label oneshot >/dev/null
    hyperfine -N --warmup 10 --runs "$runs" --export-json "$out/oneshot-keychain.json" \
      -n "openssl dgst -sha256 -sign" "openssl dgst -sha256 -sign $work/k.pem -out $work/o.der $work/msg.bin" \
      -n "wallet sign (aws-lc, keychain-unlocked)" "env WALLET_CRYPTO_PROVIDER=aws-lc $W sign oneshot --in $work/msg.bin --out-format der --out $work/kw.der" \
      -n "wallet sign (rustcrypto, keychain-unlocked)" "env WALLET_CRYPTO_PROVIDER=rustcrypto $W sign oneshot --in $work/msg.bin --out-format der --out $work/kr.der"
    openssl dgst -sha256 -verify <(openssl x509 -in "$work/c.pem" -pubkey -noout) -signature "$work/kr.der" "$work/msg.bin"
  ' 2>&1 | tee -a "$out/summary.txt"
)

# --- the C library --------------------------------------------------------------------------
if want ffi; then
  section "ours: C API vs Rust API (message, digest, verify; 8 threads on one handle)"
  ffi/bench/run.sh "$loops" 5 | tee "$out/ffi.txt" | grep -E '^(message|digest|verify|threads|openssl ceiling):' | tee -a "$out/summary.txt"
fi

# --- every benchmark script under benches/ (others' included) -------------------------------
for script in benches/*.sh; do
  want scripts && [ -e "$script" ] || continue
  if [ ! -x "$script" ]; then echo "bench.sh: $script is not executable (chmod +x it)" >&2; exit 1; fi
  section "ours: $script"
  "$script" 2>&1 | tee "$out/$(basename "$script" .sh).txt" | tee -a "$out/summary.txt"
done

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/summary.txt"

# --- ratios, and the generated section of BENCHMARKS.md -------------------------------------
section "ratios (ours / reference, measured above; > 1 means we are faster)"
python3 scripts/bench_report.py "$out" BENCHMARKS.md | tee -a "$out/summary.txt"
