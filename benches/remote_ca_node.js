#!/usr/bin/env node
// The Node fabric-ca-client package's side of benches/remote_ca.sh: enrol the bootstrap admin,
// then register and enrol N identities (`PREFIX0` … `PREFIX<N-1>`), CONCURRENCY at a time, the
// way an application using fabric-ca-client 2.2.20 does it. Prints {"n":…,"seconds":…} (the
// timed part: register + enrol of the N identities).
//
// Usage: NODE_PATH=tests/interop/node_modules node benches/remote_ca_node.js URL N PREFIX CONCURRENCY
'use strict';

const FabricCAServices = require('fabric-ca-client');
const { User, Utils } = require('fabric-common');

async function main() {
	const [url, nText, prefix, concText] = process.argv.slice(2);
	const n = Number(nText);
	const concurrency = Number(concText || '1');
	if (!url || !(n > 0) || !prefix || !(concurrency > 0)) {
		console.error('usage: node remote_ca_node.js URL N PREFIX CONCURRENCY');
		process.exit(2);
	}
	// The package gives up on a connection after 3 s; a busy machine queues requests longer.
	Utils.setConfigSetting('connection-timeout', 120000);
	const ca = new FabricCAServices(url);
	const enrolment = await ca.enroll({ enrollmentID: 'admin', enrollmentSecret: 'adminpw' });
	const admin = new User('admin');
	admin.setCryptoSuite(Utils.newCryptoSuite());
	await admin.setEnrollment(enrolment.key, enrolment.certificate, 'Org1MSP');

	let next = 0;
	const one = async (id) => {
		const secret = await ca.register({ enrollmentID: id, affiliation: 'org1', role: 'client' }, admin);
		const got = await ca.enroll({ enrollmentID: id, enrollmentSecret: secret });
		if (!got.certificate.includes('BEGIN CERTIFICATE')) {
			throw new Error(`no certificate for ${id}`);
		}
	};
	const worker = async () => {
		while (next < n) {
			const i = next++;
			await one(`${prefix}${i}`);
		}
	};
	const start = process.hrtime.bigint();
	await Promise.all(Array.from({ length: concurrency }, worker));
	const seconds = Number(process.hrtime.bigint() - start) / 1e9;
	process.stdout.write(JSON.stringify({ n, seconds }) + '\n');
}

main().catch((err) => {
	console.error(err);
	process.exit(1);
});
