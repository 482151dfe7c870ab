#!/usr/bin/env bash
# Run a server for a test and stop it when the test says so or when the test process ends.
#
#   tests/vault/supervise.sh bao server -dev …   (stdin: a pipe from the test)
#
# A line "stop" on stdin sends SIGTERM, "kill" sends SIGKILL; end of input (the test process
# exited, however it exited) sends SIGTERM. So no server outlives its test.
set -u
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM INT HUP
signal=TERM
if read -r line; then
  [ "$line" = kill ] && signal=KILL
fi
kill -"$signal" "$child" 2>/dev/null
wait "$child"
exit 0
