// perpx tx sign|decode against ethers (Transaction + SigningKey) and viem
// (privateKeyToAccount().signTransaction): random legacy (pre-EIP-155 and
// EIP-155), EIP-2930 and EIP-1559 transactions with random keys, quantities in
// varied JSON forms; then `tx decode` of each raw against
// ethers.Transaction.from(raw); then bad input and the error contract.
import { Transaction, SigningKey, getAddress, keccak256, toBeHex } from "ethers";
import { privateKeyToAccount } from "viem/accounts";
import { prng, toHex, runPerpx, check, checkError, lineOf, finding, finish } from "./lib.mjs";

const rng = prng(0x7478);
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const U256_MAX = (1n << 256n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

const randomKey = () => {
  for (;;) {
    const k = BigInt(toHex(rng.bytes(32)));
    if (k > 0n && k < N) return "0x" + k.toString(16).padStart(64, "0");
  }
};
const big = (bits, edge = [0n, 1n]) => (rng.bool(0.1) ? rng.pick(edge) : rng.bigint(bits));

// A quantity in one of the forms CLI.md allows: decimal string, 0x hex string,
// JSON integer (only when exactly representable).
function quantity(v) {
  const forms = ["dec", "hex"];
  if (v <= BigInt(Number.MAX_SAFE_INTEGER)) forms.push("int");
  switch (rng.pick(forms)) {
    case "dec": return v.toString();
    case "hex": return "0x" + v.toString(16);
    default: return Number(v);
  }
}

function randomAccessList() {
  const n = rng.pick([0, 0, 1, 2, 3]);
  return Array.from({ length: n }, () => ({
    address: getAddress(toHex(rng.bytes(20))),
    storageKeys: Array.from({ length: rng.pick([0, 1, 2, 3]) }, () => toHex(rng.bytes(32))),
  }));
}

function randomTx(kind) {
  const tx = {
    nonce: rng.bool(0.1) ? rng.pick([0n, BigInt(Number.MAX_SAFE_INTEGER)]) : BigInt(rng.pick([rng.int(100), rng.int(1 << 30), rng.int(2 ** 31) * 4096])),
    gasLimit: big(64, [0n, 21000n, U64_MAX]),
    to: rng.bool(0.15) ? null : getAddress(toHex(rng.bytes(20))),
    value: big(256, [0n, 1n, U256_MAX]),
    data: toHex(rng.bytes(rng.bool(0.3) ? 0 : rng.range(1, 300))),
  };
  const chainIds = [1n, 5n, 10n, 137n, 31337n, 11155111n, 4294967295n, BigInt(rng.int(2 ** 31)) * 65536n + 1n];
  if (kind === "legacy-pre155") Object.assign(tx, { type: 0, gasPrice: big(256, [0n, U256_MAX]), chainId: rng.bool() ? undefined : 0n });
  if (kind === "legacy-155") Object.assign(tx, { type: 0, gasPrice: big(256, [0n, U256_MAX]), chainId: rng.pick(chainIds) });
  if (kind === "eip2930") Object.assign(tx, { type: 1, gasPrice: big(256, [0n, U256_MAX]), chainId: rng.pick(chainIds), accessList: randomAccessList() });
  if (kind === "eip1559") {
    const maxFee = big(256, [0n, U256_MAX]);
    const prio = rng.bool(0.1) ? maxFee : maxFee === 0n ? 0n : rng.bigint(256) % (maxFee + 1n);
    Object.assign(tx, { type: 2, maxFeePerGas: maxFee, maxPriorityFeePerGas: prio, chainId: rng.pick(chainIds), accessList: randomAccessList() });
  }
  return tx;
}

// The JSON perpx reads: JSON-RPC names, varied quantity forms and aliases.
function toPerpxJson(tx) {
  const o = { type: tx.type };
  if (tx.chainId !== undefined) o.chainId = quantity(tx.chainId);
  o.nonce = quantity(tx.nonce);
  o[rng.bool() ? "gasLimit" : "gas"] = quantity(tx.gasLimit);
  if (tx.gasPrice !== undefined) o.gasPrice = quantity(tx.gasPrice);
  if (tx.maxFeePerGas !== undefined) o.maxFeePerGas = quantity(tx.maxFeePerGas);
  if (tx.maxPriorityFeePerGas !== undefined) o.maxPriorityFeePerGas = quantity(tx.maxPriorityFeePerGas);
  if (tx.to !== null) o.to = rng.bool(0.3) ? tx.to.toLowerCase() : tx.to;
  else if (rng.bool()) o.to = null;  // else absent: contract creation either way
  o.value = quantity(tx.value);
  if (tx.data !== "0x" || rng.bool()) o[rng.bool() ? "data" : "input"] = tx.data;
  if (tx.accessList) o.accessList = tx.accessList;
  return JSON.stringify(o);
}

function ethersSign(tx, key) {
  const t = Transaction.from({
    type: tx.type, chainId: tx.chainId ?? 0n, nonce: Number(tx.nonce), gasLimit: tx.gasLimit, to: tx.to, value: tx.value,
    data: tx.data, gasPrice: tx.gasPrice, maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    accessList: tx.accessList,
  });
  const signingHash = t.unsignedHash;
  t.signature = new SigningKey(key).sign(signingHash);
  return { raw: t.serialized, signingHash, from: t.from };
}

async function viemSign(tx, key) {
  const account = privateKeyToAccount(key);
  const base = { nonce: Number(tx.nonce), gas: tx.gasLimit, to: tx.to ?? undefined, value: tx.value, data: tx.data };
  if (tx.chainId !== undefined && tx.chainId !== 0n) base.chainId = Number(tx.chainId);
  if (tx.type === 0) return account.signTransaction({ ...base, type: "legacy", gasPrice: tx.gasPrice });
  if (tx.type === 1) return account.signTransaction({ ...base, type: "eip2930", gasPrice: tx.gasPrice, accessList: tx.accessList });
  return account.signTransaction({ ...base, type: "eip1559", maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas, accessList: tx.accessList });
}

// What `perpx tx decode` should print for a raw transaction, from ethers.
function expectedDecode(raw) {
  const t = Transaction.from(raw);
  const dec = (v) => BigInt(v).toString();
  // CLI.md: decoded integers, the type included, are canonical decimal strings.
  const o = { type: String(t.type), chainId: dec(t.chainId), nonce: dec(t.nonce) };
  if (t.type === 2) { o.maxPriorityFeePerGas = dec(t.maxPriorityFeePerGas); o.maxFeePerGas = dec(t.maxFeePerGas); }
  else o.gasPrice = dec(t.gasPrice);
  Object.assign(o, { gasLimit: dec(t.gasLimit), to: t.to, value: dec(t.value), data: t.data.toLowerCase() });
  if (t.type !== 0) o.accessList = t.accessList.map((e) => ({ address: getAddress(e.address), storageKeys: e.storageKeys.map((k) => k.toLowerCase()) }));
  const sig = t.signature;
  // Legacy v as on the wire (27/28 or chainId*2+35/36); typed: v = yParity, as
  // JSON-RPC nodes report it.
  o.v = t.type === 0 ? dec(sig.networkV ?? BigInt(sig.v)) : String(sig.yParity);
  o.r = dec(sig.r);
  o.s = dec(sig.s);
  o.yParity = String(sig.yParity);
  o.from = t.from;
  o.hash = t.hash;
  return o;
}

const kinds = ["legacy-pre155", "legacy-155", "eip2930", "eip1559"];
const raws = [];
const keyOf = new Map();
for (let i = 0; i < 240; i++) {
  const kind = kinds[i % 4];
  const tx = randomTx(kind);
  const key = randomKey();
  const json = toPerpxJson(tx);
  const want = ethersSign(tx, key);
  let wantViem;
  try { wantViem = await viemSign(tx, key); } catch (e) { finding(`viem refuses to sign a ${kind} tx that ethers signs: ${(e.shortMessage || e.message).split("\n")[0]}`, json); }

  const asJson = i % 3 === 0;
  const args = ["tx", "sign", "--private-key", key, json];
  if (asJson) args.push("--json");
  const got = lineOf(`tx sign ${kind}`, runPerpx(args), json);
  if (got === undefined) continue;
  if (!asJson) {
    check(`tx sign ${kind} vs ethers`, got, want.raw, json);
    if (wantViem !== undefined) check(`tx sign ${kind} vs viem`, got, wantViem, json);
    raws.push(got);
  } else {
    let o;
    try { o = JSON.parse(got); } catch { o = {}; }
    check(`tx sign --json ${kind} keys`, Object.keys(o).sort().join(","), "from,hash,raw,signingHash", json);
    check(`tx sign --json ${kind} raw vs ethers`, o.raw, want.raw, json);
    check(`tx sign --json ${kind} hash`, o.hash, keccak256(want.raw), json);
    check(`tx sign --json ${kind} from (EIP-55)`, o.from, want.from, json);
    check(`tx sign --json ${kind} signingHash`, o.signingHash, want.signingHash, json);
    if (typeof o.raw === "string") raws.push(o.raw);
  }
  keyOf.set(raws.at(-1), kind);
}

// A large calldata (over the argv limit) goes through stdin.
{
  const tx = randomTx("eip1559");
  tx.data = toHex(rng.bytes(70 * 1024));
  const key = randomKey();
  const json = toPerpxJson(tx);
  const got = lineOf("tx sign large data (stdin)", runPerpx(["tx", "sign", "--private-key", key, json]), json.slice(0, 200));
  if (got !== undefined) { check("tx sign large data (stdin) vs ethers", got, ethersSign(tx, key).raw, json.slice(0, 200)); raws.push(got); }
}

// decode: every raw produced above, field by field against ethers.
for (const raw of raws) {
  const want = expectedDecode(raw);
  const got = lineOf("tx decode", runPerpx(["tx", "decode", raw]), raw);
  if (got === undefined) continue;
  let o;
  try { o = JSON.parse(got); } catch { check("tx decode prints JSON", got, "JSON object", raw); continue; }
  for (const [k, v] of Object.entries(want)) {
    if (k === "yParity" && !(k in o)) continue;  // optional
    check(`tx decode type ${want.type} field ${k}`, JSON.stringify(o[k]), JSON.stringify(v), raw);
  }
  if (want.type === 0 && "accessList" in o) check("tx decode legacy accessList (if present) is empty", JSON.stringify(o.accessList), "[]", raw);
  const extra = Object.keys(o).filter((k) => !(k in want) && k !== "accessList");
  check(`tx decode type ${want.type} has no unexpected fields`, extra.join(","), "", raw);
}

// Bad input to tx sign: error contract.
const key = randomKey();
const good = { type: 2, chainId: "1", nonce: "0", gasLimit: "21000", maxFeePerGas: "1", maxPriorityFeePerGas: "1", to: getAddress(toHex(rng.bytes(20))), value: "0" };
const badTx = [
  ["not JSON", "{"],
  ["type 3", JSON.stringify({ ...good, type: 3 })],
  ["negative value", JSON.stringify({ ...good, value: "-1" })],
  ["value 2^256", JSON.stringify({ ...good, value: (1n << 256n).toString() })],
  ["nonce 2^64", JSON.stringify({ ...good, nonce: (1n << 64n).toString() })],
  ["gas 2^64", JSON.stringify({ ...good, gasLimit: "0x10000000000000000" })],
  ["decimal with leading zero", JSON.stringify({ ...good, value: "01" })],
  ["float", JSON.stringify({ ...good, value: 1.5 })],
  ["exponent", JSON.stringify({ ...good, value: "1e18" })],
  ["bad to (19 bytes)", JSON.stringify({ ...good, to: toHex(rng.bytes(19)) })],
  ["bad to checksum", JSON.stringify({ ...good, to: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD" })],
  ["odd data", JSON.stringify({ ...good, data: "0x123" })],
  ["storage key 31 bytes", JSON.stringify({ ...good, accessList: [{ address: good.to, storageKeys: [toHex(rng.bytes(31))] }] })],
];
for (const [what, json] of badTx) checkError(`tx sign rejects ${what}`, runPerpx(["tx", "sign", "--private-key", key, json]), json);
checkError("tx sign without a key", runPerpx(["tx", "sign", JSON.stringify(good)]), "no key");
for (const badKey of ["0x" + "00".repeat(32), "0x" + N.toString(16), "0x12"]) {
  const r = runPerpx(["tx", "sign", "--private-key", badKey, JSON.stringify(good)]);
  checkError(`tx sign rejects key ${badKey.slice(0, 8)}…`, r, badKey.slice(0, 8));
  check(`tx sign error does not echo key ${badKey.slice(0, 8)}…`, r.stderr.includes(badKey.slice(2)), false, badKey.slice(0, 8));
}

// Bad raw transactions to tx decode: error contract (and ethers rejects them too).
const badRaw = [];
for (let i = 0; i < 30; i++) {
  const raw = rng.pick(raws);
  badRaw.push(["truncated", raw.slice(0, raw.length - 2 * rng.range(1, 10))]);
  badRaw.push(["byte appended", raw + "00"]);
}
badRaw.push(["unknown type 0x05", "0x05" + rng.pick(raws).slice(4)]);
badRaw.push(["empty", "0x"]);
// EIP-155 v with chain id 0 (v = 35/36): not a valid legacy v (ethers: non-canonical legacy v).
badRaw.push(["legacy v = 35 (chain id 0)", "0xf85f030182520894b94f5374fce5edbc8e2a8697c15331677e6ebf0b0a8023a098ff921201554726367d2be8c804a7ff89ccf285ebc57dff8ae4c44b9c19ac4aa01887321be575c8095f789dd4c743dfe42c1820f9231f98a962b210e3ac2452a3"]);
badRaw.push(["legacy v = 36 (chain id 0)", "0xf85f800182520894b94f5374fce5edbc8e2a8697c15331677e6ebf0b0a8024a098ff921201554726367d2be8c804a7ff89ccf285ebc57dff8ae4c44b9c19ac4aa01887321be575c8095f789dd4c743dfe42c1820f9231f98a962b210e3ac2452a3"]);
badRaw.push(["not hex", "0xzz"]);
for (const [what, raw] of badRaw) {
  let ethersOk = false;
  try { Transaction.from(raw); ethersOk = true; } catch {}
  if (ethersOk) finding(`ethers.Transaction.from accepts a raw made as '${what}'`, raw);
  checkError(`tx decode rejects ${what}`, runPerpx(["tx", "decode", raw]), raw);
}
finish();
