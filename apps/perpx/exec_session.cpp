#include "exec_session.hpp"

#include <sys/stat.h>

#include <csignal>

#include <chrono>
#include <cstdlib>

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
      kill({}, journalled_state(journal)),
      risk(o.risk),
      submitter([&] {
        auto s = executor::Submitter::make(rpc, std::move(key), journal, o.submitter);
        if (!s) fail("--rpc-url: " + s.error().message);
        return std::move(*s);
      }()),
      ex(venue, submitter, journal, kill, rpc, o.executor),
      driver(rpc, ex, tracker_options(o)) {
  if (!o.relays.empty()) {
    relay.emplace(o.relays, signer::SecretKey::generate());  // a fresh searcher (reputation) key per session
    submitter.set_private_sender(executor::relay_sender(*relay));
    ex.set_relay(true);
  }
  ex.set_risk(&risk, &fencing);
  auto r = ex.recover(wall_ms());
  if (!r) fail("recover: " + r.error().message);
  recovered = std::move(*r);
}

}  // namespace perpx::app
