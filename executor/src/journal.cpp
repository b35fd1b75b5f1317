#include "perpx/executor/journal.hpp"

#include <sqlite3.h>

#include "perpx/core/hex.hpp"
#include "perpx/core/json.hpp"
#include "perpx/executor/metrics.hpp"

namespace perpx::executor {

namespace {

// 3: fences and day_equity (v2 files gain both tables on open; nothing else changes).
// Indexes are added the same way without a new version (an older perpx
// reads a file with them unchanged): orders by venue and state and
// order_events by order, for attribution's read of the filled orders.
constexpr int kSchemaVersion = 3;
constexpr int kOldestReadable = 2;

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS orders (
  id INTEGER PRIMARY KEY, client_order_id TEXT NOT NULL UNIQUE, venue TEXT NOT NULL, market TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')), size TEXT NOT NULL, limit_price TEXT NOT NULL,
  urgency TEXT NOT NULL, path TEXT NOT NULL, reduce_only INTEGER NOT NULL, strategy TEXT NOT NULL,
  state TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS order_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL REFERENCES orders(id),
  time_ms INTEGER NOT NULL, state TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS txns (
  hash TEXT PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), step TEXT NOT NULL, route TEXT NOT NULL,
  route_until INTEGER NOT NULL, chain_id INTEGER NOT NULL,
  sender TEXT NOT NULL, nonce INTEGER NOT NULL, raw BLOB NOT NULL, max_fee TEXT NOT NULL, tip TEXT NOT NULL,
  state TEXT NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS orders_by_venue_state ON orders(venue, state);
CREATE INDEX IF NOT EXISTS order_events_by_order ON order_events(order_id, seq);
CREATE INDEX IF NOT EXISTS txns_by_order ON txns(order_id);
CREATE INDEX IF NOT EXISTS txns_by_nonce ON txns(chain_id, sender, nonce);
CREATE INDEX IF NOT EXISTS txns_by_state ON txns(state);
CREATE TABLE IF NOT EXISTS order_facts (
  order_id INTEGER NOT NULL REFERENCES orders(id), key TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (order_id, key));
CREATE TABLE IF NOT EXISTS trading_state (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL, from_state TEXT NOT NULL,
  to_state TEXT NOT NULL, cause TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fences (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL, strategy TEXT NOT NULL,
  from_mode TEXT NOT NULL, to_mode TEXT NOT NULL, reason TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fences_by_strategy ON fences(strategy, seq);
CREATE TABLE IF NOT EXISTS day_equity (
  venue TEXT NOT NULL, day INTEGER NOT NULL, equity TEXT NOT NULL, time_ms INTEGER NOT NULL,
  PRIMARY KEY (venue, day));
)";

constexpr const char* kOrderColumns =
    "id, client_order_id, venue, market, side, size, limit_price, urgency, path, reduce_only, strategy, state, "
    "created_ms, updated_ms";

int64_t i64(uint64_t v) { return static_cast<int64_t>(v); }

OrderRecord read_order(const store::Stmt& s) {
  OrderRecord o;
  o.id = s.i64(0);
  o.client_order_id = s.text(1);
  o.venue = s.text(2);
  o.market = s.text(3);
  o.side = s.text(4);
  o.size = s.text(5);
  o.limit_price = s.text(6);
  o.urgency = s.text(7);
  o.path = s.text(8);
  o.reduce_only = s.i64(9) != 0;
  o.strategy = s.text(10);
  o.state = s.text(11);
  o.created_ms = static_cast<uint64_t>(s.i64(12));
  o.updated_ms = static_cast<uint64_t>(s.i64(13));
  return o;
}

// Order states after which nothing more happens to an order.
constexpr const char* kFinalStates = "('filled', 'finalized', 'cancelled', 'rejected', 'failed')";

// States in which an order's fill is in (attribution counts it).
constexpr const char* kFilledStates = "('included', 'finalized', 'filled')";
bool filled_state(std::string_view s) { return s == "included" || s == "finalized" || s == "filled"; }

// The signed size an order in `state` filled: whole, or a book fill's filled_size.
std::optional<core::I256> filled_size(const OrderRecord& o, std::string_view state, std::string_view detail_json) {
  auto size = core::parse_wad(o.size);
  if (!size) return std::nullopt;
  core::U256 filled = *size;
  if (state == "filled" && !detail_json.empty()) {
    auto d = core::parse_json(detail_json);
    if (d && d->is_object() && d->contains("filled_size") && (*d)["filled_size"].is_string()) {
      auto f = core::parse_wad((*d)["filled_size"].get<std::string>());
      if (!f) return std::nullopt;
      filled = *f;
    }
  }
  const core::I256 v = core::I256::from_u256(filled);
  return o.side == "sell" ? -v : v;
}

}  // namespace

std::string_view describe(JournalErrc e) noexcept {
  switch (e) {
    case JournalErrc::kOpen: return "cannot open the journal";
    case JournalErrc::kDuplicate: return "already journalled";
    case JournalErrc::kUnknown: return "not in the journal";
    case JournalErrc::kIo: return "journal write or read failed";
  }
  return "?";
}

JournalError Journal::io(std::string_view what) const {
  return {JournalErrc::kIo, db_.path().string() + ": " + std::string(what) + ": " + db_.error()};
}

JournalResult<Journal> Journal::open(const std::filesystem::path& path) {
  auto db = store::Db::open(path, true, store::Durability::kFull);
  if (!db) return std::unexpected(JournalError{JournalErrc::kOpen, db.error()});
  int64_t v = 0;
  {
    auto version = db->prepare("PRAGMA user_version");
    if (!version || version->step() != SQLITE_ROW)
      return std::unexpected(JournalError{JournalErrc::kOpen, path.string() + ": not a database: " + db->error()});
    v = version->i64(0);
  }
  if (v != 0 && (v < kOldestReadable || v > kSchemaVersion))
    return std::unexpected(JournalError{JournalErrc::kOpen, path.string() + ": journal schema version " +
                                                                std::to_string(v) + ", this perpx reads " +
                                                                std::to_string(kOldestReadable) + " to " +
                                                                std::to_string(kSchemaVersion)});
  store::Txn t(*db);
  if (auto r = t.begin(); !r) return std::unexpected(JournalError{JournalErrc::kOpen, path.string() + ": " + r.error()});
  if (auto r = db->exec(kSchema); !r)
    return std::unexpected(JournalError{JournalErrc::kOpen, path.string() + ": " + r.error()});
  if (auto r = db->exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str()); !r)
    return std::unexpected(JournalError{JournalErrc::kOpen, path.string() + ": " + r.error()});
  if (auto r = t.commit(); !r) return std::unexpected(JournalError{JournalErrc::kOpen, path.string() + ": " + r.error()});
  return Journal(std::move(*db));
}

JournalResult<int64_t> Journal::add_order(OrderRecord o) {
  store::Txn t(db_);
  if (!t.begin()) return std::unexpected(io("begin"));
  {
    auto dup = db_.prepare("SELECT id FROM orders WHERE client_order_id = ?");
    if (!dup) return std::unexpected(io("add order"));
    dup->bind(1, std::string_view(o.client_order_id));
    if (dup->step() == SQLITE_ROW)
      return std::unexpected(JournalError{JournalErrc::kDuplicate, "order " + o.client_order_id + " is journalled already"});
  }
  auto s = db_.prepare(
      "INSERT INTO orders(client_order_id, venue, market, side, size, limit_price, urgency, path, reduce_only, "
      "strategy, state, created_ms, updated_ms) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!s) return std::unexpected(io("add order"));
  int i = 1;
  for (const std::string* f : {&o.client_order_id, &o.venue, &o.market, &o.side, &o.size, &o.limit_price, &o.urgency,
                               &o.path})
    s->bind(i++, std::string_view(*f));
  s->bind(i++, int64_t{o.reduce_only ? 1 : 0});
  s->bind(i++, std::string_view(o.strategy));
  s->bind(i++, std::string_view(o.state));
  s->bind(i++, i64(o.created_ms));
  s->bind(i++, i64(o.created_ms));
  if (!s->run()) return std::unexpected(io("add order " + o.client_order_id));
  const int64_t id = db_.last_insert_rowid();
  auto e = db_.prepare("INSERT INTO order_events(order_id, time_ms, state, detail) VALUES(?,?,?,'{}')");
  if (!e) return std::unexpected(io("add order"));
  e->bind(1, id);
  e->bind(2, i64(o.created_ms));
  e->bind(3, std::string_view(o.state));
  if (!e->run()) return std::unexpected(io("add order event"));
  if (!t.commit()) return std::unexpected(io("commit"));
  if (filled_state(o.state)) attribution_.erase(o.venue);  // journalled as filled already: recompute
  return id;
}

JournalResult<void> Journal::set_order_state(int64_t order_id, std::string_view state, std::string_view detail_json,
                                             uint64_t time_ms) {
  store::Txn t(db_);
  if (!t.begin()) return std::unexpected(io("begin"));
  // What the order was: attribution moves when it enters or leaves a filled state.
  std::optional<OrderRecord> before;
  if (!attribution_.empty()) {
    auto b = db_.prepare((std::string("SELECT ") + kOrderColumns + " FROM orders WHERE id = ?").c_str());
    if (!b) return std::unexpected(io("order state"));
    b->bind(1, order_id);
    if (b->step() == SQLITE_ROW) before = read_order(*b);
  }
  auto s = db_.prepare("UPDATE orders SET state = ?, updated_ms = ? WHERE id = ?");
  if (!s) return std::unexpected(io("order state"));
  s->bind(1, state);
  s->bind(2, i64(time_ms));
  s->bind(3, order_id);
  if (!s->run()) return std::unexpected(io("order state"));
  if (db_.changes() == 0)
    return std::unexpected(JournalError{JournalErrc::kUnknown, "order " + std::to_string(order_id) + " is not journalled"});
  auto e = db_.prepare("INSERT INTO order_events(order_id, time_ms, state, detail) VALUES(?,?,?,?)");
  if (!e) return std::unexpected(io("order event"));
  e->bind(1, order_id);
  e->bind(2, i64(time_ms));
  e->bind(3, state);
  e->bind(4, detail_json.empty() ? std::string_view("{}") : detail_json);
  if (!e->run()) return std::unexpected(io("order event"));
  if (!t.commit()) return std::unexpected(io("commit"));
  if (before) attribute(*before, state, detail_json);
  return {};
}

JournalResult<OrderRecord> Journal::order(int64_t order_id) {
  auto s = db_.prepare((std::string("SELECT ") + kOrderColumns + " FROM orders WHERE id = ?").c_str());
  if (!s) return std::unexpected(io("read order"));
  s->bind(1, order_id);
  if (s->step() != SQLITE_ROW)
    return std::unexpected(JournalError{JournalErrc::kUnknown, "order " + std::to_string(order_id) + " is not journalled"});
  return read_order(*s);
}

JournalResult<std::optional<OrderRecord>> Journal::order_by_client_id(std::string_view client_order_id) {
  auto s = db_.prepare((std::string("SELECT ") + kOrderColumns + " FROM orders WHERE client_order_id = ?").c_str());
  if (!s) return std::unexpected(io("read order"));
  s->bind(1, client_order_id);
  if (s->step() != SQLITE_ROW) return std::optional<OrderRecord>{};
  return std::optional<OrderRecord>{read_order(*s)};
}

JournalResult<std::vector<OrderRecord>> Journal::orders(bool open_only) {
  const std::string sql = std::string("SELECT ") + kOrderColumns + " FROM orders" +
                          (open_only ? std::string(" WHERE state NOT IN ") + kFinalStates : std::string()) +
                          " ORDER BY id";
  auto s = db_.prepare(sql.c_str());
  if (!s) return std::unexpected(io("read orders"));
  std::vector<OrderRecord> out;
  while (s->step() == SQLITE_ROW) out.push_back(read_order(*s));
  return out;
}

JournalResult<std::vector<OrderEvent>> Journal::events(int64_t order_id) {
  auto s = db_.prepare("SELECT order_id, time_ms, state, detail FROM order_events WHERE order_id = ? ORDER BY seq");
  if (!s) return std::unexpected(io("read events"));
  s->bind(1, order_id);
  std::vector<OrderEvent> out;
  while (s->step() == SQLITE_ROW)
    out.push_back({s->i64(0), static_cast<uint64_t>(s->i64(1)), s->text(2), s->text(3)});
  return out;
}

JournalResult<void> Journal::add_txn(const TxnRecord& x) {
  store::Txn t(db_);
  if (!t.begin()) return std::unexpected(io("begin"));
  const std::string hash = core::to_hex(x.hash);
  {
    auto dup = db_.prepare("SELECT 1 FROM txns WHERE hash = ?");
    if (!dup) return std::unexpected(io("add txn"));
    dup->bind(1, std::string_view(hash));
    if (dup->step() == SQLITE_ROW)
      return std::unexpected(JournalError{JournalErrc::kDuplicate, "txn " + hash + " is journalled already"});
  }
  auto s = db_.prepare(
      "INSERT INTO txns(hash, order_id, chain_id, sender, nonce, raw, max_fee, tip, state, created_ms, updated_ms, "
      "step, route, route_until) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  if (!s) return std::unexpected(io("add txn"));
  s->bind(1, std::string_view(hash));
  s->bind(2, x.order_id);
  s->bind(3, i64(x.chain_id));
  s->bind(4, std::string_view(core::to_hex(x.sender.view())));
  s->bind(5, i64(x.nonce));
  s->bind(6, core::ByteView(x.raw));
  s->bind(7, std::string_view(x.max_fee));
  s->bind(8, std::string_view(x.tip));
  s->bind(9, std::string_view(x.state));
  s->bind(10, i64(x.created_ms));
  s->bind(11, i64(x.created_ms));
  s->bind(12, std::string_view(x.step));
  s->bind(13, std::string_view(x.route));
  s->bind(14, i64(x.route_until));
  if (!s->run()) {
    // A foreign-key failure is an order we do not have.
    if (db_.error().find("FOREIGN KEY") != std::string::npos)
      return std::unexpected(JournalError{JournalErrc::kUnknown, "txn for order " + std::to_string(x.order_id) +
                                                                      ", which is not journalled"});
    return std::unexpected(io("add txn " + hash));
  }
  if (!t.commit()) return std::unexpected(io("commit"));
  return {};
}

JournalResult<void> Journal::set_txn_state(const chain::Hash32& hash, std::string_view state, uint64_t time_ms) {
  auto s = db_.prepare("UPDATE txns SET state = ?, updated_ms = ? WHERE hash = ?");
  if (!s) return std::unexpected(io("txn state"));
  s->bind(1, state);
  s->bind(2, i64(time_ms));
  const std::string h = core::to_hex(hash);
  s->bind(3, std::string_view(h));
  if (!s->run()) return std::unexpected(io("txn state"));
  if (db_.changes() == 0) return std::unexpected(JournalError{JournalErrc::kUnknown, "txn " + h + " is not journalled"});
  return {};
}

JournalResult<std::vector<TxnRecord>> Journal::read_txns(const char* where, int64_t arg) {
  auto s = db_.prepare((std::string("SELECT hash, order_id, chain_id, sender, nonce, raw, max_fee, tip, state, "
                                    "created_ms, step, route, route_until FROM txns WHERE ") + where + " ORDER BY created_ms, rowid").c_str());
  if (!s) return std::unexpected(io("read txns"));
  if (arg >= 0) s->bind(1, arg);
  std::vector<TxnRecord> out;
  while (s->step() == SQLITE_ROW) {
    TxnRecord x;
    auto h = core::parse_hash32(s->text(0));
    core::Bytes sender_bytes;
    if (auto b = core::parse_hex(s->text(3)); b && b->size() == 20) sender_bytes = std::move(*b);
    if (!h || sender_bytes.empty()) return std::unexpected(JournalError{JournalErrc::kIo, path().string() + ": corrupt txn row"});
    x.hash = *h;
    std::copy(sender_bytes.begin(), sender_bytes.end(), x.sender.bytes.begin());
    x.order_id = s->i64(1);
    x.chain_id = static_cast<uint64_t>(s->i64(2));
    x.nonce = static_cast<uint64_t>(s->i64(4));
    x.raw = s->blob(5);
    x.max_fee = s->text(6);
    x.tip = s->text(7);
    x.state = s->text(8);
    x.created_ms = static_cast<uint64_t>(s->i64(9));
    x.step = s->text(10);
    x.route = s->text(11);
    x.route_until = static_cast<uint64_t>(s->i64(12));
    out.push_back(std::move(x));
  }
  return out;
}

JournalResult<std::vector<TxnRecord>> Journal::txns(int64_t order_id) { return read_txns("order_id = ?", order_id); }

JournalResult<std::vector<TxnRecord>> Journal::unfinished_txns() {
  return read_txns("state IN ('signed', 'sent', 'outcome_unknown') OR (state = 'included' AND order_id IN "
                   "(SELECT id FROM orders WHERE state NOT IN ('finalized', 'filled', 'rejected', 'failed', 'cancelled')))",
                   -1);
}

JournalResult<void> Journal::set_fact(int64_t order_id, std::string_view key, std::string_view value) {
  auto s = db_.prepare("INSERT INTO order_facts(order_id, key, value) VALUES(?,?,?) "
                       "ON CONFLICT(order_id, key) DO UPDATE SET value = excluded.value");
  if (!s) return std::unexpected(io("order fact"));
  s->bind(1, order_id);
  s->bind(2, key);
  s->bind(3, value);
  if (!s->run()) {
    if (db_.error().find("FOREIGN KEY") != std::string::npos)
      return std::unexpected(JournalError{JournalErrc::kUnknown, "order " + std::to_string(order_id) + " is not journalled"});
    return std::unexpected(io("order fact"));
  }
  return {};
}

JournalResult<std::map<std::string, std::string>> Journal::facts(int64_t order_id) {
  auto s = db_.prepare("SELECT key, value FROM order_facts WHERE order_id = ?");
  if (!s) return std::unexpected(io("read order facts"));
  s->bind(1, order_id);
  std::map<std::string, std::string> out;
  while (s->step() == SQLITE_ROW) out.emplace(s->text(0), s->text(1));
  return out;
}

JournalResult<void> Journal::add_state_change(const StateChange& c) {
  auto s = db_.prepare("INSERT INTO trading_state(time_ms, from_state, to_state, cause, detail) VALUES(?,?,?,?,?)");
  if (!s) return std::unexpected(io("trading state"));
  s->bind(1, i64(c.time_ms));
  s->bind(2, trading_state_name(c.from));
  s->bind(3, trading_state_name(c.to));
  s->bind(4, trip_cause_name(c.cause));
  s->bind(5, std::string_view(c.detail));
  if (!s->run()) return std::unexpected(io("trading state"));
  metrics::trading_state(c.to);
  return {};
}

JournalResult<std::vector<StateChange>> Journal::state_changes() {
  auto s = db_.prepare("SELECT time_ms, from_state, to_state, cause, detail FROM trading_state ORDER BY seq");
  if (!s) return std::unexpected(io("trading state"));
  std::vector<StateChange> out;
  while (s->step() == SQLITE_ROW) {
    auto from = parse_trading_state(s->text(1));
    auto to = parse_trading_state(s->text(2));
    auto cause = parse_trip_cause(s->text(3));
    if (!from || !to || !cause)
      return std::unexpected(JournalError{JournalErrc::kIo, path().string() + ": unreadable kill-switch change"});
    out.push_back(StateChange{*from, *to, *cause, s->text(4), static_cast<uint64_t>(s->i64(0))});
  }
  return out;
}

JournalResult<TradingState> Journal::trading_state() {
  auto s = db_.prepare("SELECT to_state FROM trading_state ORDER BY seq DESC LIMIT 1");
  if (!s) return std::unexpected(io("trading state"));
  if (s->step() != SQLITE_ROW) {
    metrics::trading_state(TradingState::kActive);
    return TradingState::kActive;
  }
  auto t = parse_trading_state(s->text(0));
  if (!t) return std::unexpected(JournalError{JournalErrc::kIo, path().string() + ": unknown trading state " + s->text(0)});
  metrics::trading_state(*t);
  return *t;
}

JournalResult<int64_t> Journal::add_fence_change(const FenceRecord& r) {
  auto s = db_.prepare("INSERT INTO fences(time_ms, strategy, from_mode, to_mode, reason) VALUES(?,?,?,?,?)");
  if (!s) return std::unexpected(io("fence"));
  s->bind(1, i64(r.time_ms));
  s->bind(2, std::string_view(r.strategy));
  // "" (not a null view, which binds NULL) for "not fenced".
  s->bind(3, r.from ? fence_mode_name(*r.from) : std::string_view(""));
  s->bind(4, r.to ? fence_mode_name(*r.to) : std::string_view(""));
  s->bind(5, std::string_view(r.reason));
  if (!s->run()) return std::unexpected(io("fence " + r.strategy));
  return db_.last_insert_rowid();
}

JournalResult<std::vector<FenceRecord>> Journal::fence_changes(int64_t after_seq) {
  auto s = db_.prepare("SELECT time_ms, strategy, from_mode, to_mode, reason, seq FROM fences WHERE seq > ? ORDER BY seq");
  if (!s) return std::unexpected(io("read fences"));
  s->bind(1, after_seq);
  std::vector<FenceRecord> out;
  while (s->step() == SQLITE_ROW) {
    FenceRecord r;
    r.time_ms = static_cast<uint64_t>(s->i64(0));
    r.strategy = s->text(1);
    const std::string from = s->text(2), to = s->text(3);
    if (!from.empty()) r.from = parse_fence_mode(from);
    if (!to.empty()) r.to = parse_fence_mode(to);
    if ((!from.empty() && !r.from) || (!to.empty() && !r.to))
      return std::unexpected(JournalError{JournalErrc::kIo, path().string() + ": unknown fence mode in row of " + r.strategy});
    r.reason = s->text(4);
    r.seq = s->i64(5);
    out.push_back(std::move(r));
  }
  return out;
}

JournalResult<std::map<std::string, FenceMode, std::less<>>> Journal::fences() {
  auto changes = fence_changes();
  if (!changes) return std::unexpected(changes.error());
  std::map<std::string, FenceMode, std::less<>> out;
  for (const FenceRecord& r : *changes) {
    if (r.to) out[r.strategy] = *r.to;
    else out.erase(r.strategy);
  }
  return out;
}

JournalResult<core::I256> Journal::day_start_equity(std::string_view venue, uint64_t day, const core::I256& equity_now,
                                                    uint64_t time_ms) {
  // Read first: a day's start is written once, and a write costs a sync.
  for (int pass = 0; pass < 2; ++pass) {
    auto s = db_.prepare("SELECT equity FROM day_equity WHERE venue = ? AND day = ?");
    if (!s) return std::unexpected(io("day equity"));
    s->bind(1, venue);
    s->bind(2, i64(day));
    if (s->step() == SQLITE_ROW) {
      auto e = core::parse_i256(core::Json(s->text(0)));
      if (!e)
        return std::unexpected(JournalError{JournalErrc::kIo, path().string() + ": corrupt day equity of day " +
                                                                 std::to_string(day)});
      return *e;
    }
    if (pass == 1) break;
    auto w = db_.prepare("INSERT INTO day_equity(venue, day, equity, time_ms) VALUES(?,?,?,?) "
                         "ON CONFLICT(venue, day) DO NOTHING");
    if (!w) return std::unexpected(io("day equity"));
    w->bind(1, venue);
    w->bind(2, i64(day));
    const std::string text = core::to_decimal(equity_now);
    w->bind(3, std::string_view(text));
    w->bind(4, i64(time_ms));
    if (!w->run()) return std::unexpected(io("day equity"));
  }
  return std::unexpected(io("day equity"));
}

JournalResult<int64_t> Journal::data_version() {
  auto s = db_.prepare("PRAGMA data_version");
  if (!s || s->step() != SQLITE_ROW) return std::unexpected(io("data version"));
  return s->i64(0);
}

JournalResult<Journal::Attribution> Journal::read_attribution(std::string_view venue) {
  // A book fill's size is in its latest 'filled' event.
  auto s = db_.prepare((std::string("SELECT ") + kOrderColumns +
                        ", CASE WHEN state = 'filled' THEN (SELECT detail FROM order_events e WHERE e.order_id = "
                        "orders.id AND e.state = 'filled' ORDER BY e.seq DESC LIMIT 1) END FROM orders WHERE venue = ? "
                        "AND state IN " + kFilledStates)
                           .c_str());
  if (!s) return std::unexpected(io("read attribution"));
  s->bind(1, venue);
  Attribution out;
  while (s->step() == SQLITE_ROW) {
    const OrderRecord o = read_order(*s);
    const std::string detail = s->is_null(14) ? std::string() : s->text(14);
    auto size = filled_size(o, o.state, detail);
    if (!size)
      return std::unexpected(JournalError{JournalErrc::kIo, path().string() + ": order " + std::to_string(o.id) +
                                                               " has an unreadable size"});
    auto [it, fresh] = out.try_emplace(std::pair{o.strategy, o.market}, *size);
    if (!fresh) it->second += *size;
  }
  return out;
}

void Journal::attribute(const OrderRecord& before, std::string_view state, std::string_view detail_json) {
  auto cache = attribution_.find(before.venue);
  if (cache == attribution_.end()) return;
  const bool was = filled_state(before.state), is = filled_state(state);
  if (was == is && state != "filled") return;  // included -> finalized: the same fill
  std::optional<core::I256> delta;
  if (is) delta = filled_size(before, state, detail_json);
  if (was) {
    // What was counted for it: read back as a recompute would.
    auto old = filled_size(before, before.state, {});
    if (before.state == "filled") old.reset();  // its event detail is not at hand: recompute
    if (!old) delta.reset();
    else delta = delta ? *delta - *old : -*old;
  }
  if (!delta) {
    attribution_.erase(cache);  // unreadable here: the next call recomputes
    return;
  }
  auto [it, fresh] = cache->second.try_emplace(std::pair{before.strategy, before.market}, *delta);
  if (!fresh) it->second += *delta;
}

JournalResult<std::vector<StrategyPosition>> Journal::strategy_positions(std::string_view venue) {
  auto version = data_version();
  if (!version) return std::unexpected(version.error());
  if (*version != attribution_version_) {  // another connection wrote: every venue's sums may be stale
    attribution_.clear();
    attribution_version_ = *version;
  }
  auto cache = attribution_.find(venue);
  if (cache == attribution_.end()) {
    auto read = read_attribution(venue);
    if (!read) return std::unexpected(read.error());
    cache = attribution_.emplace(std::string(venue), std::move(*read)).first;
  }
  std::vector<StrategyPosition> out;
  out.reserve(cache->second.size());
  for (const auto& [key, size] : cache->second) out.push_back(StrategyPosition{key.first, key.second, size});
  return out;
}

}  // namespace perpx::executor
