#pragma once
// `perpx watch --feed ...`: oracle feeds read at every new head, reported as
// {"event":"price", ...sample...} when the sample changes (a new round, a
// new publish time, or a new price).
//   chainlink:<aggregator>          AggregatorV3 latestRoundData
//   pyth:<pyth contract>:<price id> getPriceUnsafe
//   univ3:<pool>[:invert]           slot0 spot price: token1 per token0, or token0 per token1
#include <optional>
#include <string>
#include <vector>

#include "perpx/chain/feeds.hpp"
#include "perpx/chain/rpc.hpp"

namespace perpx::app {

struct WatchedFeed {
  chain::FeedSpec spec;
  std::string label;  // the --feed text, for errors
  std::optional<chain::PriceSample> last;
};

// Parses the --feed values and reads what each feed needs (decimals) from
// the chain. Bad input or an unreadable feed fails with a one-line CliError.
std::vector<WatchedFeed> open_feeds(chain::RpcClient& rpc, const std::vector<std::string>& specs);

// Reads every feed at `at`; returns the price events (JSON objects) for the
// samples that changed. A feed that fails to read gives an "error" line on
// stderr and is tried again at the next head.
std::vector<core::Json> poll_feeds(chain::RpcClient& rpc, std::vector<WatchedFeed>& feeds, const chain::BlockHeader& at);

}  // namespace perpx::app
