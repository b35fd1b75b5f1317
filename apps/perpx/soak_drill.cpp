// perpx drill soak [--minutes N | --seconds N] [--seed S] [--lanes L] [--faults SPEC] [--json]
//
// How (soak_drill.hpp for the contract): a local chain with the drill world
// and anvil's --state file; blocks are mined by the drill every block_ms
// through the stand-in builder (relay_standin.hpp), which is also the
// private path's relay. Each lane is a trading account (trader1, trader2,
// searcher) with its own journal; its orders are real `perpx order place`
// processes (drill_proc.hpp, as the crash drill runs them), one at a time,
// on the public, private, commit-reveal and batch paths in turn, buys and
// sells alternating, each with its own size so its fill can be found on
// chain. Their RPC goes through a FaultProxy (fault_proxy.hpp). Meanwhile,
// at seeded random times: anvil_reorg of 1..3 blocks (shallower than the
// executor's --confirmations), the node stopped (SIGTERM: anvil writes its
// --state) and started again on the same port (its pool is lost: the
// executor must send again what it journalled), and order processes
// SIGKILLed after a random delay or at a named crash point. An order whose
// process died, or exited before the order was final (a fault it did not
// survive), is placed again with the same client order id; the journal
// makes that the same order. A head follower subscribes over WebSocket
// through the same proxy (its WS cuts land mid-subscription) and fills each
// gap over HTTP after a reconnect; at the end it must hold the chain's head.
//
// At the end the proxy goes clean, each lane runs `perpx order resume` until
// nothing is open, and the chain is read directly (not through perpx):
// OrderFilled per size (landed, duplicates), every block's transactions by
// sender and nonce and the pool (nonce gaps), each compared with the lane's
// journal (every journalled included txn on chain at its nonce, every chain
// txn of the lane known to its journal, every order's journal state agreeing
// with its fills). Latency: order created to included, from the journal.
// Last JSON line: {"drill":"soak","orders":n,"landed":l,"duplicates":0,"lost":0,
// "nonce_gaps":0,"journal_matches_chain":true,"faults_injected":f,"reorgs":r,
// "restarts":s,"ws":{"heads","reconnects","caught_up",...},...}; exit 1 when an
// invariant fails.
#include "soak_drill.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "drill_proc.hpp"
#include "fault_proxy.hpp"
#include "perpx/chain/heads.hpp"
#include "perpx/chain/ws.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/executor/journal.hpp"
#include "relay_standin.hpp"
#include "world.hpp"

namespace perpx::app {

namespace {

namespace fs = std::filesystem;
using core::Json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kMaxRuns = 40;            // processes per order before the settle phase takes it over
constexpr int kMaxKillsPerOrder = 2;
constexpr milliseconds kChildLimit{90'000};

struct SoakOrder {
  std::string client_id, path, side, size, fill_key;
  size_t lane = 0;
  int runs = 0, kills = 0;
  std::string state = "absent";
};

struct Lane {
  size_t account = 0;
  chain::Address trader;
  fs::path journal;
  std::vector<std::string> env;
  pid_t pid = -1;
  std::optional<size_t> order;  // index into orders
  Clock::time_point started;
  std::optional<Clock::time_point> kill_at;
  uint64_t start_nonce = 0;
};

bool final_state(std::string_view s) {
  return s == "included" || s == "finalized" || s == "rejected" || s == "failed" || s == "cancelled";
}
bool filled_state(std::string_view s) { return s == "included" || s == "finalized"; }

std::string hex_u64(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

Json percentiles(std::vector<uint64_t> v) {
  if (v.empty()) return Json{{"n", 0}};
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]; };
  return Json{{"n", v.size()}, {"p50_ms", at(0.50)}, {"p90_ms", at(0.90)}, {"p99_ms", at(0.99)}, {"max_ms", v.back()}};
}

}  // namespace

DrillResult run_soak_drill(const SoakOptions& o, const DrillCheck& check) {
  if (o.lanes < 1 || o.lanes > 3) fail("--lanes: 1 to 3");
  if (!(o.seconds > 0) || o.seconds > 7 * 24 * 3600.0) fail("--minutes/--seconds: above zero, at most a week");
  FaultSpec spec = default_soak_faults(o.seed);
  if (!o.faults.empty()) {
    auto s = parse_fault_spec(o.faults);
    if (!s) fail("--faults: " + s.error());
    spec = *s;
  }
  DrillResult result;
  auto line = [&](Json j) { result.lines.push_back(std::move(j)); };

  const fs::path dir = fs::temp_directory_path() / ("perpx-drill-soak-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path state_file = dir / "anvil-state.json";
  chain::LocalChainOptions lo;
  lo.extra_args = {"--state", state_file.string()};
  LocalWorld lw = start_world(lo, contracts_dir(o.contracts_dir));
  const uint16_t node_port = lw.chain.port();
  chain::RpcClient c = lw.chain.client();
  auto need = [](auto r, const char* what) {
    if (!r) fail(std::string("drill soak: ") + what + ": " + chain::to_string(r.error()));
    return std::move(*r);
  };
  need(c.request("evm_setAutomine", Json::array({false})), "evm_setAutomine");
  StandinBuilder builder(lw.chain.rpc_url());
  FaultProxy proxy(lw.chain.rpc_url(), spec);
  const chain::BlockNum start_block = need(c.block_number(), "block number");

  std::vector<Lane> lanes(o.lanes);
  for (size_t i = 0; i < lanes.size(); ++i) {
    Lane& l = lanes[i];
    l.account = kVenueTraders[i];
    l.trader = lw.funded.at(l.account);
    l.journal = dir / ("lane" + std::to_string(i) + ".sqlite");
    l.env = {"ETH_PRIVATE_KEY=" + core::to_hex(lw.chain.dev_key(l.account).expose_secret()),
             "ETH_RPC_URL=" + proxy.url(), "PERPX_VENUE=" + core::to_checksum(lw.world.venue)};
    l.start_nonce = need(c.transaction_count(l.trader, chain::Tag::kLatest), "nonce");
  }
  // A head follower over WebSocket through the proxy, whose cuts land
  // mid-subscription (FaultSpec::ws_disconnect) as the node's restarts do:
  // after each reconnect the tracker fills the gap over HTTP (direct to the
  // node), and at the end it must hold the chain's head, by hash.
  chain::WsOptions wo;
  wo.backoff_base = milliseconds(50);
  wo.backoff_max = milliseconds(1000);
  wo.connect_timeout = milliseconds(2000);
  chain::WsClient ws(proxy.ws_url(), wo);
  chain::RpcHeaderSource head_source(c);
  uint64_t ws_heads = 0, ws_reconnects = 0, ws_errors = 0, ws_reorgs = 0;
  chain::HeadTrackerOptions hto;
  hto.confirmations = o.confirmations;
  chain::HeadTracker tracker(head_source, [&](const chain::HeadEvent& e) {
    if (std::holds_alternative<chain::Reorg>(e)) ++ws_reorgs;
  }, hto);
  ws.on_error([&](const chain::RpcError&) { ++ws_errors; });
  ws.on_reconnect([&] {
    ++ws_reconnects;
    if (!tracker.poll()) ++ws_errors;  // the node may be down: the next head fills it
  });
  need(ws.subscribe_heads([&](const chain::BlockHeader& h) {
    ++ws_heads;
    if (!tracker.on_head(h)) ++ws_errors;
  }), "subscribe newHeads through the proxy");
  const std::string child_log = (dir / "children.log").string();
  const std::string confirmations = std::to_string(o.confirmations);

  std::mt19937_64 rng(o.seed);
  auto uniform_ms = [&](uint64_t lo_ms, uint64_t hi_ms) { return milliseconds(lo_ms + rng() % (hi_ms - lo_ms + 1)); };
  const char* paths[] = {"public", "private", "commit-reveal", "batch"};
  const char* points[] = {"after_sign", "after_journal", "after_send", "before_reveal"};
  std::vector<SoakOrder> orders;
  int kills = 0, restarts = 0, reruns = 0, node_restarts = 0, reorgs = 0, timeouts = 0;
  uint64_t blocks = 0, block_failures = 0;

  auto next_order = [&](size_t lane) {
    const size_t i = orders.size();
    SoakOrder so;
    so.client_id = "soak-" + std::to_string(o.seed) + "-" + std::to_string(i);
    so.path = paths[i % 4];
    so.side = (i / 4) % 2 == 0 ? "buy" : "sell";
    const core::U256 size = core::kWad + core::kWad / core::U256{10000} * core::U256{i + 1};  // 1.0001, 1.0002, ...: a gas budget that pays
    so.size = core::wad_to_string(size);
    so.fill_key = (so.side == "sell" ? "-" : "") + so.size;
    so.lane = lane;
    orders.push_back(so);
    return i;
  };
  auto place_args = [&](const SoakOrder& so, const Lane& l) {
    return std::vector<std::string>{"order", "place", "--venue", "ref", "--market", "ETH", "--side", so.side,
                                    "--size", so.size, "--limit", so.side == "buy" ? "3100" : "2900",
                                    "--path", so.path, "--client-id", so.client_id,
                                    "--journal", l.journal.string(), "--wait-blocks", "25",
                                    "--confirmations", confirmations, "--relay", builder.url()};
  };
  auto journal_state = [&](const Lane& l, const std::string& client_id) -> std::string {
    auto j = executor::Journal::open(l.journal);
    if (!j) return "absent";
    auto rec = j->order_by_client_id(client_id);
    return rec && *rec ? (*rec)->state : "absent";
  };
  auto start_run = [&](Lane& l) {
    SoakOrder& so = orders[*l.order];
    std::vector<std::string> env = l.env;
    l.kill_at.reset();
    if (*l.order == 0 && so.runs == 0) {
      env.push_back("PERPX_DRILL_FAILPOINT=after_send");  // at least one kill and restart in every run
    } else if (so.kills < kMaxKillsPerOrder && rng() % 100 < 30) {
      if (rng() % 2 == 0) {
        const char* point = points[rng() % 4];
        if (std::string_view(point) == "before_reveal" && so.path != "commit-reveal") point = "after_send";
        env.push_back(std::string("PERPX_DRILL_FAILPOINT=") + point);
      } else {
        l.kill_at = Clock::now() + uniform_ms(200, 4000);
      }
    }
    ++so.runs;
    l.started = Clock::now();
    l.pid = spawn_perpx(o.perpx_bin, place_args(so, l), env, child_log);
  };
  auto mine = [&] {
    if (builder.build_block()) ++blocks;
    else ++block_failures;
  };
  auto restart_node = [&] {
    lw.chain.stop();  // SIGTERM: anvil writes --state on its way out
    chain::LocalChainOptions ro = lo;
    ro.port = node_port;
    ro.no_mining = true;
    std::string why;
    for (int attempt = 0; attempt < 40; ++attempt) {
      auto r = chain::LocalChain::start(ro);
      if (r) {
        lw.chain = std::move(*r);
        ++node_restarts;
        line(Json{{"event", "node_restart"}, {"port", node_port}, {"block", need(c.block_number(), "block number")}});
        return;
      }
      why = r.error();
      std::this_thread::sleep_for(milliseconds(250));
    }
    fail("drill soak: the node did not start again on its port: " + why);
  };

  // ---- the stream ----
  const auto t0 = Clock::now();
  const auto deadline = t0 + milliseconds(static_cast<int64_t>(o.seconds * 1000));
  auto next_block = t0;
  auto next_reorg = t0 + uniform_ms(5000, 10000);
  auto next_restart = t0 + std::min(uniform_ms(20000, 40000), milliseconds(static_cast<int64_t>(o.seconds * 500)));
  const auto drain_until = deadline + milliseconds(180'000);
  // The venue's oracle refuses prices older than kOracleMaxAge (an hour):
  // the deployer publishes them again well within it, and at least once a
  // run, so that a run of hours trades on fresh prices like a short one.
  const auto refresh_every = std::clamp(milliseconds(static_cast<int64_t>(o.seconds * 500)), milliseconds(10'000),
                                        milliseconds(600'000));
  auto next_refresh = t0 + refresh_every;
  int feed_refreshes = 0, feed_refresh_failures = 0;
  auto refresh_feeds = [&] {
    try {
      auto head = need(c.block_header(chain::Tag::kLatest), "latest block");
      if (!head) fail("drill soak: no latest block");
      chain::TxnSender deployer = take(chain::TxnSender::make(c, lw.chain.dev_key(0)), "deployer");
      publish_prices(deployer, lw.world, head->timestamp);
      ++feed_refreshes;
      line(Json{{"event", "feeds_refreshed"}, {"publish_time", head->timestamp}});
    } catch (const CliError& e) {  // the node may be restarting: the next period tries again
      ++feed_refresh_failures;
      line(Json{{"event", "feed_refresh_failed"}, {"error", e.what()}});
    }
  };
  for (;;) {
    const auto now = Clock::now();
    const bool placing = now < deadline;
    bool busy = false;
    for (size_t li = 0; li < lanes.size(); ++li) {
      Lane& l = lanes[li];
      if (l.pid > 0) {
        if (l.kill_at && now >= *l.kill_at) {
          ::kill(l.pid, SIGKILL);
          l.kill_at.reset();
        } else if (now - l.started > kChildLimit) {
          ::kill(l.pid, SIGKILL);
          ++timeouts;
        }
        const auto status = reap_child(l.pid);
        if (!status) {
          busy = true;
          continue;
        }
        l.pid = -1;
        SoakOrder& so = orders[*l.order];
        const bool killed = WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
        if (killed) {
          ++kills;
          ++so.kills;
        }
        so.state = journal_state(l, so.client_id);
        if (final_state(so.state) || so.runs >= kMaxRuns) {
          line(Json{{"order", so.client_id}, {"lane", li}, {"path", so.path}, {"side", so.side}, {"state", so.state},
                    {"runs", so.runs}, {"kills", so.kills}});
          l.order.reset();
        } else {
          ++(killed ? restarts : reruns);
          start_run(l);  // the same client id: the new process recovers the journal first
          busy = true;
          continue;
        }
      }
      if (placing) {
        l.order = next_order(li);
        start_run(l);
        busy = true;
      }
    }
    if (!placing && !busy) break;
    if (now >= drain_until) {
      for (auto& l : lanes)
        if (l.pid > 0) wait_child(l.pid, milliseconds(0));
      break;
    }
    if (now >= next_block) {
      mine();
      next_block = now + milliseconds(o.block_ms);
    }
    if (placing && now >= next_reorg) {
      const uint64_t depth = 1 + rng() % 3;
      if (c.request("anvil_reorg", Json::array({depth, Json::array()}))) {
        ++reorgs;
        line(Json{{"event", "reorg"}, {"depth", depth}});
      }
      next_reorg = now + uniform_ms(5000, 10000);
    }
    if (placing && now >= next_refresh) {
      refresh_feeds();
      next_refresh = Clock::now() + refresh_every;
    }
    if (placing && now >= next_restart) {
      restart_node();
      next_restart = Clock::now() + uniform_ms(20000, 40000);
    }
    ws.poll(milliseconds(20));  // the loop's pause: heads (and reconnects) meanwhile
  }

  // ---- settle: no faults, every lane resumes until nothing is open ----
  proxy.set_spec(FaultSpec{});
  for (int round = 0; round < 6; ++round) {
    bool open = false;
    for (auto& l : lanes) {
      auto j = executor::Journal::open(l.journal);
      if (j) {
        auto os = j->orders(true);
        open = open || (os && !os->empty());
      }
    }
    if (!open) break;
    std::vector<pid_t> pids;
    for (auto& l : lanes)
      pids.push_back(spawn_perpx(o.perpx_bin,
                                 {"order", "resume", "--journal", l.journal.string(), "--wait-blocks", "40",
                                  "--confirmations", confirmations, "--relay", builder.url()},
                                 l.env, child_log));
    const auto until = Clock::now() + milliseconds(120'000);
    for (size_t k = 0; k < pids.size();) {
      if (reap_child(pids[k])) {
        ++k;
        continue;
      }
      if (Clock::now() >= until) {
        wait_child(pids[k], milliseconds(0));
        ++k;
        continue;
      }
      mine();
      std::this_thread::sleep_for(milliseconds(o.block_ms));
    }
  }
  for (unsigned i = 0; i < o.confirmations + 2; ++i) mine();
  const chain::BlockNum final_head = need(c.block_number(), "block number");
  const auto catch_up = Clock::now() + milliseconds(30'000);
  while ((tracker.empty() || tracker.tip() < final_head) && Clock::now() < catch_up) ws.poll(milliseconds(50));
  bool ws_caught_up = false;
  if (!tracker.empty() && tracker.tip() == final_head) {
    auto h = need(c.block_header(final_head), "head block");
    ws_caught_up = h && tracker.at(final_head) && tracker.at(final_head)->hash == h->hash;
  }

  // ---- the chain, read on its own ----
  const chain::BlockNum head = need(c.block_number(), "block number");
  std::map<std::string, size_t> lane_of;  // lowercase address -> lane
  for (size_t i = 0; i < lanes.size(); ++i) lane_of[core::to_hex(lanes[i].trader.bytes)] = i;
  std::vector<std::map<uint64_t, std::vector<std::string>>> chain_txns(lanes.size());  // nonce -> hashes
  for (chain::BlockNum n = start_block + 1; n <= head; ++n) {
    const Json b = need(c.request("eth_getBlockByNumber", Json::array({hex_u64(n), true})), "getBlockByNumber");
    if (!b.is_object() || !b.contains("transactions")) fail("drill soak: block " + std::to_string(n) + " is missing");
    for (const auto& t : b["transactions"]) {
      std::string from = t.value("from", "");
      std::transform(from.begin(), from.end(), from.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      auto it = lane_of.find(from);
      if (it == lane_of.end()) continue;
      auto nonce = chain::parse_quantity_u64(t.value("nonce", Json()));
      if (!nonce) fail("drill soak: block " + std::to_string(n) + ": a transaction's nonce: " + nonce.error());
      chain_txns[it->second][*nonce].push_back(t.value("hash", ""));
    }
  }
  const Json pool = c.txpool_content().value_or(Json::object());

  int landed = 0, cancelled = 0, duplicates = 0, lost = 0, nonce_gaps = 0;
  bool matches = true;
  Json mismatches = Json::array();
  std::vector<uint64_t> latency;
  for (size_t li = 0; li < lanes.size(); ++li) {
    const Lane& l = lanes[li];
    const auto fills = fills_by_size(c, lw.world.venue, l.trader, start_block + 1, head);
    const uint64_t chain_nonce = need(c.transaction_count(l.trader, chain::Tag::kLatest), "nonce");
    for (uint64_t n = l.start_nonce; n < chain_nonce; ++n) {
      auto it = chain_txns[li].find(n);
      if (it == chain_txns[li].end() || it->second.size() != 1) ++nonce_gaps;
    }
    for (const char* part : {"queued", "pending"}) {
      if (!pool.contains(part) || !pool[part].is_object()) continue;
      for (const auto& [addr, byn] : pool[part].items()) {
        std::string a = addr;
        std::transform(a.begin(), a.end(), a.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        if (a != core::to_hex(l.trader.bytes)) continue;
        // Left in the pool after the settle: queued ones sit behind a gap.
        if (std::string_view(part) == "queued") nonce_gaps += static_cast<int>(byn.size());
        else mismatches.push_back(Json{{"lane", li}, {"pending_in_pool", byn.size()}});
      }
    }
    auto jr = executor::Journal::open(l.journal);
    if (!jr) fail("drill soak: " + jr.error().message);
    std::set<std::string> journal_hashes;
    std::map<uint64_t, std::string> journal_included;  // nonce -> hash
    for (const auto& so : orders) {
      if (so.lane != li) continue;
      auto found = fills.find(so.fill_key);
      const int n = found == fills.end() ? 0 : found->second;
      auto rec = take(jr->order_by_client_id(so.client_id), "--journal");
      const std::string state = rec ? rec->state : "absent";
      if (rec) {
        for (const auto& x : take(jr->txns(rec->id), "--journal")) {
          journal_hashes.insert(core::to_hex(x.hash));
          if (filled_state(x.state)) {
            auto [it, fresh] = journal_included.emplace(x.nonce, core::to_hex(x.hash));
            if (!fresh && it->second != core::to_hex(x.hash)) {
              matches = false;
              mismatches.push_back(Json{{"lane", li}, {"nonce", x.nonce}, {"journal_included_twice", true}});
            }
          }
        }
        for (const auto& e : take(jr->events(rec->id), "--journal"))
          if (e.state == "included" && e.time_ms >= rec->created_ms) {
            latency.push_back(e.time_ms - rec->created_ms);
            break;
          }
      }
      if (n > 1) duplicates += n - 1;
      if (n >= 1) ++landed;
      else if (state == "cancelled" || state == "rejected" || state == "failed" || state == "absent") ++cancelled;
      else ++lost;
      if (filled_state(state) != (n == 1) || n > 1) {
        matches = false;
        mismatches.push_back(Json{{"order", so.client_id}, {"journal", state}, {"fills_on_chain", n}});
      }
    }
    for (const auto& [nonce, hashes] : chain_txns[li]) {
      if (nonce < l.start_nonce) continue;
      for (const auto& h : hashes)
        if (!journal_hashes.contains(h)) {
          matches = false;
          mismatches.push_back(Json{{"lane", li}, {"nonce", nonce}, {"chain_txn_not_in_journal", h}});
        }
    }
    for (const auto& [nonce, h] : journal_included) {
      auto it = chain_txns[li].find(nonce);
      if (it == chain_txns[li].end() || std::find(it->second.begin(), it->second.end(), h) == it->second.end()) {
        matches = false;
        mismatches.push_back(Json{{"lane", li}, {"nonce", nonce}, {"journal_included_not_on_chain", h}});
      }
    }
  }

  const FaultStats fs_stats = proxy.stats();
  const StandinStats ss = builder.stats();
  Json summary{{"drill", "soak"},
               {"orders", orders.size()},
               {"landed", landed},
               {"duplicates", duplicates},
               {"lost", lost},
               {"nonce_gaps", nonce_gaps},
               {"journal_matches_chain", matches},
               {"faults_injected", fs_stats.injected()},
               {"reorgs", reorgs},
               {"restarts", restarts},
               {"cancelled", cancelled},
               {"kills", kills},
               {"reruns", reruns},
               {"timeouts", timeouts},
               {"node_restarts", node_restarts},
               {"ws", Json{{"heads", ws_heads}, {"reconnects", ws_reconnects}, {"errors", ws_errors},
                           {"reorgs_seen", ws_reorgs}, {"caught_up", ws_caught_up},
                           {"connections", ws.stats().connects}}},
               {"feed_refreshes", feed_refreshes},
               {"feed_refresh_failures", feed_refresh_failures},
               {"latency", percentiles(latency)},
               {"faults", fs_stats.to_json()},
               {"blocks", blocks},
               {"block_failures", block_failures},
               {"private_included", ss.private_included},
               {"bundles_included", ss.bundles_included},
               {"seed", o.seed},
               {"seconds", std::chrono::duration<double>(Clock::now() - t0).count()},
               {"venue", core::to_checksum(lw.world.venue)},
               {"start_block", start_block},
               {"head", head},
               {"mismatches", mismatches}};
  Json accounts = Json::array();
  for (const auto& l : lanes) accounts.push_back(core::to_checksum(l.trader));
  summary["accounts"] = accounts;
  if (o.keep_dir) summary["dir"] = dir.string();
  line(summary);
  result.ok = duplicates == 0 && lost == 0 && nonce_gaps == 0 && matches && ws_caught_up;
  if (!result.ok)
    result.why = duplicates ? "duplicates" : lost ? "lost orders" : nonce_gaps ? "nonce gaps" : "journal differs from chain";
  if (check) check(c, result);
  if (!o.keep_dir) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  return result;
}

void add_soak_drill_command(CLI::App& grp) {
  auto o = std::make_shared<SoakOptions>();
  auto minutes = std::make_shared<double>(2);
  auto seconds = std::make_shared<double>(0);
  auto json = std::make_shared<bool>(false);
  auto* c = grp.add_subcommand("soak", "orders on every path through faults, reorgs, node and perpx restarts");
  c->add_option("--minutes", *minutes, "how long orders are placed (default 2)");
  c->add_option("--seconds", *seconds, "the same in seconds (overrides --minutes)");
  c->add_option("--seed", o->seed, "faults, kills, reorgs and restarts (default 1)");
  c->add_option("--lanes", o->lanes, "accounts placing orders at once, 1 to 3 (default 2)");
  c->add_option("--faults", o->faults, "the fault proxy's spec (perpx fault-proxy --help); default: a mix of all");
  c->add_option("--block-ms", o->block_ms, "a block this often (default 500)");
  c->add_option("--perpx-bin", o->perpx_bin, "the binary the order processes run (default: this one)");
  c->add_flag("--keep", o->keep_dir, "keep the journals, anvil's state and the order processes' stderr");
  c->add_flag("--json", *json, "JSON lines, the last one the summary");
  c->add_option("--contracts-dir", o->contracts_dir, "compiled contract artifacts (default: the build's)");
  c->callback([o, minutes, seconds, json] {
    SoakOptions x = *o;
    x.seconds = *seconds > 0 ? *seconds : *minutes * 60;
    const DrillResult r = run_soak_drill(x);
    const bool as_json = *json || !::isatty(STDOUT_FILENO);
    for (const auto& l : r.lines) {
      if (as_json) print_json(l);
      else if (l.contains("drill")) print_line(l.dump(2));
    }
    std::fflush(stdout);
    if (!r.ok) throw CliError("drill soak: " + r.why);
  });
}

}  // namespace perpx::app
