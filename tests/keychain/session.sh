#!/usr/bin/env bash
# Inside a private D-Bus session (dbus-run-session) and a fresh session keyring (keyctl
# session -): start gnome-keyring's Secret Service with a new login keyring, unlocked, wait
# until it owns its bus name, then run the command given. HOME must be a fresh folder (a login
# keyring left there with another password could not be unlocked).
set -euo pipefail
[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] || { echo "session.sh: run me under dbus-run-session" >&2; exit 1; }
echo -n "${KEYRING_PASS:-wallet-ci}" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
for _ in $(seq 1 100); do
  if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; then
    exec "$@"
  fi
  sleep 0.1
done
echo "session.sh: gnome-keyring-daemon did not take org.freedesktop.secrets on the session bus within 10 s" >&2
exit 1
