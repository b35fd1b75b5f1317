// `perpx chain up` as a user runs it: a child process (PERPX_BIN), its one
// JSON line, the world it deployed, the keys file, and a clean stop.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "perpx/chain/contracts.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/signer/secp256k1.hpp"

extern char** environ;

using namespace perpx;
using namespace perpx::chain;
using core::Json;

namespace {

using Clock = std::chrono::steady_clock;

// A running `perpx chain up ...`, killed (SIGKILL) if the test ends early.
struct ChainUp {
  pid_t pid = -1;
  int out = -1;
  int err = -1;
  std::string stdout_text;

  explicit ChainUp(std::vector<std::string> args) {
    int o[2], e[2];
    REQUIRE(pipe(o) == 0);
    REQUIRE(pipe(e) == 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, o[1], 1);
    posix_spawn_file_actions_adddup2(&fa, e[1], 2);
    for (int fd : {o[0], o[1], e[0], e[1]}) posix_spawn_file_actions_addclose(&fa, fd);
    args.insert(args.begin(), PERPX_BIN);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    REQUIRE(posix_spawn(&pid, PERPX_BIN, &fa, nullptr, argv.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    close(o[1]);
    close(e[1]);
    out = o[0];
    err = e[0];
  }
  ~ChainUp() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    close(out);
    close(err);
  }

  // The first stdout line, waiting at most `limit`.
  std::string first_line(std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    while (stdout_text.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      pollfd p{out, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) break;
      char buf[4096];
      const ssize_t n = read(out, buf, sizeof buf);
      if (n <= 0) break;
      stdout_text.append(buf, static_cast<size_t>(n));
    }
    const auto nl = stdout_text.find('\n');
    return nl == std::string::npos ? std::string() : stdout_text.substr(0, nl);
  }

  std::string drain(int fd) {
    std::string s;
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) s.append(buf, static_cast<size_t>(n));
    return s;
  }

  // Sends `sig` and waits (bounded) for the exit status; -1 on timeout.
  int stop(int sig, std::chrono::seconds limit = std::chrono::seconds(10)) {
    kill(pid, sig);
    const auto deadline = Clock::now() + limit;
    int status = 0;
    while (Clock::now() < deadline) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        stdout_text += drain(out);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
};

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every string in `j` that is an address.
void collect_addresses(const Json& j, std::vector<Address>& out) {
  if (j.is_string()) {
    if (auto a = core::parse_address(j.get<std::string>())) out.push_back(*a);
  } else if (j.is_structured()) {
    for (const auto& v : j) collect_addresses(v, out);
  }
}

}  // namespace

TEST_CASE("perpx chain up --json deploys the drill world and stops cleanly", "[anvil][chain][cli]") {
  const auto t0 = Clock::now();
  ChainUp up({"chain", "up", "--json"});
  const std::string line = up.first_line(std::chrono::seconds(90));
  REQUIRE_FALSE(line.empty());
  WARN("chain up: " << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count() << " ms");
  const auto parsed = core::parse_json(line);
  REQUIRE(parsed);
  const Json& j = *parsed;

  const std::string rpc_url = j.at("rpc_url").get<std::string>();
  CHECK(rpc_url.starts_with("http://127.0.0.1:"));
  CHECK(j.at("ws_url").get<std::string>() == "ws://127.0.0.1:" + rpc_url.substr(rpc_url.rfind(':') + 1));
  CHECK(j.at("chain_id") == 31337);
  REQUIRE(j.at("accounts").size() == 5);
  CHECK(j["accounts"][0]["name"] == "deployer");
  const Json& c = j.at("contracts");

  // Every contract address has code.
  RpcClient rpc = make_http_client(rpc_url);
  std::vector<Address> contracts;
  collect_addresses(c, contracts);
  CHECK(contracts.size() == 14);  // with repeats: collateral = USD = a pool token; the venue and its oracle
  for (const auto& a : contracts) {
    auto code = rpc.request("eth_getCode", Json::array({core::to_hex(a.view()), "latest"}));
    REQUIRE(code);
    INFO(core::to_checksum(a));
    CHECK(code->get<std::string>().size() > 2);
  }

  // The keys file: 0600, the accounts' real keys, none of them on stdout.
  const std::string keys_path = j.at("keys_file").get<std::string>();
  struct stat st {};
  REQUIRE(stat(keys_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const auto keys = core::parse_json(file_text(keys_path));
  REQUIRE(keys);
  REQUIRE(keys->at("accounts").size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    const Json& k = (*keys)["accounts"][i];
    const std::string pk = k.at("private_key").get<std::string>();
    auto key = signer::SecretKey::from_hex(pk);
    REQUIRE(key);
    CHECK(core::to_checksum(signer::address_of(*key)) == j["accounts"][i]["address"]);
    CHECK(line.find(pk.substr(2)) == std::string::npos);
  }

  // The feeds and the pool read at their initial prices; traders hold collateral.
  const auto eth = read_feeds(
      rpc,
      std::vector<FeedSpec>{
          ChainlinkFeed{*core::parse_address(c["feeds"]["chainlink"]["ETH/USD"].get<std::string>()), 8},
          PythFeed{*core::parse_address(c["feeds"]["pyth"].get<std::string>()),
                   *core::parse_hash32(c["feeds"]["pyth_price_ids"]["ETH/USD"].get<std::string>()), std::nullopt}});
  REQUIRE(eth);
  CHECK(to_decimal_string((*eth)[0].price) == "3000.00000000");
  CHECK(to_decimal_string((*eth)[1].price) == "3000.00000000");
  const Json& pool = c["pools"]["ETH/USD"];
  const bool usd_is_token0 = pool["token0"] == c["collateral"];
  auto feed = make_univ3_feed(rpc, *core::parse_address(pool["address"].get<std::string>()), usd_is_token0);
  REQUIRE(feed);
  auto head = resolve_block(rpc, Tag::kLatest);
  REQUIRE(head);
  auto spot = read_univ3(rpc, *feed, *head);
  REQUIRE(spot);
  const U256 target = U256{3000} * U256{1'000'000'000'000'000'000ull};
  const U256 diff = spot->price.magnitude > target ? spot->price.magnitude - target : target - spot->price.magnitude;
  CHECK(diff * U256{10000} <= target);
  auto up_status = read_sequencer(rpc, *core::parse_address(c["feeds"]["sequencer_uptime"].get<std::string>()), *head);
  REQUIRE(up_status);
  CHECK(up_status->up);
  CallRequest bal;
  bal.to = *core::parse_address(c["collateral"].get<std::string>());
  bal.data =
      *core::parse_hex("0x70a08231000000000000000000000000" + j["accounts"][1]["address"].get<std::string>().substr(2));
  auto balance = rpc.call(bal);
  REQUIRE(balance);
  CHECK(*core::from_be(*balance) == U256{1'000'000'000'000ull});  // 1,000,000 USD

  // The venue: two markets by id, priced by its oracle adapter from the feeds above,
  // liquidity from the deployer, trading accounts seeded with collateral.
  CHECK(c.at("markets") == Json{{"ETH-PERP", 0}, {"BTC-PERP", 1}});
  const std::string venue = c.at("venue").get<std::string>();
  auto venue_call = [&](const std::string& sig, const Json& args) {
    auto r = chain::call(rpc, *core::parse_address(venue), sig, args);
    INFO(sig << (r ? "" : ": " + describe(r.error())));
    REQUIRE(r);
    return *r;
  };
  CHECK(venue_call("collateral()(address)", Json::array())[0] == c["collateral"]);
  CHECK(venue_call("oracle()(address)", Json::array())[0] == c["venue_oracle"]);
  CHECK(venue_call("marketCount()(uint256)", Json::array())[0] == "2");
  CHECK(venue_call("indexPrice(uint256)(uint256)", Json::array({0}))[0] == "3000000000000000000000");
  CHECK(venue_call("indexPrice(uint256)(uint256)", Json::array({1}))[0] == "65000000000000000000000");
  CHECK(venue_call("markets(uint256)(string,uint256,uint256,uint256,uint256,uint256,int256,uint256,uint256,int256,"
                   "uint256)", Json::array({1}))[0] == "BTC-PERP");
  for (const char* name : {"trader1", "trader2", "searcher"}) {
    std::string addr;
    for (const auto& a : j["accounts"])
      if (a["name"] == name) addr = a["address"].get<std::string>();
    INFO(name);
    CHECK(venue_call("crossMargin(address)(int256)", Json::array({addr}))[0] == "100000000000000000000000");
  }
  bal.data = *core::parse_hex("0x70a08231000000000000000000000000" + venue.substr(2));
  balance = rpc.call(bal);
  REQUIRE(balance);
  CHECK(*core::from_be(*balance) == U256{1'300'000'000'000ull});  // liquidity 1M + 3 x 100k deposits

  // SIGTERM: exit 0, anvil gone, keys file removed, nothing secret on stderr.
  CHECK(up.stop(SIGTERM) == 0);
  CHECK(up.stdout_text == line + "\n");
  const std::string err = up.drain(up.err);
  for (const auto& k : (*keys)["accounts"])
    CHECK(err.find(k["private_key"].get<std::string>().substr(2)) == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(keys_path));
  RpcClient after = make_http_client(rpc_url, RetryPolicy{1, std::chrono::milliseconds(1), std::chrono::milliseconds(1),
                                                          std::chrono::milliseconds(2000)});
  auto id = after.chain_id();
  REQUIRE_FALSE(id);
  CHECK(id.error().code == RpcErrc::kConnect);
}

TEST_CASE("perpx chain up with a block time prints a summary and stops on SIGINT", "[anvil][chain][cli]") {
  ChainUp up({"chain", "up", "--block-time", "1", "--slots-in-an-epoch", "2"});
  const std::string line = up.first_line(std::chrono::seconds(90));
  REQUIRE(line.starts_with("local chain up: http://127.0.0.1:"));
  const std::string rpc_url = line.substr(16, line.find(' ', 16) - 16);
  RpcClient rpc = make_http_client(rpc_url);
  // Blocks keep coming without transactions; finalized trails latest by 2 epochs.
  auto a = rpc.block_number();
  REQUIRE(a);
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  auto b = rpc.block_number();
  REQUIRE(b);
  CHECK(*b > *a);
  auto fin = rpc.block_header(Tag::kFinalized);
  REQUIRE(fin);
  REQUIRE(fin->has_value());
  CHECK((*fin)->number < *b);
  CHECK(up.stop(SIGINT) == 0);
  CHECK(up.stdout_text.find("keys file (0600)") != std::string::npos);
  CHECK(up.stdout_text.find("private") == std::string::npos);
}

TEST_CASE("perpx chain up rejects bad options", "[anvil][chain][cli]") {
  ChainUp bad({"chain", "up", "--block-time", "-1"});
  CHECK(bad.stop(0, std::chrono::seconds(10)) == 1);
  CHECK(bad.stdout_text.empty());
  ChainUp missing({"chain", "up", "--json", "--contracts-dir", "/nonexistent"});
  CHECK(missing.stop(0, std::chrono::seconds(30)) == 1);
  CHECK(missing.stdout_text.empty());
  CHECK(missing.drain(missing.err).find("/nonexistent") != std::string::npos);
}
