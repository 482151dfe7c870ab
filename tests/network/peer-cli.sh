#!/usr/bin/env bash
# Run Fabric's peer CLI against the harness network as the identity of an MSP folder.
#
#   tests/network/peer-cli.sh NETWORK_DIR MSP_DIR peer ARGS…
#
# The orderer flags (-o ADDR --tls --cafile ROOT) are in $orderer_flags for scripts that source
# NETWORK_DIR/peer-env.sh themselves.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,7p' "$0" >&2; exit 2; }
net=$1 msp=$2; shift 2
[ -f "$net/peer-env.sh" ] || { echo "peer-cli: $net is not a running network of up.sh (no peer-env.sh)" >&2; exit 2; }
source "$net/peer-env.sh"
PATH=$(sed -n 's/.*"fabricBin": "\(.*\)".*/\1/p' "$net/network.json"):$PATH
export CORE_PEER_MSPCONFIGPATH=$msp
exec "$@"
