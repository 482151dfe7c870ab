#!/usr/bin/env node
// Load one identity from a Fabric SDK file-system wallet with the real fabric-network package and
// use it the two ways an application would.
//
// Usage: node load-id.js WALLET_DIR LABEL MESSAGE_HEX [SIGNATURE_B64]
//
// Prints one JSON object:
//   label, labels      the label asked for and wallet.list()
//   mspId, type        from wallet.get(label)
//   certificate        credentials.certificate as the SDK returned it
//   signature          base64 DER ECDSA-SHA256 signature of MESSAGE by credentials.privateKey (node:crypto)
//   sdkSignature       the same message signed through fabric-network's identity provider and
//                      fabric-common's SigningIdentity (what a Gateway uses to sign proposals)
//   serializedIdentity base64 of the SDK's SerializedIdentity protobuf for this identity
//   verified           whether SIGNATURE_B64 verifies over MESSAGE under the certificate's key
//                      (null when no signature was given)
// Exits 3 when the wallet has no such label, 2 on bad usage, 1 on any other error.
'use strict';

const crypto = require('node:crypto');
const { Wallets } = require('fabric-network');

async function main() {
	const [dir, label, messageHex, signatureB64] = process.argv.slice(2);
	if (!dir || !label || messageHex === undefined) {
		console.error('usage: node load-id.js WALLET_DIR LABEL MESSAGE_HEX [SIGNATURE_B64]');
		process.exit(2);
	}
	const wallet = await Wallets.newFileSystemWallet(dir);
	const identity = await wallet.get(label);
	if (!identity) {
		console.error(`no identity ${JSON.stringify(label)} in ${dir}`);
		process.exit(3);
	}
	const message = Buffer.from(messageHex, 'hex');
	const { certificate, privateKey } = identity.credentials;

	const signature = crypto.sign('sha256', message, crypto.createPrivateKey(privateKey));

	const provider = wallet.getProviderRegistry().getProvider(identity.type);
	const user = await provider.getUserContext(identity, label);
	const sdkSignature = Buffer.from(user.getSigningIdentity().sign(message));
	const serializedIdentity = Buffer.from(user.getIdentity().serialize());

	let verified = null;
	if (signatureB64 !== undefined) {
		const publicKey = new crypto.X509Certificate(certificate).publicKey;
		verified = crypto.verify('sha256', message, publicKey, Buffer.from(signatureB64, 'base64'));
	}

	console.log(JSON.stringify({
		label,
		labels: await wallet.list(),
		mspId: identity.mspId,
		type: identity.type,
		certificate,
		signature: signature.toString('base64'),
		sdkSignature: sdkSignature.toString('base64'),
		serializedIdentity: serializedIdentity.toString('base64'),
		verified,
	}));
}

main().catch((err) => {
	console.error(err && err.stack ? err.stack : err);
	process.exit(1);
});
