'use strict';
// Connect fabric-gateway to the harness network as one identity, signed either by libwallet
// (the identity's certificate and every signature come from the C library) or, for comparison,
// by fabric-gateway's own signer over a PEM key file.
//
// The wallet is named by URI, so the same client runs against any wallet backend libwallet
// opens (a file wallet today: file:PATH or a folder).

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const { connect, signers } = require('@hyperledger/fabric-gateway');
const { Wallet } = require('./libwallet');

// The network description up.sh writes: NETWORK_DIR/network.json.
function network(dir = process.env.NETWORK_DIR) {
  if (!dir) throw new Error('NETWORK_DIR is not set: start the network with tests/network/up.sh and export what it prints');
  return JSON.parse(fs.readFileSync(path.join(dir, 'network.json'), 'utf8'));
}

function grpcClient(net) {
  const tlsRoot = fs.readFileSync(net.peer.tlsRootCert);
  return new grpc.Client(net.peer.address, grpc.credentials.createSsl(tlsRoot), {
    // The peer's TLS certificate names localhost and 127.0.0.1; a host name avoids Node's
    // warning about an IP address as TLS server name.
    'grpc.ssl_target_name_override': 'localhost',
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': -1,
  });
}

function readPassphrase(file) {
  return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}

// Open a gateway connection.
//   opts.walletUri, opts.passphraseFile, opts.label   the identity in a wallet (signer: libwallet)
//   opts.certFile, opts.keyFile, opts.mspId           or a PEM pair (signer: fabric-gateway's own)
function open(net, opts) {
  let identity;
  let signer;
  let walletIdentity;
  let wallet;
  if (opts.walletUri) {
    wallet = Wallet.open(opts.walletUri, opts.passphraseFile ? readPassphrase(opts.passphraseFile) : null);
    walletIdentity = wallet.identity(opts.label);
    identity = { mspId: walletIdentity.mspId, credentials: Buffer.from(walletIdentity.certificatePem) };
    signer = walletIdentity.signer();
  } else {
    const certPem = fs.readFileSync(opts.certFile, 'utf8');
    // The first certificate of the file only: Fabric refuses a creator with a chain after it.
    const leaf = certPem.slice(0, certPem.indexOf('-----END CERTIFICATE-----') + '-----END CERTIFICATE-----\n'.length);
    identity = { mspId: opts.mspId, credentials: Buffer.from(leaf) };
    signer = signers.newPrivateKeySigner(crypto.createPrivateKey(fs.readFileSync(opts.keyFile)));
  }
  const client = opts.client || grpcClient(net);
  const gateway = connect({
    client,
    identity,
    signer,
    evaluateOptions: () => ({ deadline: Date.now() + 30000 }),
    endorseOptions: () => ({ deadline: Date.now() + 30000 }),
    submitOptions: () => ({ deadline: Date.now() + 30000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60000 }),
  });
  const contract = gateway.getNetwork(net.channel).getContract(net.chaincode, 'probe');
  return {
    gateway,
    contract,
    walletIdentity,
    certificatePem: identity.credentials.toString(),
    close() {
      gateway.close();
      if (!opts.client) client.close();
      if (walletIdentity) walletIdentity.close();
      if (wallet) wallet.close();
    },
  };
}

// The identity `label` of org `org` as a wallet identity.
function walletOptions(net, org, label) {
  const w = net.wallets[org];
  return { walletUri: w.uri, passphraseFile: net.passphraseFile, label };
}

module.exports = { network, open, walletOptions, grpcClient };
