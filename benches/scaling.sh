#!/usr/bin/env bash
# Scaling of the encrypted file wallet (issue 12, item 3): get, list, put and enrol at growing
# wallet sizes, through `wallet bench`, into one report with the cost-per-identity chart.
#   bash benches/scaling.sh                      # 1,000 / 10,000 / 100,000 identities, 3 s rounds
#   QUICK=1 bash benches/scaling.sh              # 1,000 / 10,000, 1 s rounds (a minute or two)
#   SCALE_MAX=1000000 bash benches/scaling.sh    # adds 1,000,000 (an hour and ~6 GB of disk)
# Results: target/bench-results/scaling.{txt,json,html}. The wallet is made in SCALE_DIR
# (default target/bench-scaling, on the same disk as the build) and removed afterwards unless
# KEEP=1; a kept wallet can be run again with `wallet bench --reuse`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/bench-results
mkdir -p "$out"
if [[ -n ${QUICK:-} ]]; then sizes=1000,10000; secs=1; else sizes=1000,10000,100000; secs=3; fi
case ${SCALE_MAX:-} in
  '') ;;
  1000000) sizes=$sizes,1000000 ;;
  *) echo "SCALE_MAX: only 1000000 is known" >&2; exit 2 ;;
esac
[[ -n ${SKIP_BUILD:-} ]] || cargo build --release -q -p wallet-cli
dir=${SCALE_DIR:-target/bench-scaling}
rm -rf "$dir"; mkdir -p "$dir"
[[ -n ${KEEP:-} ]] || trap 'rm -rf "$dir"' EXIT
echo "scaling: file wallet in $dir, sizes $sizes, ${secs}s per round; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Default Argon2id (unlock once per process); one worker, so latencies are not queueing.
WALLET_PASSPHRASE=bench-scaling target/release/wallet --wallet "$dir/wallet" bench \
  --ops get,list,put,enrol --workers 1 --duration "$secs" --identities "$sizes" \
  --json "$out/scaling.json" --html "$out/scaling.html" | tee "$out/scaling.txt"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); report: $out/scaling.html"
