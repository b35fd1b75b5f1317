// Side-by-side: perpx against its npm peers (ethers v6, viem) on the same
// EIP-1559 transaction, the same keccak inputs, the same EIP-2612 Permit
// (EIP-712 digest) and the same venue orders (placeOrder / placeOrders
// calldata, `perpx bench encode`: the venue adapter, its append form, and
// the generic Json codec as a fallback row), with the raw libsecp256k1
// sign rate (the floor no signer can beat) and Crypto++'s Keccak_256 as
// references; the same eth_getLogs reply (100k Chainlink AnswerUpdated logs,
// generated here, deterministic) decoded from its raw text by all three; and
// the HTTP keep-alive round trip to anvil of perpx's RpcClient beside a raw
// libcurl / TCP floor measured in the same perpx process (`perpx bench rtt`).
// Started by bench/compare; see there for the options.
//
// Noise control on a shared machine: the tools take turns in short rounds
// (the order rotates every round) and every figure is the median over the
// rounds; perpx/raw and perpx/Crypto++ are ratios measured inside one perpx
// process, whose median is reported.
//
// Targets (issue 9, issue 3), each row's verdict met / MISSED: signing within
// 0.9x of raw libsecp256k1; decoding and encoding (EIP-712 hash, calldata,
// getLogs) at least 3x the best peer; round trips within 1.10x of the floor.
// Keccak has no target (the table shows it beside Crypto++).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, existsSync, writeFileSync, unlinkSync, mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet, Interface, JsonRpcProvider, TypedDataEncoder, keccak256 as ethersKeccak256, id as ethersId } from 'ethers';
import { keccak256 as viemKeccak256, decodeEventLog, parseAbi, createPublicClient, http, hashTypedData,
         encodeFunctionData } from 'viem';
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

// EIP-712: an EIP-2612 Permit on USDC (Arbitrum One), as in cmd_bench.cpp's kPermitDoc.
const PERMIT = {
  domain: { name: 'USD Coin', version: '2', chainId: 42161, verifyingContract: '0xaf88d065e77c8cc2239327c5edb3a432268e5831' },
  types: {
    Permit: [{ name: 'owner', type: 'address' }, { name: 'spender', type: 'address' }, { name: 'value', type: 'uint256' },
             { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }],
  },
  message: { owner: '0x2c7536e3605d9c16a7a3d7b1898e529396a65c23', spender: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
             value: 1000000000000n, nonce: 7n, deadline: 1700003600n },
};
// The reference venue's order calls (contracts/PerpVenue.sol), as in cmd_bench.cpp's bench_orders().
const VENUE_ABI = [
  'function placeOrder(uint256 market, int256 sizeDelta, uint256 limitPrice, uint256 deadline)',
  'function placeOrders((uint256 market, int256 sizeDelta, uint256 limitPrice, uint256 deadline)[] orders)',
];
const E18 = 10n ** 18n;
const ORDERS = [
  { market: 1n, sizeDelta: -2500000000000000000n, limitPrice: 3000n * E18, deadline: 1700000000n },
  { market: 2n, sizeDelta: 40000000000000000n, limitPrice: 65000n * E18, deadline: 1700000060n },
  { market: 1n, sizeDelta: 1000000000000000000n, limitPrice: 3100n * E18, deadline: 1700000120n },
  { market: 3n, sizeDelta: -7000000000000000000n, limitPrice: 150n * E18, deadline: 1700000180n },
];
const orderArgs = (o) => [o.market, o.sizeDelta, o.limitPrice, o.deadline];

// ---- options

function die(msg) {
  process.stderr.write(`bench/compare: ${msg}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const o = { buildDir: process.env.PERPX_BUILD_DIR || 'build', rounds: 5, seconds: 1, json: false, logs: 100000,
              logRounds: 3, rttSeconds: 3, chain: true };
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
    else if (a === '--logs') o.logs = Number(val());
    else if (a === '--log-rounds') o.logRounds = Number(val());
    else if (a === '--rtt-seconds') o.rttSeconds = Number(val());
    else if (a === '--no-chain') o.chain = false;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(
        'usage: bench/compare [--build-dir DIR] [--perpx BIN] [--core-bench BIN] [--rounds N] [--seconds S]\n' +
          '                     [--logs N] [--log-rounds N] [--rtt-seconds S] [--no-chain] [--json]\n' +
          '  --build-dir  CMake build folder holding bin/perpx and bin/core_bench (default $PERPX_BUILD_DIR or build)\n' +
          '  --rounds     interleaved rounds; figures are medians over them (default 5, 1..50)\n' +
          '  --seconds    signing time per tool per round (default 1, 0.05..60)\n' +
          '  --logs        AnswerUpdated logs in the generated eth_getLogs reply (default 100000, 1000..1000000)\n' +
          '  --log-rounds  interleaved rounds of the log decoders; medians reported (default 3, 1..50)\n' +
          '  --rtt-seconds time of `perpx bench rtt` against a local anvil (default 3, 0.5..60)\n' +
          '  --no-chain    skip the chain rows (round trip and log decoding)\n' +
          '  --json       one JSON object instead of the table\n');
      process.exit(0);
    } else die(`unknown argument '${a}' (see --help)`);
  }
  if (!Number.isInteger(o.rounds) || o.rounds < 1 || o.rounds > 50) die('--rounds must be an integer from 1 to 50');
  if (!Number.isFinite(o.seconds) || o.seconds < 0.05 || o.seconds > 60) die('--seconds must be a number from 0.05 to 60');
  if (!Number.isInteger(o.logs) || o.logs < 1000 || o.logs > 1000000) die('--logs must be an integer from 1000 to 1000000');
  if (!Number.isInteger(o.logRounds) || o.logRounds < 1 || o.logRounds > 50) die('--log-rounds must be an integer from 1 to 50');
  if (!Number.isFinite(o.rttSeconds) || o.rttSeconds < 0.5 || o.rttSeconds > 60) die('--rtt-seconds must be a number from 0.5 to 60');
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

// ---- the log workload (decoded by apps/perpx/cmd_bench.cpp `bench decode-logs`)

const ANSWER_UPDATED = 'event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt)';
const LOG_FEED = '0xe62b71cf983019bff55bc83b48601ce8419650cc';

// An eth_getLogs reply as a node sends it (key order and fields of anvil and
// geth, blockTimestamp included), four logs per block, deterministic. About
// one answer in 97 is negative, so the int256 sign path is exercised. Also
// returns what every decoder must find (sums modulo 2^64, the last answer).
function makeLogsReply(n) {
  const topic0 = ethersId('AnswerUpdated(int256,uint256,uint256)');
  const h64 = (x) => x.toString(16).padStart(64, '0');
  let seed = 0x9e3779b9;
  const next = () => {
    seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
    return seed;
  };
  const parts = new Array(n);
  let answerSum = 0n, roundSum = 0n, updatedSum = 0n, negatives = 0, last = 0n;
  for (let i = 0; i < n; ++i) {
    const block = 19000000 + Math.floor(i / 4);
    const index = (i % 4).toString(16);
    let answer = 300000000000n + BigInt(next() % 20000000000) - 10000000000n;
    if (i % 97 === 0) { answer = -answer; ++negatives; }
    const round = (5n << 64n) | BigInt(i + 1);  // phase 5, as a Chainlink proxy reports it
    const updatedAt = 1700000000 + 3 * i;
    answerSum += answer; roundSum += round; updatedSum += BigInt(updatedAt); last = answer;
    const blockHash = '0x' + block.toString(16).padStart(16, '0').repeat(4);
    const txHash = '0x' + (i + 1).toString(16).padStart(16, '0') + 'ab'.repeat(24);
    parts[i] =
      `{"address":"${LOG_FEED}","topics":["${topic0}","0x${h64(BigInt.asUintN(256, answer))}","0x${h64(round)}"],` +
      `"data":"0x${h64(BigInt(updatedAt))}","blockHash":"${blockHash}","blockNumber":"0x${block.toString(16)}",` +
      `"blockTimestamp":"0x${(1700000000 + 12 * (block - 19000000)).toString(16)}","transactionHash":"${txHash}",` +
      `"transactionIndex":"0x${index}","logIndex":"0x${index}","removed":false}`;
  }
  const expect = {
    logs: n, answer_sum_mod_2_64: BigInt.asUintN(64, answerSum).toString(),
    round_sum_mod_2_64: BigInt.asUintN(64, roundSum).toString(),
    updated_sum_mod_2_64: BigInt.asUintN(64, updatedSum).toString(), negatives, last_answer: last.toString(),
  };
  return { text: `{"jsonrpc":"2.0","id":1,"result":[${parts.join(',')}]}`, expect };
}

function logSums(logs, decodeOne) {
  let answer = 0n, round = 0n, updated = 0n, negatives = 0, last = 0n;
  for (const l of logs) {
    const [current, roundId, updatedAt] = decodeOne(l);
    answer += current; round += roundId; updated += updatedAt; last = current;
    if (current < 0n) ++negatives;
  }
  return {
    logs: logs.length, answer_sum_mod_2_64: BigInt.asUintN(64, answer).toString(),
    round_sum_mod_2_64: BigInt.asUintN(64, round).toString(), updated_sum_mod_2_64: BigInt.asUintN(64, updated).toString(),
    negatives, last_answer: last.toString(),
  };
}

// Each peer from the raw reply text to decoded values: JSON.parse, then its
// event decoder on every log (topics and data only: unlike perpx's
// parse_log, the peers leave the other fields as strings, which favours them).
// ethers: Interface.decodeEventLog with the fragment resolved once and topic0
// checked against its cached topicHash; measured here about 1.3x faster than
// Interface.parseLog (which looks the event up on every log) and as fast as
// AbiCoder.decode on the three words, so this is ethers at its best.
const ethersIface = new Interface([ANSWER_UPDATED]);
const ethersEvent = ethersIface.getEvent('AnswerUpdated');
const viemAbi = parseAbi([ANSWER_UPDATED]);
const logDecoders = {
  ethers: (text) => logSums(JSON.parse(text).result, (l) => {
    if (l.topics[0] !== ethersEvent.topicHash) die('ethers: a log did not match AnswerUpdated');
    const a = ethersIface.decodeEventLog(ethersEvent, l.data, l.topics);
    return [a.current, a.roundId, a.updatedAt];
  }),
  viem: (text) => logSums(JSON.parse(text).result, (l) => {
    const { args } = decodeEventLog({ abi: viemAbi, data: l.data, topics: l.topics, strict: true });
    return [args.current, args.roundId, args.updatedAt];
  }),
};

// ---- the peers' round trip: ethers JsonRpcProvider (batchMaxCount: 1, so no
// batching stall) and a viem http transport, eth_blockNumber to an anvil of
// their own (the same pinned binary LocalChain uses), interleaved in batches.

async function startAnvil() {
  const bin = process.env.PERPX_ANVIL || 'node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil';
  if (!existsSync(bin)) die(`anvil not found at ${bin}`);
  const child = spawn(bin, ['--host', '127.0.0.1', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('anvil did not start in 10 s')), 10000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/Listening on 127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`anvil exited ${code}`)); });
  }).catch((e) => { child.kill('SIGKILL'); die(e.message); });
  child.stdout.removeAllListeners('data');
  child.stdout.resume();
  child.removeAllListeners('exit');
  return { child, url: `http://127.0.0.1:${port}` };
}

function pct(ns, p) {
  const s = [...ns].sort((a, b) => a - b);
  return s[Math.min(s.length, Math.max(1, Math.ceil(p * s.length))) - 1];
}

async function peerRtt(seconds, batch) {
  const { child, url } = await startAnvil();
  try {
    const provider = new JsonRpcProvider(url, 31337, { staticNetwork: true, batchMaxCount: 1 });
    const client = createPublicClient({ transport: http(url) });
    const calls = {
      ethers: () => provider.send('eth_blockNumber', []),
      viem: () => client.request({ method: 'eth_blockNumber' }),
    };
    for (let i = 0; i < 300; ++i) for (const c of Object.values(calls)) await c();
    const us = { ethers: [], viem: [] };
    const names = Object.keys(calls);
    const end = performance.now() + seconds * 1000;
    for (let r = 0; performance.now() < end; ++r)
      for (let k = 0; k < names.length; ++k) {
        const name = names[(k + r) % names.length];
        for (let i = 0; i < batch; ++i) {
          const t0 = performance.now();
          await calls[name]();
          us[name].push((performance.now() - t0) * 1000);
        }
      }
    provider.destroy();
    return Object.fromEntries(names.map((n) => [n, { p50_us: pct(us[n], 0.5), p99_us: pct(us[n], 0.99), calls: us[n].length }]));
  } finally {
    child.kill('SIGTERM');
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

const ethersVenue = new Interface(VENUE_ABI);
const viemVenue = parseAbi(VENUE_ABI);
const peers = {
  ethers: {
    sign: () => wallet.signTransaction(ETHERS_TX),
    keccak: (b) => ethersKeccak256(b),
    eip712: () => TypedDataEncoder.hash(PERMIT.domain, PERMIT.types, PERMIT.message),
    placeOrder: () => ethersVenue.encodeFunctionData('placeOrder', orderArgs(ORDERS[0])),
    placeOrders4: () => ethersVenue.encodeFunctionData('placeOrders', [ORDERS.map(orderArgs)]),
  },
  viem: {
    sign: () => account.signTransaction(VIEM_TX),
    keccak: (b) => viemKeccak256(b),
    eip712: () => hashTypedData({ ...PERMIT, primaryType: 'Permit' }),
    placeOrder: () => encodeFunctionData({ abi: viemVenue, functionName: 'placeOrder', args: orderArgs(ORDERS[0]) }),
    placeOrders4: () => encodeFunctionData({ abi: viemVenue, functionName: 'placeOrders', args: [ORDERS] }),
  },
};
const ENCODE_OPS = ['eip712', 'placeOrder', 'placeOrders4'];
// Same bytes everywhere: the three digests and calldata must be identical.
{
  const j = JSON.parse(run(opts.perpx, ['bench', 'encode', '--seconds', '0.05', '--json']));
  const want = { eip712: j.permit_digest, placeOrder: j.place_order_calldata, placeOrders4: j.place_orders_calldata };
  for (const op of ENCODE_OPS)
    for (const [name, p] of Object.entries(peers))
      if (p[op]().toLowerCase() !== want[op]) die(`${name} and perpx disagree on ${op}:\n  perpx  ${want[op]}\n  ${name} ${p[op]()}`);
}
const inputs = Object.fromEntries(KECCAK_SIZES.map((n) => [n, Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 255)]));
for (const n of KECCAK_SIZES)
  if (ethersKeccak256(inputs[n]) !== viemKeccak256(inputs[n])) die(`ethers and viem disagree on keccak256 of ${n} bytes`);

// JIT warm-up before anything is timed.
for (const p of Object.values(peers)) {
  await rate(p.sign, 0.3, true);
  for (const n of KECCAK_SIZES) await rate(() => p.keccak(inputs[n]), 0.1, false);
  for (const op of ENCODE_OPS) await rate(p[op], 0.2, false);
}

const samples = { sign: { perpx: [], raw: [], ratioRaw: [], ethers: [], viem: [] } };
for (const n of KECCAK_SIZES) samples[`keccak${n}`] = { perpx: [], cryptopp: [], ratioCryptopp: [], ethers: [], viem: [] };
for (const op of ENCODE_OPS) samples[op] = { perpx: [], typed: [], generic: [], ethers: [], viem: [] };
// perpx's rates by `bench encode` key: [the production path, its allocation-free
// append form or null, the generic Json codec or null].
const PERPX_ENCODE_KEYS = {
  eip712: ['eip712_permit_hash_per_s', null, null],
  placeOrder: ['place_order_adapter_per_s', 'place_order_typed_per_s', 'place_order_generic_per_s'],
  placeOrders4: ['place_orders4_adapter_per_s', 'place_orders4_typed_per_s', 'place_orders4_generic_per_s'],
};

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
      const e = JSON.parse(run(opts.perpx, ['bench', 'encode', '--seconds', String(opts.seconds), '--json']));
      for (const op of ENCODE_OPS) {
        const [prod, typed, generic] = PERPX_ENCODE_KEYS[op];
        samples[op].perpx.push(e[prod]);
        if (typed) samples[op].typed.push(e[typed]);
        if (generic) samples[op].generic.push(e[generic]);
      }
    } else {
      samples.sign[tool].push(await rate(peers[tool].sign, opts.seconds, true));
      for (const n of KECCAK_SIZES) samples[`keccak${n}`][tool].push(await rate(() => peers[tool].keccak(inputs[n]), 0.1, false));
      for (const op of ENCODE_OPS) samples[op][tool].push(await rate(peers[tool][op], opts.seconds / 5, false));
    }
  }
}

// ---- chain: log decoding (interleaved rounds) and the round trip to anvil

let chain = null;
if (opts.chain) {
  const dir = mkdtempSync(join(tmpdir(), 'perpx-bench-'));
  const file = join(dir, 'getlogs-reply.json');
  // die() exits at once: remove the temporary reply on every way out.
  const cleanup = () => {
    try { unlinkSync(file); } catch {}
    try { rmdirSync(dir); } catch {}
  };
  process.on('exit', cleanup);
  try {
    const { text, expect } = makeLogsReply(opts.logs);
    writeFileSync(file, text);
    // Every decoder must find the values the generator put in.
    const check = (who, got, want = expect) => {
      for (const [k, v] of Object.entries(want))
        if (got[k] !== v) die(`${who} decoded the getLogs reply differently: ${k} = ${got[k]}, expected ${v}`);
    };
    // JIT warm-up on a smaller reply of the same shape.
    const warm = makeLogsReply(5000);
    for (const [name, dec] of Object.entries(logDecoders)) check(`${name} (warm-up)`, dec(warm.text), warm.expect);
    const logSamples = { typed: [], generic: [], parseOnly: [], ethers: [], viem: [] };
    for (let r = 0; r < opts.logRounds; ++r) {
      const order = tools.map((_, i) => tools[(i + r) % tools.length]);
      if (!opts.json) process.stderr.write(`logs round ${r + 1}/${opts.logRounds} (${order.join(', ')})\n`);
      for (const tool of order) {
        if (tool === 'perpx') {
          const j = JSON.parse(run(opts.perpx, ['bench', 'decode-logs', '--file', file, '--repeat', '1', '--json']));
          check('perpx', j.check);
          logSamples.typed.push(j.typed_logs_per_s);
          logSamples.generic.push(j.generic_logs_per_s);
          logSamples.parseOnly.push(j.general_path_logs_per_s);
        } else {
          const t0 = performance.now();
          const got = logDecoders[tool](text);
          const t1 = performance.now();
          check(tool, got);
          logSamples[tool].push((opts.logs * 1000) / (t1 - t0));
        }
      }
    }
    chain = { logSamples, bytes: text.length };
  } finally {
    cleanup();
  }
  if (!opts.json) process.stderr.write(`round trips to anvil (${opts.rttSeconds} s)\n`);
  chain.rtt = JSON.parse(run(opts.perpx, ['bench', 'rtt', '--seconds', String(opts.rttSeconds), '--json']));
  if (!opts.json) process.stderr.write(`peers' round trips to anvil (${opts.rttSeconds} s)\n`);
  chain.peerRtt = await peerRtt(opts.rttSeconds, chain.rtt.batch);
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
    target: '>= 0.9x raw', met: m(s.ratioRaw) >= 0.9,
  });
}
for (const n of KECCAK_SIZES) {
  const s = samples[`keccak${n}`];
  const best = m(s.ethers) >= m(s.viem) ? 'ethers' : 'viem';
  rows.push({
    what: `keccak256 ${n} B (hashes/s)`, perpx: m(s.perpx), ethers: m(s.ethers), viem: m(s.viem),
    best_peer: best, perpx_over_best_peer: m(s.perpx) / m(s[best]),
    reference: 'Crypto++ 8.7 Keccak_256', reference_per_s: m(s.cryptopp), perpx_over_reference: m(s.ratioCryptopp),
    target: null, met: null,
  });
}
{
  const labels = {
    eip712: ['EIP-712 digest, EIP-2612 Permit (hashes/s)', 'signer::eip712::hash_typed_data (parsed document)'],
    placeOrder: ['placeOrder calldata (encodes/s)', 'venues::place_order_call (the adapter: typed words, returns Bytes)'],
    placeOrders4: ['placeOrders(4 orders) calldata (encodes/s)', 'venues::place_orders_call (the adapter: typed words, returns Bytes)'],
  };
  const appendLabels = { placeOrder: 'venues::append_place_order', placeOrders4: 'venues::append_place_orders' };
  for (const op of ENCODE_OPS) {
    const s = samples[op];
    const best = m(s.ethers) >= m(s.viem) ? 'ethers' : 'viem';
    const push = (what, perpx) => rows.push({
      what, perpx, ethers: m(s.ethers), viem: m(s.viem), best_peer: best, perpx_over_best_peer: perpx / m(s[best]),
      reference: null, reference_per_s: null, perpx_over_reference: null,
      target: '>= 3x best peer', met: perpx / m(s[best]) >= 3,
    });
    push(`${labels[op][0]}: ${labels[op][1]}`, m(s.perpx));
    if (s.typed.length) push(`${labels[op][0]}: ${appendLabels[op]} (reserved buffer, no allocation)`, m(s.typed));
    // Not what the venue sends: the codec for ABIs without typed encoders.
    if (s.generic.length) push(`${labels[op][0]}: generic fallback, chain::encode_call (parsed fragment, Json args)`, m(s.generic));
  }
}
if (chain) {
  const s = chain.logSamples;
  const best = m(s.ethers) >= m(s.viem) ? 'ethers' : 'viem';
  for (const [kind, label] of [['typed', 'parse_logs_reply + decode_answer_updated'], ['generic', 'parse_logs_reply + abi decode_log']])
    rows.push({
      what: `getLogs ${opts.logs / 1000}k AnswerUpdated, ${label} (logs/s)`, perpx: m(s[kind]), ethers: m(s.ethers),
      viem: m(s.viem), best_peer: best, perpx_over_best_peer: m(s[kind]) / m(s[best]),
      reference: 'perpx nlohmann tree + parse_log (the general path, no event decoding)', reference_per_s: m(s.parseOnly), perpx_over_reference: m(s[kind]) / m(s.parseOnly),
      target: '>= 3x best peer', met: m(s[kind]) / m(s[best]) >= 3,
    });
  // Latency rows: lower is better, so perpx/best peer is the peer's latency
  // over perpx's (above 1: perpx is faster) and perpx/ref is perpx's latency
  // over the floor's (1.10x = 10% overhead).
  const r = chain.rtt, pr = chain.peerRtt;
  for (const p of ['p50_us', 'p99_us']) {
    const best = pr.ethers[p] <= pr.viem[p] ? 'ethers' : 'viem';
    for (const [key, name] of [['raw_curl', 'raw libcurl handle'], ['raw_tcp', 'raw TCP socket']])
      rows.push({
        what: `HTTP RTT to anvil, eth_blockNumber ${p.slice(0, 3)} (us)`, perpx: r.perpx_rpc_client[p], ethers: pr.ethers[p],
        viem: pr.viem[p], best_peer: best, perpx_over_best_peer: pr[best][p] / r.perpx_rpc_client[p],
        reference: `${name} (floor)`, reference_per_s: r[key][p], perpx_over_reference: r.perpx_rpc_client[p] / r[key][p],
        target: '<= 1.10x floor', met: r.perpx_rpc_client[p] / r[key][p] <= 1.1,
      });
    if (r.perpx_ws_rpc_client)
      rows.push({
        what: `WS RTT to anvil, eth_blockNumber ${p.slice(0, 3)} (us)`, perpx: r.perpx_ws_rpc_client[p], ethers: null, viem: null,
        best_peer: null, perpx_over_best_peer: null, reference: 'raw Boost.Beast stream (floor)',
        reference_per_s: r.raw_ws[p], perpx_over_reference: r.perpx_ws_rpc_client[p] / r.raw_ws[p],
        target: '<= 1.10x floor', met: r.perpx_ws_rpc_client[p] / r.raw_ws[p] <= 1.1,
      });
  }
}

const meta = {
  rounds: opts.rounds, seconds_per_tool_per_round: opts.seconds,
  ethers: version('ethers'), viem: version('viem'), node: process.version,
  tx: 'EIP-1559, chain 42161, 132 B calldata, no access list; identical raw encoding checked across perpx, ethers, viem',
};
if (chain) {
  meta.logs = { count: opts.logs, reply_bytes: chain.bytes, rounds: opts.logRounds,
                ethers: 'JSON.parse + Interface.decodeEventLog (fragment resolved once)', viem: 'JSON.parse + decodeEventLog (strict)',
                check: 'sums of answers, round ids, updatedAt and the last answer equal across all decoders' };
  meta.rtt = { perpx: chain.rtt, peers: chain.peerRtt,
               peers_how: 'ethers JsonRpcProvider.send with batchMaxCount: 1 (no 10 ms batch stall), staticNetwork; ' +
                          'viem createPublicClient(http).request; their own anvil, same binary, batches interleaved' };
}

if (opts.json) {
  process.stdout.write(JSON.stringify({ meta, rows }) + '\n');
} else {
  const fmt = (x) => (x === null ? '-' : x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
  const header = ['', 'perpx', `ethers ${meta.ethers}`, `viem ${meta.viem}`, 'perpx/best peer', 'reference', 'ref/s', 'perpx/ref',
                  'target', 'verdict'];
  const body = rows.map((r) => [r.what, fmt(r.perpx), fmt(r.ethers), fmt(r.viem),
    r.best_peer === null ? '-' : `${r.perpx_over_best_peer.toFixed(2)}x (${r.best_peer})`, r.reference ?? '-', fmt(r.reference_per_s),
    r.perpx_over_reference === null ? '-' : `${r.perpx_over_reference.toFixed(3)}x`, r.target ?? '-',
    r.met === null ? '-' : r.met ? 'met' : 'MISSED']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [
    `perpx vs npm peers: medians of ${opts.rounds} interleaved rounds, node ${meta.node}; same tx in all three (raw encodings match)`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    'perpx signing: `perpx bench sign` (its loop interleaved with the raw floor in one process); perpx keccak: bin/core_bench',
    '(Google Benchmark, beside Crypto++ in one process); perpx/ref is the median of those same-process ratios.',
    'EIP-712 and calldata: `perpx bench encode` (loops interleaved in one process); ethers TypedDataEncoder.hash and',
    'Interface.encodeFunctionData, viem hashTypedData and encodeFunctionData; digests and calldata checked equal in all three.',
    `Targets met: ${rows.filter((r) => r.met === true).length}, MISSED: ${rows.filter((r) => r.met === false).length}` +
      (rows.some((r) => r.met === false) ? ` (${rows.filter((r) => r.met === false).map((r) => r.what).join('; ')})` : '') + '.',
  ];
  if (chain) {
    const r = chain.rtt;
    out.push(
      `getLogs: one ${(chain.bytes / 1e6).toFixed(1)} MB reply, raw text to decoded values, medians of ${opts.logRounds} interleaved ` +
        'rounds (`perpx bench decode-logs`; ethers JSON.parse + Interface.decodeEventLog; viem JSON.parse + decodeEventLog); ' +
        'all decoders checked equal.',
      `RTT: \`perpx bench rtt\` (${r.seconds} s, the clients interleaved in batches of ${r.batch} on one anvil); ` +
        `perpx/ref is latency over the floor. p50 us: RpcClient ${r.perpx_rpc_client.p50_us.toFixed(1)}, ` +
        `HttpTransport alone ${r.perpx_http_transport.p50_us.toFixed(1)}, libcurl ${r.raw_curl.p50_us.toFixed(1)}, ` +
        `TCP ${r.raw_tcp.p50_us.toFixed(1)}; p99.9 RpcClient ${r.perpx_rpc_client.p999_us.toFixed(1)}` +
        (r.perpx_ws_rpc_client
          ? `; WS p50: RpcClient ${r.perpx_ws_rpc_client.p50_us.toFixed(1)}, WsClient alone ${r.perpx_ws_client.p50_us.toFixed(1)}, ` +
            `raw Beast ${r.raw_ws.p50_us.toFixed(1)}.`
          : '. No WebSocket row (perpx built without chain/ws.hpp).'),
      'RTT peers: ethers JsonRpcProvider (batchMaxCount: 1) and viem http transport on an anvil of their own in this run; ' +
        'for latency rows perpx/best peer is peer latency over perpx latency (above 1: perpx faster).');
  }
  process.stdout.write(out.join('\n') + '\n');
}
