#!/usr/bin/env node
// Benchmark the Node SDK's file-system wallet (fabric-network 2.2.20), the baseline our wallet is
// compared with: fill a Wallets.newFileSystemWallet with N X.509 identities (one certificate and
// key reused under N labels), then time wallet.get(label) and wallet.list().
//
// Usage: node bench-wallet.js [--n 10000] [--gets 2000] [--lists 30] [--id FILE.id] [--dir DIR] [--keep]
//   --id    the .id file whose certificate and key are reused (default: the appUser.id fixture in tests/fixtures)
//   --dir   where to build the wallet (default: a new temporary folder, removed afterwards)
// Prints one JSON object; times are medians (and 90th percentiles) of single calls.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Wallets } = require('fabric-network');

function parseArgs(argv) {
	const opts = {
		n: 10000,
		gets: 2000,
		lists: 30,
		id: path.join(__dirname, '../fixtures/fabric-network-2.2.20/wallet/appUser.id'),
		dir: null,
		keep: false,
	};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		const value = () => {
			if (i + 1 >= argv.length) {
				throw new Error(`${arg} needs a value`);
			}
			return argv[++i];
		};
		switch (arg) {
			case '--n': opts.n = Number.parseInt(value(), 10); break;
			case '--gets': opts.gets = Number.parseInt(value(), 10); break;
			case '--lists': opts.lists = Number.parseInt(value(), 10); break;
			case '--id': opts.id = value(); break;
			case '--dir': opts.dir = value(); break;
			case '--keep': opts.keep = true; break;
			default: throw new Error(`unknown argument ${arg}`);
		}
	}
	for (const key of ['n', 'gets', 'lists']) {
		if (!Number.isInteger(opts[key]) || opts[key] < 1) {
			throw new Error(`--${key} must be a positive integer`);
		}
	}
	return opts;
}

function quantile(sorted, q) {
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function summary(samplesNs, unit) {
	const div = unit === 'us' ? 1e3 : 1e6;
	const sorted = samplesNs.map((ns) => Number(ns) / div).sort((a, b) => a - b);
	const round = (x) => Math.round(x * 1000) / 1000;
	return { [`median_${unit}`]: round(quantile(sorted, 0.5)), [`p90_${unit}`]: round(quantile(sorted, 0.9)), samples: sorted.length };
}

async function main() {
	const opts = parseArgs(process.argv.slice(2));
	const source = JSON.parse(fs.readFileSync(opts.id, 'utf8'));
	const identity = {
		credentials: { certificate: source.credentials.certificate, privateKey: source.credentials.privateKey },
		mspId: source.mspId,
		type: 'X.509',
	};
	const dir = opts.dir || fs.mkdtempSync(path.join(os.tmpdir(), 'bench-wallet-'));
	try {
		const wallet = await Wallets.newFileSystemWallet(dir);
		const labels = Array.from({ length: opts.n }, (_, i) => `user${i}`);

		const fillStart = process.hrtime.bigint();
		for (const label of labels) {
			await wallet.put(label, identity);
		}
		const fillMs = Number(process.hrtime.bigint() - fillStart) / 1e6;

		// Warm up, then time single calls on labels spread over the wallet.
		for (let i = 0; i < Math.min(100, opts.gets); i++) {
			await wallet.get(labels[i % labels.length]);
		}
		const gets = [];
		for (let i = 0; i < opts.gets; i++) {
			const label = labels[(i * 7919) % labels.length];
			const t = process.hrtime.bigint();
			const got = await wallet.get(label);
			gets.push(process.hrtime.bigint() - t);
			if (!got || got.mspId !== identity.mspId) {
				throw new Error(`get(${label}) returned ${JSON.stringify(got)}`);
			}
		}
		await wallet.list();
		const lists = [];
		for (let i = 0; i < opts.lists; i++) {
			const t = process.hrtime.bigint();
			const listed = await wallet.list();
			lists.push(process.hrtime.bigint() - t);
			if (listed.length !== opts.n) {
				throw new Error(`list() returned ${listed.length} labels, expected ${opts.n}`);
			}
		}

		console.log(JSON.stringify({
			node: process.version,
			fabric_network: require('fabric-network/package.json').version,
			identities: opts.n,
			fill_ms: Math.round(fillMs),
			get: summary(gets, 'us'),
			list: summary(lists, 'ms'),
		}));
	} finally {
		if (!opts.dir && !opts.keep) {
			fs.rmSync(dir, { recursive: true, force: true });
		}
	}
}

main().catch((err) => {
	console.error(err && err.stack ? err.stack : err);
	process.exit(1);
});
