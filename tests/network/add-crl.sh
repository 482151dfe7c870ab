#!/usr/bin/env bash
# Put a CRL into the application org's channel MSP (Org1MSP) with a channel configuration
# update signed by the org's admin, and wait until the peer has the new configuration.
#
#   tests/network/add-crl.sh NETWORK_DIR CRL.pem
#
# The CRL is also copied to the org's channel MSP folder (orgs/org1/msp/crls/crl.pem), where a
# configtxgen run would read it from.
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
net=$1 crl=$2
grep -q -- '-----BEGIN X509 CRL-----' "$crl" || { echo "add-crl: $crl is not a PEM CRL" >&2; exit 2; }
source "$net/peer-env.sh"
PATH=$(sed -n 's/.*"fabricBin": "\(.*\)".*/\1/p' "$net/network.json"):$PATH
export CORE_PEER_MSPCONFIGPATH=$net/id/org1/org1admin/msp
work=$(mktemp -d "$net/crl-update.XXXXXX")
log=$work/log
fail() { echo "add-crl: $*" >&2; cat "$log" >&2; exit 1; }

height() { peer channel getinfo -c "$channel" 2>>"$log" | sed -n 's/.*"height":\([0-9]*\).*/\1/p'; }
before=$(height)
[ -n "$before" ] || fail "cannot read the height of $channel"

peer channel fetch config "$work/config_block.pb" -c "$channel" "${orderer_flags[@]}" >>"$log" 2>&1 \
  || fail "cannot fetch the configuration of $channel"
configtxlator proto_decode --input "$work/config_block.pb" --type common.Block --output "$work/block.json"
node - "$work" "$crl" "$channel" <<'EOF'
const fs = require('node:fs');
const [work, crl, channel] = process.argv.slice(2);
const block = JSON.parse(fs.readFileSync(`${work}/block.json`, 'utf8'));
const config = block.data.data[0].payload.data.config;
fs.writeFileSync(`${work}/config.json`, JSON.stringify(config));
const msp = config.channel_group.groups.Application.groups.Org1MSP.values.MSP.value.config;
msp.revocation_list = [fs.readFileSync(crl).toString('base64')];
fs.writeFileSync(`${work}/modified.json`, JSON.stringify(config));
fs.writeFileSync(`${work}/channel.txt`, channel);
EOF
configtxlator proto_encode --input "$work/config.json" --type common.Config --output "$work/config.pb"
configtxlator proto_encode --input "$work/modified.json" --type common.Config --output "$work/modified.pb"
configtxlator compute_update --channel_id "$channel" --original "$work/config.pb" --updated "$work/modified.pb" \
  --output "$work/update.pb" >>"$log" 2>&1 || fail "compute_update failed"
configtxlator proto_decode --input "$work/update.pb" --type common.ConfigUpdate --output "$work/update.json"
node - "$work" "$channel" <<'EOF'
const fs = require('node:fs');
const [work, channel] = process.argv.slice(2);
const update = JSON.parse(fs.readFileSync(`${work}/update.json`, 'utf8'));
const envelope = { payload: { header: { channel_header: { channel_id: channel, type: 2 } }, data: { config_update: update } } };
fs.writeFileSync(`${work}/envelope.json`, JSON.stringify(envelope));
EOF
configtxlator proto_encode --input "$work/envelope.json" --type common.Envelope --output "$work/envelope.pb"
peer channel update -f "$work/envelope.pb" -c "$channel" "${orderer_flags[@]}" >>"$log" 2>&1 \
  || fail "the channel update was refused"

for _ in $(seq 300); do
  now=$(height || true)
  if [ -n "$now" ] && [ "$now" -gt "$before" ]; then
    mkdir -p "$net/orgs/org1/msp/crls"
    cp "$crl" "$net/orgs/org1/msp/crls/crl.pem"
    rm -rf "$work"
    echo "CRL added to Org1MSP in $channel (height $before -> $now)"
    exit 0
  fi
  sleep 0.1
done
fail "the peer did not commit the configuration update within 30 s"
