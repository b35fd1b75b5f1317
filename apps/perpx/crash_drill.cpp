// perpx drill crash: the executor is killed (SIGKILL) at chosen and at
// random points of many orders' lives and restarted each time; at the end
// every order exists on chain exactly once or is cleanly cancelled, and the
// journal agrees with the chain.
//
// A local chain (one block a second) with the drill world. Each order is a
// real `perpx order place` process (this binary) for trader1, on the public,
// commit-reveal or batch path in turn, each with its own size so that its
// fill can be found on chain. Most runs arm a crash point
// (PERPX_DRILL_FAILPOINT: after_sign, after_journal, after_send,
// before_reveal); others are killed after a random delay. A killed order is
// placed again with the same client order id, as a strategy retrying its
// leg would: the journal makes that the same order, and the new process
// first recovers whatever the dead one left. Then the chain is read on its
// own: OrderFilled events of trader1 (fills per order, by size) and
// trader1's nonce (every included transaction the journal holds, and no
// other).
//
// Output: a table, or JSON lines (--json, or no terminal), the last
// {"drill":"crash","orders":n,"kills":k,"landed":l,"cancelled":c,
//  "duplicates":0,"lost":0,"journal_matches_chain":true,...}.
// Exits 1 when a duplicate, a loss or a mismatch is found.
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cli.hpp"
#include "drill_proc.hpp"
#include "exec_session.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "world.hpp"

namespace perpx::app {

namespace {

namespace fs = std::filesystem;
using core::Json;

struct CrashOptions {
  int orders = 12;
  uint64_t seed = 1;
  bool json = false;
  std::string contracts_dir;
};

struct Planned {
  std::string client_id;
  std::string path;
  std::string point;  // a crash point, "random", or "" (none)
  core::U256 size;    // unique per order: how its fill is found on chain
  int kills = 0;
};

void drill(const CrashOptions& o) {
  if (o.orders < 1 || o.orders > 500) fail("--orders: 1 to 500");
  chain::LocalChainOptions lo;
  lo.block_time = 1;
  LocalWorld lw = start_world(lo, contracts_dir(o.contracts_dir));
  const chain::Address trader = lw.funded.at(1);
  const std::string key_hex = core::to_hex(lw.chain.dev_key(1).expose_secret());
  const fs::path dir = fs::temp_directory_path() / ("perpx-drill-crash-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path journal = dir / "journal.sqlite";
  const std::vector<std::string> env{"ETH_PRIVATE_KEY=" + key_hex, "ETH_RPC_URL=" + lw.chain.rpc_url(),
                                     "PERPX_VENUE=" + core::to_checksum(lw.world.venue)};

  std::mt19937_64 rng(o.seed);
  const char* paths[] = {"public", "commit-reveal", "batch"};
  // Every path meets every point in turn (the seed rotates where it starts).
  const char* points[] = {"after_journal", "before_reveal", "after_send", "after_sign", "random", ""};
  const size_t offset = rng() % 6;
  std::vector<Planned> plan;
  for (int i = 0; i < o.orders; ++i) {
    Planned p;
    p.client_id = "crash-" + std::to_string(o.seed) + "-" + std::to_string(i);
    p.path = paths[i % 3];
    p.point = points[(static_cast<size_t>(i / 3) + offset) % 6];
    if (p.point == "before_reveal" && p.path != "commit-reveal") p.point = "random";
    p.size = core::kWad + core::kWad / core::U256{1000} * core::U256{static_cast<uint64_t>(i + 1)};  // 1.001, 1.002, ...
    plan.push_back(p);
  }

  int kills = 0, restarts = 0;
  std::map<std::string, int> by_point;
  for (auto& p : plan) {
    const std::vector<std::string> args{"order", "place", "--venue", "ref", "--market", "ETH", "--side", "buy",
                                        "--size", core::wad_to_string(p.size), "--limit", "3100", "--path", p.path,
                                        "--client-id", p.client_id, "--journal", journal.string(),
                                        "--wait-blocks", "25"};
    std::vector<std::string> first_env = env;
    std::chrono::milliseconds limit{90'000};
    if (p.point == "random") limit = std::chrono::milliseconds(rng() % 4000);
    else if (!p.point.empty()) first_env.push_back("PERPX_DRILL_FAILPOINT=" + p.point);
    if (wait_child(spawn_perpx("", args, first_env), limit)) {
      ++kills;
      ++p.kills;
      ++by_point[p.point];
      // Restart: the same order again (same client id), which first recovers the dead run's journal.
      ++restarts;
      wait_child(spawn_perpx("", args, env), std::chrono::milliseconds(90'000));
    }
    if (!o.json) continue;
    print_json(Json{{"order", p.client_id}, {"path", p.path}, {"crash_point", p.point}, {"killed", p.kills > 0}});
  }
  // Whatever is still in flight (a batch waiting for its window) settles.
  wait_child(spawn_perpx("", {"order", "resume", "--journal", journal.string(), "--wait-blocks", "30"}, env),
             std::chrono::milliseconds(120'000));

  // ---- the chain, read on its own ----
  chain::RpcClient rpc = lw.chain.client();
  auto rpc_value = [](auto r, const char* what) {
    if (!r) fail(std::string("drill crash: ") + what + ": " + chain::to_string(r.error()));
    return std::move(*r);
  };
  const chain::BlockNum head = rpc_value(rpc.block_number(), "block number");
  std::map<std::string, int> fills = fills_by_size(rpc, lw.world.venue, trader, 0, head);  // by size
  const uint64_t chain_nonce = rpc_value(rpc.transaction_count(trader, chain::Tag::kLatest), "nonce");

  // ---- the journal ----
  auto jr = executor::Journal::open(journal);
  if (!jr) fail("drill crash: " + jr.error().message);
  int landed = 0, cancelled = 0, duplicates = 0, lost = 0;
  bool matches = true;
  uint64_t included_txns = 0;
  Json mismatches = Json::array();
  for (const auto& p : plan) {
    const int n = fills[core::wad_to_string(p.size)];
    auto rec = take(jr->order_by_client_id(p.client_id), "--journal");
    const std::string state = rec ? rec->state : "absent";
    if (rec)
      for (const auto& x : take(jr->txns(rec->id), "--journal")) included_txns += x.state == "included" ? 1 : 0;
    const bool final_clean = state == "cancelled" || state == "rejected" || state == "failed";
    if (n > 1) duplicates += n - 1;
    if (n >= 1) ++landed;
    else if (final_clean) ++cancelled;
    else ++lost;
    const bool journal_says_filled = state == "included" || state == "finalized";
    if (journal_says_filled != (n == 1) || n > 1) {
      matches = false;
      mismatches.push_back(Json{{"order", p.client_id}, {"journal", state}, {"fills_on_chain", n}});
    }
  }
  if (included_txns != chain_nonce) {
    matches = false;
    mismatches.push_back(Json{{"journal_included_txns", included_txns}, {"chain_nonce", chain_nonce}});
  }
  Json points_j = Json::object();
  for (const auto& [k, v] : by_point) points_j[k.empty() ? "none" : k] = v;
  const Json summary{{"drill", "crash"},
                     {"orders", o.orders},
                     {"kills", kills},
                     {"restarts", restarts},
                     {"landed", landed},
                     {"cancelled", cancelled},
                     {"duplicates", duplicates},
                     {"lost", lost},
                     {"journal_matches_chain", matches},
                     {"kills_by_point", points_j},
                     {"chain_nonce", chain_nonce},
                     {"mismatches", mismatches},
                     {"journal", journal.string()}};
  if (o.json) {
    print_json(summary);
  } else {
    print_line("orders " + std::to_string(o.orders) + ", kills " + std::to_string(kills) + " (" + points_j.dump() +
               ")\nlanded " + std::to_string(landed) + ", cancelled " + std::to_string(cancelled) + ", duplicates " +
               std::to_string(duplicates) + ", lost " + std::to_string(lost) + ", journal matches chain: " +
               (matches ? "yes" : "no " + mismatches.dump()));
  }
  std::fflush(stdout);
  if (duplicates > 0 || lost > 0 || !matches) throw CliError("");
}

}  // namespace

void add_crash_drill_command(CLI::App& grp) {
  auto o = std::make_shared<CrashOptions>();
  auto* c = grp.add_subcommand("crash", "kill the executor at every point of orders' lives; nothing lost or doubled");
  add_ops_options(c);
  c->add_option("--orders", o->orders, "orders to place (default 12)");
  c->add_option("--seed", o->seed, "which crash points, in which order (default 1)");
  c->add_flag("--json", o->json, "JSON lines, the last one the summary");
  c->add_option("--contracts-dir", o->contracts_dir, "compiled contract artifacts (default: the build's)");
  c->callback([o] {
    CrashOptions x = *o;
    x.json = x.json || !::isatty(STDOUT_FILENO);
    drill(x);
  });
}

}  // namespace perpx::app
