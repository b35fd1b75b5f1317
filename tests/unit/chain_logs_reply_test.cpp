// parse_logs_reply (the simdjson reading of eth_getLogs replies) against an
// independent reading built from the public pieces (parse_json, the JSON-RPC
// envelope rules, parse_log): on valid replies, on targeted edge cases and on
// thousands of random mutations, both must accept the same inputs with the
// same logs, and refuse the same inputs.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "perpx/chain/rpc.hpp"
#include "perpx/core/json.hpp"

using namespace perpx;
using chain::Log;
using chain::RpcErrc;

namespace {

// What a reply means, read the slow, obvious way.
std::optional<std::vector<Log>> reference(std::string_view body, uint64_t id) {
  auto j = core::parse_json(body);
  if (!j || !j->is_object()) return std::nullopt;
  auto v = j->find("jsonrpc");
  auto r = j->find("result");
  auto idv = j->find("id");
  if (v == j->end() || *v != "2.0" || r == j->end() || j->contains("error")) return std::nullopt;
  if (idv == j->end() || !idv->is_number_unsigned() || idv->get<uint64_t>() != id) return std::nullopt;
  if (!r->is_array()) return std::nullopt;
  std::vector<Log> out;
  for (const auto& x : *r) {
    auto l = chain::parse_log(x);
    if (!l) return std::nullopt;
    out.push_back(*l);
  }
  return out;
}

void check_agrees(const std::string& body, uint64_t id = 1) {
  INFO(body.substr(0, 400));
  const auto want = reference(body, id);
  const auto got = chain::parse_logs_reply(body, id);
  REQUIRE(got.has_value() == want.has_value());
  if (got) CHECK(*got == *want);
  else CHECK(got.error().method == "eth_getLogs");
}

const std::string kTopic0 = "0x0559884fd3a460db3073b7fc896cc77986f16e378210ded43186175bf646fc5f";
const std::string kAddr = "0xe62b71cf983019bff55bc83b48601ce8419650cc";

std::string log_json(int i, const std::string& extra = "") {
  const std::string n = std::to_string(i % 10);
  return R"({"address":")" + kAddr + R"(","topics":[")" + kTopic0 +
         R"(","0x00000000000000000000000000000000000000000000000000000045d964b800"],"data":"0x000000000000000000000000000000000000000000000000000000006553f10)" +
         n + R"(","blockHash":"0x)" + std::string(63, 'a') + n + R"(","blockNumber":"0x1)" + n +
         R"(","transactionHash":"0x)" + std::string(63, 'b') + n + R"(","transactionIndex":"0x0","logIndex":"0x)" + n +
         R"(","removed":false)" + extra + "}";
}

std::string reply(const std::vector<std::string>& logs, const std::string& head = R"("jsonrpc":"2.0","id":1)") {
  std::string s = "{" + head + R"(,"result":[)";
  for (size_t i = 0; i < logs.size(); ++i) s += (i ? "," : "") + logs[i];
  return s + "]}";
}

}  // namespace

TEST_CASE("parse_logs_reply reads a reply exactly as parse_log does", "[chain][rpc][logs]") {
  const std::string body = reply({log_json(1), log_json(2), log_json(3)});
  auto logs = chain::parse_logs_reply(body, 1);
  REQUIRE(logs);
  REQUIRE(logs->size() == 3);
  CHECK((*logs)[1].block_number == 0x12);
  CHECK((*logs)[1].log_index == 2);
  CHECK((*logs)[1].topics.size() == 2);
  CHECK((*logs)[1].data.size() == 32);
  check_agrees(body);
  check_agrees(reply({}));
}

TEST_CASE("parse_logs_reply edge cases agree with the general reading", "[chain][rpc][logs]") {
  const std::string l = log_json(4);
  for (const std::string& body : {
           reply({l}, R"("id":1,"jsonrpc":"2.0")"),                         // other key order
           " \n" + reply({l}) + "\n ",                                          // white space
           reply({l}, R"("jsonrpc":"2.0","id":2)"),                          // wrong id
           reply({l}, R"("jsonrpc":"2.0","id":1.0)"),                        // id not an integer
           reply({l}, R"("jsonrpc":"2.0","id":"1")"),                        // id a string
           reply({l}, R"("jsonrpc":"1.0","id":1)"),                          // wrong version
           reply({l}, R"("jsonrpc":"2.0","id":1,"id":1)"),                   // duplicated id
           reply({l}, R"("jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"x"})"),
           std::string(R"({"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"query returned more than 10000 results"}})"),
           std::string(R"({"jsonrpc":"2.0","id":1,"result":null})"),
           std::string(R"({"jsonrpc":"2.0","id":1,"result":{}})"),
           std::string(R"({"jsonrpc":"2.0","id":1,"result":[1]})"),
           reply({log_json(5, R"(,"blockTimestamp":"0x10","transactionLogIndex":"0x0")")}),  // extra fields ignored
           reply({log_json(5, R"(,"removed":true)")}),                      // duplicated key: the last one wins
           reply({log_json(5, R"(,"logIndex":"0x7")")}),
           reply({log_json(5, R"(,"address":"0xE62B71CF983019BFF55BC83B48601CE8419650CC")")}),  // all caps: valid
           reply({log_json(5, R"(,"address":"0xE62b71cf983019bff55bc83b48601ce8419650cc")")}),  // bad EIP-55
       })
    check_agrees(body);

  // Field by field: each required one missing, null, of another type, or malformed.
  for (const char* field : {"address", "topics", "data", "blockHash", "blockNumber", "transactionHash", "transactionIndex",
                            "logIndex", "removed"}) {
    for (const char* bad : {"null", "1", "\"\"", "\"0x\"", "\"0xzz\"", "[]", "{}", "true", "\"0x0000\"", "\"0x01\""}) {
      std::string obj = log_json(6);
      const std::string key = std::string("\"") + field + "\":";
      const size_t p = obj.find(key);
      REQUIRE(p != std::string::npos);
      size_t end = p + key.size();
      int depth = 0;
      for (bool in_str = false; end < obj.size(); ++end) {
        const char c = obj[end];
        if (c == '"') in_str = !in_str;
        if (in_str) continue;
        if (c == '[' || c == '{') ++depth;
        if (c == ']' || c == '}') {
          if (depth == 0) break;
          --depth;
        }
        if (c == ',' && depth == 0) break;
      }
      check_agrees(reply({obj.substr(0, p + key.size()) + bad + obj.substr(end)}));
      std::string without = obj.substr(0, p) + obj.substr(end + (obj[end] == ',' ? 1 : 0));
      if (without[without.size() - 2] == ',') without.erase(without.size() - 2, 1);
      check_agrees(reply({without}));
    }
  }
  // Five topics, a quantity above 64 bits, a non-hex topic.
  std::string five = log_json(7);
  five.replace(five.find("\"topics\":[") + 10, 0, "\"" + kTopic0 + "\",\"" + kTopic0 + "\",\"" + kTopic0 + "\",");
  check_agrees(reply({five}));
  std::string big = log_json(7);
  big.replace(big.find("\"blockNumber\":\"0x1") + 15, 0, "ffffffffffffffff");
  check_agrees(reply({big}));
  std::string leading = log_json(7);
  leading.replace(leading.find("\"blockNumber\":\"0x") + 17, 0, "0000000000000000000000");  // leading zeros tolerated
  check_agrees(reply({leading}));
}

TEST_CASE("parse_logs_reply agrees with the general reading on random mutations", "[chain][rpc][logs]") {
  std::mt19937_64 rng(20261201);
  const std::string base = reply({log_json(1), log_json(2)});
  const std::string alphabet = "0123456789abcdefABCDEFx\"{}[],: \\nul-.e\x80\xff";
  size_t accepted = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string s = base;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: s.erase(at, 1 + rng() % 4); break;
        default: s.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
      }
      if (s.empty()) s = "{";
    }
    check_agrees(s);
    accepted += chain::parse_logs_reply(s, 1).has_value() ? 1 : 0;
  }
  // Some mutations keep the reply valid (a changed hex digit): both paths must see those too.
  CHECK(accepted > 100);
}

TEST_CASE("parse_logs_reply errors are typed", "[chain][rpc][logs]") {
  auto not_json = chain::parse_logs_reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[", 1);
  REQUIRE(!not_json);
  CHECK(not_json.error().code == RpcErrc::kBadReply);
  auto bad_log = chain::parse_logs_reply(reply({"{}"}), 1);
  REQUIRE(!bad_log);
  CHECK(bad_log.error().code == RpcErrc::kBadResult);
  auto refused = chain::parse_logs_reply(
      R"({"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"query returned more than 10000 results"}})", 1);
  REQUIRE(!refused);
  CHECK(refused.error().code == RpcErrc::kRangeTooLarge);
}
