'use strict';
// What a real Fabric network does with wallet identities (run by tests/network/run.sh against a
// network of up.sh; NETWORK_DIR names it). Every identity was issued by wallet's embedded CA.
//
//   accepted: a client acting as a wallet identity through libwallet (submit and evaluate), and
//             the chaincode sees its MSP ID, subject and the attribute role=auditor;
//   refused:  a type that is not a NodeOU role, a client doing an admin's work (channel join,
//             chaincode approve), a revoked identity once our CRL is in the channel MSP, and an
//             identity of another CA claiming the same MSP ID.
//
// Each refusal is checked twice: the client call fails, and the peer's log gives Fabric's reason.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const gw = require('./gateway');

const net = gw.network();
const here = path.join(__dirname, '..');
const walletUri = process.env.WALLET_URI_ORG1 || net.wallets.org1.uri;
const org1 = (label) => ({ walletUri, passphraseFile: net.passphraseFile, label });
const msp = (org, label) => path.join(net.ids, org, label, 'msp');

function peerLogSince(offset) {
  return fs.readFileSync(net.peer.log, 'utf8').slice(offset);
}
function peerLogSize() {
  return fs.statSync(net.peer.log).size;
}

// The error of a fabric-gateway call, with its details (the peer's own messages) in one string.
function errorText(err) {
  const details = (err.details || []).map((d) => `${d.address || ''} ${d.message || ''}`).join('; ');
  return `${err.message} ${details}`;
}

// Expect `call` to be refused; returns the client's error text and the peer's log since the call.
async function refused(call) {
  const offset = peerLogSize();
  let error;
  try {
    await call();
  } catch (err) {
    error = err;
  }
  assert.ok(error, 'Fabric accepted what it must refuse');
  // The peer may log just after answering.
  await new Promise((r) => setTimeout(r, 300));
  return { client: errorText(error), log: peerLogSince(offset) };
}

function peerCli(mspDir, args) {
  return spawnSync('bash', [path.join(here, 'peer-cli.sh'), net.dir, mspDir, 'peer', ...args], { encoding: 'utf8' });
}

function walletCli(org, args) {
  return execFileSync(net.walletBin, ['--wallet', net.wallets[org].uri, '--passphrase-file', net.passphraseFile, ...args], {
    encoding: 'utf8',
  });
}

async function whoami(opts) {
  const c = gw.open(net, opts);
  try {
    return JSON.parse(Buffer.from(await c.contract.evaluateTransaction('whoami')).toString());
  } finally {
    c.close();
  }
}

test('a client acts as a wallet identity through libwallet: evaluate and submit', async () => {
  const c = gw.open(net, org1('appuser'));
  try {
    const cert = new crypto.X509Certificate(c.certificatePem);
    assert.match(cert.subject, /CN=appuser/);
    assert.equal(c.walletIdentity.mspId, 'Org1MSP');

    // Evaluate: one signature (the proposal), made by the C library.
    let before = c.walletIdentity.signatures;
    const who = JSON.parse(Buffer.from(await c.contract.evaluateTransaction('whoami')).toString());
    assert.equal(c.walletIdentity.signatures - before, 1, 'an evaluate signs once');
    assert.equal(who.mspId, 'Org1MSP');
    assert.equal(who.subject, cert.subject.split('\n').join(','), 'the chaincode sees the certificate our CA issued');
    assert.equal(who.serial, cert.serialNumber.toLowerCase());
    assert.match(who.id, /^x509::.*\/CN=appuser::.*\/CN=org1-(ca|int)$/);
    assert.equal(who.role, 'auditor', 'the attribute role=auditor:ecert reaches the chaincode');
    assert.equal(who.isAuditor, true);
    assert.equal(who.type, 'client');
    assert.equal(who.enrollmentId, 'appuser');
    if (net.intermediate) assert.match(who.issuer, /CN=org1-int/, 'issued by the intermediate CA');

    // Submit: proposal, transaction and commit status request, all signed by the C library.
    before = c.walletIdentity.signatures;
    const key = `k-${crypto.randomUUID()}`;
    const res = await c.contract.submitAsync('put', { arguments: [key, 'hello from the wallet'] });
    const status = await res.getStatus();
    assert.equal(status.successful, true, `transaction ${status.transactionId} is ${status.code}`);
    assert.equal(c.walletIdentity.signatures - before, 3, 'a submit signs proposal, transaction and commit status');
    assert.equal(JSON.parse(Buffer.from(res.getResult()).toString()).id, who.id);
    const record = JSON.parse(Buffer.from(await c.contract.evaluateTransaction('get', key)).toString());
    assert.deepEqual(record, { value: 'hello from the wallet', by: who.id, mspId: 'Org1MSP', txId: status.transactionId });
  } finally {
    c.close();
  }
});

test('Fabric checks the signatures libwallet makes: another identity\'s signature is refused', async () => {
  // appuser's certificate, benchuser's key (both from the same wallet, through libwallet).
  const { Wallet } = require('./libwallet');
  const pass = fs.readFileSync(net.passphraseFile, 'utf8');
  const wallet = Wallet.open(walletUri, pass);
  const other = wallet.identity('benchuser');
  const real = gw.open(net, org1('appuser'));
  const { connect } = require('@hyperledger/fabric-gateway');
  const client = gw.grpcClient(net);
  const forged = connect({ client, identity: { mspId: 'Org1MSP', credentials: Buffer.from(real.certificatePem) }, signer: other.signer() });
  try {
    const contract = forged.getNetwork(net.channel).getContract(net.chaincode, 'probe');
    const { client: text, log } = await refused(() => contract.evaluateTransaction('whoami'));
    assert.match(text, /access denied/, text);
    assert.match(log, /creator's signature over the proposal is not valid/, log.slice(-2000));
  } finally {
    forged.close();
    client.close();
    real.close();
    other.close();
    wallet.close();
  }
});

test('refused: an identity registered with a type that is not a NodeOU role', async () => {
  const { client, log } = await refused(() => whoami(org1('typeuser')));
  assert.match(client, /access denied/, client);
  assert.match(log, /does not have an OU that resolves to client, peer, orderer, or admin role/, log.slice(-2000));
});

test('refused: a client joining the peer to a channel (an admin\'s work)', () => {
  const offset = peerLogSize();
  const asClient = peerCli(msp('org1', 'appuser'), ['channel', 'join', '-b', net.channelBlock]);
  assert.notEqual(asClient.status, 0, 'a client joined the peer to a channel');
  const out = asClient.stdout + asClient.stderr;
  assert.match(out, /access denied/, out);
  const log = peerLogSince(offset);
  assert.match(log, /The identity does not contain OU \[ADMIN\], MSP: \[Org1MSP\]/, log.slice(-2000));
  // The admin may (the peer is already a member: refused for that reason, not for the identity).
  const asAdmin = peerCli(msp('org1', 'org1admin'), ['channel', 'join', '-b', net.channelBlock]);
  assert.match(asAdmin.stdout + asAdmin.stderr, /already exists/, asAdmin.stdout + asAdmin.stderr);
});

test('refused: a client approving a chaincode definition (an admin\'s work)', () => {
  const offset = peerLogSize();
  const args = ['lifecycle', 'chaincode', 'approveformyorg', '-o', net.orderer.address, '--tls', '--cafile', net.orderer.tlsRootCert,
    '--channelID', net.channel, '--name', 'other', '--version', '1.0', '--package-id', net.packageId, '--sequence', '1'];
  const asClient = peerCli(msp('org1', 'appuser'), args);
  assert.notEqual(asClient.status, 0, 'a client approved a chaincode definition');
  const out = asClient.stdout + asClient.stderr;
  assert.match(out, /access denied|Error: proposal failed/, out);
  const log = peerLogSince(offset);
  assert.match(log, /The identity does not contain OU \[ADMIN\], MSP: \[Org1MSP\]/, log.slice(-2000));
});

test('refused: a revoked identity once our CRL is in the channel MSP', async () => {
  // Accepted before the CRL.
  assert.equal((await whoami(org1('revokeduser'))).mspId, 'Org1MSP');
  const ca = net.wallets.org1;
  walletCli('org1', ['ca', 'revoke', '--ca', ca.ca, '--as', ca.registrar, '--id', 'revokeduser', '--reason', 'keycompromise']);
  const crl = path.join(net.dir, 'org1-crl.pem');
  walletCli('org1', ['ca', 'crl', '--ca', ca.ca, '--as', ca.registrar, '--out', crl]);
  execFileSync('bash', [path.join(here, 'add-crl.sh'), net.dir, crl], { encoding: 'utf8' });

  const { client, log } = await refused(() => whoami(org1('revokeduser')));
  assert.match(client, /access denied/, client);
  assert.match(log, /The certificate has been revoked/, log.slice(-2000));
  // Everyone else is still accepted.
  assert.equal((await whoami(org1('appuser'))).role, 'auditor');
});

test('refused: an identity from another CA claiming the same MSP ID', async () => {
  const rogue = { walletUri: net.wallets.rogue.uri, passphraseFile: net.passphraseFile, label: 'mallory' };
  const { client, log } = await refused(() => whoami(rogue));
  assert.match(client, /access denied/, client);
  assert.match(log, /x509: certificate signed by unknown authority/, log.slice(-2000));
  assert.match(log, /creator org unknown, creator is malformed/, log.slice(-2000));
});
