#!/usr/bin/env bash
# Hyperledger Caliper 0.6.0 (fabric-gateway binding) against a running harness network, with a
# network configuration whose identity part `wallet export --format caliper` wrote. Prints
# Caliper's report table, and fails when any transaction failed (Caliper itself exits 0 then).
#
#   tests/network/caliper/run.sh NETWORK_DIR [--duration S] [--concurrency N | --tps T] [--label L]
#
# --concurrency N: Caliper's fixed-load controller (N transactions in flight, the load of
# bench.js); --tps T: its fixed-rate controller (T transactions a second, open loop).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { sed -n '2,6p' "$0" >&2; exit 2; }
net=$1; shift
duration=10 concurrency=50 tps="" label=benchuser
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    --tps) tps=$2; shift 2 ;;
    --label) label=$2; shift 2 ;;
    *) echo "caliper/run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -n "$tps" ]; then
  rate="{ type: fixed-rate, opts: { tps: $tps } }"
else
  rate="{ type: fixed-load, opts: { transactionLoad: $concurrency, startTps: 50 } }"
fi
[ -f "$net/network.json" ] || { echo "caliper/run.sh: $net is not a running network of up.sh" >&2; exit 2; }

if [ ! -x "$here/node_modules/.bin/caliper" ]; then
  npm ci --prefix "$here" --no-audit --no-fund --loglevel=error
fi
caliper=$here/node_modules/.bin/caliper
# Binds the SUT SDK (fabric-gateway, grpc-js) into node_modules; the versions it installs are
# pinned in package.json already, so this only checks them.
(cd "$here" && "$caliper" bind --caliper-bind-sut fabric:fabric-gateway > "$net/logs/caliper-bind.log" 2>&1) \
  || { cat "$net/logs/caliper-bind.log" >&2; echo "caliper bind failed" >&2; exit 1; }

work=$net/caliper
mkdir -p "$work"
wallet_bin=$(node -p "require('$net/network.json').walletBin")
uri=$(node -p "require('$net/network.json').wallets.org1.uri")
"$wallet_bin" --wallet "$uri" --passphrase-file "$net/secrets/passphrase" \
  export "$label" --format caliper --out "$work/identities.json" --insecure --force >/dev/null 2>&1

# The network part of the configuration: channel, contract and the peer to connect to.
node - "$net" "$work" <<'JS'
const fs = require('node:fs');
const [dir, work] = process.argv.slice(2);
const net = JSON.parse(fs.readFileSync(`${dir}/network.json`, 'utf8'));
const config = JSON.parse(fs.readFileSync(`${work}/identities.json`, 'utf8'));
const profile = {
  name: 'harness', version: '1.0.0',
  client: { organization: 'Org1' },
  organizations: { Org1: { mspid: 'Org1MSP', peers: ['peer0'] } },
  channels: { [net.channel]: { peers: { peer0: {} } } },
  peers: { peer0: { url: `grpcs://${net.peer.address}`, tlsCACerts: { path: net.peer.tlsRootCert },
                    grpcOptions: { 'ssl-target-name-override': 'localhost' } } },
};
fs.writeFileSync(`${work}/connection-profile.json`, JSON.stringify(profile, null, 2));
config.channels = [{ channelName: net.channel, contracts: [{ id: net.chaincode }] }];
for (const org of config.organizations) org.connectionProfile = { path: `${work}/connection-profile.json`, discover: false };
fs.writeFileSync(`${work}/network-config.json`, JSON.stringify(config, null, 2));
JS
cat > "$work/benchmark.yaml" <<YAML
monitors:
  resource:
    - module: process
      options:
        interval: 1
        processes:
          - { command: node, arguments: caliper, multiOutput: avg }
          - { command: peer, arguments: node start, multiOutput: avg }
          - { command: orderer, multiOutput: avg }
          - { command: node, arguments: fabric-chaincode-node, multiOutput: avg }
test:
  name: wallet-harness
  description: submit and evaluate through the peer gateway as a wallet identity ($label)
  workers:
    number: 1
  rounds:
    - label: submit
      txDuration: $duration
      rateControl: $rate
      workload: { module: $here/workload.js, arguments: { function: put, identity: $label } }
    - label: evaluate
      txDuration: $duration
      rateControl: $rate
      workload: { module: $here/workload.js, arguments: { function: whoami, identity: $label } }
YAML
(cd "$work" && "$caliper" launch manager --caliper-workspace "$work" \
  --caliper-networkconfig "$work/network-config.json" --caliper-benchconfig "$work/benchmark.yaml" \
  --caliper-flow-only-test --caliper-report-path "$work/report.html" > "$work/caliper.log" 2>&1) \
  || { tail -40 "$work/caliper.log" >&2; echo "caliper failed" >&2; exit 1; }
# The summary table Caliper prints, and its Fail column checked (it exits 0 whatever failed).
node - "$work/caliper.log" <<'JS'
const fs = require('node:fs');
const log = fs.readFileSync(process.argv[2], 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
const lines = log.split('\n');
const start = lines.findIndex((l) => /### All test results ###/.test(l));
if (start < 0) { console.error('caliper printed no result table; see the log'); process.exit(1); }
const rows = [];
for (const l of lines.slice(start + 1)) {
  const m = l.match(/\|(.+)\|\s*$/);
  if (!m) continue;
  const cells = m[1].split('|').map((c) => c.trim());
  if (!/^-+$/.test(cells[0])) console.log(`| ${cells.join(' | ')} |`);
  if (cells[0] !== 'Name' && !/^-+$/.test(cells[0]) && cells.length >= 8) rows.push(cells);
}
if (rows.length === 0) { console.error('no rounds in caliper\'s table'); process.exit(1); }
const bad = rows.filter((r) => Number(r[2]) !== 0 || Number(r[1]) === 0);
if (bad.length) { console.error(`caliper rounds with failures or no success: ${bad.map((r) => r[0]).join(', ')}`); process.exit(1); }
JS
