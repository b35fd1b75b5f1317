// perpx rlp encode|decode against ethers (encodeRlp/decodeRlp) and viem
// (toRlp/fromRlp) on random nested values, plus invalid encodings made by
// mutation, which perpx must reject with the error contract.
import { encodeRlp, decodeRlp, toBeArray, hexlify } from "ethers";
import { fromRlp } from "viem";
import { prng, toHex, runPerpx, check, checkError, lineOf, finding, finish } from "./lib.mjs";

const rng = prng(0x726c70);

// A value for `perpx rlp encode` (JSON text) and the same value for ethers
// (0x strings and arrays, integers as minimal big-endian bytes).
function randomValue(depth) {
  const k = rng.int(10);
  if (depth < 3 && k < 3) {
    const n = rng.int(depth === 0 ? 8 : 5);
    const parts = Array.from({ length: n }, () => randomValue(depth + 1));
    return { json: "[" + parts.map((p) => p.json).join(",") + "]", ethers: parts.map((p) => p.ethers) };
  }
  if (k < 6) {
    // bytes: mostly 0..70 to cross the 55-byte boundary, a few long ones
    const n = rng.bool(0.06) ? rng.range(256, 1200) : rng.bool(0.3) ? rng.range(0, 2) : rng.range(0, 70);
    const b = rng.bytes(n);
    if (n === 1 && rng.bool(0.5)) b[0] = rng.int(0x80);  // single bytes below 0x80 encode as themselves
    return { json: JSON.stringify(toHex(b)), ethers: toHex(b) };
  }
  if (k < 8) {
    // integer as a decimal string, 0 .. 2^256-1
    const v = rng.bigint(256);
    return { json: JSON.stringify(v.toString()), ethers: hexlify(toBeArray(v)) };
  }
  // integer as a JSON number (exactly representable)
  const v = BigInt(rng.pick([0, 1, 127, 128, 255, 256, 1024, rng.int(1 << 30), Number.MAX_SAFE_INTEGER, rng.int(2 ** 31) * 1024]));
  return { json: v.toString(), ethers: hexlify(toBeArray(v)) };
}

const valid = [];
for (let i = 0; i < 300; i++) {
  const v = randomValue(0);
  const want = encodeRlp(v.ethers);
  const r = runPerpx(["rlp", "encode", v.json]);
  const got = lineOf("rlp encode", r, v.json);
  if (got !== undefined) check("rlp encode vs ethers.encodeRlp", got, want, v.json);
  valid.push(want);
}
// A large list, over the argv limit: goes through stdin.
{
  const items = Array.from({ length: 200 }, () => toHex(rng.bytes(rng.range(400, 700))));
  const json = JSON.stringify(items);
  const want = encodeRlp(items);
  const got = lineOf("rlp encode (stdin)", runPerpx(["rlp", "encode", json]), json.slice(0, 200));
  if (got !== undefined) check("rlp encode (stdin) vs ethers", got, want, json.slice(0, 200));
  valid.push(want);
}

// decode: perpx's JSON vs ethers.decodeRlp (byte strings as 0x hex, lists as arrays)
for (const hex of valid) {
  const want = JSON.stringify(decodeRlp(hex));
  const r = runPerpx(["rlp", "decode", hex]);
  const got = lineOf("rlp decode", r, hex);
  if (got === undefined) continue;
  let parsed;
  try { parsed = JSON.stringify(JSON.parse(got)); } catch { parsed = "not JSON: " + got; }
  check("rlp decode vs ethers.decodeRlp", parsed, want, hex);
}

// Invalid encodings by mutation.
const strict = (hex) => { try { fromRlp(hex, "hex"); return true; } catch { return false; } };
const lax = (hex) => { try { decodeRlp(hex); return true; } catch { return false; } };
const b = (n) => Buffer.from(rng.bytes(n)).toString("hex");
const lenHex = (n) => n.toString(16).padStart(2, "0");
const invalid = [];
for (let i = 0; i < 60; i++) {
  const hex = rng.pick(valid);
  if (hex.length > 4) invalid.push(["truncated", hex.slice(0, hex.length - 2 * rng.range(1, Math.min(3, (hex.length - 2) / 2)))]);
  invalid.push(["byte appended", hex + b(1)]);
}
for (let i = 0; i < 20; i++) {
  invalid.push(["single byte < 0x80 wrapped as 0x81xx", "0x81" + lenHex(rng.int(0x80))]);
  const n = rng.range(1, 55);
  invalid.push(["long form for a short string", "0xb8" + lenHex(n) + b(n)]);
  invalid.push(["long form for a short list", "0xf8" + lenHex(n) + "80".repeat(n)]);
  const m = rng.range(56, 255);  // fits one length byte, so a two-byte length has a leading zero
  invalid.push(["leading zero in a string length", "0xb9" + m.toString(16).padStart(4, "0") + b(m)]);
  invalid.push(["leading zero in a list length", "0xf9" + m.toString(16).padStart(4, "0") + "80".repeat(m)]);
  invalid.push(["wrapped single byte inside a list", "0xc2" + "81" + lenHex(rng.int(0x80))]);
  invalid.push(["list payload shorter than its header", "0xc3" + "8180"]);
}
// Always invalid, whatever the peers say.
const always = [["empty input", "0x"], ["length overflowing 64 bits", "0xbf" + "ff".repeat(8) + "00"],
                ["string length past the end", "0xb9ffff00"], ["list length past the end", "0xfbffffffff00"]];
for (const [kind, hex] of always) {
  if (strict(hex)) finding(`viem.fromRlp accepts '${kind}'`, hex);
  checkError(`rlp decode rejects: ${kind}`, runPerpx(["rlp", "decode", hex]), hex);
}

for (const [kind, hex] of invalid) {
  if (strict(hex)) continue;  // the mutation happened to give a valid encoding (e.g. a truncated 1-byte item)
  if (lax(hex)) finding(`ethers.decodeRlp accepts non-canonical RLP (${kind}); viem and the yellow paper reject it`, hex);
  checkError(`rlp decode rejects: ${kind}`, runPerpx(["rlp", "decode", hex]), hex);
}

// Deep nesting must never crash: either the right answer or the error contract.
function noCrash(name, r, input, want) {
  if (r.status === 0 && want !== undefined) check(name, r.stdout.trim(), want, input);
  else if (r.status === 0) check(name, "ok", "ok", input);
  else checkError(`${name} (rejected)`, r, input);
}
for (const depth of [2000, 40000]) {
  const json = "[".repeat(depth) + "]".repeat(depth);
  noCrash(`rlp encode ${depth} nested lists does not crash`, runPerpx(["rlp", "encode", "-"], json), `'[' x ${depth} + ']' x ${depth} on stdin`);
}
for (const depth of [2000, 20000]) {
  let enc = Buffer.from([0xc0]);
  for (let i = 1; i < depth; i++) {
    const n = enc.length;
    const lb = n < 56 ? null : Buffer.from(n.toString(16).padStart(Math.ceil(n.toString(16).length / 2) * 2, "0"), "hex");
    enc = Buffer.concat([lb ? Buffer.from([0xf7 + lb.length]) : Buffer.from([0xc0 + n]), ...(lb ? [lb] : []), enc]);
  }
  noCrash(`rlp decode ${depth} nested lists does not crash`, runPerpx(["rlp", "decode", "-"], toHex(enc)), `${depth} nested lists (${enc.length} bytes) on stdin`);
}

// Bad encode input: not JSON, a float, a negative number, a decimal with a
// leading zero, an object, odd-length hex.
for (const bad of ["[", "1.5", "-1", "\"007\"", "{\"a\":1}", "\"0x123\"", "true", "null"])
  checkError(`rlp encode rejects ${bad}`, runPerpx(["rlp", "encode", bad]), bad);

finish();
