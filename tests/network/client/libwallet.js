'use strict';
// libwallet (the project's C library, ffi/) from Node through koffi: open a wallet by URI, load an
// identity, read its certificate and MSP ID, and sign digests with wallet_identity_sign_digest.
// The private key never enters this process: only digests go in and DER signatures come out.
//
//   WALLET_LIB  path of libwallet.so (default: target/debug/libwallet.so of the project)

const koffi = require('koffi');
const path = require('node:path');

const RESULT_OK = 0;
const RESULT_BUFFER_TOO_SMALL = 102;

let api;
function load() {
  if (api) return api;
  const file = process.env.WALLET_LIB || path.join(__dirname, '../../../target/debug/libwallet.so');
  const lib = koffi.load(file);
  koffi.opaque('wallet_wallet');
  koffi.opaque('wallet_identity');
  koffi.opaque('wallet_error');
  api = {
    open: lib.func('uint32_t wallet_wallet_open(const char *uri, const uint8_t *pass, size_t pass_len, _Out_ wallet_wallet **out, _Out_ wallet_error **err)'),
    walletFree: lib.func('void wallet_wallet_free(_Inout_ wallet_wallet **w)'),
    load: lib.func('uint32_t wallet_identity_load(const wallet_wallet *w, const char *label, _Out_ wallet_identity **out, _Out_ wallet_error **err)'),
    identityFree: lib.func('void wallet_identity_free(_Inout_ wallet_identity **id)'),
    certPem: lib.func('uint32_t wallet_identity_get_certificate_pem(const wallet_identity *id, uint8_t *buf, size_t len, _Out_ size_t *out_len, _Out_ wallet_error **err)'),
    mspId: lib.func('uint32_t wallet_identity_get_msp_id(const wallet_identity *id, uint8_t *buf, size_t len, _Out_ size_t *out_len, _Out_ wallet_error **err)'),
    signDigest: lib.func('uint32_t wallet_identity_sign_digest(const wallet_identity *id, const uint8_t *digest, size_t digest_len, uint8_t *sig, size_t sig_len, _Out_ size_t *out_len, _Out_ wallet_error **err)'),
    errorMessage: lib.func('uint32_t wallet_error_get_message(const wallet_error *e, uint8_t *buf, size_t len, _Out_ size_t *out_len)'),
    errorFree: lib.func('void wallet_error_free(_Inout_ wallet_error **e)'),
  };
  return api;
}

class WalletError extends Error {
  constructor(code, message) {
    super(`libwallet error ${code}: ${message}`);
    this.code = code;
  }
}

function check(rc, errSlot) {
  if (rc === RESULT_OK) return;
  let message = '(no detail)';
  if (errSlot[0]) {
    const buf = Buffer.alloc(2048);
    const n = [0];
    if (api.errorMessage(errSlot[0], buf, buf.length, n) === RESULT_OK) message = buf.toString('utf8', 0, n[0]);
    api.errorFree(errSlot);
  }
  throw new WalletError(rc, message);
}

function getBytes(fn, handle) {
  let buf = Buffer.alloc(4096);
  const n = [0];
  const err = [null];
  let rc = fn(handle, buf, buf.length, n, err);
  if (rc === RESULT_BUFFER_TOO_SMALL) {
    api.errorFree(err);
    buf = Buffer.alloc(n[0]);
    rc = fn(handle, buf, buf.length, n, err);
  }
  check(rc, err);
  return Buffer.from(buf.subarray(0, n[0]));
}

// An identity held by libwallet: its certificate and MSP ID, and a digest signer for fabric-gateway.
class WalletIdentity {
  constructor(handle, label) {
    this.handle = handle;
    this.label = label;
    this.certificatePem = getBytes(api.certPem, handle[0]).toString('utf8');
    this.mspId = getBytes(api.mspId, handle[0]).toString('utf8');
    this.signatures = 0;
    this._sig = Buffer.alloc(72);
    this._len = [0];
    this._err = [null];
  }

  // fabric-gateway's Signer: (digest) => Promise<DER signature>. Every signature of the client
  // (proposal, transaction, commit status) goes through here.
  signer() {
    return async (digest) => {
      if (!this.handle[0]) throw new Error(`identity ${this.label} is closed`);
      check(api.signDigest(this.handle[0], digest, digest.length, this._sig, this._sig.length, this._len, this._err), this._err);
      this.signatures++;
      return Buffer.from(this._sig.subarray(0, this._len[0]));
    };
  }

  close() {
    if (this.handle[0]) api.identityFree(this.handle);
  }
}

// A wallet opened by URI (file:PATH or a bare folder today; other schemes as libwallet gains them).
class Wallet {
  static open(uri, passphrase) {
    load();
    const handle = [null];
    const err = [null];
    const pass = passphrase == null ? null : Buffer.from(passphrase);
    check(api.open(uri, pass, pass ? pass.length : 0, handle, err), err);
    return new Wallet(handle, uri);
  }

  constructor(handle, uri) {
    this.handle = handle;
    this.uri = uri;
  }

  identity(label) {
    const handle = [null];
    const err = [null];
    check(api.load(this.handle[0], label, handle, err), err);
    return new WalletIdentity(handle, label);
  }

  close() {
    if (this.handle[0]) api.walletFree(this.handle);
  }
}

module.exports = { Wallet, WalletError };
