#!/usr/bin/env bash
# Signatures per second through keys that never leave their home, beside the reference tools in
# one run: Transit one at a time and batched (our key store) vs `bao write transit/sign` from
# the shell; SoftHSM2 with one session and with the pool (8 threads on one key) vs
# `pkcs11-tool --sign`. BENCHMARKS.md records a run.
#   bash benches/keys.sh              # N=2000 signatures per Rust run, 100 per shell tool
#   N=500 SHELL_N=50 bash benches/keys.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}
SHELL_N=${SHELL_N:-100}
out=target/bench-results
mkdir -p "$out"
bao=$(bash tests/vault/install.sh)
module=/usr/lib/softhsm/libsofthsm2.so
[ -f "$module" ] && command -v pkcs11-tool >/dev/null || { echo "keys.sh needs softhsm2 and opensc (apt-get install softhsm2 opensc)" >&2; exit 1; }
cargo build --release -q -p wallet-tests --bin keys-bench
bench=target/release/keys-bench

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bao" server -dev -dev-root-token-id=root -dev-listen-address="127.0.0.1:$port" -dev-no-store-token >"$out/bao-keys.log" 2>&1 &
bao_pid=$!
trap 'kill $bao_pid 2>/dev/null; wait $bao_pid 2>/dev/null; rm -rf "$work"' EXIT
export BAO_ADDR="http://127.0.0.1:$port" BAO_TOKEN=root VAULT_TOKEN=root
until "$bao" status >/dev/null 2>&1; do sleep 0.1; done
"$bao" secrets enable transit >/dev/null

mkdir -p "$work/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$work/tokens" > "$work/softhsm2.conf"
export SOFTHSM2_CONF="$work/softhsm2.conf"
softhsm2-util --init-token --free --label bench --so-pin 5678 --pin 1234 >/dev/null
printf '1234\n' > "$work/pin"
hsm="pkcs11:token=bench?module-path=$module&pin-source=file:$work/pin"

{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "server: $("$bao" version | head -1), -dev (in-memory), http://127.0.0.1:$port; token: $(dpkg-query -W -f='softhsm2 ${Version}' softhsm2), $(dpkg-query -W -f='opensc ${Version}' opensc)"
  echo
  echo "## Transit (ecdsa-p256, prehashed SHA-256, ASN.1), $N signatures"
  "$bench" transit "transit:bench?server=http://127.0.0.1:$port" "$N"
  "$bao" write -f transit/keys/shell type=ecdsa-p256 >/dev/null
  input=$(printf 'shell' | openssl dgst -sha256 -binary | base64)
  start=$(date +%s.%N)
  for _ in $(seq 1 "$SHELL_N"); do
    "$bao" write -format=json transit/sign/shell/sha2-256 input="$input" prehashed=true marshaling_algorithm=asn1 >/dev/null
  done
  end=$(date +%s.%N)
  python3 -c "n=$SHELL_N; s=$end-$start; print(f'{\"bao write transit/sign (a process per signature)\":<48} {n:>6} signatures in {s:>7.3f} s = {n/s:>8.1f} /s')"
  echo
  echo "## SoftHSM2 (CKM_ECDSA on P-256), $N signatures"
  WALLET_PKCS11_SESSIONS=1 "$bench" pkcs11 "$hsm" "$N" 8
  "$bench" pkcs11 "$hsm" "$N" 8
  pkcs11-tool --module "$module" --token-label bench --login --pin 1234 --keypairgen --key-type EC:prime256v1 --id 0b0b --label shell >/dev/null 2>&1
  printf 'shell' | openssl dgst -sha256 -binary > "$work/digest"
  start=$(date +%s.%N)
  for _ in $(seq 1 "$SHELL_N"); do
    pkcs11-tool --module "$module" --token-label bench --login --pin 1234 --sign --mechanism ECDSA --id 0b0b \
      --input-file "$work/digest" --output-file "$work/sig" >/dev/null 2>&1
  done
  end=$(date +%s.%N)
  python3 -c "n=$SHELL_N; s=$end-$start; print(f'{\"pkcs11-tool --sign (a process per signature)\":<48} {n:>6} signatures in {s:>7.3f} s = {n/s:>8.1f} /s')"
} | tee "$out/keys.txt"
