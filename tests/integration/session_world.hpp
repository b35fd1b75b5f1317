#pragma once
// A running session's world for the executor's anvil tests: the drill world
// on a local anvil (venues_fixture.hpp), a temporary folder for the journal,
// event time that moves one millisecond per step, and following an order
// until it is included or final, mining a block and polling the session
// (its trips, then the executor) at each step.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "exec_session.hpp"
#include "value_of.hpp"
#include "venues_fixture.hpp"

namespace venue_test {

struct SessionWorld {
  VenueChain vc;
  std::filesystem::path dir;
  uint64_t now = app::wall_ms();

  explicit SessionWorld(const char* prefix) : dir(make_dir(prefix)) {}
  ~SessionWorld() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  SessionWorld(const SessionWorld&) = delete;
  SessionWorld& operator=(const SessionWorld&) = delete;

  [[nodiscard]] std::filesystem::path journal() const { return dir / "journal.sqlite"; }
  // The session's options on this world: its RPC, journal and venue.
  [[nodiscard]] app::SessionOptions base_options() const {
    app::SessionOptions o;
    o.rpc_url = vc.lw.chain.rpc_url();
    o.journal = journal();
    o.venue = vc.lw.world.venue;
    return o;
  }
  // Polls until the order is final or included (bounded).
  std::string follow(app::ExecSession& s, int64_t id) {
    for (int i = 0; i < 30; ++i) {
      const std::string st = perpx::test::value_of(s.journal.order(id)).state;
      if (st == "included" || st == "finalized" || st == "failed" || st == "rejected" || st == "cancelled") return st;
      vc.mine();
      perpx::test::value_of(s.poll(++now));
    }
    return perpx::test::value_of(s.journal.order(id)).state;
  }
  // The trading-state changes on disk (a second connection): (to, cause).
  std::vector<std::pair<std::string, std::string>> trading_rows() const {
    auto j = perpx::test::value_of(executor::Journal::open(journal()));
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& c : perpx::test::value_of(j.state_changes()))
      out.emplace_back(executor::trading_state_name(c.to), executor::trip_cause_name(c.cause));
    return out;
  }

 private:
  static std::filesystem::path make_dir(const char* prefix) {
    std::string t = std::string("/tmp/") + prefix + "-XXXXXX";
    REQUIRE(mkdtemp(t.data()) != nullptr);
    return t;
  }
};

}  // namespace venue_test
