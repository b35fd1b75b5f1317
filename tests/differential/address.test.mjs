// perpx address checksum|from-key against ethers getAddress / computeAddress:
// random addresses in lower, upper, checksummed and wrongly mixed case (perpx
// must reject exactly when ethers does), and random private keys.
import { getAddress, computeAddress } from "ethers";
import { privateKeyToAddress } from "viem/accounts";
import { prng, toHex, runPerpx, check, checkError, lineOf, finish } from "./lib.mjs";

const rng = prng(0x61646472);
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const ethersChecksum = (s) => { try { return getAddress(s); } catch { return null; } };

function variants(addr) {
  const lower = addr.toLowerCase();
  const cs = getAddress(lower);
  const out = [lower, "0x" + lower.slice(2).toUpperCase(), cs];
  // flip the case of one or two random letters of the checksummed form
  const letters = [...cs].map((c, i) => (i >= 2 && /[a-fA-F]/.test(c) ? i : -1)).filter((i) => i >= 0);
  for (let k = 0; k < 2 && letters.length; k++) {
    const chars = [...cs];
    for (let f = 0; f <= k; f++) {
      const i = rng.pick(letters);
      chars[i] = chars[i] === chars[i].toLowerCase() ? chars[i].toUpperCase() : chars[i].toLowerCase();
    }
    out.push(chars.join(""));
  }
  // random mixed case
  out.push("0x" + [...lower.slice(2)].map((c) => (rng.bool() ? c.toUpperCase() : c)).join(""));
  return out;
}

for (let i = 0; i < 80; i++) {
  const addr = toHex(rng.bytes(20));
  for (const v of variants(addr)) {
    const want = ethersChecksum(v);
    const r = runPerpx(["address", "checksum", v]);
    if (want === null) checkError(`checksum rejects wrong mixed case (ethers rejects)`, r, v);
    else {
      const got = lineOf("address checksum", r, v);
      if (got !== undefined) check("address checksum vs ethers.getAddress", got, want, v);
    }
  }
}
// Malformed: no 0x, wrong length, bad digit.
for (const bad of ["5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaedaa", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", "0x", ""])
  checkError(`checksum rejects ${JSON.stringify(bad)}`, runPerpx(["address", "checksum", bad]), bad);

for (let i = 0; i < 150; i++) {
  let k;
  do k = BigInt(toHex(rng.bytes(32))); while (k === 0n || k >= N);
  if (i === 0) k = 1n;
  if (i === 1) k = N - 1n;
  const key = "0x" + k.toString(16).padStart(64, "0");
  const got = lineOf("address from-key", runPerpx(["address", "from-key", key]), "key #" + i);
  if (got === undefined) continue;
  check("address from-key vs ethers.computeAddress", got, computeAddress(key), "key #" + i);
  check("address from-key vs viem privateKeyToAddress", got, privateKeyToAddress(key), "key #" + i);
}
for (const bad of ["0x" + "00".repeat(32), "0x" + N.toString(16), "0x" + "ff".repeat(32), "0x1234", "0x" + "gg".repeat(32)]) {
  const r = runPerpx(["address", "from-key", bad]);
  checkError(`from-key rejects ${bad.slice(0, 12)}…`, r, bad.slice(0, 12));
  check(`from-key error does not echo the key ${bad.slice(0, 12)}…`, r.stderr.includes(bad.slice(2)), false, bad.slice(0, 12));
}
finish();
