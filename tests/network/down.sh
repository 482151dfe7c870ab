#!/usr/bin/env bash
# Stop the network started by up.sh: every process it recorded, by PID (TERM to its process
# group, KILL after 5 s). DIR defaults to the network up.sh started last.
#
#   tests/network/down.sh [--keep] [DIR]     --keep: leave DIR (wallets, logs) in place
set -euo pipefail
source "$(dirname "$0")/lib.sh"

keep=false
net=""
while [ $# -gt 0 ]; do
  case $1 in
    --keep) keep=true ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) net=$1 ;;
  esac
  shift
done
if [ -z "$net" ]; then
  [ -f "$last_network_file" ] || die "no network to stop: give its folder (up.sh printed NETWORK_DIR=…)"
  net=$(cat "$last_network_file")
fi
[ -d "$net/pids" ] || die "$net is not a network folder of up.sh (no pids/)"
stop_all
echo "network in $net stopped"
if ! $keep; then
  rm -rf "$net"
  if [ -f "$last_network_file" ] && [ "$(cat "$last_network_file")" = "$net" ]; then rm -f "$last_network_file"; fi
fi
