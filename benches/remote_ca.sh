#!/usr/bin/env bash
# Enrolments per second against one local fabric-ca-server 1.5.21, in one run:
#   `wallet ca bulk-enroll --ca URL` (8 rows in flight, and 1),
#   a shell loop of `fabric-ca-client register` + `fabric-ca-client enroll` (how it is scripted today),
#   the Node `fabric-ca-client` 2.2.20 package (1 and 8 at a time).
# Every client registers and enrols N fresh identities (same server work: one bcrypt hash at
# registration, one bcrypt check at enrolment). The bound is the server's bcrypt cost: with
# `nproc` cores and t = one bcrypt (cost 10, measured here with libcrypt), no client can beat
# nproc / (2 t) identities per second. The server's CPU time per identity is read from /proc.
#
# Usage: benches/remote_ca.sh [N]   (N identities per client, default 40; CONC=8; WALLET_BIN=… skips the build)
# Needs: ../shared/tools (unpacked here if missing), Node.js with tests/interop/node_modules
# (`npm ci --prefix tests/interop`), python3, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-${N:-40}}
CONC=${CONC:-8}

FABRIC_CA_BIN=${FABRIC_CA_BIN:-$PWD/target/fabric-tools/fabric-ca-1.5.21/bin}
if [ ! -x "$FABRIC_CA_BIN/fabric-ca-server" ]; then
	bash ../shared/tools/unpack.sh target/fabric-tools >/dev/null
fi
[ -d tests/interop/node_modules/fabric-ca-client ] || {
	echo "tests/interop/node_modules is missing: run npm ci --prefix tests/interop" >&2
	exit 1
}
if [ -z "${WALLET_BIN:-}" ]; then
	cargo build --release -q -p wallet-cli
	WALLET_BIN=$PWD/target/release/wallet
fi

work=$(mktemp -d)
server_pid=
cleanup() {
	status=$?
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$work"
	exit "$status"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
ops=$(free_port)
url=http://127.0.0.1:$port
"$FABRIC_CA_BIN/fabric-ca-server" init -b admin:adminpw --home "$work/server" >"$work/init.log" 2>&1
"$FABRIC_CA_BIN/fabric-ca-server" start --home "$work/server" --port "$port" \
	--operations.listenaddress "127.0.0.1:$ops" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
	curl -fs -X POST -d '{}' "$url/cainfo" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -fs -X POST -d '{}' "$url/cainfo" >/dev/null || {
	cat "$work/server.log" >&2
	exit 1
}

clk=$(getconf CLK_TCK)
server_cpu() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
now() { date +%s.%N; }
rows=()
# record LABEL SECONDS SERVER_CPU_TICKS
record() { rows+=("$1	$2	$3"); }

# --- wallet ca bulk-enroll --ca URL -------------------------------------------------------------
export WALLET_PASSPHRASE=bench-passphrase WALLET_NEW_PASSPHRASE=bench-passphrase WALLET_KDF_PARAMS=19456,2,1
bench_wallet() { # LABEL PREFIX CONCURRENCY
	local w=$work/$2.wallet
	"$WALLET_BIN" --wallet "$w" init >/dev/null
	WALLET_ENROLL_SECRET=adminpw "$WALLET_BIN" --wallet "$w" ca enroll admin --ca "$url" --msp-id Org1MSP >/dev/null
	for i in $(seq 0 $((N - 1))); do echo "$2$i,client,org1,"; done >"$work/$2.csv"
	local c0 t0 t1 c1
	c0=$(server_cpu)
	t0=$(now)
	"$WALLET_BIN" --wallet "$w" --output json ca bulk-enroll --ca "$url" --msp-id Org1MSP --csv "$work/$2.csv" \
		--concurrency "$3" \
		>"$work/$2.json"
	t1=$(now)
	c1=$(server_cpu)
	grep -q "\"enrolled\": $N" "$work/$2.json" || { cat "$work/$2.json" >&2; exit 1; }
	record "$1" "$(echo "$t1 - $t0" | bc)" "$((c1 - c0))"
}
bench_wallet "wallet ca bulk-enroll --ca URL (8 in flight)" w8x "$CONC"
bench_wallet "wallet ca bulk-enroll --ca URL --concurrency 1" w1x 1

# --- a loop of fabric-ca-client -----------------------------------------------------------------
go=$work/go
"$FABRIC_CA_BIN/fabric-ca-client" enroll -u "http://admin:adminpw@127.0.0.1:$port" -H "$go/admin" >/dev/null 2>&1
c0=$(server_cpu)
t0=$(now)
for i in $(seq 0 $((N - 1))); do
	"$FABRIC_CA_BIN/fabric-ca-client" register -u "$url" -H "$go/admin" --id.name "g$i" --id.secret "gpw$i" \
		--id.affiliation org1 --id.type client >/dev/null 2>&1
	"$FABRIC_CA_BIN/fabric-ca-client" enroll -u "http://g$i:gpw$i@127.0.0.1:$port" -H "$go/g$i" >/dev/null 2>&1
done
t1=$(now)
c1=$(server_cpu)
[ "$(ls "$go"/g*/msp/signcerts/cert.pem | wc -l)" -eq "$N" ] || { echo "fabric-ca-client loop failed" >&2; exit 1; }
record "loop of fabric-ca-client register + enroll" "$(echo "$t1 - $t0" | bc)" "$((c1 - c0))"

# --- the Node fabric-ca-client package ----------------------------------------------------------
bench_node() { # LABEL PREFIX CONCURRENCY
	local c0 c1 out s
	c0=$(server_cpu)
	out=$(NODE_PATH=tests/interop/node_modules node benches/remote_ca_node.js "$url" "$N" "$2" "$3")
	c1=$(server_cpu)
	s=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
	record "$1" "$s" "$((c1 - c0))"
}
bench_node "Node fabric-ca-client 2.2.20, 1 at a time" n1x 1
bench_node "Node fabric-ca-client 2.2.20, $CONC at a time" n8x "$CONC"

# --- the bound ----------------------------------------------------------------------------------
bcrypt_ms=$(python3 - <<'PY'
import ctypes, time
lib = ctypes.CDLL("libcrypt.so.1")
lib.crypt.restype = ctypes.c_char_p
lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
salt = b"$2b$10$abcdefghijklmnopqrstuu"
assert lib.crypt(b"x", salt).startswith(b"$2b$10$"), "libcrypt without bcrypt"
n = 8
t = time.process_time()
for _ in range(n):
    lib.crypt(b"secret", salt)
print(f"{(time.process_time() - t) / n * 1000:.1f}")
PY
)
cores=$(nproc)
echo "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "fabric-ca-server 1.5.21 on $url; $N identities per client, each registered and enrolled"
echo "bcrypt cost 10 (libcrypt, CPU time): $bcrypt_ms ms; bound = $cores cores / (2 x bcrypt) = $(python3 -c "print(f'{$cores * 1000 / (2 * $bcrypt_ms):.2f}')") identities/s"
echo
echo
printf '%s\n' "${rows[@]}" | python3 -c "
import sys
n, clk, bound = $N, $clk, $cores * 1000 / (2 * $bcrypt_ms)
print('| client | identities | seconds | identities/s | of the bcrypt bound | server CPU ms / identity |')
print('| --- | ---: | ---: | ---: | ---: | ---: |')
for line in sys.stdin:
    label, s, ticks = line.rstrip('\n').split('\t')
    s, ticks = float(s), int(ticks)
    print(f'| {label} | {n} | {s:.2f} | {n / s:.2f} | {n / s / bound * 100:.0f} % | {ticks / clk * 1000 / n:.0f} |')
"
