#!/usr/bin/env bash
# libwallet's C test suite: build the library, make a throwaway identity with openssl, then run
# ffi/tests/c/test_wallet.c three times: linked against the shared library under AddressSanitizer
# and UndefinedBehaviorSanitizer (once with software keys, once with WALLET_KEY_STORE=memory, so
# the CA's key and every enrolled key live in a store that never exports them), and linked
# against the static library under valgrind (no leaks, no errors); and check the signatures each
# run wrote with `openssl dgst -verify`. Then ffi/tests/c/test_store.c (a CA, an enrolment, an
# import and signing, reopened) on a file wallet and on a wallet in a real OpenBao server.
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

# (issue 10) Keys that never leave their home: the same suite with the CA's key and every
# enrolled key on a SoftHSM2 token, then in the Transit engine of a real OpenBao dev server.
# Leak detection is off for these two runs: SoftHSM2 keeps its state until the process exits
# (nothing calls C_Finalize) and ureq's connection pool is process-wide; the sanitizers stay on.
command -v softhsm2-util >/dev/null || { echo "run.sh needs softhsm2-util (apt-get install softhsm2)" >&2; exit 1; }
module=/usr/lib/softhsm/libsofthsm2.so
[ -f "$module" ] || { echo "run.sh needs $module (apt-get install softhsm2)" >&2; exit 1; }
mkdir -p "$work/hsm/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n' \
  "$work/hsm/tokens" > "$work/hsm/softhsm2.conf"
export SOFTHSM2_CONF="$work/hsm/softhsm2.conf"
softhsm2-util --init-token --free --label c-suite --so-pin 5678 --pin 1234 >/dev/null
printf '1234\n' > "$work/hsm/pin"

step "C suite, sanitizers, keys on a SoftHSM2 token (WALLET_KEY_STORE=pkcs11:token=c-suite)"
prepare "$work/pkcs11"
WALLET_KEY_STORE="pkcs11:token=c-suite?module-path=$module&pin-source=file:$work/hsm/pin" WALLET_TEST_LOW_S_COUNT=1000 \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$work/test_asan" "$work/pkcs11" "$fixtures"
verify_run "$work/pkcs11"
on_token=$(pkcs11-tool --module "$module" --token-label c-suite --login --pin 1234 --list-objects --type privkey 2>/dev/null | grep -c 'Private Key Object' || true)
[ "$on_token" -ge 1 ] || { echo "the PKCS#11 run left no private key on the token" >&2; exit 1; }
echo "private keys the C suite made on the token: $on_token"

bao=${BAO_BIN:-$(bash "$root/tests/vault/install.sh")}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bao" server -dev -dev-root-token-id=root -dev-listen-address="127.0.0.1:$port" -dev-no-store-token >"$work/bao.log" 2>&1 &
bao_pid=$!
trap 'kill "$bao_pid" 2>/dev/null; wait "$bao_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  BAO_ADDR="http://127.0.0.1:$port" "$bao" status >/dev/null 2>&1 && break
  sleep 0.1
done
BAO_ADDR="http://127.0.0.1:$port" BAO_TOKEN=root "$bao" secrets enable transit >/dev/null
printf 'root' > "$work/bao-token"

step "C suite, sanitizers, keys in OpenBao Transit (WALLET_KEY_STORE=transit:)"
prepare "$work/transit"
WALLET_KEY_STORE="transit:?server=http://127.0.0.1:$port&token_file=$work/bao-token" WALLET_TEST_LOW_S_COUNT=200 \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$work/test_asan" "$work/transit" "$fixtures"
verify_run "$work/transit"
keys=$(BAO_ADDR="http://127.0.0.1:$port" BAO_TOKEN=root "$bao" list -format=json transit/keys)
echo "$keys" | grep -q '"' || { echo "the Transit run made no key in Transit: $keys" >&2; exit 1; }
echo "Transit keys made by the C suite: $(echo "$keys" | tr -d '\n ')"

step "C suite, static library, valgrind --leak-check=full"
gcc "${cflags[@]}" -O1 "$src" -o "$work/test_valgrind" "$lib/libwallet.a" -lcrypto -lpthread -ldl -lm
prepare "$work/valgrind"
# 10,000 signatures were checked under the sanitizers; 1,000 keep valgrind's run to a minute.
WALLET_TEST_LOW_S_COUNT=1000 valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
  --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
  "$work/test_valgrind" "$work/valgrind" "$fixtures"
verify_run "$work/valgrind"

# --- libwallet on other stores: a file wallet and a wallet in a real OpenBao server ----------
store_src="$ffi_dir/tests/c/test_store.c"
gcc "${cflags[@]}" -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  "$store_src" -o "$work/test_store" -L "$lib" -Wl,-rpath,"$lib" -lwallet

# Run test_store on URI in a fresh folder and check every signature it wrote with openssl, using
# the public key of the certificate it wrote beside each one.
store_run() {
  local name=$1 uri=$2 dir="$work/store-$1" count=0
  prepare "$dir"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$work/test_store" "$uri" "$dir"
  for sig in "$dir"/*.sig; do
    local base=${sig%.sig}
    openssl x509 -in "$base.pem" -pubkey -noout > "$base.pub"
    openssl pkeyutl -verify -pubin -inkey "$base.pub" -in "$base.bin" -sigfile "$sig" >/dev/null
    count=$((count + 1))
  done
  [ "$count" -eq 4 ] || { echo "expected 4 signatures from test_store on $name, found $count" >&2; exit 1; }
  echo "openssl verified $count signatures made through libwallet on $name"
}

step "C: a passphrase-sealed file wallet (test_store)"
WALLET_PASSPHRASE=c-store-pass store_run file "file:$work/store-file-wallet"

step "C: a wallet in a real OpenBao server (vault+http, bao server -dev)"
bao=${BAO_BIN:-$(bash "$root/tests/vault/install.sh")}
bao_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/bao"
(cd "$work/bao" && exec "$bao" server -dev -dev-root-token-id=c-root -dev-no-store-token \
  -dev-listen-address="127.0.0.1:$bao_port" >"$work/bao/log" 2>&1) &
bao_pid=$!
trap 'kill "$bao_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  VAULT_ADDR="http://127.0.0.1:$bao_port" "$bao" status >/dev/null 2>&1 && break
  kill -0 "$bao_pid" 2>/dev/null || { cat "$work/bao/log" >&2; echo "run.sh: bao server -dev exited" >&2; exit 1; }
  sleep 0.1
done
VAULT_ADDR="http://127.0.0.1:$bao_port" "$bao" status >/dev/null || { cat "$work/bao/log" >&2; echo "run.sh: OpenBao did not start" >&2; exit 1; }
VAULT_TOKEN=c-root store_run vault "vault+http://127.0.0.1:$bao_port/secret/c-suite"
kill "$bao_pid"

step "ffi C tests passed"
