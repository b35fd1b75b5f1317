// Differential test: Web3 Secret Storage keystores between perpx and ethers 6.
// - ethers' encryptKeystoreJson output (light scrypt) decrypts with
//   `perpx wallet address` to the same address;
// - keystores perpx writes (`wallet import`, light scrypt and pbkdf2) decrypt
//   with ethers' decryptKeystoreJson to the same key and address;
// - a wrong password is refused by both.
// Light parameters only, to run in seconds; geth's standard parameters are
// covered by the published vectors (tests/vectors/keystore) and the CLI tests.
// Passwords include non-ASCII text already in NFKC form (ethers normalises
// passwords to NFKC; geth and perpx use the bytes as given).
//
// Usage: node tests/differential/keystore.test.mjs <perpx-binary>
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, decryptKeystoreJson, encryptKeystoreJson, hexlify, randomBytes } from "ethers";

const bin = process.argv[2];
if (!bin) {
  console.error("usage: keystore.test.mjs <perpx-binary>");
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), "perpx-ks-"));
let passed = 0, failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else {
    failed++;
    console.error("FAIL:", what);
  }
};
const perpx = (args, input) => spawnSync(bin, args, { input, encoding: "utf8" });
const passwords = ["", "testpassword", "pässwörd ✓ \"quoted\"", "日本語のパスワード"];

// ethers -> perpx
for (let i = 0; i < passwords.length; i++) {
  const wallet = new Wallet(hexlify(randomBytes(32)));
  const json = await encryptKeystoreJson(wallet, passwords[i], { scrypt: { N: 4096 } });
  const ks = join(dir, `ethers-${i}.json`), pw = join(dir, `pw-${i}`);
  writeFileSync(ks, json, { mode: 0o600 });  // perpx refuses a keystore others can read
  writeFileSync(pw, passwords[i] + "\n");
  const r = perpx(["wallet", "address", "--keystore", ks, "--password-file", pw]);
  check(r.status === 0 && r.stdout === wallet.address + "\n", `ethers keystore ${i}: perpx ${r.stdout.trim() || r.stderr.trim()} want ${wallet.address}`);
  writeFileSync(pw, passwords[i] + "x\n");
  const bad = perpx(["wallet", "address", "--keystore", ks, "--password-file", pw]);
  check(bad.status === 1 && bad.stdout === "" && bad.stderr.includes("wrong password"), `ethers keystore ${i}: wrong password not refused`);
}

// perpx -> ethers
const kdfs = [["--light"], ["--kdf", "pbkdf2"], ["--light"], ["--light"]];
for (let i = 0; i < passwords.length; i++) {
  const key = hexlify(randomBytes(32));
  const out = join(dir, `perpx-${i}`), pw = join(dir, `pw-${i}`);
  writeFileSync(pw, passwords[i] + "\n");
  const r = perpx(["wallet", "import", "--keystore", out, "--password-file", pw, "--private-key", "-", ...kdfs[i]], key);
  const want = new Wallet(key).address;
  check(r.status === 0 && r.stdout === want + "\n", `perpx import ${i}: ${r.stdout.trim() || r.stderr.trim()} want ${want}`);
  const files = readdirSync(out);
  check(files.length === 1, `perpx import ${i}: ${files.length} files`);
  const json = readFileSync(join(out, files[0]), "utf8");
  try {
    const account = await decryptKeystoreJson(json, passwords[i]);
    check(account.privateKey === key && account.address === want, `perpx keystore ${i}: ethers decrypted ${account.address}`);
  } catch (e) {
    check(false, `perpx keystore ${i}: ethers refused it: ${e.shortMessage ?? e.message}`);
  }
  if (i < 2) {
    let refused = false;
    try { await decryptKeystoreJson(json, passwords[i] + "x"); } catch { refused = true; }
    check(refused, `perpx keystore ${i}: ethers accepted a wrong password`);
  }
}

rmSync(dir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
