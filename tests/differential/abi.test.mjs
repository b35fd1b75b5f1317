// Differential test: `perpx abi` against ethers v6 (AbiCoder, Interface) with
// viem's encodeAbiParameters as a cross-check of the reference itself.
//
//   node tests/differential/abi.test.mjs <path-to-perpx>   (cwd: the repo root)
//
// Generates random ABI types and values from a seeded PRNG (deterministic;
// PERPX_ABI_SEED and PERPX_ABI_CASES override), then for each case checks:
//   encode         perpx abi encode 'fN(types)' args  == selector + ethers encoding
//   decode-output  perpx abi decode-output 'fN()(types)' <ethers encoding> == expected JSON
//   truncated      the same data minus 1..32 bytes fails (exit 1, stderr only)
//   decode-log     random events (indexed value types, indexed dynamic types
//                  as their topic, anonymous ones) via JSON fragment
// The last line is "N passed, M failed"; the exit status is 1 on any failure.
import { spawnSync } from "node:child_process";
import { ethers } from "ethers";
import { encodeAbiParameters } from "viem";

const perpx = process.argv[2];
if (!perpx) {
  console.error("usage: node tests/differential/abi.test.mjs <path-to-perpx>");
  process.exit(2);
}
const SEED = Number(process.env.PERPX_ABI_SEED ?? 20240611);
const CASES = Number(process.env.PERPX_ABI_CASES ?? 300);
const LOG_CASES = Math.ceil(CASES / 3);

// mulberry32
let state = SEED >>> 0;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);  // 0..n-1
const pick = (xs) => xs[int(xs.length)];
const randBytes = (n) => {
  let s = "0x";
  for (let i = 0; i < n; ++i) s += int(256).toString(16).padStart(2, "0");
  return s;
};

// ---- types: {kind, size, children} mirroring chain::AbiType ------------------
function randType(depth) {
  const r = rand();
  if (depth < 3 && r < 0.12) return { kind: "fixedarray", size: 1 + int(3), children: [randType(depth + 1)] };
  if (depth < 3 && r < 0.24) return { kind: "array", children: [randType(depth + 1)] };
  if (depth < 3 && r < 0.34) return { kind: "tuple", children: Array.from({ length: 1 + int(3) }, () => randType(depth + 1)) };
  return pick([
    () => ({ kind: "uint", size: 8 * (1 + int(32)) }),
    () => ({ kind: "int", size: 8 * (1 + int(32)) }),
    () => ({ kind: "address" }),
    () => ({ kind: "bool" }),
    () => ({ kind: "fixedbytes", size: 1 + int(32) }),
    () => ({ kind: "bytes" }),
    () => ({ kind: "string" }),
  ])();
}
function canonical(t) {
  switch (t.kind) {
    case "uint": case "int": case "fixedbytes": return (t.kind === "fixedbytes" ? "bytes" : t.kind) + t.size;
    case "fixedarray": return canonical(t.children[0]) + "[" + t.size + "]";
    case "array": return canonical(t.children[0]) + "[]";
    case "tuple": return "(" + t.children.map(canonical).join(",") + ")";
    default: return t.kind;
  }
}
// solc JSON form: "tuple[2][]" + components (for viem and for fragments).
function jsonParam(t, name = "") {
  let suffix = "";
  while (t.kind === "fixedarray" || t.kind === "array") {
    suffix = (t.kind === "array" ? "[]" : "[" + t.size + "]") + suffix;
    t = t.children[0];
  }
  if (t.kind === "tuple") return { name, type: "tuple" + suffix, components: t.children.map((c) => jsonParam(c)) };
  return { name, type: canonical(t) + suffix };
}
const isValueType = (t) => ["uint", "int", "address", "bool", "fixedbytes"].includes(t.kind);

// ---- values: {js: for ethers/viem, input: JSON text for perpx, out: expected decoded JSON} ----
const STRINGS = ["", "a", "hello world", "quote \" and \\ backslash", "ü€😀", "line\nbreak", "x".repeat(33), "日本語テキスト"];
function randBig(bits) {
  const shape = int(4);
  if (shape === 0) return 0n;
  if (shape === 1) return (1n << BigInt(bits)) - 1n;
  let v = 0n;
  for (let i = 0; i < bits; i += 8) v = (v << 8n) | BigInt(int(256));
  return shape === 2 ? v & ((1n << BigInt(1 + int(bits))) - 1n) : v;
}
function intInput(v) {
  const neg = v < 0n;
  const mag = neg ? -v : v;
  const form = int(3);
  if (form === 0 && mag < 2n ** 53n) return (neg ? "-" : "") + mag.toString();  // JSON integer
  if (form === 1) return JSON.stringify((neg ? "-0x" : "0x") + mag.toString(16));
  return JSON.stringify((neg ? "-" : "") + mag.toString());
}
function randValue(t) {
  switch (t.kind) {
    case "uint": { const v = randBig(t.size); return { js: v, input: intInput(v), out: v.toString() }; }
    case "int": {
      const half = 1n << BigInt(t.size - 1);
      const v = pick([() => -half, () => half - 1n, () => 0n, () => -1n, () => randBig(t.size) - half])();
      return { js: v, input: intInput(v), out: v.toString() };
    }
    case "address": {
      const a = ethers.getAddress(randBytes(20));
      return { js: a, input: JSON.stringify(rand() < 0.5 ? a : a.toLowerCase()), out: a };
    }
    case "bool": { const b = rand() < 0.5; return { js: b, input: String(b), out: b }; }
    case "fixedbytes": { const h = randBytes(t.size); return { js: h, input: JSON.stringify(h), out: h }; }
    case "bytes": { const h = randBytes(pick([0, 1, 31, 32, 33, int(100)])); return { js: h, input: JSON.stringify(h), out: h }; }
    case "string": { const s = pick(STRINGS); return { js: s, input: JSON.stringify(s), out: s }; }
    default: {
      const n = t.kind === "tuple" ? t.children.length : t.kind === "fixedarray" ? t.size : int(4);
      const items = Array.from({ length: n }, (_, i) => randValue(t.kind === "tuple" ? t.children[i] : t.children[0]));
      return { js: items.map((x) => x.js), input: "[" + items.map((x) => x.input).join(",") + "]", out: items.map((x) => x.out) };
    }
  }
}

// ---- running perpx -----------------------------------------------------------
let passed = 0, failed = 0;
function fail(what, detail) {
  failed++;
  if (failed <= 20) console.log(`FAIL ${what}\n  ${detail}`);
}
function run(args) {
  const r = spawnSync(perpx, args, { encoding: "utf8" });
  return { status: r.status, out: r.stdout.replace(/\n$/, ""), err: r.stderr };
}
function expectOk(what, args, check) {
  const r = run(args);
  if (r.status !== 0) return fail(what, `exit ${r.status}: ${r.err.trim()}\n  args: ${JSON.stringify(args)}`);
  const problem = check(r.out);
  if (problem) return fail(what, problem + `\n  args: ${JSON.stringify(args)}`);
  passed++;
}
function expectError(what, args) {
  const r = run(args);
  if (r.status === 1 && r.out === "" && r.err.split("\n").length === 2) passed++;
  else fail(what, `expected one-line error, got exit ${r.status}, stdout ${JSON.stringify(r.out)}, stderr ${JSON.stringify(r.err)}`);
}
const sameJson = (got, want) => {
  let parsed;
  try { parsed = JSON.parse(got); } catch { return `not JSON: ${got}`; }
  const a = JSON.stringify(parsed), b = JSON.stringify(want);
  return a === b ? null : `got  ${a}\n  want ${b}`;
};

const coder = ethers.AbiCoder.defaultAbiCoder();

// ---- function calls: encode and decode-output ----------------------------------
for (let i = 0; i < CASES; ++i) {
  const types = Array.from({ length: 1 + int(4) }, () => randType(0));
  const values = types.map(randValue);
  const canon = types.map(canonical);
  const sig = `f${i}(${canon.join(",")})`;
  const encoded = coder.encode(canon, values.map((v) => v.js));
  const viem = encodeAbiParameters(types.map((t) => jsonParam(t)), values.map((v) => v.js));
  if (viem !== encoded) { fail(`case ${i} reference`, `ethers and viem disagree on ${sig}`); continue; }
  const calldata = ethers.id(sig).slice(0, 10) + encoded.slice(2);
  const args = "[" + values.map((v) => v.input).join(",") + "]";
  expectOk(`case ${i} encode ${sig}`, ["abi", "encode", sig, args], (out) => (out === calldata ? null : `got  ${out}\n  want ${calldata}`));
  expectOk(`case ${i} decode-output ${sig}`, ["abi", "decode-output", `f${i}()(${canon.join(",")})`, encoded],
           (out) => sameJson(out, values.map((v) => v.out)));
  if (rand() < 0.25) {
    const cut = 1 + int(32);
    expectError(`case ${i} truncated by ${cut}`, ["abi", "decode-output", `(${canon.join(",")})`, encoded.slice(0, encoded.length - 2 * cut)]);
  }
}

// ---- events: decode-log -------------------------------------------------------
for (let i = 0; i < LOG_CASES; ++i) {
  const n = 1 + int(5);
  const params = Array.from({ length: n }, (_, k) => {
    const type = randType(1);
    return { type, name: rand() < 0.8 ? `p${k}` : "", indexed: false, value: randValue(type) };
  });
  // At most three indexed (four topics with topic0).
  let budget = 3;
  for (const p of params) if (budget > 0 && rand() < 0.4) { p.indexed = true; budget--; }
  const anonymous = rand() < 0.15;
  const name = `E${i}`;
  const fragment = {
    type: "event", name, anonymous,
    inputs: params.map((p) => ({ ...jsonParam(p.type, p.name), indexed: p.indexed })),
  };
  const topics = anonymous ? [] : [ethers.id(`${name}(${params.map((p) => canonical(p.type)).join(",")})`)];
  const expected = {};
  params.forEach((p, k) => {
    const key = p.name || String(k);
    if (!p.indexed) { expected[key] = p.value.out; return; }
    // Value types sit in the topic as their ABI word; other types are hashed
    // by Solidity, and perpx returns the topic itself.
    const topic = isValueType(p.type) ? coder.encode([canonical(p.type)], [p.value.js]) : ethers.keccak256(coder.encode([canonical(p.type)], [p.value.js]));
    topics.push(topic);
    expected[key] = isValueType(p.type) ? p.value.out : topic;
  });
  const dataParams = params.filter((p) => !p.indexed);
  const data = coder.encode(dataParams.map((p) => canonical(p.type)), dataParams.map((p) => p.value.js));
  const args = ["abi", "decode-log", JSON.stringify(fragment), "--topics", topics.join(","), "--data", data];
  if (topics.length === 0) args.splice(3, 2);
  expectOk(`log ${i} ${name}`, args, (out) => sameJson(out, expected));
  // ethers agrees on the non-indexed part and on indexed value types.
  if (!anonymous) {
    const iface = new ethers.Interface([fragment]);
    const decoded = iface.decodeEventLog(name, data, topics);
    params.forEach((p, k) => {
      if (p.indexed && !isValueType(p.type)) return;
      const mine = JSON.stringify(expected[p.name || String(k)]);
      const theirs = JSON.stringify(normalise(decoded[k]));
      if (mine !== theirs) fail(`log ${i} reference`, `ethers decodes param ${k} as ${theirs}, expected ${mine}`);
    });
  }
}

function normalise(v) {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v) || (v && typeof v.toArray === "function")) return Array.from(v, normalise);
  return v;
}

// Bad input at the CLI boundary.
expectError("bad arg", ["abi", "encode", "f(uint8)", "[256]"]);
expectError("bad sig", ["abi", "encode", "f(uint8", "[1]"]);

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
