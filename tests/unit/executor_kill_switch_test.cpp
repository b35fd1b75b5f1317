// KillSwitch: automatic trips only tighten, on the event that trips them;
// only a manual command relaxes; bursts are counted in their time windows.
#include <catch2/catch.hpp>

#include "perpx/executor/kill_switch.hpp"

using namespace perpx;
using executor::KillSwitch;
using executor::TradingState;
using executor::TripCause;

TEST_CASE("states gate orders: reducing lets only reduce-only through", "[executor][killswitch]") {
  KillSwitch k;
  CHECK(k.allows(false));
  CHECK(k.allows(true));
  REQUIRE(k.manual(TradingState::kReducing, "by hand", 1));
  CHECK_FALSE(k.allows(false));
  CHECK(k.allows(true));
  REQUIRE(k.manual(TradingState::kHalted, "by hand", 2));
  CHECK_FALSE(k.allows(true));
  CHECK_FALSE(k.manual(TradingState::kHalted, "again", 3).has_value());  // no change, nothing to journal
}

TEST_CASE("automatic trips act on the tripping event and never relax", "[executor][killswitch]") {
  KillSwitch k;
  auto c = k.on_margin_buffer(true, "buffer 40 bps < 100 bps", 10);
  REQUIRE(c);
  CHECK(c->from == TradingState::kActive);
  CHECK(c->to == TradingState::kReducing);
  CHECK(c->cause == TripCause::kMarginBuffer);
  CHECK(c->time_ms == 10);
  CHECK(k.state() == TradingState::kReducing);  // already for the next order
  CHECK_FALSE(k.on_margin_buffer(false, "", 11).has_value());
  CHECK_FALSE(k.on_drawdown(600, 12).has_value());  // reducing already: not tighter
  auto halt = k.on_oracle_no_quorum("ETH", 13);
  REQUIRE(halt);
  CHECK(halt->to == TradingState::kHalted);
  CHECK(halt->detail == "no quorum on ETH");
  CHECK_FALSE(k.on_stress(TradingState::kReducing, "stress loss 3%", 14).has_value());  // never relaxes
  auto resume = k.manual(TradingState::kActive, "resume after review", 15);
  REQUIRE(resume);
  CHECK(resume->from == TradingState::kHalted);
  CHECK(k.state() == TradingState::kActive);
}

TEST_CASE("drawdown: reduce at the first limit, halt at the second", "[executor][killswitch]") {
  KillSwitch k;
  CHECK_FALSE(k.on_drawdown(499, 1).has_value());
  CHECK(k.on_drawdown(500, 2)->to == TradingState::kReducing);
  CHECK(k.on_drawdown(1000, 3)->to == TradingState::kHalted);
}

TEST_CASE("bursts count within their window only", "[executor][killswitch]") {
  executor::KillSwitchConfig cfg;
  cfg.reject_burst = 3;
  cfg.reject_window_ms = 1000;
  cfg.send_fail_burst = 2;
  cfg.send_fail_window_ms = 500;
  KillSwitch k(cfg);
  CHECK_FALSE(k.on_oracle_rejected("ETH", "jump", 0).has_value());
  CHECK_FALSE(k.on_oracle_rejected("ETH", "jump", 600).has_value());
  CHECK_FALSE(k.on_oracle_rejected("ETH", "jump", 1200).has_value());  // the first fell out of the window
  auto c = k.on_oracle_rejected("BTC", "stale", 1300);
  REQUIRE(c);
  CHECK(c->to == TradingState::kReducing);
  CHECK(c->cause == TripCause::kOracleRejectBurst);
  CHECK(c->detail.find("BTC (stale)") != std::string::npos);
  CHECK_FALSE(k.on_send_failed("reset", 2000).has_value());
  CHECK_FALSE(k.on_send_failed("reset", 2600).has_value());  // 600 ms later: a new window
  auto h = k.on_send_failed("timeout", 2700);
  REQUIRE(h);
  CHECK(h->to == TradingState::kHalted);
  CHECK(h->cause == TripCause::kSendFailures);
}

TEST_CASE("a resume clears old bursts", "[executor][killswitch]") {
  executor::KillSwitchConfig cfg;
  cfg.send_fail_burst = 2;
  KillSwitch k(cfg);
  CHECK_FALSE(k.on_send_failed("reset", 1).has_value());
  REQUIRE(k.manual(TradingState::kReducing, "drill", 2));
  REQUIRE(k.manual(TradingState::kActive, "resume", 3));
  CHECK_FALSE(k.on_send_failed("reset", 4).has_value());  // the one before the resume no longer counts
}

TEST_CASE("names", "[executor][killswitch]") {
  for (TradingState s : {TradingState::kActive, TradingState::kReducing, TradingState::kHalted})
    CHECK(executor::parse_trading_state(executor::trading_state_name(s)) == s);
  CHECK_FALSE(executor::parse_trading_state("paused").has_value());
  for (TripCause c : {TripCause::kManual, TripCause::kOracleNoQuorum, TripCause::kOracleRejectBurst,
                      TripCause::kMarginBuffer, TripCause::kDrawdown, TripCause::kSendFailures, TripCause::kStress})
    CHECK(executor::trip_cause_name(c) != "?");
}
