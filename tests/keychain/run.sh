#!/usr/bin/env bash
# The keychain suites against real keychains: gnome-keyring's Secret Service under a private
# D-Bus session with a fresh, unlocked login keyring, and the kernel keyring in a fresh session
# keyring (`keyctl session -`). Runs the wallet-core keychain tests (failures half-way, repair,
# keychain-unlocked file wallets), the locked-collection test in a session of its own, the
# backend conformance suite for both stores, the CLI tests, and the C test that opens a
# keychain: wallet and signs. Needs gnome-keyring, dbus-daemon, dbus-bin, keyutils,
# libsecret-tools (scripts/test.sh installs them): a missing one is a failure, never a skip.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
for tool in gnome-keyring-daemon dbus-run-session dbus-send keyctl secret-tool cargo gcc openssl; do
  command -v "$tool" >/dev/null || { echo "tests/keychain/run.sh needs $tool" >&2; exit 1; }
done
step() { printf '\n--> %s\n' "$*"; }

# A fresh keyring store and runtime folder per session (gnome-keyring keeps its keyrings in
# $XDG_DATA_HOME/keyrings); HOME stays, so cargo and rustup find their homes.
in_session() {
  local data runtime
  data=$(mktemp -d) runtime=$(mktemp -d)
  chmod 700 "$runtime"
  XDG_DATA_HOME=$data XDG_RUNTIME_DIR=$runtime WALLET_KEYCHAIN_DIR=$data/companions \
    keyctl session - dbus-run-session -- bash "$here/session.sh" "$@"
  rm -rf "$data" "$runtime"
}

step "build the tests"
cargo test -p wallet-core --lib --no-run --quiet
cargo test -p wallet-tests --features keychain-tests --test keychain --no-run --quiet
cargo test -p wallet-cli --test keychain --no-run --quiet
cargo build -p ffi -p wallet-cli --quiet

step "wallet-core: keychain backend and keychain-unlocked file wallets (Secret Service, kernel keyring)"
in_session cargo test -p wallet-core --lib backend::keychain -- --include-ignored --skip a_locked_collection

step "wallet-core: a locked Secret Service collection (a session of its own)"
in_session cargo test -p wallet-core --lib backend::keychain::tests::a_locked_collection_is_reported_and_changes_nothing \
  -- --include-ignored --exact

step "backend conformance suite: keychain:?store=secret-service and keychain:?store=keyutils"
in_session cargo test -p wallet-tests --features keychain-tests --test keychain

step "CLI: keychain: wallets, keychain-unlocked file wallets, wallet passwd both ways, wallet repair"
# One at a time: the deleted-entry test clears every unlock entry of the service with secret-tool.
in_session cargo test -p wallet-cli --test keychain -- --include-ignored --test-threads=1

step "C: open a keychain: wallet through libwallet and sign"
in_session bash "$here/c_test.sh"

step "keychain tests passed"
