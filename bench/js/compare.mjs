// Side-by-side: perpx against its npm peers (ethers v6, viem) on the same
// EIP-1559 transaction and the same keccak inputs, with the raw libsecp256k1
// sign rate (the floor no signer can beat) and Crypto++'s Keccak_256 as
// references. Started by bench/compare; see there for the options.
//
// Noise control on a shared machine: the tools take turns in short rounds
// (the order rotates every round) and every figure is the median over the
// rounds; perpx/raw and perpx/Crypto++ are ratios measured inside one perpx
// process, whose median is reported.
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { Wallet, keccak256 as ethersKeccak256 } from 'ethers';
import { keccak256 as viemKeccak256 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

// ---- the workload (the same as apps/perpx/cmd_bench.cpp and bench/signer_bench.cpp)

// A well-known test key (never holds funds).
const KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const TX = {
  chainId: 42161,
  nonce: 42,
  maxPriorityFeePerGas: 1000000n,
  maxFeePerGas: 120000000n,
  gas: 350000n,
  to: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
  value: 0n,
  data:
    '0x3d7403a3' +
    '0000000000000000000000000000000000000000000000000000000000000001' +
    '0000000000000000000000000000000000000000000000000de0b6b3a7640000' +
    '00000000000000000000000000000000000000000000006c6b935b8bbd400000' +
    '000000000000000000000000000000000000000000000000000000006553f100',
};
const ETHERS_TX = {
  type: 2, chainId: TX.chainId, nonce: TX.nonce, maxPriorityFeePerGas: TX.maxPriorityFeePerGas,
  maxFeePerGas: TX.maxFeePerGas, gasLimit: TX.gas, to: TX.to, value: TX.value, data: TX.data,
};
const VIEM_TX = { type: 'eip1559', ...TX };
const PERPX_TX_JSON = JSON.stringify({
  type: '0x2', chainId: TX.chainId, nonce: TX.nonce, maxPriorityFeePerGas: Number(TX.maxPriorityFeePerGas),
  maxFeePerGas: Number(TX.maxFeePerGas), gas: Number(TX.gas), to: TX.to, value: 0, data: TX.data,
});
const KECCAK_SIZES = [32, 136, 4096];

// ---- options

function die(msg) {
  process.stderr.write(`bench/compare: ${msg}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const o = { buildDir: process.env.PERPX_BUILD_DIR || 'build', rounds: 5, seconds: 1, json: false };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) die(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--build-dir') o.buildDir = val();
    else if (a === '--perpx') o.perpx = val();
    else if (a === '--core-bench') o.coreBench = val();
    else if (a === '--rounds') o.rounds = Number(val());
    else if (a === '--seconds') o.seconds = Number(val());
    else if (a === '--json') o.json = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(
        'usage: bench/compare [--build-dir DIR] [--perpx BIN] [--core-bench BIN] [--rounds N] [--seconds S] [--json]\n' +
          '  --build-dir  CMake build folder holding bin/perpx and bin/core_bench (default $PERPX_BUILD_DIR or build)\n' +
          '  --rounds     interleaved rounds; figures are medians over them (default 5, 1..50)\n' +
          '  --seconds    signing time per tool per round (default 1, 0.05..60)\n' +
          '  --json       one JSON object instead of the table\n');
      process.exit(0);
    } else die(`unknown argument '${a}' (see --help)`);
  }
  if (!Number.isInteger(o.rounds) || o.rounds < 1 || o.rounds > 50) die('--rounds must be an integer from 1 to 50');
  if (!Number.isFinite(o.seconds) || o.seconds < 0.05 || o.seconds > 60) die('--seconds must be a number from 0.05 to 60');
  o.perpx ??= `${o.buildDir}/bin/perpx`;
  o.coreBench ??= `${o.buildDir}/bin/core_bench`;
  for (const [what, p] of [['perpx', o.perpx], ['core_bench', o.coreBench]])
    if (!existsSync(p)) die(`${what} not found at ${p} (build it, or pass --build-dir/--${what === 'perpx' ? 'perpx' : 'core-bench'})`);
  return o;
}

// ---- helpers

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function run(bin, args) {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) die(`${bin}: ${r.error.message}`);
  if (r.status !== 0) die(`${bin} ${args.join(' ')} exited ${r.status}: ${(r.stderr || '').trim().split('\n')[0]}`);
  return r.stdout;
}

// Calls fn (sync or async) in a loop for `seconds` of wall time; ops per second.
async function rate(fn, seconds, isAsync) {
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let n = 0;
  let now = start;
  if (isAsync) {
    do { await fn(); ++n; now = performance.now(); } while (now < end);
  } else {
    do { for (let k = 0; k < 16; ++k) fn(); n += 16; now = performance.now(); } while (now < end);
  }
  return (n * 1000) / (now - start);
}

function version(pkg) {
  try {
    return JSON.parse(readFileSync(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;
  } catch {
    return '?';
  }
}

// ---- main

const opts = parseArgs(process.argv.slice(2));
const wallet = new Wallet(KEY);
const account = privateKeyToAccount(KEY);

// Same transaction everywhere: the three raw signed encodings must be identical
// (RFC 6979 makes the signature deterministic).
const rawEthers = await wallet.signTransaction(ETHERS_TX);
const rawViem = await account.signTransaction(VIEM_TX);
const rawPerpx = run(opts.perpx, ['tx', 'sign', '--private-key', KEY, PERPX_TX_JSON]).trim();
if (rawEthers !== rawViem || rawEthers !== rawPerpx)
  die(`the three signers disagree on the benchmark tx:\n  perpx  ${rawPerpx}\n  ethers ${rawEthers}\n  viem   ${rawViem}`);

const peers = {
  ethers: {
    sign: () => wallet.signTransaction(ETHERS_TX),
    keccak: (b) => ethersKeccak256(b),
  },
  viem: {
    sign: () => account.signTransaction(VIEM_TX),
    keccak: (b) => viemKeccak256(b),
  },
};
const inputs = Object.fromEntries(KECCAK_SIZES.map((n) => [n, Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 255)]));
for (const n of KECCAK_SIZES)
  if (ethersKeccak256(inputs[n]) !== viemKeccak256(inputs[n])) die(`ethers and viem disagree on keccak256 of ${n} bytes`);

// JIT warm-up before anything is timed.
for (const p of Object.values(peers)) {
  await rate(p.sign, 0.3, true);
  for (const n of KECCAK_SIZES) await rate(() => p.keccak(inputs[n]), 0.1, false);
}

const samples = { sign: { perpx: [], raw: [], ratioRaw: [], ethers: [], viem: [] } };
for (const n of KECCAK_SIZES) samples[`keccak${n}`] = { perpx: [], cryptopp: [], ratioCryptopp: [], ethers: [], viem: [] };

const tools = ['perpx', 'ethers', 'viem'];
for (let r = 0; r < opts.rounds; ++r) {
  const order = tools.map((_, i) => tools[(i + r) % tools.length]);
  if (!opts.json) process.stderr.write(`round ${r + 1}/${opts.rounds} (${order.join(', ')})\n`);
  for (const tool of order) {
    if (tool === 'perpx') {
      // perpx splits its time between its own loop and the raw floor, interleaved.
      const j = JSON.parse(run(opts.perpx, ['bench', 'sign', '--seconds', String(2 * opts.seconds), '--json']));
      samples.sign.perpx.push(j.eip1559_sign_per_s);
      samples.sign.raw.push(j.raw_secp256k1_sign_per_s);
      samples.sign.ratioRaw.push(j.ratio);
      const gb = JSON.parse(run(opts.coreBench, ['--benchmark_filter=^BM_keccak_(perpx|cryptopp)/', '--benchmark_min_time=0.1',
                                                  '--benchmark_format=json']));
      const ns = Object.fromEntries(gb.benchmarks.map((b) => [b.name, b.real_time]));  // time_unit ns
      for (const n of KECCAK_SIZES) {
        const p = ns[`BM_keccak_perpx/${n}`], c = ns[`BM_keccak_cryptopp/${n}`];
        if (!p || !c) die(`core_bench did not report BM_keccak_perpx/${n} and BM_keccak_cryptopp/${n}`);
        samples[`keccak${n}`].perpx.push(1e9 / p);
        samples[`keccak${n}`].cryptopp.push(1e9 / c);
        samples[`keccak${n}`].ratioCryptopp.push(c / p);
      }
    } else {
      samples.sign[tool].push(await rate(peers[tool].sign, opts.seconds, true));
      for (const n of KECCAK_SIZES) samples[`keccak${n}`][tool].push(await rate(() => peers[tool].keccak(inputs[n]), 0.1, false));
    }
  }
}

// ---- report

const rows = [];
const m = (xs) => median(xs);
{
  const s = samples.sign;
  const best = m(s.ethers) >= m(s.viem) ? 'ethers' : 'viem';
  rows.push({
    what: 'EIP-1559 build+sign (tx/s)', perpx: m(s.perpx), ethers: m(s.ethers), viem: m(s.viem),
    best_peer: best, perpx_over_best_peer: m(s.perpx) / m(s[best]),
    reference: 'raw libsecp256k1 sign (floor)', reference_per_s: m(s.raw), perpx_over_reference: m(s.ratioRaw),
  });
}
for (const n of KECCAK_SIZES) {
  const s = samples[`keccak${n}`];
  const best = m(s.ethers) >= m(s.viem) ? 'ethers' : 'viem';
  rows.push({
    what: `keccak256 ${n} B (hashes/s)`, perpx: m(s.perpx), ethers: m(s.ethers), viem: m(s.viem),
    best_peer: best, perpx_over_best_peer: m(s.perpx) / m(s[best]),
    reference: 'Crypto++ 8.7 Keccak_256', reference_per_s: m(s.cryptopp), perpx_over_reference: m(s.ratioCryptopp),
  });
}

const meta = {
  rounds: opts.rounds, seconds_per_tool_per_round: opts.seconds,
  ethers: version('ethers'), viem: version('viem'), node: process.version,
  tx: 'EIP-1559, chain 42161, 132 B calldata, no access list; identical raw encoding checked across perpx, ethers, viem',
};

if (opts.json) {
  process.stdout.write(JSON.stringify({ meta, rows }) + '\n');
} else {
  const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
  const header = ['', 'perpx', `ethers ${meta.ethers}`, `viem ${meta.viem}`, 'perpx/best peer', 'reference', 'ref/s', 'perpx/ref'];
  const body = rows.map((r) => [r.what, fmt(r.perpx), fmt(r.ethers), fmt(r.viem),
    `${r.perpx_over_best_peer.toFixed(2)}x (${r.best_peer})`, r.reference, fmt(r.reference_per_s), `${r.perpx_over_reference.toFixed(3)}x`]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [
    `perpx vs npm peers: medians of ${opts.rounds} interleaved rounds, node ${meta.node}; same tx in all three (raw encodings match)`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    'perpx signing: `perpx bench sign` (its loop interleaved with the raw floor in one process); perpx keccak: bin/core_bench',
    '(Google Benchmark, beside Crypto++ in one process); perpx/ref is the median of those same-process ratios.',
  ];
  process.stdout.write(out.join('\n') + '\n');
}
