'use strict';
// Act as a wallet identity from Node through libwallet's C API (koffi): put an identity into a
// wallet, load it, present its certificate and SerializedIdentity, sign as it, and check the
// signature independently with node:crypto. Exits non-zero on any failure.
//
//   node sign.js CERT.pem KEY.pem        (WALLET_LIB=path/to/libwallet.so to pick the library)

const koffi = require('koffi');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const [certPath, keyPath] = process.argv.slice(2);
if (!certPath || !keyPath) {
  console.error('usage: node sign.js CERT.pem KEY.pem');
  process.exit(2);
}
const lib = koffi.load(process.env.WALLET_LIB || path.join(__dirname, '../../target/debug/libwallet.so'));

koffi.opaque('wallet_wallet');
koffi.opaque('wallet_identity');
koffi.opaque('wallet_error');
const api = {
  version: lib.func('const char *wallet_version_get(void)'),
  open: lib.func('uint32_t wallet_wallet_open(const char *uri, const uint8_t *pass, size_t pass_len, _Out_ wallet_wallet **out, _Out_ wallet_error **err)'),
  importPem: lib.func('uint32_t wallet_wallet_import_pem(const wallet_wallet *w, const char *label, const char *msp_id, const uint8_t *cert, size_t cert_len, const uint8_t *key, size_t key_len, bool overwrite, _Out_ wallet_error **err)'),
  walletFree: lib.func('void wallet_wallet_free(_Inout_ wallet_wallet **w)'),
  load: lib.func('uint32_t wallet_identity_load(const wallet_wallet *w, const char *label, _Out_ wallet_identity **out, _Out_ wallet_error **err)'),
  identityFree: lib.func('void wallet_identity_free(_Inout_ wallet_identity **id)'),
  certPem: lib.func('uint32_t wallet_identity_get_certificate_pem(const wallet_identity *id, uint8_t *buf, size_t len, _Out_ size_t *out_len, _Out_ wallet_error **err)'),
  mspId: lib.func('uint32_t wallet_identity_get_msp_id(const wallet_identity *id, uint8_t *buf, size_t len, _Out_ size_t *out_len, _Out_ wallet_error **err)'),
  serialize: lib.func('uint32_t wallet_identity_serialize(const wallet_identity *id, uint8_t *buf, size_t len, _Out_ size_t *out_len, _Out_ wallet_error **err)'),
  sign: lib.func('uint32_t wallet_identity_sign(const wallet_identity *id, const uint8_t *msg, size_t msg_len, uint8_t *sig, size_t sig_len, _Out_ size_t *out_len, _Out_ wallet_error **err)'),
  errorMessage: lib.func('uint32_t wallet_error_get_message(const wallet_error *e, uint8_t *buf, size_t len, _Out_ size_t *out_len)'),
  errorFree: lib.func('void wallet_error_free(_Inout_ wallet_error **e)'),
};
const WALLET_RESULT_OK = 0;
const WALLET_RESULT_BUFFER_TOO_SMALL = 102;
const WALLET_RESULT_NOT_FOUND = 200;

class WalletError extends Error {
  constructor(code, message) {
    super(`libwallet error ${code}: ${message}`);
    this.code = code;
  }
}

// Turn a result code and its error object into a thrown WalletError (freeing the object).
function check(rc, errSlot) {
  if (rc === WALLET_RESULT_OK) return;
  let message = '(no detail)';
  if (errSlot[0]) {
    const buf = Buffer.alloc(1024);
    const n = [0];
    if (api.errorMessage(errSlot[0], buf, buf.length, n) === WALLET_RESULT_OK) message = buf.toString('utf8', 0, n[0]);
    api.errorFree(errSlot);
  }
  throw new WalletError(rc, message);
}

// Call a getter twice if needed: once to learn the size, once to fill the buffer.
function getBytes(fn, handle) {
  let buf = Buffer.alloc(256);
  const n = [0];
  const err = [null];
  let rc = fn(handle, buf, buf.length, n, err);
  if (rc === WALLET_RESULT_BUFFER_TOO_SMALL) {
    api.errorFree(err);
    buf = Buffer.alloc(n[0]);
    rc = fn(handle, buf, buf.length, n, err);
  }
  check(rc, err);
  return buf.subarray(0, n[0]);
}

// Whether a DER ECDSA signature has S <= n/2 (Fabric rejects the others).
function isLowS(der) {
  const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  let i = 2; // SEQUENCE tag + one-byte length (P-256 signatures are < 128 bytes)
  const readInt = () => {
    if (der[i] !== 0x02) throw new Error('not a DER INTEGER');
    const len = der[i + 1];
    const v = BigInt('0x' + der.subarray(i + 2, i + 2 + len).toString('hex'));
    i += 2 + len;
    return v;
  };
  readInt(); // r
  return readInt() <= N / 2n;
}

function main() {
  console.log(`libwallet ${api.version()}`);
  const err = [null];
  const wallet = [null];
  check(api.open('memory:', null, 0, wallet, err), err);
  try {
    const cert = fs.readFileSync(certPath);
    const key = fs.readFileSync(keyPath);
    check(api.importPem(wallet[0], 'nodeuser', 'Org1MSP', cert, cert.length, key, key.length, false, err), err);

    // An unknown label is an error with a code and a message, not a crash.
    const missing = [null];
    const rc = api.load(wallet[0], 'nobody', missing, err);
    if (rc !== WALLET_RESULT_NOT_FOUND) throw new Error(`expected NOT_FOUND for an unknown label, got ${rc}`);
    api.errorFree(err);

    const identity = [null];
    check(api.load(wallet[0], 'nodeuser', identity, err), err);
    try {
      const certPem = getBytes(api.certPem, identity[0]).toString('utf8');
      const mspId = getBytes(api.mspId, identity[0]).toString('utf8');
      const creator = getBytes(api.serialize, identity[0]);
      if (mspId !== 'Org1MSP') throw new Error(`MSP ID is ${mspId}`);
      if (!creator.includes(Buffer.from(certPem))) throw new Error('SerializedIdentity does not hold the certificate');
      console.log(`identity nodeuser of ${mspId}: ${new crypto.X509Certificate(certPem).subject.replace(/\n/g, ', ')}`);

      for (let i = 0; i < 100; i++) {
        const message = Buffer.from(`proposal ${i} from node`);
        const sig = Buffer.alloc(72);
        const n = [0];
        check(api.sign(identity[0], message, message.length, sig, sig.length, n, err), err);
        const der = sig.subarray(0, n[0]);
        if (!crypto.verify('sha256', message, certPem, der)) throw new Error(`signature ${i} does not verify`);
        if (!isLowS(der)) throw new Error(`signature ${i} is high-S`);
      }
      console.log('100 signatures verified with node:crypto, all low-S');
    } finally {
      api.identityFree(identity);
    }
  } finally {
    api.walletFree(wallet);
  }
  console.log('node example: ok');
}

main();
