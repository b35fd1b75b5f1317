#pragma once
// The oracle audit: a chain's feed history (eth_getLogs) through the
// pipeline, stored in SQLite (AuditStore), with per-source statistics and a
// self-contained HTML report (an SVG chart and a per-source table).
//
// Feeds: Chainlink aggregators (AnswerUpdated), Pyth (PriceFeedUpdate of one
// price id), Uniswap v3 pools (Swap: the pool price after each swap, at the
// block's time), and the L2 sequencer uptime feed (AnswerUpdated 0/1).
//
// The store (WAL) keeps every sample with its decision, keyed by (block,
// log index): a run scans block ranges, each range in one transaction that
// also advances `next_block`, so a run that stops anywhere leaves whole
// ranges only, and the next run continues at `next_block` (the pipeline's
// state rebuilt by replaying the stored samples), never counting a log
// twice. A log that does not decode fails the run naming block and log;
// its range is rolled back.
//
// Everything here allocates and blocks on I/O; one thread.
#include <array>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/chain/rpc.hpp"
#include "perpx/oracle/config.hpp"
#include "perpx/oracle/pipeline.hpp"

namespace perpx::oracle {

struct AuditFeed {
  std::string name;  // the source name (config key)
  SourceKind kind = SourceKind::kChainlink;
  chain::Address address;
  chain::Hash32 price_id;  // Pyth
  uint8_t decimals = 8;    // Chainlink answer decimals
  int32_t expo = -8;       // Pyth exponent
  uint8_t decimals0 = 18, decimals1 = 18;  // Uniswap v3 token decimals
  bool invert = false;
  // One canonical line: kind, address, id/decimals (for the store's check
  // that a resumed run audits the same feeds).
  [[nodiscard]] std::string fingerprint() const;
};

// "[name=]chainlink:<aggregator>", "[name=]pyth:<pyth>:<priceId>",
// "[name=]univ3:<pool>[:invert]", "[name=]sequencer:<uptime feed>". Reads
// what the chain knows (decimals, Pyth's exponent, pool tokens). The
// default name is the kind ("chainlink", "pyth", ...), "-2", "-3" appended
// when a kind repeats (see name_feeds).
std::expected<AuditFeed, std::string> open_audit_feed(chain::RpcClient& rpc, std::string_view spec);
void name_feeds(std::vector<AuditFeed>& feeds);

// topic0 of Uniswap v3 Swap(address,address,int256,int256,uint160,uint128,int24).
const chain::Hash32& univ3_swap_topic() noexcept;

struct SourceStats {
  std::string name;
  std::string kind;
  uint64_t samples = 0, accepted = 0, rejected = 0;
  std::array<uint64_t, kReasonCount> reasons{};
  double mean_gap_s = 0, p99_gap_s = 0;  // between consecutive samples
  uint64_t heartbeat_misses = 0;         // gaps longer than the heartbeat
  double stale_s = 0;                    // time beyond the heartbeat, summed over gaps
  double largest_deviation = 0;          // max |price - reference| / reference
};

// One stored sample (for replay, the report, and the drill's lines).
struct AuditRow {
  uint64_t block = 0, log_index = 0;
  size_t feed = 0;  // index into the run's feeds
  Sample sample;
  bool sequencer = false;
  bool accepted = false;
  ReasonSet reasons;
  std::optional<Price> reference;
};

struct AuditOptions {
  std::vector<AuditFeed> feeds;
  chain::BlockNum from_block = 0;
  std::optional<chain::BlockNum> to_block;  // empty: the latest block
  std::filesystem::path db;
  OracleConfig config;
  uint64_t step = 2000;  // blocks per eth_getLogs range and per transaction
};

struct AuditProgress {
  chain::BlockNum from = 0, to = 0, done = 0;  // done: last block stored
  uint64_t samples = 0;                        // stored this run
};

struct AuditResult {
  bool resumed = false;
  chain::BlockNum scanned_from = 0, scanned_to = 0;  // this run's range (from > to: nothing to do)
  uint64_t new_samples = 0, total_samples = 0;
  uint64_t accepted = 0, rejected = 0;  // over everything stored
  std::array<uint64_t, kReasonCount> reasons{};
  std::vector<SourceStats> stats;
};

std::expected<AuditResult, std::string> run_audit(chain::RpcClient& rpc, const AuditOptions& options,
                                                  const std::function<void(const AuditProgress&)>& progress = {},
                                                  const std::function<void(const AuditRow&)>& on_row = {});

// What the report shows, read back from a store.
struct AuditData {
  std::vector<std::string> names, kinds;  // per feed
  std::vector<AuditRow> rows;             // (block, log index) order
  std::vector<SourceStats> stats;
  chain::BlockNum next_block = 0;
};
std::expected<AuditData, std::string> load_audit(const std::filesystem::path& db);

// The HTML report: one file, no external resources.
std::string render_report(const AuditData& data, std::string_view title);
std::expected<void, std::string> write_report(const AuditData& data, const std::filesystem::path& html,
                                              std::string_view title);

}  // namespace perpx::oracle
