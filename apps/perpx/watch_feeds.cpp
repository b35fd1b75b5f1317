#include "watch_feeds.hpp"

#include <cstdio>

#include "cli.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"

namespace perpx::app {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

core::Address feed_address(const std::string& text, const std::string& spec) {
  return take(core::parse_address(text), "--feed " + spec);
}

template <class T>
T feed_value(chain::FeedResult<T> r, const std::string& spec) {
  if (!r) fail("--feed " + spec + ": " + chain::describe(r.error()));
  return std::move(*r);
}

// A sample "changed" when anything but the block it was read at differs.
bool same_reading(const chain::PriceSample& a, const chain::PriceSample& b) {
  chain::PriceSample x = a;
  x.block_number = b.block_number;
  return x == b;
}

}  // namespace

std::vector<WatchedFeed> open_feeds(chain::RpcClient& rpc, const std::vector<std::string>& specs) {
  std::vector<WatchedFeed> feeds;
  for (const auto& spec : specs) {
    const auto parts = split(spec, ':');
    const std::string& kind = parts[0];
    WatchedFeed f;
    f.label = spec;
    if (kind == "chainlink" && parts.size() == 2) {
      f.spec = feed_value(chain::make_chainlink_feed(rpc, feed_address(parts[1], spec)), spec);
    } else if (kind == "pyth" && parts.size() == 3) {
      chain::PythFeed p;
      p.pyth = feed_address(parts[1], spec);
      p.price_id = take(core::parse_hash32(parts[2]), "--feed " + spec + " (price id)");
      f.spec = p;
    } else if (kind == "univ3" && (parts.size() == 2 || (parts.size() == 3 && parts[2] == "invert"))) {
      f.spec = feed_value(chain::make_univ3_feed(rpc, feed_address(parts[1], spec), parts.size() == 3), spec);
    } else {
      fail("--feed " + spec + ": expected chainlink:<addr>, pyth:<addr>:<priceId> or univ3:<pool>[:invert]");
    }
    feeds.push_back(std::move(f));
  }
  return feeds;
}

std::vector<core::Json> poll_feeds(chain::RpcClient& rpc, std::vector<WatchedFeed>& feeds, const chain::BlockHeader& at) {
  std::vector<core::Json> events;
  for (auto& f : feeds) {
    auto sample = chain::read_feed(rpc, f.spec, at);
    if (!sample) {
      std::fprintf(stderr, "perpx watch: feed %s: %s\n", f.label.c_str(), chain::describe(sample.error()).c_str());
      continue;
    }
    if (f.last && same_reading(*f.last, *sample)) continue;
    f.last = *sample;
    core::Json event = {{"event", "price"}};
    event.update(chain::to_json(*sample));
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace perpx::app
