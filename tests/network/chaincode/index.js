'use strict';
// The harness's chaincode: it tells the caller who Fabric says it is (through the client identity
// library of fabric-contract-api), and stores records so that submits have something to commit.

const { Contract } = require('fabric-contract-api');
const { X509Certificate } = require('node:crypto');

function caller(ctx) {
  const cid = ctx.clientIdentity;
  const cert = new X509Certificate(Buffer.from(cid.getIDBytes()));
  return {
    mspId: cid.getMSPID(),
    id: cid.getID(),
    subject: cert.subject.split('\n').join(','),
    issuer: cert.issuer.split('\n').join(','),
    serial: cert.serialNumber.toLowerCase(),
    role: cid.getAttributeValue('role'),
    type: cid.getAttributeValue('hf.Type'),
    enrollmentId: cid.getAttributeValue('hf.EnrollmentID'),
    isAuditor: cid.assertAttributeValue('role', 'auditor'),
  };
}

class Probe extends Contract {
  constructor() {
    super('probe');
  }

  // Evaluate: who is calling.
  async whoami(ctx) {
    return JSON.stringify(caller(ctx));
  }

  // Submit: store value under key, with the caller; returns the caller as the chaincode saw it.
  async put(ctx, key, value) {
    const who = caller(ctx);
    const record = { value, by: who.id, mspId: who.mspId, txId: ctx.stub.getTxID() };
    await ctx.stub.putState(key, Buffer.from(JSON.stringify(record)));
    return JSON.stringify(who);
  }

  // Evaluate: the record under key.
  async get(ctx, key) {
    const bytes = await ctx.stub.getState(key);
    if (!bytes || bytes.length === 0) throw new Error(`no record ${key}`);
    return bytes.toString();
  }
}

module.exports.contracts = [Probe];
