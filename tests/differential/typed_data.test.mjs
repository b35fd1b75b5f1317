// Differential test: `perpx typed-data hash|sign` against ethers 6
// (TypedDataEncoder.hash, Wallet.signTypedData) and viem (hashTypedData) on
// seeded random EIP-712 documents: nested structs, arrays of structs, fixed,
// dynamic and nested arrays, every atomic type, every accepted number form.
// Then corrupted documents: perpx must refuse each one (exit 1, the field's
// path on stderr, nothing on stdout) where ethers refuses it too, and must
// refuse undeclared message fields, which ethers and viem ignore (a
// deliberate divergence, see signer/include/perpx/signer/eip712.hpp).
//
// Usage: node tests/differential/typed_data.test.mjs <perpx-binary> [seed]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TypedDataEncoder, Wallet, getAddress, hexlify } from "ethers";
import { hashTypedData } from "viem";

const bin = process.argv[2];
if (!bin) {
  console.error("usage: typed_data.test.mjs <perpx-binary> [seed]");
  process.exit(2);
}
const seed = Number(process.argv[3] ?? 712);
const kDocs = 200, kSigned = 60, kCorrupted = 60;

// mulberry32: small, seeded, reproducible.
let state = seed >>> 0;
const rand = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (n) => Math.floor(rand() * n);
const pick = (a) => a[int(a.length)];
const bytes = (n) => Uint8Array.from({ length: n }, () => int(256));
const randBig = (bits) => {
  let v = 0n;
  for (let i = 0; i < bits; i += 32) v = (v << 32n) | BigInt(int(2 ** 32));
  return v & ((1n << BigInt(bits)) - 1n);
};

const dir = mkdtempSync(join(tmpdir(), "perpx-712-"));
let passed = 0, failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else {
    failed++;
    if (failed <= 20) console.error("FAIL:", what);
  }
};
const perpx = (args, input) => spawnSync(bin, args, { input, encoding: "utf8" });

// ---- random documents -----------------------------------------------------

const ident = () => pick(["a", "b", "val", "owner", "x_1", "amount", "data", "items", "flag", "who", "memo"]) + int(100);

function atomicType() {
  switch (int(8)) {
    case 0: return "bool";
    case 1: return "address";
    case 2: return "string";
    case 3: return "bytes";
    case 4: return `bytes${1 + int(32)}`;
    case 5: return `int${8 * (1 + int(32))}`;
    default: return `uint${8 * (1 + int(32))}`;
  }
}
const withArrays = (t) => {
  for (let d = int(4) === 0 ? 1 + int(2) : 0; d > 0; d--) t += int(2) ? "[]" : `[${1 + int(3)}]`;
  return t;
};

// Structs S0 (primary) .. Sk; Si references only Sj with j > i (no cycles), and
// every Sj is referenced by some earlier struct (ethers needs one root).
function makeTypes() {
  const n = 1 + int(4);
  const names = Array.from({ length: n }, (_, i) => `S${i}${pick(["Order", "Leg", "Item", "Mail", "Z", "A"])}`);
  const types = {};
  names.forEach((name) => (types[name] = []));
  const used = (s) => new Set(types[s].map((f) => f.name));
  const addField = (s, type) => {
    let name;
    do name = ident(); while (used(s).has(name));
    types[s].push({ name, type });
  };
  for (let j = 1; j < n; j++) addField(names[int(j)], withArrays(names[j]));
  for (let i = 0; i < n; i++) {
    for (let k = int(5); k > 0; k--) addField(names[i], withArrays(atomicType()));
    if (i + 1 < n && int(3) === 0) addField(names[i], withArrays(names[i + 1 + int(n - i - 1)]));
    // Shuffle so struct fields are not always first.
    types[names[i]].sort(() => rand() - 0.5);
  }
  return { types, primaryType: names[0] };
}

function intValue(type) {
  const signed = !type.startsWith("u");
  const bits = Number(type.replace(/^u?int/, ""));
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  let v = pick([min, max, 0n, 1n, randBig(Math.min(bits, 1 + int(bits))), randBig(int(53))]);
  if (signed && int(2) && v > 0n && v <= -min) v = -v;
  if (v > max) v = max;
  // Every accepted form: JSON number (when exact), decimal, 0x hex, negative hex.
  const form = int(4);
  if (form === 0 && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  if (form === 1) return v < 0n ? "-0x" + (-v).toString(16) : "0x" + v.toString(16);
  return v.toString();
}

function value(types, type) {
  const arr = type.match(/^(.*)\[(\d*)\]$/);
  if (arr) {
    const len = arr[2] === "" ? int(4) : Number(arr[2]);
    return Array.from({ length: len }, () => value(types, arr[1]));
  }
  if (types[type]) {
    const o = {};
    for (const f of types[type]) o[f.name] = value(types, f.type);
    return o;
  }
  if (type === "bool") return int(2) === 1;
  if (type === "address") {
    const a = getAddress(hexlify(bytes(20)));
    return int(2) ? a : a.toLowerCase();
  }
  if (type === "string") return pick(["", "Hello, Bob!", "ünïcødé ✓", "日本語", "emoji 🦄", "quote \" and \\ slash", "x".repeat(int(80))]);
  if (type === "bytes") return hexlify(bytes(int(70)));
  if (type.startsWith("bytes")) return hexlify(bytes(Number(type.slice(5))));
  return intValue(type);
}

function makeDoc() {
  const { types, primaryType } = makeTypes();
  const domain = {};
  const fields = [];
  const all = [["name", "string"], ["version", "string"], ["chainId", "uint256"], ["verifyingContract", "address"], ["salt", "bytes32"]];
  for (const [name, type] of all) {
    if (int(3) === 0) continue;
    fields.push({ name, type });
    domain[name] = name === "chainId" ? pick([1, 42161, "8453", "0x2105"]) : value({}, type);
  }
  if (fields.length === 0) {
    fields.push({ name: "name", type: "string" });
    domain.name = "perpx";
  }
  const message = value(types, primaryType);
  const doc = { types: { ...types }, primaryType, domain, message };
  if (int(2)) doc.types = { EIP712Domain: fields, ...types };  // explicit, canonical order
  return doc;
}

// viem wants bigints for integer fields; ethers takes strings.
function forViem(types, type, v) {
  const arr = type.match(/^(.*)\[(\d*)\]$/);
  if (arr) return v.map((x) => forViem(types, arr[1], x));
  if (types[type]) return Object.fromEntries(types[type].map((f) => [f.name, forViem(types, f.type, v[f.name])]));
  if (/^u?int\d+$/.test(type)) return typeof v === "string" && v.startsWith("-0x") ? -BigInt(v.slice(1)) : BigInt(v);
  return v;
}
const withoutDomain = (types) => Object.fromEntries(Object.entries(types).filter(([k]) => k !== "EIP712Domain"));
const ethersHash = (doc) => TypedDataEncoder.hash(doc.domain, withoutDomain(doc.types), doc.message);
const viemHash = (doc) => {
  const domainTypes = { EIP712Domain: [{ name: "chainId", type: "uint256" }] };
  const domain = { ...doc.domain };
  if (domain.chainId !== undefined) domain.chainId = forViem(domainTypes, "uint256", domain.chainId);
  return hashTypedData({ domain, types: doc.types, primaryType: doc.primaryType, message: forViem(doc.types, doc.primaryType, doc.message) });
};

// ---- agreement on valid documents ------------------------------------------

const docs = Array.from({ length: kDocs }, makeDoc);
const wallet = new Wallet(hexlify(bytes(32)));
for (let i = 0; i < docs.length; i++) {
  const doc = docs[i];
  const file = join(dir, `doc${i}.json`);
  writeFileSync(file, JSON.stringify(doc));
  const ours = perpx(["typed-data", "hash", file]);
  const theirs = ethersHash(doc);
  check(ours.status === 0 && ours.stdout === theirs + "\n", `doc ${i}: perpx ${ours.stdout.trim() || ours.stderr.trim()} ethers ${theirs} (${file})`);
  let viem;
  try { viem = viemHash(doc); } catch (e) { viem = `threw ${e.shortMessage ?? e.message}`; }
  check(viem === theirs, `doc ${i}: viem ${viem} ethers ${theirs}`);
  if (i < kSigned) {
    const sig = perpx(["typed-data", "sign", "--private-key", wallet.privateKey, file]);
    const want = await wallet.signTypedData(doc.domain, withoutDomain(doc.types), doc.message);
    check(sig.status === 0 && sig.stdout === want + "\n", `doc ${i}: sign perpx ${sig.stdout.trim() || sig.stderr.trim()} ethers ${want}`);
  }
}

// ---- corrupted documents ------------------------------------------------------

// Leaves of the message: [path, type, holder, key].
function leaves(types, type, v, path, holder, key, out) {
  const arr = type.match(/^(.*)\[(\d*)\]$/);
  if (arr) {
    out.push({ path, type, holder, key, array: arr[2] });
    v.forEach((x, i) => leaves(types, arr[1], x, `${path}[${i}]`, v, i, out));
  } else if (types[type]) {
    out.push({ path, type, holder, key, struct: true });
    for (const f of types[type]) leaves(types, f.type, v[f.name], `${path}.${f.name}`, v, f.name, out);
  } else out.push({ path, type, holder, key });
  return out;
}

const corruptions = [
  ["integer out of range", (l) => /^u?int\d+$/.test(l.type), (l) => {
    const bits = BigInt(l.type.replace(/^u?int/, ""));
    l.holder[l.key] = l.type.startsWith("u") ? (1n << bits).toString() : (-(1n << (bits - 1n)) - 1n).toString();
  }],
  ["bad address checksum", (l) => l.type === "address" && /[a-f]/i.test(l.holder[l.key].slice(2)), (l) => {
    const a = getAddress(l.holder[l.key]);
    const i = 2 + [...a.slice(2)].findIndex((c) => /[a-f]/i.test(c));
    const c = a[i];
    l.holder[l.key] = a.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + a.slice(i + 1);
  }],
  ["bytesN of the wrong length", (l) => /^bytes\d+$/.test(l.type), (l) => { l.holder[l.key] += "ab"; }],
  ["fixed array of the wrong length", (l) => l.array && l.array !== "", (l) => { l.holder[l.key] = l.holder[l.key].slice(1); }],
  ["missing field", (l) => typeof l.key === "string", (l) => { delete l.holder[l.key]; }],
];

for (let n = 0, tries = 0; n < kCorrupted && tries < 10 * kCorrupted; tries++) {
  const doc = JSON.parse(JSON.stringify(docs[int(docs.length)]));
  const [what, applies, corrupt] = pick(corruptions);
  const all = leaves(doc.types, doc.primaryType, doc.message, "message", doc, "message", []).filter((l) => l.path !== "message");
  const candidates = all.filter(applies);
  if (candidates.length === 0) continue;
  const leaf = pick(candidates);
  corrupt(leaf);
  n++;
  const r = perpx(["typed-data", "hash", "-"], JSON.stringify(doc, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
  let ethersThrew = false;
  try { ethersHash(doc); } catch { ethersThrew = true; }
  // ethers never reads a missing bool (falsy) or a struct without fields; perpx still refuses both.
  const ethersReads = !(what === "missing field" && (leaf.type === "bool" || doc.types[leaf.type]?.length === 0));
  if (ethersReads) check(ethersThrew, `${what} at ${leaf.path} (${leaf.type}): ethers accepted it`);
  check(r.status === 1 && r.stdout === "" && r.stderr.includes(leaf.path),
        `${what} at ${leaf.path}: perpx status ${r.status} stdout '${r.stdout.trim()}' stderr '${r.stderr.trim()}'`);
}

// Undeclared fields: ethers and viem ignore them, perpx refuses (documented choice).
for (let i = 0; i < 10; i++) {
  const doc = JSON.parse(JSON.stringify(docs[i]));
  doc.message.undeclared = "not covered by the signature";
  const r = perpx(["typed-data", "hash", "-"], JSON.stringify(doc));
  check(ethersHash(doc) === ethersHash(docs[i]), `extra field: ethers no longer ignores it (doc ${i})`);
  check(r.status === 1 && r.stdout === "" && r.stderr.includes("message.undeclared"), `extra field accepted by perpx (doc ${i})`);
}

rmSync(dir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
