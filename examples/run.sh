#!/usr/bin/env bash
# Run every libwallet example against the debug library: C (built through the pkg-config file),
# Python (ctypes + cryptography) and Node (koffi). Each exits non-zero on failure, and so does this.
set -euo pipefail
examples=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$examples/.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
for tool in cargo gcc openssl pkg-config python3 node npm; do
  command -v "$tool" >/dev/null || { echo "examples/run.sh needs $tool" >&2; exit 1; }
done
python3 -c 'import cryptography' || { echo "the Python example needs the cryptography package" >&2; exit 1; }

(cd "$root" && cargo build -p ffi --quiet)
export WALLET_LIB="$target/debug/libwallet.so"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/O=Org1/OU=client/CN=exampleuser" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
openssl x509 -in "$work/cert.pem" -pubkey -noout > "$work/pub.pem"

echo "--> C (pkg-config, libcrypto, -fsanitize=address,undefined)"
# A prefix laid out as an install would be, so the example builds through ffi/wallet.pc.in.
mkdir -p "$work/prefix/lib/pkgconfig" "$work/prefix/include"
ln -s "$target/debug/libwallet.so" "$work/prefix/lib/libwallet.so"
cp "$root/ffi/include/wallet.h" "$work/prefix/include/"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)
sed -e "s|@PREFIX@|$work/prefix|" -e "s|@VERSION@|$version|" "$root/ffi/wallet.pc.in" > "$work/prefix/lib/pkgconfig/wallet.pc"
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
[ "$(pkg-config --modversion wallet)" = "$version" ]
# shellcheck disable=SC2046
gcc -std=c11 -g -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all \
  "$examples/c/sign.c" -o "$work/sign" $(pkg-config --cflags --libs wallet) -Wl,-rpath,"$work/prefix/lib" -lcrypto
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
message="a transaction proposal"
"$work/sign" --import "$work/cert.pem" "$work/key.pem" "$message" > "$work/sig.hex"
python3 -c "import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read()))" < "$work/sig.hex" > "$work/sig.der"
printf '%s' "$message" | openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/sig.der"
# A wrong label fails with exit 1 and a message, not a crash, and leaks nothing on the way out.
status=0
"$work/sign" memory: nobody "$message" 2> "$work/err.txt" || status=$?
[ "$status" = 1 ] || { cat "$work/err.txt" >&2; echo "expected exit 1 for an unknown label, got $status" >&2; exit 1; }
grep -q 'no identity named "nobody"' "$work/err.txt"
if grep -q Sanitizer "$work/err.txt"; then cat "$work/err.txt" >&2; exit 1; fi

unset ASAN_OPTIONS UBSAN_OPTIONS

echo "--> Python (ctypes, cryptography)"
python3 "$examples/python/sign.py" "$work/cert.pem" "$work/key.pem"

echo "--> Node (koffi)"
[ -d "$examples/node/node_modules/koffi" ] || npm ci --prefix "$examples/node" --no-audit --no-fund --loglevel=error
node "$examples/node/sign.js" "$work/cert.pem" "$work/key.pem"

echo "examples: all passed"
