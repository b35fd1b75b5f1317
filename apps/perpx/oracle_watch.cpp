// perpx oracle watch: `perpx watch` feeds read at every new block, each new
// sample through the oracle pipeline, one line per decision:
//   {"event":"price","source","block_num","time","price","decision","reasons","reference","mark"}
//   {"event":"sequencer","up":bool,"since":t,"block_num"}
//   {"event":"no_quorum","time"} / {"event":"recovered","reference","time"}
// Feeds: [name=]chainlink:<addr> | pyth:<addr>:<priceId> | univ3:<pool>[:invert]
// (as `perpx watch --feed`) and [name=]sequencer:<uptime feed>. Polls over
// HTTP every --interval-ms; a read that fails is reported on stderr and read
// again at the next block. Runs until SIGINT or SIGTERM, then exits 0.
#include <signal.h>

#include <cstdio>
#include <ctime>
#include <map>
#include <memory>

#include "oracle_commands.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/chain/http.hpp"
#include "perpx/core/address.hpp"
#include "perpx/oracle/check.hpp"
#include "watch_feeds.hpp"

namespace perpx::app {

namespace {

struct OracleWatchOptions {
  std::string rpc_url;
  std::vector<std::string> feeds;
  std::string config;
  std::string market;
  uint32_t interval_ms = 1000;
  bool json = false;
};

struct LiveFeed {
  std::string name;
  bool sequencer = false;
  WatchedFeed feed;          // price feeds
  chain::Address uptime;     // sequencer
  std::optional<chain::SequencerStatus> last_status;
  oracle::SourceId id = 0;
};

std::string kind_of(const chain::FeedSpec& s) {
  if (std::holds_alternative<chain::ChainlinkFeed>(s)) return "chainlink";
  if (std::holds_alternative<chain::PythFeed>(s)) return "pyth";
  return "univ3";
}

std::vector<LiveFeed> open_live_feeds(chain::RpcClient& rpc, const std::vector<std::string>& specs) {
  std::vector<LiveFeed> out;
  std::map<std::string, int> used;
  for (const auto& spec : specs) {
    LiveFeed f;
    std::string body = spec;
    if (const size_t eq = spec.find('='); eq != std::string::npos) {
      f.name = spec.substr(0, eq);
      body = spec.substr(eq + 1);
      if (f.name.empty()) fail("--feed " + spec + ": empty name before '='");
    }
    if (body.starts_with("sequencer:")) {
      f.sequencer = true;
      f.uptime = take(core::parse_address(body.substr(10)), "--feed " + spec);
      if (f.name.empty()) f.name = "sequencer";
    } else {
      auto opened = open_feeds(rpc, {body});
      f.feed = std::move(opened.front());
      f.feed.label = spec;
      if (f.name.empty()) f.name = kind_of(f.feed.spec);
    }
    out.push_back(std::move(f));
  }
  // Repeated default names get -2, -3, ...
  for (auto& f : out) {
    if (used[f.name]++ == 0) continue;
    f.name += "-" + std::to_string(used[f.name]);
  }
  return out;
}

// The same reading whatever block it was read at: a new round, publish time
// or price is a new sample.
bool same_reading(const chain::PriceSample& a, const chain::PriceSample& b) {
  return a.price == b.price && a.conf == b.conf && a.publish_time == b.publish_time && a.round_id == b.round_id &&
         a.answered_in_round == b.answered_in_round && a.started_at == b.started_at;
}

core::Json reasons_json(oracle::ReasonSet r) {
  core::Json a = core::Json::array();
  for (size_t k = 0; k < oracle::kReasonCount; ++k)
    if (r.has(static_cast<oracle::Reason>(k))) a.push_back(oracle::reason_name(static_cast<oracle::Reason>(k)));
  return a;
}

void emit(const core::Json& j, bool json) {
  if (json) {
    print_json(j);
  } else {
    std::string line = j["event"].get<std::string>();
    for (const auto& [k, v] : j.items())
      if (k != "event") line += " " + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    print_line(line);
  }
}

void watch(const OracleWatchOptions& o) {
  if (o.rpc_url.empty()) fail("--rpc-url: required (or set ETH_RPC_URL)");
  if (!o.rpc_url.starts_with("http://") && !o.rpc_url.starts_with("https://"))
    fail("--rpc-url: expected an http:// or https:// URL");
  if (o.feeds.empty()) fail("--feed: at least one feed");
  const oracle::OracleConfig cfg = load_oracle_config(o.config, o.market);
  chain::RpcClient rpc(std::make_unique<chain::HttpTransport>(o.rpc_url));
  std::vector<LiveFeed> feeds = open_live_feeds(rpc, o.feeds);
  oracle::Pipeline pipe(cfg.market_params);
  for (auto& f : feeds) {
    if (cfg.strict() && !cfg.find(f.name)) fail("--feed " + f.name + ": unknown source (not in the config)");
    if (!f.sequencer) f.id = pipe.add_source(f.name, cfg.thresholds_for(f.name));
  }

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  const timespec interval{static_cast<time_t>(o.interval_ms / 1000), static_cast<long>(o.interval_ms % 1000) * 1'000'000};
  std::optional<chain::BlockNum> last_block;
  for (bool first = true;; first = false) {
    if (!first) {
      const int sig = sigtimedwait(&set, nullptr, &interval);
      if (sig == SIGINT || sig == SIGTERM) return;
    }
    auto head = chain::resolve_block(rpc, chain::Tag::kLatest);
    if (!head) {
      if (first) fail(chain::describe(head.error()));
      std::fprintf(stderr, "perpx oracle watch: %s\n", chain::describe(head.error()).c_str());
      continue;
    }
    if (last_block && head->number == *last_block) continue;
    last_block = head->number;
    for (auto& f : feeds) {
      if (f.sequencer) {
        auto st = chain::read_sequencer(rpc, f.uptime, *head);
        if (!st) {
          std::fprintf(stderr, "perpx oracle watch: feed %s: %s\n", f.name.c_str(), chain::describe(st.error()).c_str());
          continue;
        }
        if (f.last_status && f.last_status->up == st->up && f.last_status->started_at == st->started_at) continue;
        f.last_status = *st;
        pipe.on_sequencer(st->up, static_cast<int64_t>(st->started_at) * oracle::kMicrosPerSecond);
        emit({{"event", "sequencer"}, {"source", f.name}, {"up", st->up}, {"since", st->started_at},
              {"block_num", head->number}}, o.json);
        continue;
      }
      auto sample = chain::read_feed(rpc, f.feed.spec, *head);
      if (!sample) {
        std::fprintf(stderr, "perpx oracle watch: feed %s: %s\n", f.name.c_str(), chain::describe(sample.error()).c_str());
        continue;
      }
      if (f.feed.last && same_reading(*f.feed.last, *sample)) continue;  // nothing new since the last block
      f.feed.last = *sample;
      oracle::Sample s;
      s.source = f.id;
      s.block_num = sample->block_number;
      s.time_us = static_cast<int64_t>(std::min<uint64_t>(sample->publish_time, 9'000'000'000'000ull)) * oracle::kMicrosPerSecond;
      auto price = oracle::from_fixed(sample->price);
      if (!price) {
        std::fprintf(stderr, "perpx oracle watch: feed %s: price %s\n", f.name.c_str(),
                     std::string(oracle::describe(price.error())).c_str());
        continue;
      }
      s.price = *price;
      if (sample->conf) {
        if (auto c = oracle::from_fixed(*sample->conf, false, sample->price.exponent)) s.conf = *c;
      }
      if (sample->source == chain::FeedSource::kChainlink) {
        const auto& rid = sample->round_id;
        const auto& ans = sample->answered_in_round;
        if (rid.fits_u64() && ans.fits_u64()) {
          s.round_id = rid.w[0];
          s.answered_in_round = ans.w[0];
        } else if (ans < rid) {  // uint80 rounds (phase << 64): only the order matters
          s.round_id = 1;
          s.answered_in_round = 0;
        }
      }
      const oracle::Decision d = pipe.process(s);
      core::Json j = {{"event", "price"}, {"source", f.name}, {"block_num", head->number},
                      {"time", oracle::time_json(s.time_us)}, {"price", oracle::to_string(s.price)},
                      {"decision", d.accepted ? "accept" : "reject"}, {"reasons", reasons_json(d.reasons)}};
      j["reference"] = d.reference ? core::Json(oracle::to_string(*d.reference)) : core::Json(nullptr);
      j["mark"] = d.mark ? core::Json(oracle::to_string(*d.mark)) : core::Json(nullptr);
      emit(j, o.json);
      for (uint8_t k = 1; k < d.event_count; ++k) {
        const auto& ev = d.events[k];
        core::Json e = {{"event", std::string(oracle::event_name(ev.kind))}, {"time", oracle::time_json(ev.time_us)}};
        if (ev.kind == oracle::EventKind::kRecovered) e["reference"] = oracle::to_string(ev.price);
        emit(e, o.json);
      }
    }
    std::fflush(stdout);
  }
}

}  // namespace

void add_oracle_watch_command(CLI::App& grp) {
  auto o = std::make_shared<OracleWatchOptions>();
  auto* c = grp.add_subcommand("watch", "run the oracle pipeline live on feeds read at every new block, until interrupted");
  add_ops_options(c);
  c->add_option("--rpc-url", o->rpc_url, "HTTP JSON-RPC endpoint")->envname("ETH_RPC_URL");
  c->add_option("--feed", o->feeds,
                "[name=]chainlink:<addr> | pyth:<addr>:<priceId> | univ3:<pool>[:invert] | sequencer:<addr> (repeatable)")
      ->required();
  c->add_option("--config", o->config, "TOML thresholds per source and market");
  c->add_option("--market", o->market, "which [markets.X] of the config applies");
  c->add_option("--interval-ms", o->interval_ms, "poll interval in milliseconds (10..60000, default 1000)")
      ->check(CLI::Range(10, 60000));
  c->add_flag("--json", o->json, "one JSON object per line");
  c->callback([o] { watch(*o); });
}

}  // namespace perpx::app
