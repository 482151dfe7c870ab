#!/usr/bin/env bash
# C-API benchmarks (results in BENCHMARKS.md): the same identity signs the same message, and its
# SHA-256 digest, ITERATIONS (default 100,000) times through the Rust API (ffi/benches/sign.rs)
# and through the C API (ffi/bench/sign_bench.c), both release builds, alternating ROUNDS
# (default 5) times; then verification both ways, then 8 threads signing digests through one C
# identity handle vs one thread; then `openssl speed ecdsap256`, one process and two (`-multi 2`,
# the host's two-core ceiling for the thread ratio), in the same session.
# WALLET_CRYPTO_PROVIDER picks the provider for both sides (unset: the C library's default).
#   ffi/bench/run.sh [ITERATIONS] [ROUNDS]
set -euo pipefail
ffi_dir=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$ffi_dir/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
iterations=${1:-100000}
rounds=${2:-5}

cd "$root"
cargo build --release -p ffi --quiet
rust_bench=$(cargo build --release -p ffi --bench sign --message-format=json --quiet |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "sign" and m.get("executable"):
        print(m["executable"])')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/O=Org1/CN=bench" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
gcc -std=c11 -O2 -Wall -Wextra -Werror -I "$ffi_dir/include" "$ffi_dir/bench/sign_bench.c" -o "$work/sign_bench" \
  -L "$target/release" -Wl,-rpath,"$target/release" -lwallet

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores"
{
  for mode in message digest; do
    for round in $(seq 1 "$rounds"); do
      echo "round $round"
      "$rust_bench" "$work/cert.pem" "$work/key.pem" "$iterations" "$mode" | sed 's/^/  /'
      "$work/sign_bench" "$work/cert.pem" "$work/key.pem" "$iterations" "$mode" | sed 's/^/  /'
    done
  done
  "$rust_bench" "$work/cert.pem" "$work/key.pem" "$iterations" verify | sed 's/^/  /'
  "$work/sign_bench" "$work/cert.pem" "$work/key.pem" "$iterations" verify | sed 's/^/  /'
  threads=8
  for round in $(seq 1 "$rounds"); do
    "$work/sign_bench" "$work/cert.pem" "$work/key.pem" "$iterations" digest 1 | sed 's/^/  threads: /'
    "$work/sign_bench" "$work/cert.pem" "$work/key.pem" $((iterations / threads)) digest "$threads" | sed 's/^/  threads: /'
  done
} | tee "$work/results.txt"

python3 - "$work/results.txt" <<'PY'
import re, statistics, sys
rates = {}
for line in open(sys.argv[1]):
    # The thread rounds are kept apart: their one-thread runs alternate with eight-thread
    # runs, not with the Rust API, so they do not enter the C-vs-Rust medians.
    m = re.search(r"(threads: )?(rust-api|c-api) (\w+) x(\d+): .* ([0-9]+) sign/s", line)
    if m:
        key = ("threads" if m.group(1) else "pair", m.group(2), m.group(3), int(m.group(4)))
        rates.setdefault(key, []).append(int(m.group(5)))
med = {k: statistics.median(v) for k, v in rates.items()}
for mode in ("message", "digest", "verify"):
    rust, c = med[("pair", "rust-api", mode, 1)], med[("pair", "c-api", mode, 1)]
    print(f"{mode}: rust-api {rust:.0f}/s, c-api {c:.0f}/s (medians), C API overhead {100 * (rust - c) / rust:+.2f}%")
one, eight = med[("threads", "c-api", "digest", 1)], med[("threads", "c-api", "digest", 8)]
print(f"threads: c-api digest 1 thread {one:.0f}/s, 8 threads on one handle {eight:.0f}/s: {eight / one:.2f}x")
PY

# The host's own two-core ceiling, beside the 8-thread ratio: two openssl processes share
# nothing, so their rate over one process is what two cores of this machine give at best.
one=$(openssl speed -seconds 3 ecdsap256 2>/dev/null | tail -1)
two=$(openssl speed -seconds 3 -multi 2 ecdsap256 2>/dev/null | tail -1)
echo "openssl speed -seconds 3 ecdsap256 (one core):"
echo "$one"
echo "openssl speed -seconds 3 -multi 2 ecdsap256 (two processes):"
echo "$two"
python3 -c 'import sys; one, two = (float(s.split()[-2]) for s in sys.argv[1:]); print(f"openssl ceiling: 1 process {one:.0f} sign/s, 2 processes {two:.0f} sign/s: {two / one:.2f}x")' "$one" "$two"
