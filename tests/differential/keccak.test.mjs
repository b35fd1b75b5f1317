// perpx keccak <0xhex> against ethers.keccak256 and viem keccak256 on random
// bytes (0..600 long, plus lengths around the 136-byte rate and one input large
// enough to go through stdin), and the error contract on bad hex.
import { keccak256 as ethersKeccak } from "ethers";
import { keccak256 as viemKeccak } from "viem";
import { prng, toHex, runPerpx, check, checkError, lineOf, finish } from "./lib.mjs";

const rng = prng(0x6b656363);
const lengths = [0, 1, 2, 31, 32, 33, 55, 56, 64, 134, 135, 136, 137, 271, 272, 273, 408, 544];
for (let i = 0; i < 300; i++) lengths.push(rng.range(0, 600));
lengths.push(150 * 1024);  // passed as "-" on stdin

for (const n of lengths) {
  const hex = toHex(rng.bytes(n));
  const r = runPerpx(["keccak", hex]);
  const got = lineOf(`keccak len ${n}`, r, hex);
  if (got === undefined) continue;
  check(`keccak len ${n} vs ethers`, got, ethersKeccak(hex), hex);
  check(`keccak len ${n} vs viem`, got, viemKeccak(hex), hex);
}

// Upper-case hex digits are hex too; the output is always lowercase.
{
  const hex = "0x" + Buffer.from(rng.bytes(40)).toString("hex").toUpperCase();
  const got = lineOf("keccak upper-case input", runPerpx(["keccak", hex]), hex);
  if (got !== undefined) check("keccak upper-case input", got, ethersKeccak(hex.toLowerCase()), hex);
}

// Bad input: exit 1, one stderr line, nothing on stdout.
for (const bad of ["0x1", "0xzz", "abcd", "0x 00", "", "0x0g"]) checkError(`keccak rejects ${JSON.stringify(bad)}`, runPerpx(["keccak", bad]), bad);

finish();
