// Writes the fuzzers' seed corpora into <out>/<target>/ from the repo's test
// vectors (tests/vectors/*), the hand-made seeds in fuzz/seeds/<target>/,
// and a few replies built here with ethers (pinned in package.json). The
// corpora are build output: never committed.
//
// A seed file named "NN-<anything>" in fuzz/seeds/ gets the byte NN (decimal)
// in front: the targets whose first byte picks a reader (rpc_reply, hl_reply).
//
// Usage: node fuzz/seed_corpora.mjs <out-dir>
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AbiCoder, keccak256, id as topicOf } from "ethers";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vectors = join(root, "tests", "vectors");
const out = process.argv[2];
if (!out) {
  console.error("usage: seed_corpora.mjs <out-dir>");
  process.exit(2);
}

const counts = {};
function put(target, data) {
  const buf = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
  const dir = join(out, target);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, createHash("sha1").update(buf).digest("hex")), buf);
  counts[target] = (counts[target] ?? 0) + 1;
}
const withByte = (b, text) => Buffer.concat([Buffer.from([b]), Buffer.from(text, "utf8")]);
const hexBytes = (h) => Buffer.from(h.replace(/^0x/, ""), "hex");
const json = (p) => JSON.parse(readFileSync(p, "utf8"));
const filesUnder = (dir) =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));

// RLP: ethereum/tests valid and invalid encodings.
for (const f of ["rlptest.json", "invalidRLPTest.json"])
  for (const t of Object.values(json(join(vectors, "ethereum-tests", "RLPTests", f))))
    if (typeof t.out === "string" && /^0x([0-9a-fA-F]{2})*$/.test(t.out)) put("rlp", hexBytes(t.out));

// Raw transactions: ethereum/tests TransactionTests (txbytes) and the EIP-155 example.
for (const f of filesUnder(join(vectors, "ethereum-tests", "TransactionTests")).filter((p) => p.endsWith(".json")))
  for (const t of Object.values(json(f)))
    if (typeof t.txbytes === "string" && /^0x([0-9a-fA-F]{2})*$/.test(t.txbytes)) {
      put("txn", hexBytes(t.txbytes));
      put("rlp", hexBytes(t.txbytes));
    }
{
  const e = json(join(vectors, "eip155", "example.json"));
  for (const k of ["raw", "signingData"]) if (typeof e[k] === "string") put(k === "raw" ? "txn" : "rlp", hexBytes(e[k]));
}

// EIP-712 documents, and the typed data inside the Hyperliquid vectors.
for (const f of readdirSync(join(vectors, "eip712")).filter((n) => n.endsWith(".json") && !n.includes("expected")))
  put("eip712", readFileSync(join(vectors, "eip712", f), "utf8"));

// Hyperliquid: every action in the SDK vectors (reader 2: parse_action).
function actionsIn(v, acc) {
  if (Array.isArray(v)) v.forEach((x) => actionsIn(x, acc));
  else if (v && typeof v === "object") {
    if (v.action && typeof v.action === "object") acc.push(v.action);
    Object.values(v).forEach((x) => actionsIn(x, acc));
  }
  return acc;
}
for (const f of readdirSync(join(vectors, "hyperliquid")).filter((n) => n.endsWith(".json")))
  for (const a of actionsIn(json(join(vectors, "hyperliquid", f)), [])) put("hl_reply", withByte(2, JSON.stringify(a)));

// ABI: one well-formed encoding per built-in signature of fuzz_abi.cpp (the index byte first).
const coder = AbiCoder.defaultAbiCoder();
const addr = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";
const abiSeeds = [
  [0, ["uint256"], [123456789n]],
  [1, ["uint8", "int8", "int256", "bool", "address"], [255, -1, -(2n ** 200n), true, addr]],
  [2, ["bytes", "string"], ["0x0102030405", "hello ✓"]],
  [3, ["bytes32", "bytes1", "bytes17"], ["0x" + "ab".repeat(32), "0x01", "0x" + "cd".repeat(17)]],
  [4, ["uint256[]", "string[]"], [[1n, 2n, 3n], ["a", "", "ccc"]]],
  [5, ["(address,bytes)[2][]"], [[[[addr, "0x00"], [addr, "0xffff"]]]]],
  [6, ["(uint256,(string,bool[]))", "int64[3]"], [[7n, ["x", [true, false]]], [-1n, 0n, 9n]]],
  [7, ["uint80", "int256", "uint256", "uint256", "uint80"], [5n, 300000000000n, 1700000000n, 1700000000n, 5n]],
];
for (const [i, types, values] of abiSeeds) put("abi", Buffer.concat([Buffer.from([i]), hexBytes(coder.encode(types, values))]));
// Events (index byte, topic count, topics, data): AnswerUpdated and PriceFeedUpdate.
{
  const word = (v) => hexBytes(coder.encode(["int256"], [v]));
  const answer = Buffer.concat([Buffer.from([8, 3]), hexBytes(topicOf("AnswerUpdated(int256,uint256,uint256)")), word(3000n * 10n ** 8n), word(42n),
    hexBytes(coder.encode(["uint256"], [1700000000n]))]);
  put("abi", answer);
  const pyth = Buffer.concat([Buffer.from([9, 1]), hexBytes(topicOf("PriceFeedUpdate(bytes32,uint64,int64,uint64)")), hexBytes("0x" + "11".repeat(32)),
    hexBytes(coder.encode(["uint64", "int64", "uint64"], [1700000000n, 300000000000n, 1000000n]))]);
  put("abi", pyth);
}
put("abi", "function transfer(address to, uint amount) external returns (bool)\n");
put("abi", "(uint256,(address,bytes)[])[2]");
put("abi", Buffer.concat([Buffer.from("balanceOf(address)(uint256)\n"), hexBytes(coder.encode(["address"], [addr]))]));

// JSON-RPC replies: one per RpcClient call of fuzz_rpc_reply.cpp (the call byte first).
{
  const h = (b) => "0x" + b.repeat(32);
  const header = { number: "0x10", hash: h("aa"), parentHash: h("bb"), timestamp: "0x6553f100", baseFeePerGas: "0x3b9aca00",
    gasUsed: "0x5208", gasLimit: "0x1c9c380", miner: addr, transactions: [] };
  const log = { address: addr.toLowerCase(), topics: [topicOf("AnswerUpdated(int256,uint256,uint256)"), h("00").slice(0, 62) + "2a", h("00").slice(0, 62) + "05"],
    data: coder.encode(["uint256"], [1700000000n]), blockNumber: "0x1", blockHash: h("cc"), transactionHash: h("dd"),
    transactionIndex: "0x0", logIndex: "0x0", removed: false };
  const txHash = "0x" + "00".repeat(31) + "01";
  const receipt = { transactionHash: txHash, blockNumber: "0x1", blockHash: h("cc"), transactionIndex: "0x0", status: "0x1",
    gasUsed: "0x5208", effectiveGasPrice: "0x3b9aca00", contractAddress: null, logs: [log] };
  const tx = { hash: txHash, from: addr.toLowerCase(), nonce: "0x7", blockNumber: null, blockHash: null };
  const rpc = (result, id = 1) => JSON.stringify({ jsonrpc: "2.0", id, result });
  const replies = [
    [0, rpc("0x7a69")], [1, rpc("0x10")], [2, rpc(header)], [3, rpc(header)], [4, rpc([log, { ...log, logIndex: "0x1", removed: true }])],
    [4, rpc([])], [5, rpc(receipt)], [5, rpc(null)], [6, rpc(tx)],
    [7, rpc({ oldestBlock: "0xd", baseFeePerGas: ["0x1", "0x2", "0x3", "0x4", "0x5"], gasUsedRatio: [0.5, 0.1, 0, 1],
      reward: [["0x1", "0x2"], ["0x1", "0x2"], ["0x1", "0x2"], ["0x1", "0x2"]] })],
    [8, rpc("0x" + "00".repeat(31) + "01")],
    [9, rpc(keccak256("0xc0"))],
    [10, JSON.stringify([{ jsonrpc: "2.0", id: 2, result: "0x7a69" }, { jsonrpc: "2.0", id: 1, result: "0x10" }])],
    [11, rpc("0x5208")],
    [8, JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: 3, message: "execution reverted: no",
      data: "0x08c379a0" + coder.encode(["string"], ["no"]).slice(2) } })],
    [9, JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32000, message: "nonce too low" } })],
    [1, JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32005, message: "rate limited" } })],
    // WebSocket notifications (the client's fast path): a log, and a head.
    [4, JSON.stringify({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription: "0x" + "9c".repeat(16), result: log } })],
    [2, JSON.stringify({ jsonrpc: "2.0", method: "eth_subscription", params: { subscription: "0x" + "9d".repeat(16), result: header } })],
  ];
  for (const [b, body] of replies) put("rpc_reply", withByte(b, body));
}

// Hand-made seeds.
const seeds = join(root, "fuzz", "seeds");
for (const target of readdirSync(seeds)) {
  for (const name of readdirSync(join(seeds, target))) {
    const text = readFileSync(join(seeds, target, name));
    const m = /^(\d+)-/.exec(name);
    put(target, m ? Buffer.concat([Buffer.from([Number(m[1])]), text]) : text);
  }
}

console.log(Object.entries(counts).map(([t, n]) => `${t}: ${n}`).join(", "));
