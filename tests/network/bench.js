'use strict';
// A Caliper-style benchmark on the harness network: rounds of submit and evaluate through
// fabric-gateway, at a fixed number of transactions in flight (Caliper's fixed-load), signed
// either by libwallet (the identity's key stays in the wallet; every digest goes through
// wallet_identity_sign_digest) or by fabric-gateway's built-in signer over the same identity's
// exported PEM key. Reports Caliper's columns: Succ, Fail, Send Rate (TPS), Max/Min/Avg Latency
// (s), Throughput (TPS), and the resources (CPU, memory) of the client, peer, orderer and chaincode.
//
//   NETWORK_DIR=… node tests/network/bench.js [--duration S] [--concurrency N] [--signers wallet,builtin]
//       [--rounds submit,evaluate] [--label benchuser] [--json FILE] [--check]
//
// --check: fail unless every round's counts add up (Succ + Fail = sent, Succ > 0, Fail = 0,
// Min <= Avg <= Max). It checks shape, never speed.

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const gw = require('./client/gateway');

function parseArgs(argv) {
  const opts = { duration: 10, concurrency: 50, signers: ['wallet', 'builtin'], rounds: ['submit', 'evaluate'], label: 'benchuser', json: null, check: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--duration') opts.duration = Number(next());
    else if (a === '--concurrency') opts.concurrency = Number(next());
    else if (a === '--signers') opts.signers = next().split(',');
    else if (a === '--rounds') opts.rounds = next().split(',');
    else if (a === '--label') opts.label = next();
    else if (a === '--json') opts.json = next();
    else if (a === '--check') opts.check = true;
    else throw new Error(`unknown argument ${a} (see the head of bench.js)`);
  }
  if (!(opts.duration > 0) || !(opts.concurrency >= 1)) throw new Error('--duration and --concurrency must be positive');
  for (const s of opts.signers) if (!['wallet', 'builtin'].includes(s)) throw new Error(`unknown signer ${s} (wallet, builtin)`);
  for (const r of opts.rounds) if (!['submit', 'evaluate'].includes(r)) throw new Error(`unknown round ${r} (submit, evaluate)`);
  return opts;
}

// CPU time (s) and resident memory (bytes) of a process, from /proc.
function procSample(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    const rss = Number(fields[21]) * 4096;
    return { cpu: ticks / 100, rss };
  } catch {
    return null;
  }
}

// The processes to watch: the harness's (pids/*.pid) and this client.
function watched(net) {
  const out = { client: process.pid };
  const dir = path.join(net.dir, 'pids');
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.pid')) out[f.slice(0, -4)] = Number(fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  return out;
}

// Samples every 250 ms; reports CPU% (max/avg over intervals) and memory (max/avg), as Caliper's
// process monitor does.
function monitor(pids) {
  const series = Object.fromEntries(Object.keys(pids).map((k) => [k, { cpu: [], mem: [] }]));
  let last = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procSample(pid)]));
  let lastT = process.hrtime.bigint();
  const timer = setInterval(() => {
    const t = process.hrtime.bigint();
    const dt = Number(t - lastT) / 1e9;
    for (const [k, pid] of Object.entries(pids)) {
      const s = procSample(pid);
      if (s && last[k]) {
        series[k].cpu.push((100 * (s.cpu - last[k].cpu)) / dt);
        series[k].mem.push(s.rss);
      }
      last[k] = s;
    }
    lastT = t;
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      const mb = (b) => b / 1048576;
      const stat = (xs) => (xs.length ? { max: Math.max(...xs), avg: xs.reduce((a, b) => a + b, 0) / xs.length } : { max: 0, avg: 0 });
      return Object.fromEntries(
        Object.entries(series).map(([k, v]) => {
          const cpu = stat(v.cpu);
          const mem = stat(v.mem.map(mb));
          return [k, { cpuMaxPct: cpu.max, cpuAvgPct: cpu.avg, memMaxMB: mem.max, memAvgMB: mem.avg }];
        }),
      );
    },
  };
}

// One round: `concurrency` loops, each sending its next transaction as soon as the last one
// finished, until `duration` seconds have passed since the first send.
async function round(kind, contract, opts) {
  const latencies = [];
  const failures = {};
  let sent = 0;
  let succ = 0;
  let fail = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(opts.duration * 1e9));
  let lastSend = start;
  let lastDone = start;
  const once = async () => {
    const key = `bench-${crypto.randomUUID()}`;
    if (kind === 'submit') {
      const res = await contract.submitAsync('put', { arguments: [key, 'x'] });
      const status = await res.getStatus();
      if (!status.successful) throw new Error(`transaction ${status.transactionId} is invalid (code ${status.code})`);
    } else {
      await contract.evaluateTransaction('whoami');
    }
  };
  const worker = async () => {
    while (process.hrtime.bigint() < end) {
      const t0 = process.hrtime.bigint();
      lastSend = t0;
      sent++;
      try {
        await once();
        succ++;
        const t1 = process.hrtime.bigint();
        lastDone = t1;
        latencies.push(Number(t1 - t0) / 1e9);
      } catch (err) {
        fail++;
        lastDone = process.hrtime.bigint();
        const why = String(err.message).slice(0, 160);
        failures[why] = (failures[why] || 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const sendSpan = Number(lastSend - start) / 1e9;
  const doneSpan = Number(lastDone - start) / 1e9;
  return {
    succ,
    fail,
    sent,
    sendRate: sendSpan > 0 ? sent / sendSpan : 0,
    maxLatency: latencies.length ? Math.max(...latencies) : 0,
    minLatency: latencies.length ? Math.min(...latencies) : 0,
    avgLatency: latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : 0,
    throughput: doneSpan > 0 ? succ / doneSpan : 0,
    failures,
  };
}

function table(rows) {
  const head = ['Name', 'Succ', 'Fail', 'Send Rate (TPS)', 'Max Latency (s)', 'Min Latency (s)', 'Avg Latency (s)', 'Throughput (TPS)'];
  const lines = rows.map((r) => [r.name, r.succ, r.fail, r.sendRate.toFixed(1), r.maxLatency.toFixed(3), r.minLatency.toFixed(3), r.avgLatency.toFixed(3), r.throughput.toFixed(1)].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

function resourceTable(rows) {
  const out = ['| Round | Process | CPU% (max) | CPU% (avg) | Memory max (MB) | Memory avg (MB) |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    for (const [p, v] of Object.entries(r.resources)) {
      out.push(`| ${r.name} | ${p} | ${v.cpuMaxPct.toFixed(1)} | ${v.cpuAvgPct.toFixed(1)} | ${v.memMaxMB.toFixed(1)} | ${v.memAvgMB.toFixed(1)} |`);
    }
  }
  return out.join('\n');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const net = gw.network();
  const pem = path.join(net.ids, 'org1', opts.label, 'pem');
  const connections = {
    wallet: () => gw.open(net, { walletUri: net.wallets.org1.uri, passphraseFile: net.passphraseFile, label: opts.label }),
    builtin: () => gw.open(net, { certFile: path.join(pem, 'cert.pem'), keyFile: path.join(pem, 'key.pem'), mspId: 'Org1MSP' }),
  };
  const rows = [];
  for (const r of opts.rounds) {
    for (const s of opts.signers) {
      const c = connections[s]();
      try {
        // Warm up the connection (TLS handshake, first endorsement) outside the measurement.
        await c.contract.evaluateTransaction('whoami');
        const mon = monitor(watched(net));
        const result = await round(r, c.contract, opts);
        const resources = mon.stop();
        const name = `${r} (${s === 'wallet' ? 'libwallet signer' : 'built-in signer'})`;
        rows.push({ name, round: r, signer: s, concurrency: opts.concurrency, duration: opts.duration, ...result, resources, signatures: c.walletIdentity ? c.walletIdentity.signatures : null });
        console.error(`${name}: ${result.succ} succ, ${result.fail} fail`);
      } finally {
        c.close();
      }
    }
  }
  console.log(`concurrency ${opts.concurrency}, ${opts.duration} s per round, identity ${opts.label} (Org1MSP)\n`);
  console.log(table(rows));
  console.log('\nResources\n');
  console.log(resourceTable(rows));
  for (const r of rows) {
    for (const [why, n] of Object.entries(r.failures)) console.log(`failures in ${r.name}: ${n} x ${why}`);
  }
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ machine: machine(), rows }, null, 2) + '\n');
  if (opts.check) {
    const problems = [];
    for (const r of rows) {
      if (r.succ + r.fail !== r.sent) problems.push(`${r.name}: Succ ${r.succ} + Fail ${r.fail} != sent ${r.sent}`);
      if (r.succ === 0) problems.push(`${r.name}: no transaction succeeded`);
      if (r.fail !== 0) problems.push(`${r.name}: ${r.fail} transactions failed`);
      if (!(r.minLatency <= r.avgLatency && r.avgLatency <= r.maxLatency)) problems.push(`${r.name}: latencies out of order`);
      if (!(r.sendRate > 0 && r.throughput > 0)) problems.push(`${r.name}: no rate`);
      // A wallet round signs through libwallet: once per evaluate, three times per submit.
      if (r.signer === 'wallet') {
        const per = r.round === 'submit' ? 3 : 1;
        const expected = per * r.sent + 1; // + the warm-up evaluate
        if (r.signatures !== expected) problems.push(`${r.name}: libwallet made ${r.signatures} signatures, expected ${expected}`);
      }
    }
    if (problems.length) {
      console.error(`bench check failed:\n  ${problems.join('\n  ')}`);
      process.exit(1);
    }
    console.log('\nbench check: counts add up in every round');
  }
}

function machine() {
  const os = require('node:os');
  return { cpus: os.cpus().length, model: os.cpus()[0] && os.cpus()[0].model, memGB: Math.round(os.totalmem() / 1e9), node: process.version, load: os.loadavg() };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
