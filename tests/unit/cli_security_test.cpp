// Security properties of the program and the files it writes: key files
// others can read are refused (as ssh does), keystores and journals are
// created 0600 whatever the umask (the journal's -wal and -shm too), and RPC
// URLs with credentials are redacted in every message.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "temp_dir.hpp"
#include "cli_run.hpp"
#include "fault_server.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/executor/journal.hpp"

using perpx::test::line_of;
using perpx::test::run_perpx;
namespace fs = std::filesystem;
namespace chain = perpx::chain;

namespace {

using perpx::test::TempDir;

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Sets the process umask for a scope (children spawned meanwhile inherit it).
struct UmaskScope {
  mode_t old;
  explicit UmaskScope(mode_t m) : old(::umask(m)) {}
  ~UmaskScope() { ::umask(old); }
};

// A loopback port nothing listens on (bound, then closed).
uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

const std::string kKey = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
const std::string kAddress = "0x008AeEda4D805471dF9b2A5B0f38A0C3bCBA786b";

// A light keystore of kKey in dir/ks, and the password file beside it.
std::pair<fs::path, std::string> make_keystore(const TempDir& tmp) {
  const std::string pw = tmp.file("pw", "hunter2\n");
  const auto r = run_perpx({"wallet", "import", "--keystore", (tmp.path / "ks").string(), "--password-file", pw, "--light",
                            "--private-key", kKey});
  REQUIRE(r.status == 0);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(tmp.path / "ks")) files.push_back(e.path());
  REQUIRE(files.size() == 1);
  return {files[0], pw};
}

}  // namespace

TEST_CASE("a keystore others can read is refused with the mode and the fix, like ssh", "[cli][security]") {
  TempDir tmp;
  const auto [ks, pw] = make_keystore(tmp);
  REQUIRE(mode_of(ks) == 0600);
  auto ok = run_perpx({"wallet", "address", "--keystore", ks.string(), "--password-file", pw});
  REQUIRE(ok.status == 0);
  CHECK(line_of(ok) == kAddress);

  for (const auto& [mode, text] : std::vector<std::pair<mode_t, std::string>>{
           {0644, "readable by others (mode 0644); chmod 600 it"},
           {0640, "readable by others (mode 0640); chmod 600 it"},
           {0604, "readable by others (mode 0604); chmod 600 it"},
           {0620, "writable by others (mode 0620); chmod 600 it"}}) {
    INFO(text);
    REQUIRE(::chmod(ks.c_str(), mode) == 0);
    // The file itself and the folder holding it, by every command that loads a key.
    for (const std::string& where : {ks.string(), ks.parent_path().string()}) {
      for (const auto& args : std::vector<std::vector<std::string>>{
               {"wallet", "address", "--keystore", where, "--password-file", pw},
               {"hl", "sign", "--keystore", where, "--password-file", pw, "--nonce", "0",
                R"({"type":"dummy","num":100000000000})"}}) {
        const auto r = run_perpx(args);
        CHECK(r.status == 1);
        CHECK(r.out.empty());
        CHECK(r.err.find("--keystore: key file '" + ks.string() + "' is " + text) != std::string::npos);
        CHECK(r.err.find(kKey.substr(2)) == std::string::npos);
      }
    }
  }
  // Owner-only modes stricter than 0600 are fine.
  REQUIRE(::chmod(ks.c_str(), 0400) == 0);
  CHECK(run_perpx({"wallet", "address", "--keystore", ks.string(), "--password-file", pw}).status == 0);
}

TEST_CASE("keystores are created 0600 whatever the umask", "[cli][security]") {
  for (const mode_t mask : {mode_t{0}, mode_t{0022}, mode_t{0277}}) {
    INFO("umask " << mask);
    TempDir tmp;
    const std::string pw = tmp.file("pw", "hunter2\n");
    UmaskScope scope(mask);
    const auto r = run_perpx({"wallet", "new", "--keystore", (tmp.path / "ks").string(), "--password-file", pw, "--light"});
    REQUIRE(r.status == 0);
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(tmp.path / "ks")) {
      ++n;
      CHECK(mode_of(e.path()) == 0600);
    }
    CHECK(n == 1);
    CHECK(mode_of(tmp.path / "ks") == 0700);
  }
}

TEST_CASE("the journal, its -wal and its -shm are created 0600 whatever the umask", "[cli][security][journal]") {
  for (const mode_t mask : {mode_t{0}, mode_t{0022}, mode_t{0277}}) {
    INFO("umask " << mask);
    TempDir tmp;
    const fs::path p = tmp.path / "journal.sqlite";
    UmaskScope scope(mask);
    auto j = perpx::executor::Journal::open(p);
    REQUIRE(j);
    perpx::executor::OrderRecord o;
    o.client_order_id = "c1";
    o.venue = "ref";
    o.market = "ETH-PERP";
    o.side = "buy";
    o.size = "1";
    o.limit_price = "3000";
    REQUIRE(j->add_order(o));
    // WAL mode: both side files exist while the journal is open.
    for (const char* suffix : {"", "-wal", "-shm"}) {
      INFO(suffix);
      const fs::path f = p.string() + suffix;
      REQUIRE(fs::exists(f));
      CHECK(mode_of(f) == 0600);
    }
  }
  // An existing file keeps its mode (the owner chose it).
  TempDir tmp;
  const std::string existing = tmp.file("j.sqlite", "", 0640);
  REQUIRE(perpx::executor::Journal::open(existing));
  CHECK(mode_of(existing) == 0640);
}

TEST_CASE("redact_url keeps scheme and host only, over the shapes RPC URLs take", "[cli][security][redact]") {
  struct Shape {
    std::string url, redacted, secret;
  };
  const std::vector<Shape> shapes = {
      {"https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef", "https://mainnet.infura.io/...",
       "0123456789abcdef0123456789abcdef"},
      {"https://eth-mainnet.g.alchemy.com/v2/AbCdEfSecretKey", "https://eth-mainnet.g.alchemy.com/...", "AbCdEfSecretKey"},
      {"wss://eth-mainnet.g.alchemy.com/v2/AbCdEfSecretKey", "wss://eth-mainnet.g.alchemy.com/...", "AbCdEfSecretKey"},
      {"https://alice:hunter22@rpc.example.org:8443/", "https://rpc.example.org:8443", "hunter22"},
      {"https://alice:hunter22@rpc.example.org", "https://rpc.example.org", "hunter22"},
      {"https://alice:hunter22@rpc.example.org/path", "https://rpc.example.org/...", "hunter22"},
      {"wss://alice:hunter22@ws.example.org/ws/KEY123", "wss://ws.example.org/...", "KEY123"},
      {"https://alice:hun@ter22@rpc.example.org/x", "https://rpc.example.org/...", "ter22"},  // '@' in the password
      {"https://alice:pa/ss?w#rd@rpc.example.org/v3/KEY123", "https://<redacted>/...", "ss?w#rd"},  // unencoded '/'
      {"http://127.0.0.1:8545?apikey=KEY123", "http://127.0.0.1:8545/...", "KEY123"},
      {"http://127.0.0.1:8545#KEY123", "http://127.0.0.1:8545/...", "KEY123"},
      {"https://rpc.example.org/?token=KEY123", "https://rpc.example.org/...", "KEY123"},
      {"alice:hunter22@rpc.example.org:8545/KEY123", "rpc.example.org:8545/...", "hunter22"},  // no scheme
      {"https://[::1]:8545/KEY123", "https://[::1]:8545/...", "KEY123"},
      {"http://127.0.0.1:8545", "http://127.0.0.1:8545", ""},
      {"http://127.0.0.1:8545/", "http://127.0.0.1:8545", ""},
  };
  for (const auto& s : shapes) {
    INFO(s.url);
    const std::string r = chain::redact_url(s.url);
    CHECK(r == s.redacted);
    if (!s.secret.empty()) CHECK(r.find(s.secret) == std::string::npos);
    CHECK(r.find("alice") == std::string::npos);
  }
}

TEST_CASE("redact_in removes a URL's credentials wherever a message quotes them", "[cli][security][redact]") {
  const std::string url = "https://alice:hunter22@rpc.example.org/v3/KEY123?x=1";
  const std::string msg = chain::redact_in(
      "GET " + url + " failed; path /v3/KEY123?x=1; user alice:hunter22; password hunter22; host rpc.example.org", url);
  CHECK(msg.find("hunter22") == std::string::npos);
  CHECK(msg.find("KEY123") == std::string::npos);
  CHECK(msg.find("alice") == std::string::npos);
  CHECK(msg.find("https://rpc.example.org/...") != std::string::npos);
  CHECK(msg.find("host rpc.example.org") != std::string::npos);  // what is not secret stays readable
  // Nothing to hide: the text is unchanged.
  CHECK(chain::redact_in("connection refused", "http://127.0.0.1:8545") == "connection refused");
}

TEST_CASE("HTTP transport errors and URLs never carry the URL's credentials", "[cli][security][redact]") {
  const std::vector<std::string> secrets = {"alice", "hunter22", "APIKEY123", "TOK456"};
  auto clean = [&](const std::string& text) {
    INFO(text);
    for (const auto& s : secrets) CHECK(text.find(s) == std::string::npos);
  };
  const std::string creds = "alice:hunter22@";
  const std::string path = "/v3/APIKEY123?token=TOK456";

  // Nothing listens: curl's own error detail.
  {
    chain::HttpTransport t("http://" + creds + "127.0.0.1:" + std::to_string(closed_port()) + path);
    clean(t.url());
    auto r = t.round_trip(R"({"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]})", std::chrono::milliseconds(2000),
                          false);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == chain::RpcErrc::kConnect);
    clean(chain::to_string(r.error()));
  }
  // A server that echoes the key back in its refusal (some providers do).
  {
    perpx::test::FaultServer server([](const std::string&, size_t) {
      return perpx::test::FaultReply{perpx::test::http_reply(
          401, std::string(176, ' ') + "invalid project id APIKEY123 for alice:hunter22 (token TOK456)")};
    });
    const std::string url = "http://" + creds + "127.0.0.1:" + std::to_string(server.port()) + path;
    auto c = chain::make_http_client(url);
    clean(c.url());
    auto r = c.chain_id();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == chain::RpcErrc::kHttpStatus);
    clean(chain::to_string(r.error()));
    CHECK(chain::to_string(r.error()).find("invalid project id") != std::string::npos);
    // No prefix of the key survives the excerpt's cut either (the key spans byte 200).
    CHECK(chain::to_string(r.error()).find("APIK") == std::string::npos);
  }
}
