// Compiles perpx's Solidity and the vendored mocks with solc-js (npm `solc`,
// pinned) through its standard-JSON API, offline, and writes one artifact per
// deployable contract: <out>/<Name>.json = {"abi", "bytecode", "deployedBytecode"}.
// Also copies compiled artifacts shipped by npm packages (Uniswap v3 core).
//
// usage: node compile.mjs --out DIR --root DIR --cache DIR
//                         [--source UNIT]... [--artifact PATH]...
// UNIT is a source unit name resolved against --root, then --root/node_modules
// (solc's --base-path . --include-path node_modules); the contracts defined in
// each UNIT (not in its imports) are written. Imports are collected up front so
// the whole standard-JSON input is known: its hash keys a cache of solc's
// output, and a rebuild with unchanged inputs does not run the compiler.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const args = { source: [], artifact: [] };
for (let i = 2; i < process.argv.length; i += 2) {
  const key = process.argv[i].replace(/^--/, '');
  const value = process.argv[i + 1];
  if (value === undefined) die(`missing value for --${key}`);
  if (Array.isArray(args[key])) args[key].push(value);
  else args[key] = value;
}
for (const k of ['out', 'root', 'cache']) if (!args[k]) die(`--${k} is required`);

const searchPaths = [args.root, path.join(args.root, 'node_modules')];
const require = createRequire(path.join(args.root, 'node_modules', 'noop.js'));
// The pinned package's version keys the cache; loading the compiler itself
// (a large wasm module) is left to a cache miss.
const solcVersion = require('solc/package.json').version;

function die(message) {
  process.stderr.write(`compile.mjs: ${message}\n`);
  process.exit(1);
}

function findFile(unit) {
  for (const base of searchPaths) {
    const file = path.join(base, unit);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

// Solidity's rule: "./" and "../" imports are relative to the importing
// unit's directory; anything else is a unit name as written.
function resolveImport(fromUnit, spec) {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return spec;
  return path.posix.normalize(path.posix.join(path.posix.dirname(fromUnit), spec));
}

const importRe = /^\s*import\s+(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/gm;
const sources = {};
const pending = [...args.source];
while (pending.length) {
  const unit = pending.pop();
  if (sources[unit]) continue;
  const file = findFile(unit);
  if (!file) die(`source not found: ${unit}`);
  const content = fs.readFileSync(file, 'utf8');
  sources[unit] = { content };
  for (const m of content.matchAll(importRe)) pending.push(resolveImport(unit, m[1]));
}

const input = {
  language: 'Solidity',
  sources: Object.fromEntries(Object.keys(sources).sort().map((k) => [k, sources[k]])),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};
const inputText = JSON.stringify(input);
const key = createHash('sha256').update(solcVersion).update('\0').update(inputText).digest('hex');
const cacheFile = path.join(args.cache, `${key}.json`);

let output;
if (fs.existsSync(cacheFile)) {
  output = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
} else {
  // Everything is in `input`; the callback only reports an import the scan missed.
  const findImports = (unit) => {
    const file = findFile(unit);
    return file ? { contents: fs.readFileSync(file, 'utf8') } : { error: `not found: ${unit}` };
  };
  const solc = require('solc');
  output = JSON.parse(solc.compile(inputText, { import: findImports }));
  let failed = false;
  for (const e of output.errors ?? []) {
    const ours = args.source.includes(e.sourceLocation?.file) && !e.sourceLocation.file.startsWith('@');
    if (e.severity === 'error') failed = true;
    if (e.severity === 'error' || ours) process.stderr.write(`${e.formattedMessage}\n`);
  }
  if (failed) die('solc reported errors');
  fs.mkdirSync(args.cache, { recursive: true });
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ contracts: output.contracts }));
  fs.renameSync(tmp, cacheFile);
  // Keep the few newest outputs (other branches, other settings), drop the rest.
  const entries = fs.readdirSync(args.cache).filter((f) => f.endsWith('.json'))
    .map((f) => ({ f, t: fs.statSync(path.join(args.cache, f)).mtimeMs })).sort((a, b) => b.t - a.t);
  for (const { f } of entries.slice(8)) fs.rmSync(path.join(args.cache, f), { force: true });
}

fs.mkdirSync(args.out, { recursive: true });
function writeArtifact(name, abi, bytecode, deployedBytecode) {
  const body = JSON.stringify({ abi, bytecode, deployedBytecode }, null, 1);
  fs.writeFileSync(path.join(args.out, `${name}.json`), `${body}\n`);
}
for (const unit of args.source) {
  for (const [name, c] of Object.entries(output.contracts[unit] ?? {})) {
    if (!c.evm.bytecode.object) continue;  // interfaces and abstract contracts
    writeArtifact(name, c.abi, `0x${c.evm.bytecode.object}`, `0x${c.evm.deployedBytecode.object}`);
  }
}
for (const file of args.artifact) {
  const a = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (Object.keys(a.linkReferences ?? {}).length) die(`${file}: needs linking`);
  writeArtifact(a.contractName, a.abi, a.bytecode, a.deployedBytecode);
}
