// No private key leaves perpx in what a drill writes: `perpx drill oracle
// --json` runs with its temporary folder (TMPDIR) inside a fresh folder,
// and its stdout, its stderr and every file left in that folder (report,
// audit database and its side files, anything else) are searched for the
// keys of the local chain's dev accounts: hex in any case, with and without
// 0x, and the raw 32 bytes.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.hpp"
#include "perpx/chain/local_chain.hpp"
#include "perpx/core/hex.hpp"

namespace fs = std::filesystem;

namespace {

struct Secret {
  std::string hex;  // lowercase, no 0x
  std::string raw;  // the 32 bytes
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Where `text` holds the key, or empty: hex in any case (so with or without
// 0x, since the digits alone are searched) or the raw bytes.
std::string leak_in(const std::string& text, const Secret& k) {
  if (lower(text).find(k.hex) != std::string::npos) return "hex";
  if (text.find(k.raw) != std::string::npos) return "raw bytes";
  return {};
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("the key search finds a key in every form it may take", "[anvil][oracle][security]") {
  // The searcher itself, so the drill test below can fail.
  Secret k{"7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d", std::string(32, '\x7a')};
  CHECK(leak_in("key=0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d", k) == "hex");
  CHECK(leak_in("7A28B5BA57C53603B0B07B56BBA752F7784BF506FA95EDC395F5CF6C7514FE9D", k) == "hex");
  CHECK(leak_in("0X7a28B5ba57C53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514FE9D.", k) == "hex");
  CHECK(leak_in("blob:" + k.raw + ":", k) == "raw bytes");
  CHECK(leak_in("7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9", k).empty());  // one digit short
}

TEST_CASE("perpx drill oracle writes no private key to its output, logs, database or report",
          "[anvil][oracle][security]") {
  // The dev accounts' keys: the drill starts anvil with the default mnemonic
  // and account count, as this chain does.
  std::vector<Secret> keys;
  {
    const perpx::chain::LocalChain lc{perpx::chain::LocalChainOptions{}};
    for (size_t i = 0; i < lc.accounts().size(); ++i) {
      const perpx::signer::SecretKey key = lc.dev_key(i);
      const auto& b = key.expose_secret();
      keys.push_back({perpx::core::to_hex(b).substr(2), std::string(b.begin(), b.end())});
    }
  }
  REQUIRE(keys.size() == 10);
  REQUIRE(keys[0].hex.size() == 64);

  const fs::path dir = fs::temp_directory_path() / ("perpx-drill-security-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto r = perpx::test::run_perpx(
      {"drill", "oracle", "--json", "--report", (dir / "report.html").string(), "--db", (dir / "audit.sqlite").string()}, {},
      {std::string("PERPX_CONTRACTS_DIR=") + PERPX_CONTRACTS_DIR, "TMPDIR=" + dir.string()});
  INFO(r.err);
  REQUIRE(r.status == 0);
  REQUIRE(r.out.find("\"summary\"") != std::string::npos);

  std::vector<std::pair<std::string, std::string>> outputs = {{"stdout", r.out}, {"stderr", r.err}};
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) outputs.emplace_back(e.path().string(), slurp(e.path()));
  // At least the report and the audit database were written and searched.
  CHECK(outputs.size() >= 4);
  CHECK(fs::file_size(dir / "report.html") > 0);
  CHECK(fs::file_size(dir / "audit.sqlite") > 0);
  for (const auto& [where, text] : outputs) {
    for (size_t i = 0; i < keys.size(); ++i) {
      INFO(where << ": dev key " << i);
      CHECK(leak_in(text, keys[i]).empty());
    }
  }
  // The audit database is the owner's alone, as every database perpx creates.
  struct stat st {};
  REQUIRE(::stat((dir / "audit.sqlite").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  fs::remove_all(dir);
}
