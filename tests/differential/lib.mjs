// Shared helpers for the differential scripts (tests/differential/*.test.mjs):
// a seeded PRNG, running the perpx binary, comparing, and the summary line.
//
//   import { prng, runPerpx, check, checkError, finish } from "./lib.mjs";
//   const rng = prng(42);
//   const r = runPerpx(["keccak", "0x"]);
//   check("keccak empty", r.stdout.trim(), "0xc5d2...", "0x");
//   finish();  // prints "N passed, M failed" as the last line, sets the exit code
//
// The perpx binary is argv[2] (ctest passes $<TARGET_FILE:perpx>).
import { spawnSync } from "node:child_process";

export const PERPX = process.argv[2];
if (!PERPX) {
  console.error("usage: node <script>.test.mjs <path-to-perpx>");
  process.exit(2);
}

// mulberry32: small, fast, deterministic for a given seed.
export function prng(seed) {
  let a = seed >>> 0;
  const u32 = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const int = (n) => Math.floor((u32() / 4294967296) * n);  // 0..n-1
  return {
    u32,
    int,
    range: (lo, hi) => lo + int(hi - lo + 1),  // lo..hi inclusive
    bool: (p = 0.5) => u32() / 4294967296 < p,
    pick: (arr) => arr[int(arr.length)],
    bytes: (n) => Uint8Array.from({ length: n }, () => u32() & 0xff),
    // A uniformly random bit length 0..bits, then a value of that length: covers
    // small, medium and full-width values.
    bigint(bits = 256) {
      const len = int(bits + 1);
      let v = 0n;
      for (let i = 0; i < len; i += 32) v = (v << 32n) | BigInt(u32());
      return len === 0 ? 0n : v & ((1n << BigInt(len)) - 1n);
    },
  };
}

export const toHex = (u8) => "0x" + Buffer.from(u8).toString("hex");

// Arguments longer than this go through stdin as "-" (one argv string is
// limited to 128 KiB on Linux).
const ARG_LIMIT = 100 * 1024;

// Runs perpx; any argument over ARG_LIMIT is replaced by "-" and fed on stdin
// (only one such argument per call). ETH_PRIVATE_KEY is removed from the
// environment (tests choose keys explicitly); `env` adds or overrides entries.
// Returns {status, stdout, stderr}.
export function runPerpx(args, stdin, env = {}) {
  let input = stdin;
  const argv = args.map((a) => {
    if (typeof a === "string" && a.length > ARG_LIMIT) {
      if (input !== undefined) throw new Error("runPerpx: two inputs for stdin");
      input = a;
      return "-";
    }
    return a;
  });
  const fullEnv = { ...process.env };
  delete fullEnv.ETH_PRIVATE_KEY;
  Object.assign(fullEnv, env);
  const r = spawnSync(PERPX, argv, { input: input ?? "", encoding: "utf8", timeout: 30000, maxBuffer: 64 << 20, env: fullEnv });
  return { status: r.status ?? (r.signal ? 128 : -1), stdout: r.stdout ?? "", stderr: r.stderr ?? "", signal: r.signal };
}

let passed = 0;
let failed = 0;
const SHOW = 5;
const clip = (s) => {
  const t = typeof s === "string" ? s : JSON.stringify(s, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  return t === undefined ? String(t) : t.length > 400 ? t.slice(0, 400) + `… (${t.length} chars)` : t;
};

const failedByName = new Map();
function fail(name, detail, input) {
  failed++;
  failedByName.set(name, (failedByName.get(name) ?? 0) + 1);
  if (failed <= SHOW) {
    console.log(`FAIL ${name}`);
    console.log(`  input: ${clip(input)}`);
    for (const [k, v] of Object.entries(detail)) console.log(`  ${k}: ${clip(v)}`);
  } else if (failed === SHOW + 1) {
    console.log("(further failures counted, not shown)");
  }
}

// Exact comparison (strings as is; anything else through JSON).
export function check(name, got, want, input) {
  const g = typeof got === "string" ? got : clip(got);
  const w = typeof want === "string" ? want : clip(want);
  if (g === w) passed++;
  else fail(name, { want: w, got: g }, input);
  return g === w;
}

// The error contract from shared/CLI.md: exit status 1, nothing on stdout,
// exactly one line on stderr.
export function checkError(name, r, input) {
  const lines = r.stderr.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const ok = r.status === 1 && r.stdout === "" && lines.length === 1 && lines[0].length > 0;
  if (ok) passed++;
  else fail(name, { want: "exit 1, empty stdout, one stderr line", status: r.signal ? `killed by ${r.signal}` : r.status, stdout: r.stdout, stderr: r.stderr }, input);
  return ok;
}

// A successful single-line command: exit 0, one line, empty stderr. Returns the line.
export function lineOf(name, r, input) {
  const ok = r.status === 0 && r.stdout.endsWith("\n") && r.stdout.indexOf("\n") === r.stdout.length - 1;
  if (!ok) {
    fail(name, { want: "exit 0 and one line on stdout", status: r.status, stdout: r.stdout, stderr: r.stderr }, input);
    return undefined;
  }
  return r.stdout.slice(0, -1);
}

// Notes that are not failures (e.g. a peer library more lax than the spec).
const findings = new Map();
export function finding(kind, input) {
  if (!findings.has(kind)) findings.set(kind, { count: 0, example: input });
  findings.get(kind).count++;
}

export function finish() {
  for (const [kind, { count, example }] of findings) console.log(`FINDING (${count}x) ${kind}; e.g. ${clip(example).slice(0, 120)}`);
  if (failed > 0) {
    console.log("failures by check:");
    for (const [name, count] of [...failedByName].sort((a, b) => b[1] - a[1])) console.log(`  ${count}x ${name}`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}
