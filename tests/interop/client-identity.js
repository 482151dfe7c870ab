#!/usr/bin/env node
// Read enrolment certificates the way Node chaincode does: the real fabric-shim 2.5.8
// ClientIdentity (what `ctx.clientIdentity` is in a contract), built from the creator a peer
// hands the chaincode (MSP ID and certificate PEM), and the OUs of the subject as its
// certificate parser (@fidm/x509) reads them.
//
// Usage: node client-identity.js MSPID CERT_PEM_FILE...
//
// Prints one JSON array, one object per file: id (getID()), mspId (getMSPID()), ous (every OU
// of the subject, in order), attrs (the Fabric attributes, from getAttributeValue) and
// isClient (assertAttributeValue of nothing: whether hf.Type reads as client).
'use strict';

const fs = require('node:fs');
const { ClientIdentity } = require('fabric-shim');
const { Certificate } = require('@fidm/x509');

function main() {
	const [mspid, ...files] = process.argv.slice(2);
	if (!mspid || files.length === 0) {
		console.error('usage: node client-identity.js MSPID CERT_PEM_FILE...');
		process.exit(2);
	}
	const out = files.map((file) => {
		const pem = fs.readFileSync(file);
		// The part of the chaincode stub ClientIdentity reads: who sent the proposal.
		const creator = { getChannelID: () => 'ch', getTxID: () => 'tx', getCreator: () => ({ mspid, idBytes: pem }) };
		const identity = new ClientIdentity(creator);
		const subject = Certificate.fromPEM(pem).subject;
		const names = ['hf.EnrollmentID', 'hf.Type', 'hf.Affiliation'];
		return {
			file,
			id: identity.getID(),
			mspId: identity.getMSPID(),
			ous: subject.attributes.filter((a) => a.shortName === 'OU').map((a) => a.value),
			attrs: Object.fromEntries(names.map((n) => [n, identity.getAttributeValue(n)])),
		};
	});
	console.log(JSON.stringify(out));
}

main();
