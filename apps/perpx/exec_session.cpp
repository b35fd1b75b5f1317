#include "exec_session.hpp"

#include <sys/stat.h>

#include <csignal>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <cstdlib>

#include "oracle_commands.hpp"
#include "perpx/core/address.hpp"
#include "watch_feeds.hpp"

namespace perpx::app {

namespace fs = std::filesystem;

uint64_t wall_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

fs::path journal_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') fail("--journal: no HOME to put ~/.perpx in; pass --journal");
  const fs::path dir = fs::path(home) / ".perpx";
  std::error_code ec;
  if (fs::create_directories(dir, ec)) ::chmod(dir.c_str(), 0700);
  if (ec) fail("--journal: cannot create " + dir.string());
  return dir / "journal.sqlite";
}

executor::RiskConfig SessionOptions::default_risk_config() {
  const core::U256 w = core::kWad;
  executor::RiskConfig c;
  c.max_gross_usd = w * core::U256{10'000'000};
  c.max_net_usd = w * core::U256{5'000'000};
  c.daily_loss_usd = w * core::U256{1'000'000};
  c.max_orders_per_second = 20;
  c.margin_buffer_bps = 2000;
  c.defaults.max_order_size = w * core::U256{100};
  c.defaults.max_position = w * core::U256{1000};
  c.defaults.max_leverage = w * core::U256{10};
  c.defaults.price_band_bps = 500;
  return c;
}

namespace {

executor::Journal open_journal_at(const fs::path& p) {
  auto j = executor::Journal::open(p);
  if (!j) fail("--journal: " + j.error().message);
  return std::move(*j);
}

executor::TradingState journalled_state(executor::Journal& j) { return take(j.trading_state(), "--journal"); }

chain::HeadTrackerOptions tracker_options(const SessionOptions& o) {
  chain::HeadTrackerOptions t;
  t.confirmations = o.confirmations;
  return t;
}

}  // namespace

namespace {

// PERPX_DRILL_FAILPOINT=<point>: the process kills itself (SIGKILL, as a
// crash) when it reaches that named point (submitter.hpp). Drills only.
executor::Failpoint drill_failpoint() {
  const char* at = std::getenv("PERPX_DRILL_FAILPOINT");
  if (at == nullptr || *at == '\0') return {};
  return [where = std::string(at)](std::string_view point) {
    if (point == where) std::raise(SIGKILL);
  };
}

SessionOptions with_failpoints(SessionOptions o) {
  if (auto fp = drill_failpoint()) {
    o.submitter.failpoint = fp;
    o.executor.failpoint = fp;
  }
  return o;
}

}  // namespace

ExecSession::ExecSession(const SessionOptions& options, signer::SecretKey key)
    : ExecSession(with_failpoints(options), std::move(key), 0) {}

ExecSession::ExecSession(const SessionOptions& o, signer::SecretKey key, int)
    : rpc(connect_rpc(o.rpc_url)),
      journal(open_journal_at(o.journal)),
      venue(rpc, o.venue),
      kill(o.kill, journalled_state(journal)),
      risk(o.risk),
      fencing(o.fencing),
      submitter([&] {
        auto s = executor::Submitter::make(rpc, std::move(key), journal, o.submitter);
        if (!s) fail("--rpc-url: " + s.error().message);
        return std::move(*s);
      }()),
      ex(venue, submitter, journal, kill, rpc, o.executor),
      driver(rpc, ex, tracker_options(o)),
      trips(kill, journal, executor::TripConfig{o.risk.margin_buffer_bps, std::string(venue.name())}) {
  if (!o.relays.empty()) {
    relay.emplace(o.relays, signer::SecretKey::generate());  // a fresh searcher (reputation) key per session
    submitter.set_private_sender(executor::relay_sender(*relay));
    ex.set_relay(true);
  }
  // Fences set before (perpx fence, an earlier session) hold here too.
  if (auto f = apply_fences(); !f) fail("--journal: " + f.error().message);
  ex.set_risk(&risk, &fencing);
  open_oracle(o);
  ex.set_mark_source([this](std::string_view market, const core::U256& index) -> std::optional<core::U256> {
    return trips.trades(market) ? trips.mark(market) : std::optional<core::U256>(index);
  });
  driver.set_before_head([this](const chain::BlockHeader& head, uint64_t now_ms) { return observe(head, now_ms); });
  // The state the first order (and every resumed one) is checked against.
  auto head = chain::resolve_block(rpc, chain::Tag::kLatest);
  if (!head) fail("--rpc-url: " + chain::describe(head.error()));
  if (auto t = observe(*head, wall_ms()); !t) fail("trips: " + t.error().message);
  auto r = ex.recover(wall_ms());
  if (!r) fail("recover: " + r.error().message);
  recovered = std::move(*r);
  // A flatten fence journalled while no session ran (or before a crash) is acted on now.
  if (auto f = act_on_fences(wall_ms()); !f) fail("fence: " + f.error().message);
  started_ = true;
}

executor::ExecResult<void> ExecSession::apply_fences() {
  auto changes = journal.fence_changes(fence_seq_);
  if (!changes) return std::unexpected(executor::ExecError{executor::ExecErrc::kJournal, changes.error().message, 0});
  for (executor::FenceRecord& r : *changes) {
    fence_seq_ = std::max(fence_seq_, r.seq);
    if (r.to) fencing.restore(r.strategy, *r.to);
    else (void)fencing.unfence(r.strategy, r.reason, r.time_ms);
    // A newer change of the strategy replaces whatever of it was still to act on.
    std::erase_if(pending_fences_, [&](const executor::FenceRecord& p) { return p.strategy == r.strategy; });
    if (r.to == executor::FenceMode::kFlatten) pending_fences_.push_back(std::move(r));
  }
  return {};
}

executor::ExecResult<void> ExecSession::act_on_fences(uint64_t now_ms) {
  // HALTED refuses reduce-only orders too: a flatten placed now would be
  // journalled as rejected under its one client id, so it waits for the state to allow it.
  if (!kill.allows(true)) return {};
  std::vector<executor::FenceRecord> still;
  for (const executor::FenceRecord& r : pending_fences_) {
    std::vector<std::string> unpriced;
    auto placed = act_on_fence(r, now_ms, &unpriced);
    if (!placed) {
      if (placed.error().code == executor::ExecErrc::kJournal) return std::unexpected(placed.error());
      std::fprintf(stderr, "perpx: fence %lld (%s): %s\n", static_cast<long long>(r.seq), r.strategy.c_str(),
                   placed.error().message.c_str());
      still.push_back(r);  // the account could not be read: the next head tries again
      continue;
    }
    if (!unpriced.empty()) still.push_back(r);
  }
  pending_fences_ = std::move(still);
  return {};
}

executor::ExecResult<ExecSession::FenceView> ExecSession::fence_view() {
  auto venue_error = [](std::string m) { return std::unexpected(executor::ExecError{executor::ExecErrc::kVenue, std::move(m), 0}); };
  FenceView v;
  v.account.venue = std::string(venue.name());
  auto account = venue.account(submitter.address());
  if (!account) return venue_error("account: " + account.error().message);
  v.account.equity = account->equity;
  v.account.maintenance_margin = account->maintenance_margin;
  v.account.positions = account->positions;
  auto held = journal.strategy_positions(v.account.venue);
  if (!held) return std::unexpected(executor::ExecError{executor::ExecErrc::kJournal, held.error().message, 0});
  auto add_market = [&](const std::string& name) -> executor::ExecResult<void> {
    if (executor::find_market(v.markets, name)) return {};
    auto m = venue.market(name);
    if (!m) return venue_error("market " + name + ": " + m.error().message);
    std::optional<core::U256> mark = trips.trades(m->name) ? trips.mark(m->name) : std::optional<core::U256>(m->index);
    v.markets.push_back(executor::MarketView{m->name, mark, m->max_leverage, m->mm_fraction});
    return {};
  };
  for (const auto& p : v.account.positions)
    if (auto r = add_market(p.market); !r) return std::unexpected(r.error());
  for (const auto& h : *held)
    if (!h.size.is_zero())
      if (auto r = add_market(h.market); !r) return std::unexpected(r.error());
  v.account.strategies = executor::strategy_views(*held, v.markets);
  return v;
}

executor::ExecResult<std::vector<int64_t>> ExecSession::act_on_fence(const executor::FenceRecord& record, uint64_t now_ms,
                                                                     std::vector<std::string>* unpriced) {
  std::vector<int64_t> ids;
  if (record.to != executor::FenceMode::kFlatten) return ids;
  auto view = fence_view();
  if (!view) return std::unexpected(view.error());
  executor::FenceDecision d = fencing.actions(record, view->account, view->markets);
  for (const std::string& m : d.unpriced)
    std::fprintf(stderr, "perpx: fence %lld (%s): %s has no mark: not flattened yet\n",
                 static_cast<long long>(record.seq), record.strategy.c_str(), m.c_str());
  if (unpriced) *unpriced = d.unpriced;
  for (const executor::Order& o : d.flatten) {
    auto id = ex.place(o, now_ms);
    if (!id && id.error().code == executor::ExecErrc::kJournal) return std::unexpected(id.error());
    if (!id)
      std::fprintf(stderr, "perpx: fence %lld (%s): flatten %s: %s: %s\n", static_cast<long long>(record.seq),
                   record.strategy.c_str(), o.market.c_str(), std::string(executor::describe(id.error().code)).c_str(),
                   id.error().message.c_str());
    const int64_t placed = id ? *id : id.error().order_id;
    if (placed == 0) continue;
    ids.push_back(placed);
    if (std::find(fence_orders.begin(), fence_orders.end(), placed) == fence_orders.end()) fence_orders.push_back(placed);
  }
  return ids;
}

void ExecSession::open_oracle(const SessionOptions& o) {
  if (o.oracle_feeds.empty()) return;
  const oracle::OracleConfig cfg = load_oracle_config(o.oracle_config, "");
  std::map<std::string, int> used;
  for (const std::string& text : o.oracle_feeds) {
    const size_t colon = text.find(':');
    if (colon == std::string::npos || colon == 0)
      fail("--oracle-feed " + text + ": expected <market>:<feed> (ETH:chainlink:0x..)");
    Feed f;
    f.market = text.substr(0, colon);
    std::string body = text.substr(colon + 1);
    if (const size_t eq = body.find('='); eq != std::string::npos && eq < body.find(':')) {
      f.name = body.substr(0, eq);
      body = body.substr(eq + 1);
      if (f.name.empty()) fail("--oracle-feed " + text + ": empty name before '='");
    }
    if (auto m = venue.market(f.market); !m) fail("--oracle-feed " + text + ": " + m.error().message);
    else f.market = m->name;  // as orders name it
    if (body.starts_with("sequencer:")) {
      f.sequencer = true;
      f.uptime = take(core::parse_address(body.substr(10)), "--oracle-feed " + text);
      if (f.name.empty()) f.name = "sequencer";
    } else {
      f.spec = open_feeds(rpc, {body}).front().spec;
      if (f.name.empty()) f.name = body.substr(0, body.find(':'));
    }
    if (used[f.market + "/" + f.name]++ > 0) f.name += "-" + std::to_string(used[f.market + "/" + f.name]);
    if (!f.sequencer) {
      if (cfg.strict() && !cfg.find(f.name)) fail("--oracle-feed " + text + ": unknown source (not in the config)");
      f.id = trips.add_source(f.market, f.name, cfg.market_params, cfg.thresholds_for(f.name));
    }
    feeds_.push_back(std::move(f));
  }
}

executor::ExecResult<void> ExecSession::observe(const chain::BlockHeader& head, uint64_t now_ms) {
  auto keep = [&](executor::TripResult<std::vector<executor::StateChange>> r) -> executor::ExecResult<void> {
    if (!r) return std::unexpected(executor::ExecError{executor::ExecErrc::kJournal, r.error().message, 0});
    tripped.insert(tripped.end(), r->begin(), r->end());
    return {};
  };
  for (Feed& f : feeds_) {
    if (f.sequencer) {
      auto st = chain::read_sequencer(rpc, f.uptime, head);
      if (!st) {
        std::fprintf(stderr, "perpx: oracle feed %s: %s\n", f.name.c_str(), chain::describe(st.error()).c_str());
        continue;
      }
      if (f.last_status && f.last_status->up == st->up && f.last_status->started_at == st->started_at) continue;
      f.last_status = *st;
      trips.on_sequencer(f.market, st->up, static_cast<int64_t>(st->started_at) * oracle::kMicrosPerSecond);
      continue;
    }
    auto sample = chain::read_feed(rpc, f.spec, head);
    if (!sample) {
      std::fprintf(stderr, "perpx: oracle feed %s: %s\n", f.name.c_str(), chain::describe(sample.error()).c_str());
      continue;
    }
    // A new round, publish time or price is a new sample; the same one read at a later block is not.
    if (f.last && f.last->price == sample->price && f.last->conf == sample->conf &&
        f.last->publish_time == sample->publish_time && f.last->round_id == sample->round_id &&
        f.last->answered_in_round == sample->answered_in_round && f.last->started_at == sample->started_at)
      continue;
    f.last = *sample;
    auto out = trips.on_sample(f.market, f.id, *sample, now_ms);
    if (!out && out.error().code != executor::TripErrc::kJournal) {
      std::fprintf(stderr, "perpx: oracle feed %s: %s\n", f.name.c_str(), out.error().message.c_str());
      continue;
    }
    if (!out) return std::unexpected(executor::ExecError{executor::ExecErrc::kJournal, out.error().message, 0});
    tripped.insert(tripped.end(), out->changes.begin(), out->changes.end());
  }
  auto account = venue.account(submitter.address());
  if (!account) {
    std::fprintf(stderr, "perpx: account at block %llu: %s\n", static_cast<unsigned long long>(head.number),
                 account.error().message.c_str());
  } else if (auto k = keep(trips.on_account(*account, now_ms)); !k) {
    return k;
  }
  if (!started_) return {};  // construction applies and acts on the fences itself, after recovery
  // Fences journalled since the last head (perpx fence, another session): a cheap read by seq.
  if (auto f = apply_fences(); !f) return f;
  return act_on_fences(now_ms);
}

}  // namespace perpx::app
