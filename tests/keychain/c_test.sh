#!/usr/bin/env bash
# The C test of the keychain backend (run by tests/keychain/run.sh inside a keychain session):
# ffi/tests/c/test_keychain.c under ASan/UBSan against libwallet, once per Linux store, and the
# signature it writes checked with openssl.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=${CARGO_TARGET_DIR:-$root/target}/debug
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/O=Org1/CN=appuser1" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
openssl x509 -in "$work/cert.pem" -pubkey -noout > "$work/pub.pem"
gcc -std=c11 -g -Wall -Wextra -Werror -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
  -I "$root/ffi/include" "$root/ffi/tests/c/test_keychain.c" -o "$work/test_keychain" \
  -L "$lib" -Wl,-rpath,"$lib" -lwallet -lpthread
for store in secret-service keyutils; do
  uri="keychain:c-test?store=$store&dir=$work/companion-$store"
  printf 'a proposal signed from C' > "$work/msg-$store"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$work/test_keychain" "$uri" "$work/cert.pem" "$work/key.pem" \
    "$work/sig-$store" "$(cat "$work/msg-$store")"
  openssl dgst -sha256 -verify "$work/pub.pem" -signature "$work/sig-$store" "$work/msg-$store"
done
