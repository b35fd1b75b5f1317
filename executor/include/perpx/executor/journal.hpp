#pragma once
// Journal: the executor's durable memory (SQLite, WAL, synchronous=FULL).
// Everything that leaves the process is written here first, and a commit
// returns only once it is on disk, so a crash and restart never sends twice
// and never forgets:
//   orders        one row per client order id (a second add of the same id
//                 is kDuplicate: a retried leg is refused, never doubled)
//   order_events  every state change of an order, with its detail (JSON)
//   txns          every signed transaction (raw bytes, hash, nonce, fees,
//                 the order's step it serves) before it is sent, and what
//                 became of it
//   order_facts   what an order's path must remember across a crash (the
//                 commit-reveal salt and deadline, the chosen path, the batch
//                 it joined), each written before the action that needs it
//   trading_state every kill-switch change with its cause
//   fences        every fence change of a strategy (deny-new, isolate,
//                 flatten, lifted) with its reason, numbered (seq) in the
//                 order written: whoever acts on fence seq N names its
//                 orders after N (fence.hpp), so it acts at most once
//   day_equity    each venue account's equity when a UTC day was first seen: the
//                 daily loss and the drawdown trip are measured from it
// Schema version 3; a version-2 file gains the two tables above on open.
// Each call is one transaction: it happens whole or not at all.
//
// Errors are values; messages name the journal file and what failed, never
// key material (the journal holds signed transactions, never keys).
// Thread: one thread at a time. Allocates.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "perpx/chain/types.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/executor/fence.hpp"
#include "perpx/executor/kill_switch.hpp"
#include "perpx/store/sqlite.hpp"

namespace perpx::executor {

enum class [[nodiscard]] JournalErrc {
  kOpen,       // cannot open or create the file, or its schema is not ours
  kDuplicate,  // an order with this client order id, or a txn with this hash, exists
  kUnknown,    // no such order or txn
  kIo,         // a statement failed (disk full, I/O error, locked too long)
};
std::string_view describe(JournalErrc e) noexcept;

struct JournalError {
  JournalErrc code = JournalErrc::kIo;
  std::string message;
};
inline std::string describe(const JournalError& e) { return e.message; }
template <class T>
using JournalResult = std::expected<T, JournalError>;

struct OrderRecord {
  int64_t id = 0;  // assigned by add_order
  std::string client_order_id;
  std::string venue, market, side;  // side: "buy" | "sell"
  std::string size, limit_price;    // exact decimal strings
  std::string urgency, path;        // as named in fees.hpp and the path policy
  bool reduce_only = false;
  std::string strategy;
  std::string state = "new";
  uint64_t created_ms = 0;
  uint64_t updated_ms = 0;
  friend bool operator==(const OrderRecord&, const OrderRecord&) = default;
};

struct TxnRecord {
  int64_t order_id = 0;
  std::string step = "place";    // place | commit | reveal | batch | settle | cancel
  std::string route = "public";  // public | private (a relay, until block route_until, then public)
  uint64_t route_until = 0;
  uint64_t chain_id = 0;
  chain::Address sender;
  uint64_t nonce = 0;
  chain::Hash32 hash;
  core::Bytes raw;          // the signed transaction, exactly as sent
  std::string max_fee, tip; // decimal wei
  std::string state = "signed";  // signed -> sent | outcome_unknown -> included | replaced | dropped | failed
  uint64_t created_ms = 0;
  friend bool operator==(const TxnRecord&, const TxnRecord&) = default;
};

struct OrderEvent {
  int64_t order_id = 0;
  uint64_t time_ms = 0;
  std::string state;
  std::string detail;  // JSON
};

class Journal {
 public:
  static JournalResult<Journal> open(const std::filesystem::path& path);

  JournalResult<int64_t> add_order(OrderRecord order);
  JournalResult<void> set_order_state(int64_t order_id, std::string_view state, std::string_view detail_json,
                                      uint64_t time_ms);
  JournalResult<OrderRecord> order(int64_t order_id);
  JournalResult<std::optional<OrderRecord>> order_by_client_id(std::string_view client_order_id);
  // Every order by id, or only those not final (filled, finalized, cancelled, rejected, failed).
  JournalResult<std::vector<OrderRecord>> orders(bool open_only);
  JournalResult<std::vector<OrderRecord>> open_orders() { return orders(true); }
  JournalResult<std::vector<OrderEvent>> events(int64_t order_id);

  // Before the send: kDuplicate if this hash is already journalled.
  JournalResult<void> add_txn(const TxnRecord& txn);
  JournalResult<void> set_txn_state(const chain::Hash32& hash, std::string_view state, uint64_t time_ms);
  JournalResult<std::vector<TxnRecord>> txns(int64_t order_id);
  // Every txn not yet known final, oldest first: signed, sent,
  // outcome_unknown, and included ones of open orders (an inclusion is final
  // only at finality: a restart must check that its block is still canonical).
  JournalResult<std::vector<TxnRecord>> unfinished_txns();

  // An order's named fact (set or overwritten), and all of them.
  JournalResult<void> set_fact(int64_t order_id, std::string_view key, std::string_view value);
  JournalResult<std::map<std::string, std::string>> facts(int64_t order_id);

  JournalResult<void> add_state_change(const StateChange& change);
  // The latest journalled trading state (ACTIVE when none).
  JournalResult<TradingState> trading_state();
  // Every kill-switch change, oldest first.
  JournalResult<std::vector<StateChange>> state_changes();

  // Fence changes (fence.hpp's FenceRecord), oldest first, and what they
  // leave fenced now. add_fence_change returns the record's seq (ignoring
  // record.seq); fence_changes reads each with its seq, only those after
  // `after_seq` (the primary key: a session asks at every head).
  JournalResult<int64_t> add_fence_change(const FenceRecord& record);
  JournalResult<std::vector<FenceRecord>> fence_changes(int64_t after_seq = 0);
  JournalResult<std::map<std::string, FenceMode, std::less<>>> fences();

  // The equity the account on `venue` started UTC day `day` with (days since
  // the epoch of event time): the first call of a day journals `equity_now`
  // as it and every later call returns that, across restarts. Per venue: one
  // journal may hold orders on several, each with its own account.
  JournalResult<core::I256> day_start_equity(std::string_view venue, uint64_t day, const core::I256& equity_now,
                                             uint64_t time_ms);

  // Attribution: each strategy's net filled size per market on `venue`,
  // from its journalled orders that filled. An order in state included or
  // finalized filled whole (an on-chain fill is all or nothing; a reorg that
  // drops it moves it back out of those states); one in state filled (a
  // book venue) filled the filled_size its event names (whole when none).
  // Sorted by strategy, then market; a strategy that ever filled on the
  // venue is listed for each market it traded, with 0 where it is flat.
  // Cached per venue: this connection's set_order_state updates the sums in
  // place; a write by another connection (another perpx on the same file,
  // seen through PRAGMA data_version) recomputes them on the next call. A
  // call that finds nothing changed is one pragma read and a copy.
  JournalResult<std::vector<StrategyPosition>> strategy_positions(std::string_view venue);

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return db_.path(); }

 private:
  explicit Journal(store::Db db) : db_(std::move(db)) {}
  // (strategy, market) -> net filled size, for one venue.
  using Attribution = std::map<std::pair<std::string, std::string>, core::I256, std::less<>>;
  JournalResult<Attribution> read_attribution(std::string_view venue);
  JournalResult<int64_t> data_version();
  // Keeps the cache in step with an own write that moved an order across the filled states.
  void attribute(const OrderRecord& before, std::string_view state, std::string_view detail_json);
  JournalError io(std::string_view what) const;
  JournalResult<std::vector<TxnRecord>> read_txns(const char* where, int64_t arg);
  store::Db db_;
  std::map<std::string, Attribution, std::less<>> attribution_;  // by venue
  int64_t attribution_version_ = -1;  // data_version the cache was read at
};

}  // namespace perpx::executor
