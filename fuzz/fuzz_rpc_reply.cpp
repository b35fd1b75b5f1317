// JSON-RPC replies (chain/rpc.hpp): whatever a node, a proxy or an attacker
// on the path sends back. The first byte picks one RpcClient call; the rest
// is the reply body the transport returns for it. Every call must end in a
// value or a classified error, never a crash.
//
// Invariants: the fast eth_getLogs reader (simdjson) and the general one
// (nlohmann) agree on every body, value or error code; a logs notification
// the WebSocket client's fast path takes (log_json.hpp) reads the same
// through the general path (nlohmann, parse_log); the result parsers
// accept what they produce (a log parsed from a reply matches the same log
// parsed from its own "result" array); feed log decoders never crash.
#include <memory>
#include <string>

#include "fuzz_check.hpp"
#include "perpx/chain/feeds.hpp"
#include "perpx/chain/rpc.hpp"
#include "log_json.hpp"
#include "rpc_detail.hpp"

namespace chain = perpx::chain;
using perpx::core::Json;

namespace {

// Returns the fuzzed body for every request: the input under test, not a
// stand-in for a node.
class ReplyTransport final : public chain::Transport {
 public:
  explicit ReplyTransport(std::string body) : body_(std::move(body)) {}
  chain::RpcResult<std::string> round_trip(std::string_view, std::chrono::milliseconds, bool) override { return body_; }
  [[nodiscard]] std::string url() const override { return "fuzz://reply"; }

 private:
  std::string body_;
};

chain::RpcClient client_for(std::string_view body) {
  chain::RetryPolicy once;
  once.max_attempts = 1;
  chain::RpcClient c(std::make_unique<ReplyTransport>(std::string(body)), once);
  c.set_sleep([](std::chrono::milliseconds) {});
  return c;
}

template <class T>
void settle(const chain::RpcResult<T>& r) {
  if (!r) (void)chain::to_string(r.error());
}

void decode_feed_logs(const std::vector<chain::Log>& logs) {
  for (const auto& log : logs) {
    (void)chain::decode_answer_updated(log, 8);
    (void)chain::decode_new_round(log);
    (void)chain::decode_pyth_update(log, -8);
  }
}

void call_one(uint8_t which, std::string_view body) {
  auto c = client_for(body);
  chain::LogFilter filter;
  chain::Hash32 h;
  h.bytes[31] = 1;
  switch (which % 12) {
    case 0: settle(c.chain_id()); break;
    case 1: settle(c.block_number()); break;
    case 2: settle(c.block_header(chain::Tag::kLatest)); break;
    case 3: settle(c.block_header(chain::BlockNum{16})); break;
    case 4: {
      auto logs = c.get_logs(filter, 1, 1);
      settle(logs);
      if (logs) decode_feed_logs(*logs);
      break;
    }
    case 5: settle(c.transaction_receipt(h)); break;
    case 6: settle(c.transaction_by_hash(h)); break;
    case 7: settle(c.fee_history(4, chain::Tag::kLatest, {25.0, 50.0})); break;
    case 8: settle(c.call(chain::CallRequest{})); break;
    case 9: {
      const uint8_t raw[] = {0xc0};
      settle(c.send_raw_transaction(raw));
      break;
    }
    case 10: {
      auto r = c.batch({{"eth_blockNumber", Json::array()}, {"eth_chainId", Json::array()}});
      settle(r);
      if (r)
        for (const auto& one : *r) settle(one);
      break;
    }
    default: settle(c.estimate_gas(chain::CallRequest{})); break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body = perpx::fuzz::text_of(data + 1, size - 1);
  call_one(data[0], body);

  // The two getLogs readers agree.
  auto fast = chain::parse_logs_reply(body, 1);
  auto general = chain::detail::general_logs_reply(body, 1);
  FUZZ_CHECK(fast.has_value() == general.has_value());
  if (fast) {
    FUZZ_CHECK(*fast == *general);
    decode_feed_logs(*fast);
  } else {
    FUZZ_CHECK(fast.error().code == general.error().code);
    FUZZ_CHECK(fast.error().cls == general.error().cls);
  }

  // The WebSocket client's fast path for logs notifications (ws.cpp), with
  // its parser and Log reused from one message to the next as the client
  // reuses them: what it takes, the general path reads the same.
  {
    static simdjson::dom::parser parser;
    static chain::Log reused;
    if (auto n = chain::detail::read_notification(parser, body); n && chain::detail::read_log(n->result, reused)) {
      auto j = perpx::core::parse_json(body);
      FUZZ_CHECK(j && j->is_object() && j->contains("method") && (*j)["method"] == "eth_subscription");
      FUZZ_CHECK(j->contains("params") && (*j)["params"].is_object());
      const Json& p = (*j)["params"];
      FUZZ_CHECK(p.contains("subscription") && p["subscription"].is_string() &&
                 p["subscription"].get<std::string>() == n->subscription && p.contains("result"));
      auto log = chain::parse_log(p["result"]);
      FUZZ_CHECK(log && *log == reused);
    }
  }

  // The result parsers on the body's "result" (or the body itself).
  auto doc = perpx::core::parse_json(body);
  if (!doc) return 0;
  const Json& v = doc->is_object() && doc->contains("result") ? (*doc)["result"] : *doc;
  settle(chain::parse_block_header(v));
  settle(chain::parse_receipt(v));
  if (auto log = chain::parse_log(v)) decode_feed_logs({*log});
  if (v.is_array())
    for (const auto& e : v) settle(chain::parse_log(e));
  if (doc->is_object() && doc->contains("error")) (void)chain::classify_node_error("eth_call", (*doc)["error"], false);
  (void)chain::parse_quantity(v);
  return 0;
}
