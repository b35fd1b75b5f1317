// perpx wallet new|import|address: geth-compatible keystore folders. Light
// scrypt everywhere except one test that checks the default parameters.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "temp_dir.hpp"
#include "cli_run.hpp"
#include "perpx/core/json.hpp"

using perpx::test::line_of;
using perpx::test::run_perpx;
namespace fs = std::filesystem;

namespace {

// A fresh temporary folder, removed at scope exit.
using perpx::test::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  return out;
}

const std::string kKey = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
const std::string kAddress = "0x008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b";

}  // namespace

TEST_CASE("wallet new writes a geth-named 0600 keystore that wallet address reads", "[cli][wallet]") {
  TempDir tmp;
  const std::string pw = tmp.file("pw", "hunter2\nsecond line ignored\n");
  const fs::path dir = tmp.path / "keys" / "sub";  // created if missing
  auto r = run_perpx({"wallet", "new", "--keystore", dir.string(), "--password-file", pw, "--light"});
  REQUIRE(r.status == 0);
  const std::string address = line_of(r);
  CHECK(std::regex_match(address, std::regex("0x[0-9a-fA-F]{40}")));
  const auto files = files_in(dir);
  REQUIRE(files.size() == 1);
  std::string lower = address.substr(2);
  for (auto& c : lower) c = static_cast<char>(std::tolower(c));
  CHECK(std::regex_match(files[0].filename().string(),
                         std::regex("UTC--\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{9}Z--" + lower)));
  struct stat st {};
  REQUIRE(stat(files[0].c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const auto ks = perpx::core::parse_json(slurp(files[0])).value();
  CHECK(ks["address"] == lower);
  CHECK(ks["crypto"]["kdfparams"]["n"] == 4096);
  CHECK(ks["crypto"]["kdfparams"]["p"] == 6);

  r = run_perpx({"wallet", "address", "--keystore", dir.string(), "--password-file", pw});
  CHECK(r.status == 0);
  CHECK(line_of(r) == address);
  r = run_perpx({"wallet", "address", "--keystore", files[0].string(), "--password-file", pw, "--json"});
  CHECK(r.status == 0);
  const auto j = perpx::core::parse_json(line_of(r)).value();
  CHECK(j["address"] == address);
  CHECK(j["path"] == files[0].string());

  // A wrong password: exit 1, one line, nothing on stdout.
  r = run_perpx({"wallet", "address", "--keystore", dir.string(), "--password-file", tmp.file("bad", "hunter3\n")});
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("wrong password") != std::string::npos);
}

TEST_CASE("wallet new --json with default scrypt, wallet import --kdf pbkdf2", "[cli][wallet]") {
  TempDir tmp;
  const std::string pw = tmp.file("pw", "pw\n");
  auto r = run_perpx({"wallet", "new", "--keystore", (tmp.path / "std").string(), "--password-file", pw, "--json"});
  REQUIRE(r.status == 0);
  const auto j = perpx::core::parse_json(line_of(r)).value();
  const auto ks = perpx::core::parse_json(slurp(j["path"].get<std::string>())).value();
  CHECK(ks["crypto"]["kdf"] == "scrypt");
  CHECK(ks["crypto"]["kdfparams"]["n"] == 262144);
  CHECK(ks["crypto"]["kdfparams"]["r"] == 8);
  CHECK(ks["crypto"]["kdfparams"]["p"] == 1);
  CHECK(ks["crypto"]["kdfparams"]["dklen"] == 32);

  r = run_perpx({"wallet", "import", "--keystore", (tmp.path / "pb").string(), "--password-file", pw, "--kdf", "pbkdf2",
                 "--private-key", kKey});
  REQUIRE(r.status == 0);
  CHECK(line_of(r) == kAddress);
  const auto pb = perpx::core::parse_json(slurp(files_in(tmp.path / "pb").at(0))).value();
  CHECK(pb["crypto"]["kdf"] == "pbkdf2");
  CHECK(pb["crypto"]["kdfparams"]["c"] == 262144);
  CHECK(pb["crypto"]["kdfparams"]["prf"] == "hmac-sha256");
  r = run_perpx({"wallet", "address", "--keystore", (tmp.path / "pb").string(), "--password-file", pw});
  CHECK(line_of(r) == kAddress);
}

TEST_CASE("wallet import takes the key from --private-key or ETH_PRIVATE_KEY only", "[cli][wallet]") {
  TempDir tmp;
  const std::string pw = tmp.file("pw", "pw");
  auto r = run_perpx({"wallet", "import", "--keystore", (tmp.path / "a").string(), "--password-file", pw, "--light"}, {},
                     {"ETH_PRIVATE_KEY=" + kKey});
  CHECK(r.status == 0);
  CHECK(line_of(r) == kAddress);
  r = run_perpx({"wallet", "import", "--keystore", (tmp.path / "b").string(), "--password-file", pw, "--light",
                 "--private-key", "-"}, kKey + "\n");
  CHECK(line_of(r) == kAddress);
  r = run_perpx({"wallet", "address", "--keystore", (tmp.path / "b").string(), "--password-file", pw});
  CHECK(line_of(r) == kAddress);

  // A positional key is refused; no key at all is refused; neither writes anything.
  r = run_perpx({"wallet", "import", "--keystore", (tmp.path / "c").string(), "--password-file", pw, kKey});
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find(kKey.substr(2)) == std::string::npos);
  r = run_perpx({"wallet", "import", "--keystore", (tmp.path / "c").string(), "--password-file", pw});
  CHECK(r.status == 1);
  CHECK(r.err.find("no key") != std::string::npos);
  CHECK_FALSE(fs::exists(tmp.path / "c"));
}

TEST_CASE("wallet errors name the argument", "[cli][wallet]") {
  TempDir tmp;
  const std::string pw = tmp.file("pw", "pw");
  auto expect_error = [](const perpx::test::RunResult& r, const std::string& text) {
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(r.err.find(text) != std::string::npos);
  };
  expect_error(run_perpx({"wallet", "new", "--keystore", pw, "--password-file", pw, "--light"}), "not a folder");
  expect_error(run_perpx({"wallet", "new", "--keystore", tmp.path.string(), "--password-file", pw, "--kdf", "argon2"}), "--kdf");
  expect_error(run_perpx({"wallet", "new", "--keystore", tmp.path.string(), "--password-file", pw, "--kdf", "pbkdf2", "--light"}),
               "--light");
  expect_error(run_perpx({"wallet", "new", "--keystore", tmp.path.string()}), "--password-file");
  expect_error(run_perpx({"wallet", "address", "--keystore", tmp.path.string(), "--password-file", "/nonexistent"}),
               "--password-file");
  // A folder with two keystores is ambiguous.
  const fs::path two = tmp.path / "two";
  for (int i = 0; i < 2; ++i)
    REQUIRE(run_perpx({"wallet", "new", "--keystore", two.string(), "--password-file", pw, "--light"}).status == 0);
  expect_error(run_perpx({"wallet", "address", "--keystore", two.string(), "--password-file", pw}), "exactly one");
}

TEST_CASE("wallet address reads the published pbkdf2 vector", "[cli][wallet]") {
  TempDir tmp;
  const auto v = perpx::core::parse_json(slurp(std::string(PERPX_VECTORS_DIR) + "/keystore/v3_test_vector.json")).value();
  const std::string ks = tmp.file("ks.json", v["wikipage_test_vector_pbkdf2"]["json"].dump());
  auto r = run_perpx({"wallet", "address", "--keystore", ks, "--password-file", tmp.file("pw", "testpassword\n")});
  CHECK(r.status == 0);
  CHECK(line_of(r) == kAddress);
}
