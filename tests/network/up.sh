#!/usr/bin/env bash
# Start a one-orderer, one-peer Fabric network on 127.0.0.1 whose every identity (orderer,
# peer, admins, clients and all TLS identities) comes from wallet's embedded CA, with TLS on
# every link and a Node chaincode of ours running as a service. Prints NETWORK_DIR=…
#
#   tests/network/up.sh [--intermediate] [DIR]
#
# --intermediate: the application org's identities come from an intermediate CA (org1-int,
# signed by org1-ca) instead of the root. DIR (default: a new temporary folder) holds the
# wallets, MSP folders, ledgers, logs and PIDs; stop everything with tests/network/down.sh [DIR].
# On any failure the processes started so far are stopped and the reason is printed from the
# orderer's, peer's or chaincode's log.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

intermediate=false
net=""
while [ $# -gt 0 ]; do
  case $1 in
    --intermediate) intermediate=true ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) net=$1 ;;
  esac
  shift
done
if [ -z "$net" ]; then net=$(mktemp -d "${TMPDIR:-/tmp}/wallet-network.XXXXXX"); fi
mkdir -p "$net"
net=$(cd "$net" && pwd)
[ ! -e "$net/network.json" ] || die "$net already holds a network; stop it with down.sh $net and use a new folder"
mkdir -p "$net"/{logs,pids,wallets,secrets,id,orgs,config}
mkdir -p "$target"; echo "$net" > "$last_network_file"

up_failed() {
  local rc=$?
  trap - EXIT
  if [ "$rc" != 0 ]; then
    echo "network: start failed (exit $rc); stopping what was started. Logs: $net/logs" >&2
    if grep -qi 'error' "$net/logs/wallet.log" 2>/dev/null; then
      echo "  wallet:" >&2; grep -i -A2 'error' "$net/logs/wallet.log" | tail -n 8 | sed 's/^/    /' >&2
    fi
    for l in orderer peer chaincode; do
      if [ -s "$net/logs/$l.log" ]; then echo "  last errors of $l:" >&2; log_reason "$net/logs/$l.log" >&2; fi
    done
    stop_all
  fi
  exit "$rc"
}
trap up_failed EXIT
trap "exit 143" TERM
trap "exit 130" INT

channel=mychannel
ccname=probe
t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }'; }

# --- tools ------------------------------------------------------------------------------------
find_fabric
command -v node >/dev/null || die "node is missing: the chaincode and the clients are Node programs"
[ -d "$here/node_modules/fabric-contract-api" ] || die "tests/network/node_modules is missing: run npm ci --prefix tests/network"
wallet_bin=${WALLET_BIN:-$target/debug/wallet}
if [ -z "${WALLET_BIN:-}" ]; then
  (cd "$root" && cargo build -q -p wallet-cli -p ffi) || die "cargo build of wallet-cli and ffi failed"
fi
[ -x "$wallet_bin" ] || die "the wallet CLI $wallet_bin is missing"

# --- ports ------------------------------------------------------------------------------------
read -r p_orderer p_oadmin p_oops p_peer p_pcc p_pops p_cc < <(node -e '
  const net = require("node:net");
  const servers = [];
  const ports = [];
  (async () => {
    for (let i = 0; i < 7; i++) {
      const s = net.createServer();
      await new Promise((r) => s.listen(0, "127.0.0.1", r));
      servers.push(s); ports.push(s.address().port);
    }
    servers.forEach((s) => s.close());
    console.log(ports.join(" "));
  })();')

# --- identities: every one from our CA --------------------------------------------------------
echo "==> identities (wallet's embedded CA$($intermediate && echo ', application org from an intermediate CA'))"
export WALLET_KDF_PARAMS=19456,2,1   # the Argon2id minimum: these wallets live for one test run
umask 077
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$net/secrets/passphrase"
w() { local org=$1; shift; "$wallet_bin" --wallet "$net/wallets/$org" --passphrase-file "$net/secrets/passphrase" "$@"; }

# issue ORG LABEL TYPE [--host H]… [--attr A]…  (register + enrol with the org's issuing CA)
issue() {
  local org=$1 label=$2 type=$3; shift 3
  local reg=() enr=()
  while [ $# -gt 0 ]; do
    case $1 in
      --host) enr+=(--host "$2"); shift 2 ;;
      --attr) reg+=(--attr "$2"); shift 2 ;;
      *) die "issue: unknown $1" ;;
    esac
  done
  local ca_var="ca_$org" as_var="as_$org"
  w "$org" ca register "$label" --ca "${!ca_var}" --as "${!as_var}" --type "$type" "${reg[@]}" \
    > "$net/secrets/$org-$label.secret"
  w "$org" ca enroll "$label" --ca "${!ca_var}" --secret-file "$net/secrets/$org-$label.secret" "${enr[@]}" >/dev/null
}
tls_hosts=(--host localhost --host 127.0.0.1)

w orderer init >/dev/null
w orderer ca init orderer-ca --msp-id OrdererMSP >/dev/null
ca_orderer=orderer-ca; as_orderer=admin
w org1 init >/dev/null
w org1 ca init org1-ca --msp-id Org1MSP >/dev/null
ca_org1=org1-ca; as_org1=admin
if $intermediate; then
  w org1 ca init org1-int --msp-id Org1MSP --parent org1-ca --as admin --admin int-admin >/dev/null
  ca_org1=org1-int; as_org1=int-admin
fi
# Another CA that claims the application org's MSP ID.
w rogue init >/dev/null
w rogue ca init rogue-ca --msp-id Org1MSP >/dev/null
ca_rogue=rogue-ca; as_rogue=admin

issue orderer orderer0 orderer
issue orderer orderer0-tls orderer "${tls_hosts[@]}"
issue orderer ordereradmin admin
issue orderer ordereradmin-tls admin "${tls_hosts[@]}"
issue org1 peer0 peer
issue org1 peer0-tls peer "${tls_hosts[@]}"
issue org1 org1admin admin
issue org1 chaincode-tls client "${tls_hosts[@]}"
issue org1 appuser client --attr role=auditor:ecert
issue org1 benchuser client --attr role=auditor:ecert
issue org1 revokeduser client
issue org1 typeuser user
issue rogue mallory client --attr role=auditor:ecert
say "$(elapsed): 3 wallets, $(w org1 list | wc -l) identities in org1's"

# --- MSP folders and TLS files, all from wallet exports ---------------------------------------
echo "==> MSP folders from wallet export"
msp() { w "$1" export "$2" --format msp --out "$net/id/$1/$2/msp" --insecure >/dev/null 2>>"$net/logs/wallet.log"; }
pem() { w "$1" export "$2" --format pem --out "$net/id/$1/$2/pem" --insecure >/dev/null 2>>"$net/logs/wallet.log"; }
for l in orderer0 ordereradmin; do msp orderer $l; done
for l in orderer0-tls ordereradmin-tls; do pem orderer $l; done
for l in peer0 org1admin appuser benchuser revokeduser typeuser; do msp org1 $l; done
for l in peer0-tls chaincode-tls; do pem org1 $l; done
for l in appuser benchuser; do pem org1 $l; done # the same identities as PEM pairs, for the built-in signer
msp rogue mallory

# An org's channel MSP: the CA certificates and NodeOUs of an exported member, its TLS CAs (the
# same CA issues TLS identities here), and crls/ when something is revoked.
channel_msp() {
  local src=$1 dst=$2
  mkdir -p "$dst"
  cp -r "$src/cacerts" "$src/config.yaml" "$dst/"
  cp -r "$src/cacerts" "$dst/tlscacerts"
  if [ -d "$src/intermediatecerts" ]; then
    cp -r "$src/intermediatecerts" "$dst/"
    cp -r "$src/intermediatecerts" "$dst/tlsintermediatecerts"
  fi
}
channel_msp "$net/id/orderer/ordereradmin/msp" "$net/orgs/orderer/msp"
channel_msp "$net/id/org1/org1admin/msp" "$net/orgs/org1/msp"
# TLS roots (and the intermediate, when there is one) as one bundle per org.
cat "$net"/orgs/orderer/msp/tlscacerts/*.pem > "$net/orgs/orderer/tls-roots.pem"
cat "$net"/orgs/org1/msp/tlscacerts/*.pem > "$net/orgs/org1/tls-roots.pem"
cat "$net"/orgs/org1/msp/tlscacerts/*.pem "$net"/orgs/org1/msp/tlsintermediatecerts/*.pem > "$net/orgs/org1/tls-chain.pem" 2>/dev/null \
  || cp "$net/orgs/org1/tls-roots.pem" "$net/orgs/org1/tls-chain.pem"
o_tls=$net/id/orderer/orderer0-tls/pem
a_tls=$net/id/orderer/ordereradmin-tls/pem
p_tls=$net/id/org1/peer0-tls/pem
c_tls=$net/id/org1/chaincode-tls/pem
o_root=$net/orgs/orderer/tls-roots.pem
p_root=$net/orgs/org1/tls-roots.pem

# --- channel genesis block --------------------------------------------------------------------
echo "==> configtx.yaml and the genesis block of $channel"
cat > "$net/config/configtx.yaml" <<EOF
# Generated by tests/network/up.sh from wallet exports.
Organizations:
  - &OrdererOrg
    Name: OrdererMSP
    ID: OrdererMSP
    MSPDir: $net/orgs/orderer/msp
    Policies:
      Readers: { Type: Signature, Rule: "OR('OrdererMSP.member')" }
      Writers: { Type: Signature, Rule: "OR('OrdererMSP.member')" }
      Admins: { Type: Signature, Rule: "OR('OrdererMSP.admin')" }
    OrdererEndpoints:
      - 127.0.0.1:$p_orderer
  - &Org1
    Name: Org1MSP
    ID: Org1MSP
    MSPDir: $net/orgs/org1/msp
    Policies:
      Readers: { Type: Signature, Rule: "OR('Org1MSP.admin', 'Org1MSP.peer', 'Org1MSP.client')" }
      Writers: { Type: Signature, Rule: "OR('Org1MSP.admin', 'Org1MSP.client')" }
      Admins: { Type: Signature, Rule: "OR('Org1MSP.admin')" }
      Endorsement: { Type: Signature, Rule: "OR('Org1MSP.peer')" }
Capabilities:
  Channel: &ChannelCapabilities { V2_0: true }
  Orderer: &OrdererCapabilities { V2_0: true }
  Application: &ApplicationCapabilities { V2_5: true }
Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
    Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
    Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
    LifecycleEndorsement: { Type: ImplicitMeta, Rule: "MAJORITY Endorsement" }
    Endorsement: { Type: ImplicitMeta, Rule: "MAJORITY Endorsement" }
  Capabilities: *ApplicationCapabilities
Orderer: &OrdererDefaults
  OrdererType: etcdraft
  EtcdRaft:
    Consenters:
      - Host: 127.0.0.1
        Port: $p_orderer
        ClientTLSCert: $o_tls/cert.pem
        ServerTLSCert: $o_tls/cert.pem
  BatchTimeout: 250ms
  BatchSize:
    MaxMessageCount: 500
    AbsoluteMaxBytes: 99 MB
    PreferredMaxBytes: 2 MB
  Organizations:
  Policies:
    Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
    Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
    Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
    BlockValidation: { Type: ImplicitMeta, Rule: "ANY Writers" }
Channel: &ChannelDefaults
  Policies:
    Readers: { Type: ImplicitMeta, Rule: "ANY Readers" }
    Writers: { Type: ImplicitMeta, Rule: "ANY Writers" }
    Admins: { Type: ImplicitMeta, Rule: "MAJORITY Admins" }
  Capabilities: *ChannelCapabilities
Profiles:
  AppChannel:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations: [ *OrdererOrg ]
      Capabilities: *OrdererCapabilities
    Application:
      <<: *ApplicationDefaults
      Organizations: [ *Org1 ]
      Capabilities: *ApplicationCapabilities
EOF
configtxgen -configPath "$net/config" -profile AppChannel -channelID "$channel" \
  -outputBlock "$net/config/$channel.block" > "$net/logs/configtxgen.log" 2>&1 \
  || { log_reason "$net/logs/configtxgen.log" >&2; die "configtxgen could not build the genesis block"; }

# --- orderer ----------------------------------------------------------------------------------
echo "==> orderer on 127.0.0.1:$p_orderer (admin :$p_oadmin)"
mkdir -p "$net/orderer"
start_process orderer env FABRIC_CFG_PATH="$fabric_home/config" \
  FABRIC_LOGGING_SPEC=INFO \
  ORDERER_GENERAL_LISTENADDRESS=127.0.0.1 ORDERER_GENERAL_LISTENPORT="$p_orderer" \
  ORDERER_GENERAL_LOCALMSPID=OrdererMSP ORDERER_GENERAL_LOCALMSPDIR="$net/id/orderer/orderer0/msp" \
  ORDERER_GENERAL_BOOTSTRAPMETHOD=none ORDERER_CHANNELPARTICIPATION_ENABLED=true \
  ORDERER_GENERAL_TLS_ENABLED=true \
  ORDERER_GENERAL_TLS_CERTIFICATE="$o_tls/cert.pem" ORDERER_GENERAL_TLS_PRIVATEKEY="$o_tls/key.pem" \
  ORDERER_GENERAL_TLS_ROOTCAS="[$o_root]" \
  ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$o_tls/cert.pem" ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$o_tls/key.pem" \
  ORDERER_GENERAL_CLUSTER_ROOTCAS="[$o_root]" \
  ORDERER_ADMIN_LISTENADDRESS="127.0.0.1:$p_oadmin" ORDERER_ADMIN_TLS_ENABLED=true \
  ORDERER_ADMIN_TLS_CERTIFICATE="$o_tls/cert.pem" ORDERER_ADMIN_TLS_PRIVATEKEY="$o_tls/key.pem" \
  ORDERER_ADMIN_TLS_ROOTCAS="[$o_root]" ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true \
  ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$o_root]" \
  ORDERER_OPERATIONS_LISTENADDRESS="127.0.0.1:$p_oops" ORDERER_METRICS_PROVIDER=disabled \
  ORDERER_FILELEDGER_LOCATION="$net/orderer/ledger" \
  ORDERER_CONSENSUS_WALDIR="$net/orderer/etcdraft/wal" ORDERER_CONSENSUS_SNAPDIR="$net/orderer/etcdraft/snapshot" \
  orderer
wait_port orderer "$p_orderer"
wait_port orderer "$p_oadmin"
osnadmin channel join --channelID "$channel" --config-block "$net/config/$channel.block" -o "127.0.0.1:$p_oadmin" \
  --ca-file "$o_root" --client-cert "$a_tls/cert.pem" --client-key "$a_tls/key.pem" > "$net/logs/osnadmin.log" 2>&1 \
  || { cat "$net/logs/osnadmin.log" >&2; die "osnadmin could not join the orderer to $channel"; }
say "$(elapsed): orderer joined $channel"
# The channel's one-node Raft group elects its leader a moment after the join; a transaction sent
# before that is refused with "no Raft leader" (a CI run's chaincode approval was, by 50 ms).
for _ in $(seq 1 300); do
  grep -q "Start accepting requests as Raft leader" "$net/logs/orderer.log" && break
  sleep 0.1
done
grep -q "Start accepting requests as Raft leader" "$net/logs/orderer.log" \
  || { log_reason "$net/logs/orderer.log" >&2; die "the orderer elected no Raft leader for $channel within 30 s"; }

# --- peer -------------------------------------------------------------------------------------
echo "==> peer on 127.0.0.1:$p_peer"
mkdir -p "$net/peer/config"
sed "s|/opt/hyperledger/ccaas_builder|$fabric_home/ccaas_builder|" "$fabric_home/config/core.yaml" > "$net/peer/config/core.yaml"
grep -q "path: $fabric_home/ccaas_builder" "$net/peer/config/core.yaml" || die "could not point core.yaml's externalBuilders at $fabric_home/ccaas_builder"
peer_env=(FABRIC_CFG_PATH="$net/peer/config" CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_ROOTCERT_FILE="$p_root"
  CORE_PEER_LOCALMSPID=Org1MSP CORE_PEER_ADDRESS="127.0.0.1:$p_peer")
start_process peer env "${peer_env[@]}" FABRIC_LOGGING_SPEC=INFO \
  CORE_PEER_ID=peer0.org1 CORE_PEER_LISTENADDRESS="127.0.0.1:$p_peer" \
  CORE_PEER_CHAINCODEADDRESS="127.0.0.1:$p_pcc" CORE_PEER_CHAINCODELISTENADDRESS="127.0.0.1:$p_pcc" \
  CORE_PEER_GOSSIP_BOOTSTRAP="127.0.0.1:$p_peer" CORE_PEER_GOSSIP_EXTERNALENDPOINT="127.0.0.1:$p_peer" \
  CORE_PEER_MSPCONFIGPATH="$net/id/org1/peer0/msp" CORE_PEER_FILESYSTEMPATH="$net/peer/data" \
  CORE_LEDGER_SNAPSHOTS_ROOTDIR="$net/peer/snapshots" CORE_LEDGER_STATE_STATEDATABASE=goleveldb \
  CORE_PEER_TLS_CERT_FILE="$p_tls/cert.pem" CORE_PEER_TLS_KEY_FILE="$p_tls/key.pem" \
  CORE_OPERATIONS_LISTENADDRESS="127.0.0.1:$p_pops" CORE_METRICS_PROVIDER=disabled \
  CORE_VM_ENDPOINT= CORE_CHAINCODE_MODE=net \
  peer node start
wait_port peer "$p_peer"

# The peer CLI as a member of org1: as_peer_cli MSPDIR peer …
orderer_flags=(-o "127.0.0.1:$p_orderer" --tls --cafile "$o_root")
as_org1() { local mspdir=$1; shift; env "${peer_env[@]}" CORE_PEER_MSPCONFIGPATH="$mspdir" "$@"; }
admin_msp=$net/id/org1/org1admin/msp
as_org1 "$admin_msp" peer channel join -b "$net/config/$channel.block" > "$net/logs/join.log" 2>&1 \
  || { cat "$net/logs/join.log" >&2; log_reason "$net/logs/peer.log" >&2; die "the peer could not join $channel"; }
say "$(elapsed): peer joined $channel"

# --- chaincode as a service -------------------------------------------------------------------
echo "==> chaincode $ccname as a service on 127.0.0.1:$p_cc"
pkg=$net/chaincode; mkdir -p "$pkg/src"
node -e '
  const fs = require("node:fs");
  const [dir, addr, root, cert, key] = process.argv.slice(1);
  fs.writeFileSync(`${dir}/src/connection.json`, JSON.stringify({
    address: addr, dial_timeout: "10s", tls_required: true, client_auth_required: true,
    root_cert: fs.readFileSync(root, "utf8"), client_cert: fs.readFileSync(cert, "utf8"), client_key: fs.readFileSync(key, "utf8"),
  }, null, 2));
  fs.writeFileSync(`${dir}/metadata.json`, JSON.stringify({ type: "ccaas", label: "probe_1.0" }));
' "$pkg" "127.0.0.1:$p_cc" "$net/orgs/org1/tls-chain.pem" "$p_tls/cert.pem" "$p_tls/key.pem"
tar -C "$pkg/src" -czf "$pkg/code.tar.gz" connection.json
tar -C "$pkg" -czf "$pkg/probe.tar.gz" metadata.json code.tar.gz
as_org1 "$admin_msp" peer lifecycle chaincode install "$pkg/probe.tar.gz" > "$net/logs/install.log" 2>&1 \
  || { cat "$net/logs/install.log" >&2; die "chaincode install failed"; }
package_id=$(as_org1 "$admin_msp" peer lifecycle chaincode calculatepackageid "$pkg/probe.tar.gz")
start_process chaincode node "$here/node_modules/.bin/fabric-chaincode-node" server \
  --chaincode-address "127.0.0.1:$p_cc" --chaincode-id "$package_id" --module-path "$here/chaincode" \
  --chaincode-tls-cert-file "$c_tls/cert.pem" --chaincode-tls-key-file "$c_tls/key.pem" \
  --chaincode-tls-client-cacert-file "$net/orgs/org1/tls-chain.pem"
wait_port chaincode "$p_cc"
as_org1 "$admin_msp" peer lifecycle chaincode approveformyorg "${orderer_flags[@]}" --channelID "$channel" \
  --name "$ccname" --version 1.0 --package-id "$package_id" --sequence 1 > "$net/logs/approve.log" 2>&1 \
  || { cat "$net/logs/approve.log" >&2; log_reason "$net/logs/peer.log" >&2; die "chaincode approve failed"; }
as_org1 "$admin_msp" peer lifecycle chaincode commit "${orderer_flags[@]}" --channelID "$channel" \
  --name "$ccname" --version 1.0 --sequence 1 --peerAddresses "127.0.0.1:$p_peer" --tlsRootCertFiles "$p_root" \
  > "$net/logs/commit.log" 2>&1 \
  || { cat "$net/logs/commit.log" >&2; log_reason "$net/logs/peer.log" >&2; die "chaincode commit failed"; }
say "$(elapsed): chaincode committed ($package_id)"

# --- what the clients and tests need ----------------------------------------------------------
# The peer CLI's environment, for peer-cli.sh.
{
  printf 'export %q\n' "${peer_env[@]}"
  printf 'orderer_flags=(%s)\n' "$(printf '%q ' "${orderer_flags[@]}")"
  printf 'channel=%q\npeer_address=%q\npeer_tls_root=%q\n' "$channel" "127.0.0.1:$p_peer" "$p_root"
} > "$net/peer-env.sh"
node -e '
  const fs = require("node:fs");
  const [file, json] = process.argv.slice(1);
  fs.writeFileSync(file, JSON.stringify(JSON.parse(json), null, 2) + "\n");
' "$net/network.json" "$(cat <<EOF
{
  "dir": "$net",
  "intermediate": $intermediate,
  "channel": "$channel",
  "chaincode": "$ccname",
  "packageId": "$package_id",
  "passphraseFile": "$net/secrets/passphrase",
  "walletBin": "$wallet_bin",
  "fabricBin": "$fabric_home/bin",
  "wallets": {
    "orderer": { "uri": "file:$net/wallets/orderer", "ca": "$ca_orderer", "registrar": "$as_orderer" },
    "org1": { "uri": "file:$net/wallets/org1", "ca": "$ca_org1", "registrar": "$as_org1" },
    "rogue": { "uri": "file:$net/wallets/rogue", "ca": "$ca_rogue", "registrar": "$as_rogue" }
  },
  "ids": "$net/id",
  "orderer": { "address": "127.0.0.1:$p_orderer", "admin": "127.0.0.1:$p_oadmin", "tlsRootCert": "$o_root",
               "adminTlsCert": "$a_tls/cert.pem", "adminTlsKey": "$a_tls/key.pem" },
  "peer": { "address": "127.0.0.1:$p_peer", "tlsRootCert": "$p_root", "configDir": "$net/peer/config",
            "log": "$net/logs/peer.log" },
  "org1Msp": "$net/orgs/org1/msp",
  "channelBlock": "$net/config/$channel.block",
  "chaincodePackage": "$pkg/probe.tar.gz"
}
EOF
)"
trap - EXIT
say "$(elapsed): network up"
echo "NETWORK_DIR=$net"
