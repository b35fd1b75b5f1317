#include "perpx/strategies/recording.hpp"

#include <algorithm>
#include <fstream>

#include "json_fields.hpp"
#include "perpx/core/address.hpp"
#include "perpx/strategies/carry.hpp"
#include "perpx/strategies/hedger.hpp"
#include "perpx/strategies/slicer.hpp"

namespace perpx::strategies {

using core::I256;
using core::Json;
using core::U256;

namespace {

constexpr uint64_t kVersion = 1;

std::string dec(const U256& v) { return core::to_decimal(v); }
std::string dec(const I256& v) { return core::to_decimal(v); }

}  // namespace

// ---- Book ----

Json book_to_json(const Book& b) {
  const auto& m = b.model;
  Json venue = Json::object();
  venue["liquidation_reward"] = dec(m.params().liquidation_reward);
  venue["min_reveal_delay"] = m.params().min_reveal_delay;
  venue["max_reveal_delay"] = m.params().max_reveal_delay;
  venue["batch_window"] = m.params().batch_window;
  Json markets = Json::array();
  for (size_t i = 0; i < m.market_count(); ++i) {
    const auto& p = m.market_params(i);
    const auto& s = m.market(i);
    Json mk = Json::object();
    mk["name"] = p.name;
    mk["skew_scale"] = dec(p.skew_scale);
    mk["im_fraction"] = dec(p.im_fraction);
    mk["mm_fraction"] = dec(p.mm_fraction);
    mk["taker_fee"] = dec(p.taker_fee);
    mk["max_funding_rate"] = dec(p.max_funding_rate);
    mk["skew"] = dec(s.skew);
    mk["open_interest_long"] = dec(s.open_interest_long);
    mk["open_interest_short"] = dec(s.open_interest_short);
    mk["funding_index"] = dec(s.funding_index);
    mk["last_funding_time"] = s.last_funding_time;
    markets.push_back(std::move(mk));
  }
  const auto acc = m.account(b.account);
  Json a = Json::object();
  a["address"] = core::to_checksum(b.account);
  a["cross_margin"] = dec(acc.cross_margin);
  a["realized_pnl"] = dec(acc.realized_pnl);
  a["fees_paid"] = dec(acc.fees_paid);
  a["funding_paid"] = dec(acc.funding_paid);
  Json positions = Json::array();
  for (const auto& p : acc.positions) {
    Json pj = Json::object();
    pj["size"] = dec(p.size);
    pj["entry_price"] = dec(p.entry_price);
    pj["last_funding_index"] = dec(p.last_funding_index);
    pj["margin"] = dec(p.margin);
    pj["isolated"] = p.isolated;
    positions.push_back(std::move(pj));
  }
  a["positions"] = std::move(positions);
  Json prices = Json::array();
  for (const auto& p : b.prices) prices.push_back(dec(p));
  Json spot = Json::object();
  for (const auto& [pair, held] : b.spot) spot[pair] = dec(held);
  Json j = Json::object();
  j["venue"] = std::move(venue);
  j["markets"] = std::move(markets);
  j["account"] = std::move(a);
  j["prices"] = std::move(prices);
  j["time_us"] = b.time_us;
  j["spot"] = std::move(spot);
  return j;
}

std::expected<Book, std::string> book_from_json(const Json& j) {
  using namespace detail;
  if (!j.is_object()) return std::unexpected("book: not an object");
  for (const char* k : {"venue", "account", "spot"})
    if (!j.contains(k) || !j[k].is_object()) return std::unexpected(std::string("book: ") + k + ": missing or not an object");
  for (const char* k : {"markets", "prices"})
    if (!j.contains(k) || !j[k].is_array()) return std::unexpected(std::string("book: ") + k + ": missing or not an array");
  Reader r;
  venues::VenueParams vp;
  const Json& v = j["venue"];
  vp.liquidation_reward = r(get_u256(v, "liquidation_reward"));
  vp.min_reveal_delay = r(get_u64(v, "min_reveal_delay"));
  vp.max_reveal_delay = r(get_u64(v, "max_reveal_delay"));
  vp.batch_window = r(get_u64(v, "batch_window"));
  std::vector<venues::MarketParams> params;
  std::vector<venues::MarketState> states;
  for (const auto& mk : j["markets"]) {
    if (!mk.is_object()) return std::unexpected("book: markets: not an object");
    venues::MarketParams p;
    p.name = r(get_string(mk, "name"));
    p.skew_scale = r(get_u256(mk, "skew_scale"));
    p.im_fraction = r(get_u256(mk, "im_fraction"));
    p.mm_fraction = r(get_u256(mk, "mm_fraction"));
    p.taker_fee = r(get_u256(mk, "taker_fee"));
    p.max_funding_rate = r(get_u256(mk, "max_funding_rate"));
    venues::MarketState s;
    s.skew = r(get_i256(mk, "skew"));
    s.open_interest_long = r(get_u256(mk, "open_interest_long"));
    s.open_interest_short = r(get_u256(mk, "open_interest_short"));
    s.funding_index = r(get_i256(mk, "funding_index"));
    s.last_funding_time = r(get_u64(mk, "last_funding_time"));
    if (p.skew_scale.is_zero() && r.error.empty()) r.error = "skew_scale: must be > 0";
    params.push_back(std::move(p));
    states.push_back(s);
  }
  const Json& a = j["account"];
  const auto address = r(get_string(a, "address"));
  venues::Account acc;
  acc.cross_margin = r(get_i256(a, "cross_margin"));
  acc.realized_pnl = r(get_i256(a, "realized_pnl"));
  acc.fees_paid = r(get_u256(a, "fees_paid"));
  acc.funding_paid = r(get_i256(a, "funding_paid"));
  if (!a.contains("positions") || !a["positions"].is_array()) return std::unexpected("book: account: positions: missing");
  for (const auto& pj : a["positions"]) {
    if (!pj.is_object()) return std::unexpected("book: account: positions: not an object");
    venues::Position p;
    p.size = r(get_i256(pj, "size"));
    p.entry_price = r(get_u256(pj, "entry_price"));
    p.last_funding_index = r(get_i256(pj, "last_funding_index"));
    p.margin = r(get_i256(pj, "margin"));
    p.isolated = r(get_bool(pj, "isolated"));
    acc.positions.push_back(p);
  }
  Book b;
  for (const auto& p : j["prices"]) {
    auto q = core::json_quantity(p);
    if (!q) return std::unexpected("book: prices: " + q.error());
    b.prices.push_back(*q);
  }
  for (const auto& [pair, held] : j["spot"].items()) {
    auto q = core::parse_i256(held);
    if (!q) return std::unexpected("book: spot: " + pair + ": " + q.error());
    b.spot[pair] = *q;
  }
  b.time_us = r(get_u64(j, "time_us"));
  if (!r.error.empty()) return std::unexpected("book: " + r.error);
  auto addr = core::parse_address(address);
  if (!addr) return std::unexpected("book: account: address: " + std::string(core::describe(addr.error())));
  if (b.prices.size() != params.size()) return std::unexpected("book: prices: one per market");
  if (acc.positions.size() > params.size()) return std::unexpected("book: account: positions: more than markets");
  b.model = venues::RefModel(vp, std::move(params), 0);
  for (size_t i = 0; i < states.size(); ++i) b.model.set_market_state(i, states[i]);
  b.model.set_account(*addr, std::move(acc));
  b.account = *addr;
  return b;
}

// ---- strategies ----

std::expected<std::unique_ptr<Strategy>, std::string> make_strategy(const StrategySpec& spec, const Book& book) {
  if (spec.kind == "hedger") {
    auto c = hedger_config_from_json(spec.config);
    if (!c) return std::unexpected(c.error());
    return std::make_unique<DeltaHedger>(std::move(*c), book);
  }
  if (spec.kind == "carry") {
    auto c = carry_config_from_json(spec.config);
    if (!c) return std::unexpected(c.error());
    return std::make_unique<FundingCarry>(std::move(*c), book);
  }
  if (spec.kind == "slicer") {
    auto c = slicer_config_from_json(spec.config);
    if (!c) return std::unexpected(c.error());
    return std::make_unique<Slicer>(std::move(*c), book);
  }
  return std::unexpected("kind: \"" + spec.kind + "\" is not hedger, carry or slicer");
}

std::expected<StrategySet, std::string> make_strategies(const std::vector<StrategySpec>& specs, const Book& book,
                                                        const StrategyFactory& factory) {
  StrategySet set;
  for (const auto& spec : specs) {
    auto s = factory(spec, book);
    if (!s) return std::unexpected("strategy " + spec.kind + ": " + s.error());
    set.add(std::move(*s));
  }
  return set;
}

// ---- Recorder ----

void Recorder::Closer::operator()(std::FILE* f) const noexcept {
  if (f) std::fclose(f);
}

Recorder::~Recorder() = default;

std::expected<Recorder, RecordError> Recorder::open(const std::string& path, const Book& book,
                                                    const std::vector<StrategySpec>& specs) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return std::unexpected(RecordError{path + ": cannot create the recording"});
  Recorder rec(path, f);
  Json strategies = Json::array();
  for (const auto& s : specs) {
    Json sj = Json::object();
    sj["kind"] = s.kind;
    sj["config"] = s.config;
    strategies.push_back(std::move(sj));
  }
  Json header = Json::object();
  header["version"] = kVersion;
  header["book"] = book_to_json(book);
  header["strategies"] = std::move(strategies);
  Json line = Json::object();
  line["header"] = std::move(header);
  if (auto w = rec.line(line); !w) return std::unexpected(w.error());
  return rec;
}

std::expected<void, RecordError> Recorder::line(const Json& j) {
  const std::string s = j.dump() + "\n";
  if (std::fwrite(s.data(), 1, s.size(), file_.get()) != s.size() || std::fflush(file_.get()) != 0)
    return std::unexpected(RecordError{path_ + ": write failed"});
  return {};
}

std::expected<void, RecordError> Recorder::event(const Event& e) {
  Json j = Json::object();
  j["event"] = event_to_json(e);
  return line(j);
}

std::expected<void, RecordError> Recorder::decision(const Decision& d) {
  Json j = Json::object();
  j["decision"] = decision_to_json(d);
  return line(j);
}

std::expected<std::vector<Decision>, RecordError> Recorder::feed(StrategySet& set, const Event& e) {
  if (auto w = event(e); !w) return std::unexpected(w.error());
  auto out = set.on_event(e);
  for (const auto& d : out)
    if (auto w = decision(d); !w) return std::unexpected(w.error());
  return out;
}

// ---- replay ----

std::expected<ReplayResult, RecordError> replay(const std::string& path, const StrategyFactory& factory) {
  std::ifstream in(path);
  if (!in) return std::unexpected(RecordError{path + ": cannot open the recording"});
  auto err = [&](size_t line_no, const std::string& what) {
    return std::unexpected(RecordError{path + ":" + std::to_string(line_no) + ": " + what});
  };
  std::string text;
  size_t line_no = 0;
  ReplayResult res;
  std::optional<StrategySet> set;
  // Replayed decisions not yet matched against recorded lines, and the event each followed.
  std::vector<std::string> pending;
  size_t pending_at = 0;
  size_t decision_index = 0;
  auto differ = [&](size_t event_index, std::string recorded, std::string replayed) {
    if (!res.first_difference)
      res.first_difference = ReplayDifference{event_index, decision_index, std::move(recorded), std::move(replayed)};
  };
  while (std::getline(in, text)) {
    ++line_no;
    if (text.empty()) continue;
    auto j = core::parse_json(text);
    if (!j || !j->is_object() || j->size() != 1) return err(line_no, "not a recording line (one JSON object with one key)");
    if (!set) {
      if (!j->contains("header")) return err(line_no, "the first line is not the header");
      const Json& h = (*j)["header"];
      if (!h.is_object() || !h.contains("version") || h["version"] != kVersion)
        return err(line_no, "header: version: not 1");
      if (!h.contains("book")) return err(line_no, "header: book: missing");
      auto book = book_from_json(h["book"]);
      if (!book) return err(line_no, "header: " + book.error());
      if (!h.contains("strategies") || !h["strategies"].is_array()) return err(line_no, "header: strategies: missing");
      std::vector<StrategySpec> specs;
      for (const auto& s : h["strategies"]) {
        if (!s.is_object() || !s.contains("kind") || !s["kind"].is_string() || !s.contains("config"))
          return err(line_no, "header: strategies: each needs kind and config");
        specs.push_back(StrategySpec{s["kind"].get<std::string>(), s["config"]});
      }
      auto built = make_strategies(specs, *book, factory);
      if (!built) return err(line_no, "header: " + built.error());
      set = std::move(*built);
      for (size_t i = 0; i < set->size(); ++i) res.strategies.emplace_back(set->at(i).name());
      continue;
    }
    if (j->contains("event")) {
      auto e = event_from_json((*j)["event"]);
      if (!e) return err(line_no, "event: " + e.error());
      // Replayed decisions of the previous event that were never recorded.
      if (!pending.empty()) {
        differ(pending_at, "", pending.back());
        ++decision_index;
        pending.clear();
      }
      pending_at = res.events;
      ++res.events;
      for (const auto& d : set->on_event(*e)) pending.push_back(decision_to_json(d).dump());
      std::reverse(pending.begin(), pending.end());  // pop from the back in order
    } else if (j->contains("decision")) {
      if (res.events == 0) return err(line_no, "a decision before any event");
      auto d = decision_from_json((*j)["decision"]);
      if (!d) return err(line_no, d.error());
      const std::string recorded = decision_to_json(*d).dump();
      ++res.decisions;
      if (pending.empty()) differ(res.events - 1, recorded, "");
      else {
        if (pending.back() != recorded) differ(res.events - 1, recorded, pending.back());
        pending.pop_back();
      }
      ++decision_index;
    } else {
      return err(line_no, "neither header, event nor decision");
    }
  }
  if (!set) return err(line_no, "no header: an empty recording");
  if (!pending.empty()) differ(pending_at, "", pending.back());
  res.identical = !res.first_difference.has_value();
  return res;
}

}  // namespace perpx::strategies
