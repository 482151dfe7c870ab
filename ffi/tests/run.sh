#!/usr/bin/env bash
# libwallet's C test suite: build the library, make a throwaway identity with openssl, then run
# ffi/tests/c/test_wallet.c three times: linked against the shared library under AddressSanitizer
# and UndefinedBehaviorSanitizer (once with software keys, once with WALLET_KEY_STORE=memory, so
# the CA's key and every enrolled key live in a store that never exports them), and linked
# against the static library under valgrind (no leaks, no errors); and check the signatures each
# run wrote with `openssl dgst -verify`.
# Needs gcc, openssl (CLI and libcrypto headers), valgrind: a missing one is a failure.
set -euo pipefail
ffi_dir=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$ffi_dir/.." && pwd)
fixtures="$root/tests/fixtures"
[ -d "$fixtures/fabric-ca-1.5.21" ] || { echo "run.sh: recorded fixtures missing: $fixtures/fabric-ca-1.5.21 (they are part of the repository)" >&2; exit 1; }
target=${CARGO_TARGET_DIR:-$root/target}
for tool in gcc openssl valgrind cargo; do
  command -v "$tool" >/dev/null || { echo "run.sh needs $tool" >&2; exit 1; }
done

step() { printf '\n--> %s\n' "$*"; }

step "cargo build -p ffi"
(cd "$root" && cargo build -p ffi --quiet)
lib="$target/debug"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "test identity from openssl (P-256 key, self-signed certificate)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/O=Org1/CN=appuser1" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/other_key.pem"
openssl x509 -in "$work/cert.pem" -pubkey -noout > "$work/pub.pem"

cflags=(-std=c11 -g -Wall -Wextra -Werror -I "$ffi_dir/include")
src="$ffi_dir/tests/c/test_wallet.c"

# Check every signature a run wrote with the openssl command line.
verify_run() {
  local dir=$1 count=0
  for sig in "$dir"/*.sig; do
    local base=${sig%.sig}
    case $(basename "$base") in
      digest) openssl pkeyutl -verify -pubin -inkey "$work/pub.pem" -in "$base.bin" -sigfile "$sig" >/dev/null ;;
      empty) openssl dgst -sha256 -verify "$work/pub.pem" -signature "$sig" /dev/null >/dev/null ;;
      *) openssl dgst -sha256 -verify "$work/pub.pem" -signature "$sig" "$base.bin" >/dev/null ;;
    esac
    count=$((count + 1))
  done
  [ "$count" -ge 22 ] || { echo "expected at least 22 signatures in $dir, found $count" >&2; exit 1; }
  echo "openssl verified $count signatures from $(basename "$dir")"
}

prepare() { mkdir -p "$1" && cp "$work"/{cert,key,other_key}.pem "$1/"; }

step "C suite, shared library, -fsanitize=address,undefined"
gcc "${cflags[@]}" -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  "$src" -o "$work/test_asan" -L "$lib" -Wl,-rpath,"$lib" -lwallet -lcrypto -lpthread
prepare "$work/asan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$work/test_asan" "$work/asan" "$fixtures"
verify_run "$work/asan"

step "C suite, shared library, sanitizers, WALLET_KEY_STORE=memory (CA and enrolment keys never exportable)"
prepare "$work/memory"
WALLET_KEY_STORE=memory WALLET_TEST_LOW_S_COUNT=1000 \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$work/test_asan" "$work/memory" "$fixtures"
verify_run "$work/memory"

step "C suite, static library, valgrind --leak-check=full"
gcc "${cflags[@]}" -O1 "$src" -o "$work/test_valgrind" "$lib/libwallet.a" -lcrypto -lpthread -ldl -lm
prepare "$work/valgrind"
# 10,000 signatures were checked under the sanitizers; 1,000 keep valgrind's run to a minute.
WALLET_TEST_LOW_S_COUNT=1000 valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
  --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
  "$work/test_valgrind" "$work/valgrind" "$fixtures"
verify_run "$work/valgrind"

step "ffi C tests passed"
