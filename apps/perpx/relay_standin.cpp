#include "relay_standin.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "perpx/chain/http.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/core/keccak.hpp"
#include "perpx/executor/relay.hpp"
#include "perpx/signer/txn.hpp"

namespace perpx::app {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using core::Json;

constexpr const char* kServerName = "perpx-standin-builder (stand-in for a private relay/builder; not a relay)";
constexpr size_t kMaxBundleTxns = 100;  // Flashbots: at most 100 transactions a bundle

// One bundle or one private transaction held for inclusion.
struct Held {
  bool is_bundle = true;
  chain::Hash32 id;                  // bundle hash, or the tx hash
  std::vector<core::Bytes> raws;
  std::vector<chain::Hash32> hashes;
  chain::BlockNum block = 0;         // bundle: its target; private: its maxBlockNumber
  uint64_t min_ts = 0, max_ts = 0;   // 0: no bound
  std::vector<chain::Hash32> reverting;
};

// A transaction of anvil's public pool, saved to be sent again after evm_revert.
struct Saved {
  chain::Hash32 hash;
  core::Bytes raw;
};

struct Reply {
  http::status status = http::status::ok;
  std::string body;
};

Reply rpc_error(http::status status, const Json& id, int64_t code, std::string_view message) {
  Json j = Json::object();
  j["jsonrpc"] = "2.0";
  j["id"] = id;
  j["error"] = Json{{"code", code}, {"message", message}};
  return {status, j.dump()};
}

Reply rpc_result(const Json& id, Json result) {
  Json j = Json::object();
  j["jsonrpc"] = "2.0";
  j["id"] = id;
  j["result"] = std::move(result);
  return {http::status::ok, j.dump()};
}

bool contains(const std::vector<chain::Hash32>& v, const chain::Hash32& h) {
  return std::find(v.begin(), v.end(), h) != v.end();
}

// A raw transaction as a relay takes it: hex that decodes and recovers a sender.
std::expected<core::Bytes, std::string> read_raw(const Json& j) {
  if (!j.is_string()) return std::unexpected(std::string("not a hex string"));
  auto raw = core::parse_hex(j.get<std::string>());
  if (!raw || raw->empty()) return std::unexpected(std::string("not hex bytes"));
  auto st = signer::decode_raw(*raw);
  if (!st) return std::unexpected(std::string("not a signed transaction"));
  if (!signer::recover_sender(*st)) return std::unexpected(std::string("no sender recovers"));
  return std::move(*raw);
}

std::expected<uint64_t, std::string> read_timestamp(const Json& p, const char* name) {
  if (!p.contains(name) || p[name].is_null()) return 0;
  if (!p[name].is_number_unsigned()) return std::unexpected(std::string(name) + ": expected a non-negative integer");
  return p[name].get<uint64_t>();
}

}  // namespace

struct StandinBuilder::Impl {
  StandinOptions options;
  chain::RpcClient anvil;
  std::mutex build_mu;  // one build_block at a time

  mutable std::mutex mu;  // held, stats
  std::deque<Held> held;
  StandinStats counts;
  std::atomic<chain::BlockNum> known_head{0};

  std::atomic<size_t> connections{0};
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  uint16_t port = 0;
  std::thread thread;

  Impl(std::string anvil_url, StandinOptions o)
      : options(o), anvil(chain::make_http_client(std::move(anvil_url), chain::RetryPolicy{.max_attempts = 1})) {}

  // ---- the relay side (server thread) ----

  Reply handle(std::string_view signature, std::string_view body) {
    {
      std::lock_guard lock(mu);
      ++counts.requests;
    }
    auto parsed = core::parse_json(body);
    Json id = nullptr;
    if (parsed && parsed->is_object() && parsed->contains("id")) id = (*parsed)["id"];

    // The signature first, over the exact bytes received.
    if (auto who = executor::verify_flashbots_signature(signature, body); !who) {
      std::lock_guard lock(mu);
      ++counts.refused_signature;
      if (who.error() == executor::SignatureHeaderErrc::kMissing)
        return rpc_error(http::status::forbidden, id, -32600, "missing X-Flashbots-Signature header");
      std::string_view named = signature.substr(0, signature.find(':'));
      return rpc_error(http::status::forbidden, id, -32600, "error in signature check " + std::string(named));
    }
    if (!parsed) return rpc_error(http::status::ok, nullptr, -32700, "parse error");
    const Json& req = *parsed;
    if (!req.is_object() || !req.contains("jsonrpc") || req["jsonrpc"] != "2.0" || !req.contains("method") ||
        !req["method"].is_string() || !req.contains("params") || !req["params"].is_array())
      return rpc_error(http::status::ok, id, -32600, "invalid request");
    const std::string method = req["method"];
    const Json& params = req["params"];
    if (method != "eth_sendBundle" && method != "eth_sendPrivateTransaction" && method != "eth_cancelPrivateTransaction")
      return rpc_error(http::status::ok, id, -32601, "the method " + method + " does not exist/is not available");
    if (params.size() != 1 || !params[0].is_object())
      return rpc_error(http::status::ok, id, -32602, "invalid params: expected one object");
    const Json& p = params[0];
    auto invalid = [&](const std::string& what) { return rpc_error(http::status::ok, id, -32602, "invalid params: " + what); };

    if (method == "eth_cancelPrivateTransaction") {
      if (!p.contains("txHash") || !p["txHash"].is_string()) return invalid("txHash: expected a hash");
      auto h = core::parse_hash32(p["txHash"].get<std::string>());
      if (!h) return invalid("txHash: expected a hash");
      std::lock_guard lock(mu);
      auto it = std::find_if(held.begin(), held.end(), [&](const Held& x) { return !x.is_bundle && x.id == *h; });
      if (it == held.end()) return rpc_result(id, false);
      held.erase(it);
      return rpc_result(id, true);
    }

    Held item;
    if (method == "eth_sendBundle") {
      if (!p.contains("txs") || !p["txs"].is_array() || p["txs"].empty() || p["txs"].size() > kMaxBundleTxns)
        return invalid("txs: expected 1 to 100 signed transactions");
      for (size_t i = 0; i < p["txs"].size(); ++i) {
        auto raw = read_raw(p["txs"][i]);
        if (!raw) return invalid("txs[" + std::to_string(i) + "]: " + raw.error());
        item.hashes.push_back(core::keccak256(*raw));
        item.raws.push_back(std::move(*raw));
      }
      if (!p.contains("blockNumber")) return invalid("blockNumber: missing");
      auto block = chain::parse_quantity_u64(p["blockNumber"]);
      if (!block) return invalid("blockNumber: " + block.error());
      item.block = *block;
      auto min_ts = read_timestamp(p, "minTimestamp");
      auto max_ts = read_timestamp(p, "maxTimestamp");
      if (!min_ts) return invalid(min_ts.error());
      if (!max_ts) return invalid(max_ts.error());
      item.min_ts = *min_ts;
      item.max_ts = *max_ts;
      if (p.contains("revertingTxHashes") && !p["revertingTxHashes"].is_null()) {
        if (!p["revertingTxHashes"].is_array()) return invalid("revertingTxHashes: expected an array of hashes");
        for (const auto& h : p["revertingTxHashes"]) {
          if (!h.is_string()) return invalid("revertingTxHashes: expected an array of hashes");
          auto hh = core::parse_hash32(h.get<std::string>());
          if (!hh) return invalid("revertingTxHashes: expected an array of hashes");
          item.reverting.push_back(*hh);
        }
      }
      item.id = executor::bundle_hash(item.raws);
    } else {  // eth_sendPrivateTransaction
      if (!p.contains("tx")) return invalid("tx: missing");
      auto raw = read_raw(p["tx"]);
      if (!raw) return invalid("tx: " + raw.error());
      item.is_bundle = false;
      item.id = core::keccak256(*raw);
      item.hashes.push_back(item.id);
      item.raws.push_back(std::move(*raw));
      // Flashbots: more than 25 blocks ahead is silently clamped to current + 25.
      const chain::BlockNum cap = known_head.load() + options.private_txn_blocks;
      item.block = cap;
      if (p.contains("maxBlockNumber") && !p["maxBlockNumber"].is_null()) {
        auto max_block = chain::parse_quantity_u64(p["maxBlockNumber"]);
        if (!max_block) return invalid("maxBlockNumber: " + max_block.error());
        item.block = std::min(*max_block, cap);
      }
      if (p.contains("preferences") && !p["preferences"].is_null() && !p["preferences"].is_object())
        return invalid("preferences: expected an object");
    }

    std::lock_guard lock(mu);
    const bool dup = std::any_of(held.begin(), held.end(), [&](const Held& x) {
      return x.is_bundle == item.is_bundle && x.id == item.id && (!x.is_bundle || x.block == item.block);
    });
    if (!dup) {
      if (held.size() >= options.max_pending) return rpc_error(http::status::ok, id, -32000, "too many pending bundles");
      (item.is_bundle ? counts.bundles_received : counts.private_received) += 1;
      held.push_back(item);
    }
    if (item.is_bundle) return rpc_result(id, Json{{"bundleHash", core::to_hex(item.id)}});
    return rpc_result(id, core::to_hex(item.id));
  }

  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(Impl& impl, tcp::socket socket) : impl_(impl), stream_(std::move(socket)) {}
    ~Session() { impl_.connections.fetch_sub(1); }
    void read() {
      parser_.emplace();
      parser_->body_limit(impl_.options.max_body_bytes);
      stream_.expires_after(impl_.options.idle_timeout);
      http::async_read(stream_, buffer_, *parser_,
                       [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
    }

   private:
    void on_read(beast::error_code ec) {
      if (ec == http::error::body_limit) {
        respond({http::status::payload_too_large, R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"request too large"}})"},
                false);
        return;
      }
      if (ec) return;  // closed, timed out or garbled: drop the connection
      const auto& req = parser_->get();
      if (req.method() != http::verb::post) {
        respond(rpc_error(http::status::method_not_allowed, nullptr, -32600, "only POST"), req.keep_alive());
        return;
      }
      auto sig = req.find("X-Flashbots-Signature");
      std::string_view signature = sig == req.end() ? std::string_view{} : std::string_view(sig->value().data(), sig->value().size());
      respond(impl_.handle(signature, req.body()), req.keep_alive());
    }
    void respond(Reply r, bool keep_alive) {
      res_ = {};
      res_.version(11);
      res_.result(r.status);
      res_.set(http::field::server, kServerName);
      res_.set(http::field::content_type, "application/json");
      res_.keep_alive(keep_alive);
      res_.body() = std::move(r.body);
      res_.prepare_payload();
      stream_.expires_after(impl_.options.idle_timeout);
      http::async_write(stream_, res_, [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
        if (ec) return;
        if (!keep_alive) {
          beast::error_code ignored;
          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
          return;
        }
        self->read();
      });
    }
    Impl& impl_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> res_;
  };

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
      } else if (connections.load() >= options.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        connections.fetch_add(1);
        auto s = std::make_shared<Session>(*this, std::move(socket));
        s->read();
      }
      accept();
    });
  }

  void start() {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), options.port);
    beast::error_code ec;
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("StandinBuilder: cannot listen on 127.0.0.1: " + ec.message());
    port = acceptor.local_endpoint().port();
    if (auto head = anvil.block_number()) known_head = *head;
    accept();
    thread = std::thread([this] { ioc.run(); });
  }

  void stop() {
    asio::post(ioc, [this] {
      beast::error_code ignored;
      acceptor.close(ignored);
    });
    ioc.stop();
    if (thread.joinable()) thread.join();
  }

  // ---- the builder side (build_block's thread) ----

  // anvil's pool, each sender's transactions by nonce, with their raw bytes.
  chain::RpcResult<std::vector<Saved>> save_pool(const std::vector<chain::Hash32>& skip) {
    auto content = anvil.txpool_content();
    if (!content) return std::unexpected(content.error());
    std::map<std::string, std::map<uint64_t, chain::Hash32>> by_sender;
    std::vector<std::string> sender_order;
    for (const char* part : {"pending", "queued"}) {
      if (!content->contains(part) || !(*content)[part].is_object()) continue;
      for (const auto& [sender, txs] : (*content)[part].items()) {
        if (!by_sender.contains(sender)) sender_order.push_back(sender);
        auto& m = by_sender[sender];
        if (!txs.is_object()) continue;
        for (const auto& [nonce, tx] : txs.items()) {
          if (!tx.is_object() || !tx.contains("hash") || !tx["hash"].is_string()) continue;
          auto h = core::parse_hash32(tx["hash"].get<std::string>());
          if (!h) continue;
          m[std::strtoull(nonce.c_str(), nullptr, 10)] = *h;
        }
      }
    }
    std::vector<Saved> out;
    for (const auto& sender : sender_order)
      for (const auto& [nonce, h] : by_sender[sender]) {
        if (contains(skip, h)) continue;
        auto raw = raw_by_hash(h);
        if (!raw) return std::unexpected(raw.error());
        if (!raw->empty()) out.push_back({h, std::move(*raw)});
      }
    return out;
  }

  chain::RpcResult<core::Bytes> raw_by_hash(const chain::Hash32& h) {
    auto r = anvil.request("eth_getRawTransactionByHash", Json::array({core::to_hex(h)}));
    if (!r) return std::unexpected(r.error());
    if (r->is_null()) return core::Bytes{};
    if (!r->is_string()) return core::Bytes{};
    auto raw = core::parse_hex(r->get<std::string>());
    return raw ? std::move(*raw) : core::Bytes{};
  }

  void resend(const std::vector<Saved>& txs) {
    for (const auto& t : txs) (void)anvil.send_raw_transaction(t.raw);  // a public tx anvil now refuses was doomed anyway
  }

  chain::RpcResult<BuiltBlock> build_block() {
    std::lock_guard build_lock(build_mu);
    auto head = anvil.block_number();
    if (!head) return std::unexpected(head.error());
    const chain::BlockNum n = *head + 1;
    known_head = *head;
    BuiltBlock out;
    out.number = n;

    std::vector<Held> cands;
    {
      std::lock_guard lock(mu);
      std::deque<Held> keep;
      for (auto& h : held) {
        if (h.block < n) {
          ++out.expired;
          ++counts.dropped;
        } else if (h.is_bundle && h.block == n) {
          cands.push_back(std::move(h));
        } else {
          if (!h.is_bundle) cands.push_back(h);
          keep.push_back(std::move(h));
        }
      }
      held = std::move(keep);
    }
    if (cands.empty()) {
      if (auto m = anvil.request("evm_mine", Json::array()); !m) return std::unexpected(m.error());
      known_head = n;
      return out;
    }

    // Every hash this block may carry: the saved public pool and the candidates'.
    std::vector<chain::Hash32> cand_hashes;
    for (const auto& c : cands) cand_hashes.insert(cand_hashes.end(), c.hashes.begin(), c.hashes.end());
    auto pub = save_pool(cand_hashes);
    if (!pub) return std::unexpected(pub.error());
    out.public_txns = pub->size();
    std::vector<chain::Hash32> known = cand_hashes;
    for (const auto& s : *pub) known.push_back(s.hash);

    std::vector<bool> excluded(cands.size(), false);
    std::vector<Saved> late;  // arrived while the block was assembled: sent again after it
    bool done = false;
    for (int attempt = 0; attempt <= options.max_attempts && !done; ++attempt) {
      const bool last = attempt == options.max_attempts;  // the public pool alone
      if (last)
        for (size_t i = 0; i < cands.size(); ++i) excluded[i] = true;
      auto snap = anvil.request("evm_snapshot", Json::array());
      if (!snap) return std::unexpected(snap.error());

      std::vector<bool> failed(cands.size(), false);
      bool any_failed = false;
      for (size_t i = 0; i < cands.size(); ++i) {
        if (excluded[i]) continue;
        for (const auto& raw : cands[i].raws)
          if (!anvil.send_raw_transaction(raw)) {
            failed[i] = any_failed = true;
            break;
          }
      }
      bool foreign = false;
      std::vector<chain::Hash32> block_txs;
      if (!any_failed) {
        if (auto m = anvil.request("evm_mine", Json::array()); !m) return std::unexpected(m.error());
        auto block = anvil.request("eth_getBlockByNumber", Json::array({core::to_hex_quantity(core::U256{n}), false}));
        if (!block) return std::unexpected(block.error());
        uint64_t ts = 0;
        if (block->is_object() && block->contains("timestamp"))
          if (auto t = chain::parse_quantity_u64((*block)["timestamp"])) ts = *t;
        if (block->is_object() && block->contains("transactions") && (*block)["transactions"].is_array())
          for (const auto& t : (*block)["transactions"])
            if (t.is_string())
              if (auto h = core::parse_hash32(t.get<std::string>())) block_txs.push_back(*h);
        for (const auto& h : block_txs) foreign = foreign || !contains(known, h);
        for (size_t i = 0; i < cands.size(); ++i) {
          if (excluded[i]) continue;
          failed[i] = !holds(cands[i], block_txs, n, ts);
          any_failed = any_failed || failed[i];
        }
        if (!any_failed && !foreign) {
          done = true;
          break;
        }
      }
      // Undo: first keep what arrived meanwhile (evm_revert empties the pool).
      std::vector<chain::Hash32> skip = known;
      for (const auto& s : late) skip.push_back(s.hash);
      auto arrived = save_pool(skip);
      if (!arrived) return std::unexpected(arrived.error());
      for (const auto& h : block_txs)
        if (!contains(skip, h))
          if (auto raw = raw_by_hash(h); raw && !raw->empty()) arrived->push_back({h, std::move(*raw)});
      for (auto& s : *arrived) {
        known.push_back(s.hash);
        late.push_back(std::move(s));
      }
      auto reverted = anvil.request("evm_revert", Json::array({*snap}));
      if (!reverted) return std::unexpected(reverted.error());
      if (*reverted != true) {
        chain::RpcError e;
        e.method = "evm_revert";
        e.message = "anvil did not revert to the snapshot";
        return std::unexpected(std::move(e));
      }
      // evm_revert empties anvil's ready pool but keeps its queued (nonce-gap)
      // transactions, and anvil_dropTransaction cannot remove those: clear
      // all (so no candidate stays behind, visible), then the public ones again.
      if (auto d = anvil.request("anvil_dropAllTransactions", Json::array()); !d) return std::unexpected(d.error());
      ++out.undos;
      resend(*pub);
      for (size_t i = 0; i < cands.size(); ++i)
        if (failed[i]) excluded[i] = true;
    }
    if (!done) {  // every attempt undone: the public pool alone (already sent again)
      if (auto m = anvil.request("evm_mine", Json::array()); !m) return std::unexpected(m.error());
      for (size_t i = 0; i < cands.size(); ++i) excluded[i] = true;
    }
    resend(late);
    known_head = n;

    std::lock_guard lock(mu);
    for (size_t i = 0; i < cands.size(); ++i) {
      const Held& c = cands[i];
      if (!excluded[i]) {
        if (c.is_bundle) {
          out.bundles_included.push_back(c.id);
          ++counts.bundles_included;
        } else {
          out.private_included.push_back(c.id);
          ++counts.private_included;
          std::erase_if(held, [&](const Held& x) { return !x.is_bundle && x.id == c.id; });
        }
      } else if (c.is_bundle) {
        out.bundles_failed.push_back(c.id);
        ++counts.dropped;
      }
    }
    return out;
  }

  // Whether candidate c landed whole in block n: adjacent, in order, each
  // successful unless allowed to revert, inside its timestamp bounds.
  bool holds(const Held& c, const std::vector<chain::Hash32>& block_txs, chain::BlockNum n, uint64_t ts) {
    if ((c.min_ts != 0 && ts < c.min_ts) || (c.max_ts != 0 && ts > c.max_ts)) return false;
    auto first = std::find(block_txs.begin(), block_txs.end(), c.hashes.front());
    if (first == block_txs.end() || static_cast<size_t>(block_txs.end() - first) < c.hashes.size()) return false;
    if (!std::equal(c.hashes.begin(), c.hashes.end(), first)) return false;
    for (const auto& h : c.hashes) {
      auto r = anvil.transaction_receipt(h);
      if (!r || !r->has_value() || (*r)->block_number != n) return false;
      if (!(*r)->success && !contains(c.reverting, h)) return false;
    }
    return true;
  }
};

StandinBuilder::StandinBuilder(std::string anvil_url, StandinOptions options)
    : impl_(std::make_unique<Impl>(std::move(anvil_url), options)) {
  impl_->start();
}

StandinBuilder::~StandinBuilder() { impl_->stop(); }

uint16_t StandinBuilder::port() const noexcept { return impl_->port; }
std::string StandinBuilder::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

chain::RpcResult<BuiltBlock> StandinBuilder::build_block() { return impl_->build_block(); }

StandinStats StandinBuilder::stats() const {
  std::lock_guard lock(impl_->mu);
  StandinStats s = impl_->counts;
  s.held = impl_->held.size();
  return s;
}

}  // namespace perpx::app
