#pragma once
// Recording and replay: a run's events and decisions as JSON lines, and the
// proof that the strategies are a function of their events.
//
// File format (one JSON object per line):
//   {"header":{"version":1,"book":{...},"strategies":[{"kind":"hedger","config":{...}}, ...]}}
//   {"event":{"type":"price",...}}          every event fed, in order
//   {"decision":{"order":{...},"why":"..."}} each decision, after the event that caused it
// The header holds what rebuilds the strategies: the Book snapshot (the
// venue model's params and state, the account, prices, spot holdings) and
// each strategy's kind and full config.
//
// replay(path, factory) rebuilds the strategies from the header, feeds the
// recorded events in order, and compares every decision it gets with the
// recorded ones (by decision_to_json text, position by position): identical,
// or the first difference (event index, decision index, recorded and
// replayed lines). A changed config in the header is a different run.
//
// Recorder writes each line as it comes (flushed per line), so a run that
// dies leaves a replayable prefix. Errors are values (RecordError: what and
// where: file, line). Single-threaded; allocates.
#include <cstdint>
#include <cstdio>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "perpx/core/json.hpp"
#include "perpx/strategies/strategy.hpp"

namespace perpx::strategies {

struct RecordError {
  std::string message;  // names the file and line
};
inline std::string_view describe(const RecordError& e) noexcept { return e.message; }

// A strategy by kind ("hedger", "carry", "slicer") and its config (to_json of its config).
struct StrategySpec {
  std::string kind;
  core::Json config;
};

core::Json book_to_json(const Book& b);
std::expected<Book, std::string> book_from_json(const core::Json& j);

using StrategyFactory =
    std::function<std::expected<std::unique_ptr<Strategy>, std::string>(const StrategySpec&, const Book&)>;
// The built-in kinds: hedger, carry, slicer.
std::expected<std::unique_ptr<Strategy>, std::string> make_strategy(const StrategySpec& spec, const Book& book);
// Builds each spec into a set (the first failure names its kind).
std::expected<StrategySet, std::string> make_strategies(const std::vector<StrategySpec>& specs, const Book& book,
                                                        const StrategyFactory& factory = make_strategy);

class Recorder {
 public:
  // Creates (truncates) `path` and writes the header line.
  static std::expected<Recorder, RecordError> open(const std::string& path, const Book& book,
                                                   const std::vector<StrategySpec>& specs);
  Recorder(Recorder&&) noexcept = default;
  Recorder& operator=(Recorder&&) noexcept = default;
  ~Recorder();

  std::expected<void, RecordError> event(const Event& e);
  std::expected<void, RecordError> decision(const Decision& d);
  // Records the event, feeds it to `set`, records each decision; returns them.
  std::expected<std::vector<Decision>, RecordError> feed(StrategySet& set, const Event& e);

  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  Recorder(std::string path, std::FILE* f) : path_(std::move(path)), file_(f) {}
  std::expected<void, RecordError> line(const core::Json& j);
  struct Closer {
    void operator()(std::FILE* f) const noexcept;
  };
  std::string path_;
  std::unique_ptr<std::FILE, Closer> file_;
};

struct ReplayDifference {
  size_t event_index = 0;     // the event after which it appeared (0-based)
  size_t decision_index = 0;  // 0-based over the whole run
  std::string recorded;       // the recorded decision's JSON, or "" (none recorded there)
  std::string replayed;       // the replayed one, or "" (none made)
};

struct ReplayResult {
  size_t events = 0;
  size_t decisions = 0;  // recorded
  bool identical = false;
  std::optional<ReplayDifference> first_difference;
  std::vector<std::string> strategies;  // names, in header order
};

std::expected<ReplayResult, RecordError> replay(const std::string& path,
                                                const StrategyFactory& factory = make_strategy);

}  // namespace perpx::strategies
