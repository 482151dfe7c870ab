#!/usr/bin/env node
// Build the Fabric CA request token with the real fabric-ca-client 2.2.20 package
// (FabricCAClient.generateAuthToken, signed by fabric-common's SigningIdentity), for the token
// cross-check in tests/tests/remote_ca.rs.
//
// Usage: node ca-token.js CERT_PEM_FILE KEY_PEM_FILE METHOD PATH [BODY_JSON]
// Prints the token (the `Authorization` header value) on stdout.
'use strict';

const fs = require('node:fs');
const { User, Utils } = require('fabric-common');
const FabricCAClient = require('fabric-ca-client/lib/FabricCAClient');

async function main() {
	const [certFile, keyFile, method, path, body] = process.argv.slice(2);
	if (!certFile || !keyFile || !method || !path) {
		console.error('usage: node ca-token.js CERT_PEM_FILE KEY_PEM_FILE METHOD PATH [BODY_JSON]');
		process.exit(2);
	}
	const cryptoSuite = Utils.newCryptoSuite();
	const key = cryptoSuite.createKeyFromRaw(fs.readFileSync(keyFile, 'utf8'));
	const user = new User('token');
	user.setCryptoSuite(cryptoSuite);
	await user.setEnrollment(key, fs.readFileSync(certFile, 'utf8'), 'Org1MSP');
	const client = new FabricCAClient({ protocol: 'http', hostname: '127.0.0.1', port: 7054 }, cryptoSuite);
	const reqBody = body === undefined || body === '' ? undefined : JSON.parse(body);
	process.stdout.write(client.generateAuthToken(reqBody, user.getSigningIdentity(), path, method));
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
