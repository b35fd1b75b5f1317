// perpx sign-message (EIP-191 personal_sign) against ethers Wallet.signMessage
// and viem signMessage: random keys, messages as 0x bytes, as UTF-8 text
// (including text that only looks like hex, and --text forcing text).
import { Wallet, getBytes } from "ethers";
import { privateKeyToAccount } from "viem/accounts";
import { prng, toHex, runPerpx, check, checkError, lineOf, finish } from "./lib.mjs";

const rng = prng(0x6d7367);
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const randomKey = () => {
  for (;;) {
    const k = BigInt(toHex(rng.bytes(32)));
    if (k > 0n && k < N) return "0x" + k.toString(16).padStart(64, "0");
  }
};
const words = ["hello", "world", "perpx", "Ethereum", "émoji 🚀", "日本語", "tab\there", "a\nnew line", "0x", "0x1", "0xabc", "1234", "  spaced  ", "✓"];
const randomText = () => {
  const n = rng.range(1, 6);
  let s = Array.from({ length: n }, () => rng.pick(words)).join(rng.pick([" ", "", "-", "\n"]));
  if (s.startsWith("-")) s = "x" + s;  // an argument starting with '-' is an option
  return s;
};

async function compare(name, args, messageForPeers, key) {
  const r = runPerpx(args);
  const got = lineOf(name, r, { args: args.filter((a) => a !== key) });
  if (got === undefined) return;
  const wallet = new Wallet(key);
  const account = privateKeyToAccount(key);
  const wantEthers = await wallet.signMessage(messageForPeers);
  const wantViem = await account.signMessage({ message: typeof messageForPeers === "string" ? messageForPeers : { raw: messageForPeers } });
  check(`${name} vs ethers`, got, wantEthers, args.at(-1));
  check(`${name} vs viem`, got, wantViem, args.at(-1));
}

for (let i = 0; i < 120; i++) {
  const key = randomKey();
  // bytes: 0..300 long; a 32-byte one is the common "sign a hash" case
  const n = rng.bool(0.2) ? 32 : rng.range(0, 300);
  const hex = toHex(rng.bytes(n));
  await compare(`sign-message bytes len ${n}`, ["sign-message", "--private-key", key, hex], getBytes(hex), key);
  // UTF-8 text
  const text = randomText();
  const looksHex = /^0x([0-9a-fA-F]{2})*$/.test(text);
  await compare(`sign-message text`, ["sign-message", "--private-key", key, text], looksHex ? getBytes(text) : text, key);
  // --text forces text even for something that looks like hex
  if (i % 4 === 0) await compare(`sign-message --text hex-looking`, ["sign-message", "--private-key", key, "--text", hex], hex, key);
}
// Odd-length hex is text, not bytes.
{
  const key = randomKey();
  await compare("sign-message odd hex is text", ["sign-message", "--private-key", key, "0xabc"], "0xabc", key);
}
// ETH_PRIVATE_KEY is a key source too.
{
  const key = randomKey();
  const r = runPerpx(["sign-message", "hello"], undefined);
  // (no key anywhere): error contract
  checkError("sign-message without a key", r, "hello");
  const got = lineOf("sign-message with ETH_PRIVATE_KEY", runPerpx(["sign-message", "hello"], undefined, { ETH_PRIVATE_KEY: key }), "hello");
  if (got !== undefined) check("sign-message with ETH_PRIVATE_KEY", got, await new Wallet(key).signMessage("hello"), "hello");
}
// Bad keys: error contract, and the key must not be echoed.
for (const bad of ["0x" + "00".repeat(32), "0x" + N.toString(16), "0x1234", "0x" + "zz".repeat(32)]) {
  const r = runPerpx(["sign-message", "--private-key", bad, "hello"]);
  checkError(`sign-message rejects key ${bad.slice(0, 10)}…`, r, bad);
  check(`sign-message error does not echo the key ${bad.slice(0, 10)}…`, r.stderr.includes(bad.slice(2)), false, bad);
}
finish();
