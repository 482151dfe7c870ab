#!/usr/bin/env bash
# Every test of the project, on a fresh Debian machine: installs what it needs, then runs the
# Rust suites, the C/ASan/valgrind suite, the interop tests against real Node fabric-network and
# openssl, and the examples. Any missing component is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n==> %s (%s, %ss in)\n' "$*" "$(date -u +%H:%M:%S)" "$SECONDS"; }

# --- system packages --------------------------------------------------------------------------
need_apt=()
command -v openssl  >/dev/null || need_apt+=(openssl)
command -v valgrind >/dev/null || need_apt+=(valgrind)
command -v gcc      >/dev/null || need_apt+=(gcc)
command -v node     >/dev/null || need_apt+=(nodejs)
command -v npm      >/dev/null || need_apt+=(npm)
[ -f /usr/include/openssl/evp.h ] || need_apt+=(libssl-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
command -v xz       >/dev/null || need_apt+=(xz-utils)
# i14-cli: the Composer card tests read and write zips with python3's zipfile, and the README
# tour runs bash with sha256sum/cut/head (coreutils).
command -v python3  >/dev/null || need_apt+=(python3)
command -v sha256sum >/dev/null || need_apt+=(coreutils)
# The real fabric-ca-server links the system SQLite.
ldconfig -p 2>/dev/null | grep -q 'libsqlite3\.so\.0' || need_apt+=(libsqlite3-0)
if [ ${#need_apt[@]} -gt 0 ]; then
  step "apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# --- PKCS#11: SoftHSM2 (the token the pkcs11 key store tests use) and OpenSC (pkcs11-tool) ---
# (issue 10) The PKCS#11 tests, the C suite's HSM identity and benches/keys.sh fail without them.
need_p11=()
[ -f /usr/lib/softhsm/libsofthsm2.so ] || need_p11+=(softhsm2)
command -v pkcs11-tool >/dev/null || need_p11+=(opensc)
if [ ${#need_p11[@]} -gt 0 ]; then
  step "apt-get install ${need_p11[*]} (PKCS#11 tests)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_p11[@]}" >/dev/null
fi
[ -f /usr/lib/softhsm/libsofthsm2.so ] && command -v softhsm2-util >/dev/null && command -v pkcs11-tool >/dev/null || {
  echo "test.sh: SoftHSM2 or pkcs11-tool is missing after installing softhsm2 and opensc" >&2; exit 1; }

# --- language packages ------------------------------------------------------------------------
step "npm packages (pinned)"
for dir in tests/interop examples/node; do
  if [ -f "$dir/package.json" ]; then
    if [ -f "$dir/package-lock.json" ]; then npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
    else npm install --prefix "$dir" --no-audit --no-fund --loglevel=error; fi
  fi
done
step "python packages"
python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install -q cryptography
# (issue 13) pkilint lints the embedded CA's certificates and CRL (wallet-cli/tests/cli/pkilint.rs).
command -v lint_pkix_cert >/dev/null || python3 -m pip install -q pkilint==0.13.3
command -v lint_pkix_cert >/dev/null || { echo "test.sh: pkilint's lint_pkix_cert is not on PATH after pip install" >&2; exit 1; }

# --- the real Fabric tools (tests/tests/remote_ca.rs runs fabric-ca-server/client 1.5.21) ----
step "unpack the real Fabric CA 1.5.21 from ../shared/tools"
tools_dir=${FABRIC_TOOLS_DIR:-$root/../shared/tools}
if [ ! -f "$tools_dir/unpack.sh" ]; then
  echo "test.sh: $tools_dir/unpack.sh is missing; the Fabric CA tests need fabric-ca-1.5.21.tar.xz from" \
       "../shared/tools (or set FABRIC_TOOLS_DIR to the folder holding it and unpack.sh)" >&2
  exit 1
fi
bash "$tools_dir/unpack.sh" "$root/target/fabric-tools" >/dev/null
export FABRIC_CA_BIN="$root/target/fabric-tools/fabric-ca-1.5.21/bin"
"$FABRIC_CA_BIN/fabric-ca-server" version

# --- Rust -------------------------------------------------------------------------------------
step "cargo fmt --check"
cargo fmt --all -- --check
step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
step "OpenBao for the vault backend tests (pinned bao binary in target/bao-venv; they fail without it)"
BAO_BIN=$(bash tests/vault/install.sh)
export BAO_BIN
step "cargo test --workspace"
cargo test --workspace
step "wallet-core without the fast-ec provider (pure-Rust p256 fallback)"
cargo clippy -p wallet-core --all-targets --no-default-features --quiet -- -D warnings
cargo test -p wallet-core --no-default-features

# --- fuzzing (issue 13): the corpus and every regression replayed on stable, then each target
# fuzzed for 5 s on nightly with cargo-fuzz (fuzz/run.sh installs cargo-fuzz if it is missing)
step "fuzz: clippy and the corpus replay (wallet-core --features fuzzing)"
cargo clippy -p wallet-core --features fuzzing --all-targets --quiet -- -D warnings
cargo test -p wallet-core --features fuzzing --test fuzz_corpus
step "fuzz: a 5-second smoke run of every target (cargo +nightly fuzz)"
bash fuzz/run.sh smoke

# --- C ABI, sanitizers, valgrind, examples ----------------------------------------------------
# A step's script that is missing or not executable fails the run: a skipped step would pass CI
# without testing anything.
run_step() {
  local what=$1 script=$2
  if [ ! -f "$script" ]; then
    echo "test.sh: step \"$what\" needs $script, which is missing: restore it (git checkout -- $script)" >&2
    exit 1
  fi
  if [ ! -x "$script" ]; then
    echo "test.sh: step \"$what\": $script is not executable: run chmod +x $script" >&2
    exit 1
  fi
  step "$what"
  "$script"
}
run_step "ffi: C suite under ASan/UBSan and valgrind" ffi/tests/run.sh
run_step "examples" examples/run.sh

# --- the OS keychain (issue 8): a real gnome-keyring Secret Service and kernel keyring ---------
need_keychain=()
command -v gnome-keyring-daemon >/dev/null || need_keychain+=(gnome-keyring)
command -v dbus-run-session     >/dev/null || need_keychain+=(dbus-daemon)
command -v dbus-send            >/dev/null || need_keychain+=(dbus-bin)
command -v keyctl               >/dev/null || need_keychain+=(keyutils)
command -v secret-tool          >/dev/null || need_keychain+=(libsecret-tools)
if [ ${#need_keychain[@]} -gt 0 ]; then
  step "apt-get install ${need_keychain[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_keychain[@]}" >/dev/null
fi
run_step "keychain: Secret Service and kernel keyring (conformance, failures half-way, CLI, C)" tests/keychain/run.sh
step "keychain: wallet-core checks for macOS and Windows (their store crates)"
rustup target add x86_64-apple-darwin x86_64-pc-windows-gnu
for target in x86_64-apple-darwin x86_64-pc-windows-gnu; do
  cargo check -p wallet-core --quiet --target "$target" --no-default-features --features keychain
done

# --- a real Fabric network whose every identity comes from our CA ------------------------------
run_step "network: Fabric 2.5 peer + orderer from wallet identities, client signing through libwallet" tests/network/run.sh

step "all tests passed"
