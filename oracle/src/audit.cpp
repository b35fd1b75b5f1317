#include "perpx/oracle/audit.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "perpx/chain/feeds.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/store/sqlite.hpp"

namespace perpx::oracle {

namespace {

using Err = std::unexpected<std::string>;

// SQLite through perpx::store (the journal uses the same).
using store::Db;
using store::Stmt;
using store::Txn;

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
                                  fingerprint TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS samples (
  block INTEGER NOT NULL, log_index INTEGER NOT NULL, feed INTEGER NOT NULL REFERENCES feeds(id),
  time_us INTEGER NOT NULL, price_raw INTEGER NOT NULL, conf_raw INTEGER,
  accepted INTEGER NOT NULL, reasons INTEGER NOT NULL, reference_raw INTEGER,
  PRIMARY KEY (block, log_index));
CREATE TABLE IF NOT EXISTS source_stats (
  feed INTEGER PRIMARY KEY REFERENCES feeds(id), samples INTEGER NOT NULL, accepted INTEGER NOT NULL,
  rejected INTEGER NOT NULL, reasons TEXT NOT NULL, mean_gap_s REAL NOT NULL, p99_gap_s REAL NOT NULL,
  heartbeat_misses INTEGER NOT NULL, stale_s REAL NOT NULL, largest_deviation REAL NOT NULL);
)";

std::optional<std::string> meta_get(Db& db, const std::string& key) {
  auto s = db.prepare("SELECT value FROM meta WHERE key = ?");
  if (!s) return std::nullopt;
  s->bind(1, key);
  if (s->step() == SQLITE_ROW) return s->text(0);
  return std::nullopt;
}

std::expected<void, std::string> meta_set(Db& db, const std::string& key, const std::string& value) {
  auto s = db.prepare("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!s) return Err(s.error());
  s->bind(1, key);
  s->bind(2, value);
  if (s->step() != SQLITE_DONE) return Err("sqlite: " + db.error());
  return {};
}


std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

std::vector<SourceStats> compute_stats(const std::vector<AuditFeed>& feeds, const std::vector<AuditRow>& rows,
                                       const OracleConfig& config) {
  std::vector<SourceStats> out(feeds.size());
  std::vector<std::vector<double>> gaps(feeds.size());
  std::vector<std::optional<int64_t>> last(feeds.size());
  for (size_t i = 0; i < feeds.size(); ++i) {
    out[i].name = feeds[i].name;
    out[i].kind = std::string(kind_name(feeds[i].kind));
  }
  for (const auto& r : rows) {
    SourceStats& s = out[r.feed];
    ++s.samples;
    if (r.accepted) ++s.accepted;
    else ++s.rejected;
    for (size_t k = 0; k < kReasonCount; ++k)
      if (r.reasons.has(static_cast<Reason>(k))) ++s.reasons[k];
    if (auto& l = last[r.feed]) {
      gaps[r.feed].push_back(static_cast<double>(std::max<int64_t>(0, r.sample.time_us - *l)) / 1e6);
    }
    if (!last[r.feed] || r.sample.time_us > *last[r.feed]) last[r.feed] = r.sample.time_us;
    if (!r.sequencer && r.reference && r.reference->raw > 0) {
      // Statistics only: doubles from here on (STYLE.md rule 6).
      const double dev = std::fabs(static_cast<double>(r.sample.price.raw - r.reference->raw)) /
                         static_cast<double>(r.reference->raw);
      s.largest_deviation = std::max(s.largest_deviation, dev);
    }
  }
  for (size_t i = 0; i < feeds.size(); ++i) {
    auto& g = gaps[i];
    if (g.empty()) continue;
    const double heartbeat = static_cast<double>(config.thresholds_for(feeds[i].name).heartbeat_us) / 1e6;
    double sum = 0;
    for (double x : g) {
      sum += x;
      if (x > heartbeat) {
        ++out[i].heartbeat_misses;
        out[i].stale_s += x - heartbeat;
      }
    }
    out[i].mean_gap_s = sum / static_cast<double>(g.size());
    std::sort(g.begin(), g.end());
    const size_t idx = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(g.size()))) - 1;
    out[i].p99_gap_s = g[std::min(idx, g.size() - 1)];
  }
  return out;
}

// Decodes one log of feed f into a row (sample and sequencer flag).
std::expected<AuditRow, std::string> decode_row(const AuditFeed& f, const chain::Log& log, uint64_t block_time) {
  AuditRow row;
  row.block = log.block_number;
  row.log_index = log.log_index;
  row.sample.block_num = log.block_number;
  auto feed_err = [&](const chain::FeedError& e) {
    return Err("block " + std::to_string(log.block_number) + " log " + std::to_string(log.log_index) + " (" + f.name +
               "): " + chain::describe(e));
  };
  auto price_err = [&](PriceErrc e) {
    return Err("block " + std::to_string(log.block_number) + " log " + std::to_string(log.log_index) + " (" + f.name +
               "): price " + std::string(describe(e)));
  };
  switch (f.kind) {
    case SourceKind::kChainlink:
    case SourceKind::kOther:
    case SourceKind::kSequencer: {
      auto s = chain::decode_answer_updated(log, f.kind == SourceKind::kSequencer ? 0 : f.decimals);
      if (!s) return feed_err(s.error());
      auto p = from_fixed(s->price);
      if (!p) return price_err(p.error());
      row.sample.price = *p;
      row.sample.time_us = static_cast<int64_t>(std::min<uint64_t>(s->publish_time, 9'000'000'000'000ull)) * kMicrosPerSecond;
      if (f.kind == SourceKind::kSequencer) {
        if (p->raw != 0 && p->raw != kPriceScale)
          return Err("block " + std::to_string(log.block_number) + " log " + std::to_string(log.log_index) + " (" +
                     f.name + "): sequencer status is neither 0 (up) nor 1 (down)");
        row.sequencer = true;
      }
      break;
    }
    case SourceKind::kPyth: {
      auto s = chain::decode_pyth_update(log, f.expo);
      if (!s) return feed_err(s.error());
      auto p = from_fixed(s->price);
      if (!p) return price_err(p.error());
      row.sample.price = *p;
      if (s->conf) {
        auto c = from_fixed(*s->conf, false, f.expo);
        if (!c) return price_err(c.error());
        row.sample.conf = *c;
      }
      row.sample.time_us = static_cast<int64_t>(std::min<uint64_t>(s->publish_time, 9'000'000'000'000ull)) * kMicrosPerSecond;
      break;
    }
    case SourceKind::kUniV3: {
      if (log.topics.size() != 3 || log.data.size() != 5 * 32)
        return Err("block " + std::to_string(log.block_number) + " log " + std::to_string(log.log_index) + " (" + f.name +
                   "): not a Swap event (topics or data length)");
      auto sqrt = core::from_be(core::ByteView(log.data).subspan(64, 32));
      if (!sqrt || (*sqrt >> 160) != chain::U256{})
        return Err("block " + std::to_string(log.block_number) + " log " + std::to_string(log.log_index) + " (" + f.name +
                   "): sqrtPriceX96 out of range");
      auto price = chain::price_from_sqrt_x96(*sqrt, f.decimals0, f.decimals1, f.invert);
      if (!price) return feed_err(price.error());
      auto p = from_fixed(*price, false, -chain::kUniV3PriceDecimals);
      if (!p) return price_err(p.error());
      row.sample.price = *p;
      row.sample.time_us = static_cast<int64_t>(block_time) * kMicrosPerSecond;
      break;
    }
  }
  return row;
}

}  // namespace

const chain::Hash32& univ3_swap_topic() noexcept {
  static const chain::Hash32 h = [] {
    const std::string_view sig = "Swap(address,address,int256,int256,uint160,uint128,int24)";
    return core::keccak256(core::ByteView(reinterpret_cast<const uint8_t*>(sig.data()), sig.size()));
  }();
  return h;
}

std::string AuditFeed::fingerprint() const {
  std::string s = std::string(kind_name(kind)) + ":" + core::to_checksum(address);
  if (kind == SourceKind::kPyth) s += ":" + core::to_hex(price_id) + ":" + std::to_string(expo);
  if (kind == SourceKind::kChainlink) s += ":" + std::to_string(decimals);
  if (kind == SourceKind::kUniV3)
    s += ":" + std::to_string(decimals0) + ":" + std::to_string(decimals1) + (invert ? ":invert" : "");
  return s;
}

std::expected<AuditFeed, std::string> open_audit_feed(chain::RpcClient& rpc, std::string_view spec_in) {
  const std::string spec(spec_in);
  AuditFeed f;
  std::string_view body = spec;
  if (const size_t eq = body.find('='); eq != std::string_view::npos) {
    f.name = std::string(body.substr(0, eq));
    body = body.substr(eq + 1);
    if (f.name.empty()) return Err("--feed " + spec + ": empty name before '='");
  }
  const auto parts = split(body, ':');
  auto address = [&](const std::string& text) -> std::expected<chain::Address, std::string> {
    auto a = core::parse_address(text);
    if (!a) return Err("--feed " + spec + ": \"" + text + "\" is not an address");
    return *a;
  };
  const std::string usage = "--feed " + spec +
                            ": expected chainlink:<addr>, pyth:<addr>:<priceId>, univ3:<pool>[:invert] or sequencer:<addr>";
  if (parts.empty()) return Err(usage);
  if ((parts[0] == "chainlink" || parts[0] == "sequencer") && parts.size() == 2) {
    auto a = address(parts[1]);
    if (!a) return Err(a.error());
    f.address = *a;
    f.kind = parts[0] == "chainlink" ? SourceKind::kChainlink : SourceKind::kSequencer;
    if (f.kind == SourceKind::kChainlink) {
      auto c = chain::make_chainlink_feed(rpc, *a);
      if (!c) return Err("--feed " + spec + ": " + chain::describe(c.error()));
      f.decimals = c->decimals;
    } else {
      f.decimals = 0;
    }
  } else if (parts[0] == "pyth" && parts.size() == 3) {
    auto a = address(parts[1]);
    if (!a) return Err(a.error());
    auto id = core::parse_hash32(parts[2]);
    if (!id) return Err("--feed " + spec + ": the price id is not 32 bytes of hex");
    f.kind = SourceKind::kPyth;
    f.address = *a;
    f.price_id = *id;
    auto head = chain::resolve_block(rpc, chain::Tag::kLatest);
    if (!head) return Err("--feed " + spec + ": " + chain::describe(head.error()));
    auto s = chain::read_pyth(rpc, chain::PythFeed{*a, *id, std::nullopt}, *head);
    if (!s) return Err("--feed " + spec + ": reading the exponent: " + chain::describe(s.error()));
    f.expo = s->price.exponent;
  } else if (parts[0] == "univ3" && (parts.size() == 2 || (parts.size() == 3 && parts[2] == "invert"))) {
    auto a = address(parts[1]);
    if (!a) return Err(a.error());
    auto u = chain::make_univ3_feed(rpc, *a, parts.size() == 3);
    if (!u) return Err("--feed " + spec + ": " + chain::describe(u.error()));
    f.kind = SourceKind::kUniV3;
    f.address = *a;
    f.decimals0 = u->decimals0;
    f.decimals1 = u->decimals1;
    f.invert = u->invert;
  } else {
    return Err(usage);
  }
  return f;
}

void name_feeds(std::vector<AuditFeed>& feeds) {
  std::map<std::string, int> seen;
  for (auto& f : feeds)
    if (!f.name.empty()) seen[f.name] = 1;
  for (auto& f : feeds) {
    if (!f.name.empty()) continue;
    const std::string base(kind_name(f.kind));
    std::string name = base;
    for (int k = 2; seen.count(name); ++k) name = base + "-" + std::to_string(k);
    seen[name] = 1;
    f.name = name;
  }
}

std::expected<AuditResult, std::string> run_audit(chain::RpcClient& rpc, const AuditOptions& o,
                                                  const std::function<void(const AuditProgress&)>& progress,
                                                  const std::function<void(const AuditRow&)>& on_row) {
  if (o.feeds.empty()) return Err("--feed: at least one feed");
  if (o.step == 0) return Err("step: must be at least 1");
  for (const auto& f : o.feeds)
    if (o.config.strict() && !o.config.find(f.name))
      return Err("--feed " + f.name + ": unknown source (not in the config)");
  auto opened = Db::open(o.db, true);
  if (!opened) return Err(opened.error());
  Db& db = *opened;
  if (auto r = db.exec(kSchema); !r) return Err(o.db.string() + ": " + r.error());

  // The feeds: the same as the stored ones, or a new store.
  std::string fingerprint;
  for (const auto& f : o.feeds) fingerprint += f.name + "=" + f.fingerprint() + ";";
  AuditResult result;
  const auto stored = meta_get(db, "feeds");
  std::optional<chain::BlockNum> next;
  if (stored) {
    if (*stored != fingerprint)
      return Err(o.db.string() + ": made for other feeds (" + *stored + "); use a new --db");
    if (auto nb = meta_get(db, "next_block")) next = std::stoull(*nb);
    result.resumed = true;
  } else {
    Txn t(db);
    if (auto r = t.begin(); !r) return Err(r.error());
    if (auto r = meta_set(db, "feeds", fingerprint); !r) return Err(r.error());
    if (auto r = meta_set(db, "from_block", std::to_string(o.from_block)); !r) return Err(r.error());
    if (auto r = meta_set(db, "next_block", std::to_string(o.from_block)); !r) return Err(r.error());
    auto ins = db.prepare("INSERT INTO feeds(id, name, kind, fingerprint) VALUES(?, ?, ?, ?)");
    if (!ins) return Err(ins.error());
    for (size_t i = 0; i < o.feeds.size(); ++i) {
      ins->bind(1, static_cast<int64_t>(i));
      ins->bind(2, o.feeds[i].name);
      ins->bind(3, std::string(kind_name(o.feeds[i].kind)));
      ins->bind(4, o.feeds[i].fingerprint());
      if (ins->step() != SQLITE_DONE) return Err("sqlite: " + db.error());
      ins->reset();
    }
    if (auto r = t.commit(); !r) return Err(r.error());
    next = o.from_block;
  }

  // The pipeline, its state rebuilt from what is stored.
  Pipeline pipe(o.config.market_params);
  std::vector<SourceId> ids(o.feeds.size());
  for (size_t i = 0; i < o.feeds.size(); ++i)
    if (o.feeds[i].kind != SourceKind::kSequencer) ids[i] = pipe.add_source(o.feeds[i].name, o.config.thresholds_for(o.feeds[i].name));
  std::vector<AuditRow> rows;
  {
    auto sel = db.prepare("SELECT block, log_index, feed, time_us, price_raw, conf_raw, accepted, reasons, reference_raw "
                              "FROM samples ORDER BY block, log_index");
    if (!sel) return Err(sel.error());
    while (sel->step() == SQLITE_ROW) {
      AuditRow r;
      r.block = static_cast<uint64_t>(sel->i64(0));
      r.log_index = static_cast<uint64_t>(sel->i64(1));
      r.feed = static_cast<size_t>(sel->i64(2));
      if (r.feed >= o.feeds.size()) return Err(o.db.string() + ": a sample of an unknown feed");
      r.sample.time_us = sel->i64(3);
      r.sample.price = Price{sel->i64(4)};
      if (!sel->is_null(5)) r.sample.conf = Price{sel->i64(5)};
      r.sample.block_num = r.block;
      r.sequencer = o.feeds[r.feed].kind == SourceKind::kSequencer;
      r.accepted = sel->i64(6) != 0;
      r.reasons = ReasonSet::from_bits(static_cast<uint16_t>(sel->i64(7)));
      if (!sel->is_null(8)) r.reference = Price{sel->i64(8)};
      if (r.sequencer) pipe.on_sequencer(r.sample.price.raw == 0, r.sample.time_us);
      else {
        r.sample.source = ids[r.feed];
        (void)pipe.process(r.sample);
      }
      rows.push_back(r);
    }
  }

  chain::BlockNum to = 0;
  if (o.to_block) to = *o.to_block;
  else {
    auto bn = rpc.block_number();
    if (!bn) return Err(chain::to_string(bn.error()));
    to = *bn;
  }
  result.scanned_from = *next;
  result.scanned_to = to;
  chain::LogFilter filter;
  for (const auto& f : o.feeds) filter.addresses.push_back(f.address);
  filter.topics = {{chain::answer_updated_topic(), chain::price_feed_update_topic(), univ3_swap_topic()}};
  auto ins = db.prepare("INSERT INTO samples(block, log_index, feed, time_us, price_raw, conf_raw, accepted, reasons, "
                            "reference_raw) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!ins) return Err(ins.error());
  std::map<chain::BlockNum, uint64_t> block_times;
  AuditProgress pr{*next, to, *next == 0 ? 0 : *next - 1, 0};
  for (chain::BlockNum from = *next; from <= to;) {
    const chain::BlockNum end = std::min<chain::BlockNum>(to, from + o.step - 1);
    auto logs = rpc.get_logs(filter, from, end);
    if (!logs) return Err(chain::to_string(logs.error()));
    std::sort(logs->begin(), logs->end(), [](const chain::Log& a, const chain::Log& b) {
      return a.block_number != b.block_number ? a.block_number < b.block_number : a.log_index < b.log_index;
    });
    Txn t(db);
    if (auto r = t.begin(); !r) return Err(r.error());
    std::vector<AuditRow> chunk;
    for (const auto& log : *logs) {
      if (log.removed || log.topics.empty()) continue;
      for (size_t i = 0; i < o.feeds.size(); ++i) {
        const AuditFeed& f = o.feeds[i];
        if (!(log.address == f.address)) continue;
        const chain::Hash32& t0 = log.topics[0];
        const bool wanted = f.kind == SourceKind::kPyth ? t0 == chain::price_feed_update_topic() &&
                                                              log.topics.size() >= 2 && log.topics[1] == f.price_id
                            : f.kind == SourceKind::kUniV3 ? t0 == univ3_swap_topic()
                                                           : t0 == chain::answer_updated_topic();
        if (!wanted) continue;
        uint64_t block_time = 0;
        if (f.kind == SourceKind::kUniV3) {
          auto it = block_times.find(log.block_number);
          if (it == block_times.end()) {
            auto h = rpc.block_header(log.block_number);
            if (!h) return Err(chain::to_string(h.error()));
            if (!*h) return Err("block " + std::to_string(log.block_number) + ": not found");
            it = block_times.emplace(log.block_number, (*h)->timestamp).first;
          }
          block_time = it->second;
        }
        auto row = decode_row(f, log, block_time);
        if (!row) return Err(row.error());  // the transaction rolls back: nothing of this range is kept
        row->feed = i;
        if (row->sequencer) {
          pipe.on_sequencer(row->sample.price.raw == 0, row->sample.time_us);
          row->accepted = true;
          row->reference = pipe.reference();
        } else {
          row->sample.source = ids[i];
          const Decision d = pipe.process(row->sample);
          row->accepted = d.accepted;
          row->reasons = d.reasons;
          row->reference = d.reference;
        }
        ins->bind(1, static_cast<int64_t>(row->block));
        ins->bind(2, static_cast<int64_t>(row->log_index));
        ins->bind(3, static_cast<int64_t>(i));
        ins->bind(4, row->sample.time_us);
        ins->bind(5, row->sample.price.raw);
        if (row->sample.conf) ins->bind(6, row->sample.conf->raw);
        else ins->bind_null(6);
        ins->bind(7, int64_t{row->accepted ? 1 : 0});
        ins->bind(8, int64_t{row->reasons.bits()});
        if (row->reference) ins->bind(9, row->reference->raw);
        else ins->bind_null(9);
        if (ins->step() != SQLITE_DONE) return Err("sqlite: " + db.error());
        ins->reset();
        chunk.push_back(*row);
      }
    }
    if (auto r = meta_set(db, "next_block", std::to_string(end + 1)); !r) return Err(r.error());
    if (auto r = t.commit(); !r) return Err(r.error());
    for (const auto& r : chunk) {
      if (on_row) on_row(r);
      rows.push_back(r);
    }
    result.new_samples += chunk.size();
    pr.done = end;
    pr.samples = result.new_samples;
    if (progress) progress(pr);
    from = end + 1;
  }

  // Statistics over everything stored, replaced in one transaction.
  result.stats = compute_stats(o.feeds, rows, o.config);
  result.total_samples = rows.size();
  for (const auto& r : rows) {
    r.accepted ? ++result.accepted : ++result.rejected;
    for (size_t k = 0; k < kReasonCount; ++k)
      if (r.reasons.has(static_cast<Reason>(k))) ++result.reasons[k];
  }
  Txn t(db);
  if (auto r = t.begin(); !r) return Err(r.error());
  if (auto r = db.exec("DELETE FROM source_stats"); !r) return Err(r.error());
  auto st = db.prepare("INSERT INTO source_stats(feed, samples, accepted, rejected, reasons, mean_gap_s, p99_gap_s, "
                           "heartbeat_misses, stale_s, largest_deviation) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return Err(st.error());
  for (size_t i = 0; i < result.stats.size(); ++i) {
    const auto& s = result.stats[i];
    std::string reasons = "{";
    for (size_t k = 0; k < kReasonCount; ++k)
      reasons += (k ? "," : "") + std::string("\"") + std::string(reason_name(static_cast<Reason>(k))) + "\":" +
                 std::to_string(s.reasons[k]);
    reasons += "}";
    st->bind(1, static_cast<int64_t>(i));
    st->bind(2, static_cast<int64_t>(s.samples));
    st->bind(3, static_cast<int64_t>(s.accepted));
    st->bind(4, static_cast<int64_t>(s.rejected));
    st->bind(5, reasons);
    st->bind(6, s.mean_gap_s);
    st->bind(7, s.p99_gap_s);
    st->bind(8, static_cast<int64_t>(s.heartbeat_misses));
    st->bind(9, s.stale_s);
    st->bind(10, s.largest_deviation);
    if (st->step() != SQLITE_DONE) return Err("sqlite: " + db.error());
    st->reset();
  }
  if (auto r = t.commit(); !r) return Err(r.error());
  return result;
}

std::expected<AuditData, std::string> load_audit(const std::filesystem::path& path) {
  auto opened = Db::open(path, false);
  if (!opened) return Err(opened.error());
  Db& db = *opened;
  AuditData d;
  std::vector<AuditFeed> feeds;
  {
    auto s = db.prepare("SELECT id, name, kind FROM feeds ORDER BY id");
    if (!s) return Err(path.string() + ": not an audit database (" + s.error() + ")");
    while (s->step() == SQLITE_ROW) {
      d.names.push_back(s->text(1));
      d.kinds.push_back(s->text(2));
      AuditFeed f;
      f.name = d.names.back();
      for (auto k : {SourceKind::kOther, SourceKind::kChainlink, SourceKind::kPyth, SourceKind::kUniV3, SourceKind::kSequencer})
        if (kind_name(k) == d.kinds.back()) f.kind = k;
      feeds.push_back(f);
    }
  }
  auto s = db.prepare("SELECT block, log_index, feed, time_us, price_raw, conf_raw, accepted, reasons, reference_raw "
                          "FROM samples ORDER BY block, log_index");
  if (!s) return Err(s.error());
  while (s->step() == SQLITE_ROW) {
    AuditRow r;
    r.block = static_cast<uint64_t>(s->i64(0));
    r.log_index = static_cast<uint64_t>(s->i64(1));
    r.feed = static_cast<size_t>(s->i64(2));
    if (r.feed >= feeds.size()) return Err(path.string() + ": a sample of an unknown feed");
    r.sample.time_us = s->i64(3);
    r.sample.price = Price{s->i64(4)};
    if (!s->is_null(5)) r.sample.conf = Price{s->i64(5)};
    r.sequencer = feeds[r.feed].kind == SourceKind::kSequencer;
    r.accepted = s->i64(6) != 0;
    r.reasons = ReasonSet::from_bits(static_cast<uint16_t>(s->i64(7)));
    if (!s->is_null(8)) r.reference = Price{s->i64(8)};
    d.rows.push_back(r);
  }
  // Stats as stored, else recomputed at default thresholds.
  d.stats = compute_stats(feeds, d.rows, OracleConfig{});
  auto st = db.prepare("SELECT feed, mean_gap_s, p99_gap_s, heartbeat_misses, stale_s, largest_deviation FROM source_stats");
  if (st) {
    while (st->step() == SQLITE_ROW) {
      const auto i = static_cast<size_t>(st->i64(0));
      if (i >= d.stats.size()) continue;
      d.stats[i].mean_gap_s = st->f64(1);
      d.stats[i].p99_gap_s = st->f64(2);
      d.stats[i].heartbeat_misses = static_cast<uint64_t>(st->i64(3));
      d.stats[i].stale_s = st->f64(4);
      d.stats[i].largest_deviation = st->f64(5);
    }
  }
  if (auto nb = meta_get(db, "next_block")) d.next_block = std::stoull(*nb);
  return d;
}

// ---- the report --------------------------------------------------------------------

namespace {

std::string esc(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string fmt(double v, int prec = 2) {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(prec);
  o << v;
  return o.str();
}

constexpr const char* kSourceColours[] = {"#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#7f7f7f", "#bcbd22", "#e377c2"};
constexpr const char* kReasonColours[kReasonCount] = {"#ff7f0e", "#d62728", "#000000", "#a6761d", "#e7298a", "#ff0000",
                                                      "#fb9a99", "#6a3d9a", "#1b9e77", "#b15928", "#666666"};

}  // namespace

std::string render_report(const AuditData& d, std::string_view title) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << esc(title) << "</title>\n"
    << "<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin-top:16px}"
       "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child,th:first-child"
       "{text-align:left}.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:10px;"
       "height:10px;margin-right:4px}</style></head>\n<body>\n<h1>" << esc(title) << "</h1>\n";
  uint64_t rejected = 0;
  for (const auto& r : d.rows) rejected += !r.accepted;
  h << "<p id=\"totals\">" << d.rows.size() << " samples, " << rejected << " rejected, blocks up to "
    << (d.next_block ? d.next_block - 1 : 0) << ". Rejected samples are marked on the chart, coloured by their first reason."
    << " <span id=\"anomaly-count\"></span></p>\n";
  // Chart: time on x, log price on y (a pump of several times stays readable).
  const double W = 1000, H = 420, L = 80, R = 20, T = 20, B = 40;
  int64_t t0 = INT64_MAX, t1 = INT64_MIN;
  double lo = 1e300, hi = -1e300;
  for (const auto& r : d.rows) {
    if (r.sequencer) continue;
    t0 = std::min(t0, r.sample.time_us);
    t1 = std::max(t1, r.sample.time_us);
    if (r.sample.price.raw > 0) {
      const double v = std::log(static_cast<double>(r.sample.price.raw) / 1e9);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (t0 > t1) t0 = t1 = 0;
  if (lo > hi) lo = hi = 0;
  if (hi - lo < 1e-6) {
    lo -= 0.01;
    hi += 0.01;
  }
  const double span_t = static_cast<double>(std::max<int64_t>(t1 - t0, 1));
  auto X = [&](int64_t t) { return L + (W - L - R) * static_cast<double>(t - t0) / span_t; };
  auto Y = [&](Price p) {
    if (p.raw <= 0) return H - B;
    const double v = std::log(static_cast<double>(p.raw) / 1e9);
    return T + (H - T - B) * (1 - (v - lo) / (hi - lo));
  };
  h << "<svg id=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" viewBox=\"0 0 "
    << W << " " << H << "\" role=\"img\" aria-label=\"price of every source over time\">\n"
    << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << W - L - R << "\" height=\"" << H - T - B
    << "\" fill=\"#fafafa\" stroke=\"#999\"/>\n";
  for (int k = 0; k <= 4; ++k) {  // y ticks
    const double v = lo + (hi - lo) * k / 4;
    const double y = T + (H - T - B) * (1 - static_cast<double>(k) / 4);
    h << "<text x=\"" << L - 6 << "\" y=\"" << fmt(y + 4, 1) << "\" font-size=\"11\" text-anchor=\"end\">"
      << fmt(std::exp(v), std::exp(v) < 10 ? 4 : 2) << "</text>\n";
  }
  h << "<text x=\"" << L << "\" y=\"" << H - 12 << "\" font-size=\"11\">t0 = " << t0 / kMicrosPerSecond << "</text>\n"
    << "<text x=\"" << W - R << "\" y=\"" << H - 12 << "\" font-size=\"11\" text-anchor=\"end\">+"
    << fmt(span_t / 1e6, 0) << " s</text>\n";
  for (size_t f = 0; f < d.names.size(); ++f) {
    if (d.kinds[f] == "sequencer") continue;
    h << "<polyline class=\"series\" data-source=\"" << esc(d.names[f]) << "\" fill=\"none\" stroke-width=\"1.5\" stroke=\""
      << kSourceColours[f % std::size(kSourceColours)] << "\" points=\"";
    for (const auto& r : d.rows)
      if (r.feed == f && r.accepted) h << fmt(X(r.sample.time_us), 1) << "," << fmt(Y(r.sample.price), 1) << " ";
    h << "\"/>\n";
  }
  for (const auto& r : d.rows) {
    if (r.sequencer) {
      h << "<line class=\"sequencer\" x1=\"" << fmt(X(r.sample.time_us), 1) << "\" x2=\"" << fmt(X(r.sample.time_us), 1)
        << "\" y1=\"" << T << "\" y2=\"" << H - B << "\" stroke=\"" << (r.sample.price.raw ? "#d62728" : "#2ca02c")
        << "\" stroke-dasharray=\"4 3\"><title>sequencer " << (r.sample.price.raw ? "down" : "up") << "</title></line>\n";
      continue;
    }
    if (r.accepted) continue;
    size_t first = 0;
    while (first < kReasonCount && !r.reasons.has(static_cast<Reason>(first))) ++first;
    if (first == kReasonCount) first = 0;
    std::string reasons;
    for (size_t k = 0; k < kReasonCount; ++k)
      if (r.reasons.has(static_cast<Reason>(k))) reasons += (reasons.empty() ? "" : ",") + std::string(reason_name(static_cast<Reason>(k)));
    h << "<circle class=\"anomaly\" data-reason=\"" << reason_name(static_cast<Reason>(first)) << "\" cx=\""
      << fmt(X(r.sample.time_us), 1) << "\" cy=\"" << fmt(Y(r.sample.price), 1) << "\" r=\"4\" fill=\""
      << kReasonColours[first] << "\"><title>" << esc(d.names[r.feed]) << " " << to_string(r.sample.price) << " block "
      << r.block << ": " << reasons << "</title></circle>\n";
  }
  h << "</svg>\n<div class=\"legend\">";
  for (size_t f = 0; f < d.names.size(); ++f)
    if (d.kinds[f] != "sequencer")
      h << "<span><i class=\"sw\" style=\"background:" << kSourceColours[f % std::size(kSourceColours)] << "\"></i>"
        << esc(d.names[f]) << "</span>";
  h << "<br>";
  for (size_t k = 0; k < kReasonCount; ++k)
    h << "<span><i class=\"sw\" style=\"background:" << kReasonColours[k] << ";border-radius:5px\"></i>"
      << reason_name(static_cast<Reason>(k)) << "</span>";
  h << "</div>\n<table id=\"sources\">\n<thead><tr><th>source</th><th>kind</th><th>samples</th><th>accepted</th>"
       "<th>rejected</th><th>rejected by reason</th><th>mean gap (s)</th><th>p99 gap (s)</th><th>heartbeat misses</th>"
       "<th>stale time (s)</th><th>largest deviation</th></tr></thead>\n<tbody>\n";
  for (const auto& s : d.stats) {
    std::string by;
    for (size_t k = 0; k < kReasonCount; ++k)
      if (s.reasons[k])
        by += (by.empty() ? "" : ", ") + std::string(reason_name(static_cast<Reason>(k))) + " " +
              fmt(100.0 * static_cast<double>(s.reasons[k]) / static_cast<double>(std::max<uint64_t>(s.samples, 1)), 1) + "%";
    h << "<tr data-source=\"" << esc(s.name) << "\"><td>" << esc(s.name) << "</td><td>" << esc(s.kind) << "</td><td>"
      << s.samples << "</td><td>" << s.accepted << "</td><td>" << s.rejected << "</td><td>" << (by.empty() ? "-" : by)
      << "</td><td>" << fmt(s.mean_gap_s) << "</td><td>" << fmt(s.p99_gap_s) << "</td><td>" << s.heartbeat_misses
      << "</td><td>" << fmt(s.stale_s, 0) << "</td><td>" << fmt(100 * s.largest_deviation) << "%</td></tr>\n";
  }
  h << "</tbody></table>\n<script>\n"
       "(function(){var n=document.querySelectorAll('#chart circle.anomaly').length;"
       "document.getElementById('anomaly-count').textContent=n+' anomalies marked.';"
       "document.body.setAttribute('data-rendered','1');})();\n</script>\n</body></html>\n";
  return h.str();
}

std::expected<void, std::string> write_report(const AuditData& d, const std::filesystem::path& html, std::string_view title) {
  const std::string text = render_report(d, title);
  const auto tmp = html.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Err(html.string() + ": cannot write");
    out << text;
    if (!out.flush()) return Err(html.string() + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, html, ec);
  if (ec) return Err(html.string() + ": " + ec.message());
  return {};
}

}  // namespace perpx::oracle
