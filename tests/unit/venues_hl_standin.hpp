#pragma once
// A STAND-IN Hyperliquid API on loopback (not Hyperliquid): FaultServer
// (fault_server.hpp) answering POST /info and POST /exchange with the
// request and reply bodies of the public documentation (hyperliquid.gitbook.io,
// "Info endpoint", "Exchange endpoint", "Error responses"), for end-to-end
// tests of the venue adapter and `perpx order place --venue hyperliquid`.
//
// It behaves as the exchange does where the tests need it:
//   - it recovers the signer of every L1 action from the body's signature
//     (phantom agent, mainnet "a" or testnet "b" as configured) and refuses an
//     unknown signer with {"status":"err","response":"User or API Wallet 0x..
//     does not exist."}; a signer may be an approved agent of an account;
//   - a nonce used before by the signer is refused whole;
//   - order: one status per order, in order: an order that crosses the mid
//     fills at the mid ({"filled":{"totalSz","avgPx","oid","cloid"?}}), a Gtc
//     or a trigger rests ({"resting":{"oid","cloid"?}}), an Ioc that does not
//     cross and an Alo that would cross are per-order errors, as are a value
//     under $10, a reduce-only order that would grow the position, and a
//     cloid the user has used before;
//   - twapOrder: {"status":{"running":{"twapId"}}}; updateLeverage: "default";
//   - info: meta, allMids, clearinghouseState (positions from its own fills),
//     orderStatus by oid or cloid ({"status":"order",...} | {"status":"unknownOid"});
//   - scripted faults: the next N requests answered 429, or the next
//     /exchange reply cut short after the order is booked (the reply lost).
// Error texts the documentation does not give verbatim (the duplicate
// cloid, the reused nonce) are the stand-in's own wording.
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "fault_server.hpp"
#include "perpx/core/address.hpp"
#include "perpx/core/fixed.hpp"
#include "perpx/core/hex.hpp"
#include "perpx/signer/secp256k1.hpp"
#include "perpx/venues/hyperliquid.hpp"

namespace perpx::test {

namespace hl = venues::hl;

class HlStandIn {
 public:
  struct Booked {
    std::string user, coin, side, limit_px, sz, orig_sz, cloid, status, tif;
    uint64_t oid = 0, timestamp = 0;
    bool reduce_only = false;
  };

  explicit HlStandIn(bool testnet = false)
      : testnet_(testnet), server_([this](const std::string& body, size_t) { return handle(body); }) {}

  [[nodiscard]] std::string url() const { return server_.url(); }
  [[nodiscard]] std::vector<std::string> bodies() const { return server_.bodies(); }

  // An account the exchange knows, with its USDC (account value).
  void add_user(const core::Address& user, std::string account_value = "100000.0") {
    std::lock_guard lock(mu_);
    users_[hex(user)] = std::move(account_value);
  }
  void approve_agent(const core::Address& agent, const core::Address& master) {
    std::lock_guard lock(mu_);
    agents_[hex(agent)] = hex(master);
  }
  void set_mid(const std::string& coin, std::string mid) {
    std::lock_guard lock(mu_);
    mids_[coin] = std::move(mid);
  }
  void set_position(const core::Address& user, const std::string& coin, std::string szi) {
    std::lock_guard lock(mu_);
    positions_[hex(user)][coin] = core::parse_wad(szi.starts_with("-") ? szi.substr(1) : szi).value();
    negative_[hex(user)][coin] = szi.starts_with("-");
  }
  void answer_429(size_t n) {
    std::lock_guard lock(mu_);
    limited_ = n;
  }
  // The next /exchange request is carried out, its reply cut short.
  void lose_next_reply() {
    std::lock_guard lock(mu_);
    lose_reply_ = true;
  }

  [[nodiscard]] std::vector<Booked> orders() const {
    std::lock_guard lock(mu_);
    return booked_;
  }
  [[nodiscard]] size_t exchange_requests() const {
    std::lock_guard lock(mu_);
    return exchange_requests_;
  }
  [[nodiscard]] std::optional<core::Json> last_action() const {
    std::lock_guard lock(mu_);
    return last_action_;
  }
  [[nodiscard]] std::map<std::string, std::pair<bool, uint32_t>> leverage() const {
    std::lock_guard lock(mu_);
    return leverage_;
  }

 private:
  static std::string hex(const core::Address& a) { return core::to_hex(a.view()); }

  static FaultReply ok(const core::Json& j) { return {http_reply(200, j.dump())}; }
  static FaultReply err(const std::string& why) {
    core::Json j = core::Json::object();
    j["status"] = "err";
    j["response"] = why;
    return ok(j);
  }

  FaultReply handle(const std::string& text) {
    std::lock_guard lock(mu_);
    if (limited_ > 0) {
      --limited_;
      return {http_reply(429, "null", "Retry-After: 1\r\n")};
    }
    auto parsed = core::parse_json(text);
    if (!parsed || !parsed->is_object()) return {http_reply(422, "Failed to deserialize the JSON body into the target type")};
    if (parsed->contains("action")) {
      ++exchange_requests_;
      FaultReply r = exchange(*parsed);
      if (lose_reply_) {
        lose_reply_ = false;
        r.cut_after = 12;
        r.close = true;
      }
      return r;
    }
    return info(*parsed);
  }

  // ---- /info ----
  FaultReply info(const core::Json& req) {
    const std::string type = req.value("type", std::string());
    if (type == "meta")
      return {http_reply(200, R"({"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":50},{"name":"ETH","szDecimals":4,"maxLeverage":25},)"
                              R"({"name":"MATIC","szDecimals":1,"maxLeverage":20,"isDelisted":true}],"marginTables":[]})")};
    if (type == "allMids") {
      core::Json j = core::Json::object();
      for (const auto& [k, v] : mids_) j[k] = v;
      return ok(j);
    }
    if (type == "clearinghouseState") return ok(clearinghouse(req.value("user", std::string())));
    if (type == "orderStatus") {
      const std::string user = req.value("user", std::string());
      const Booked* b = nullptr;
      for (const auto& o : booked_)
        if (o.user == user && ((req["oid"].is_string() && o.cloid == req["oid"].get<std::string>()) ||
                               (req["oid"].is_number_unsigned() && o.oid == req["oid"].get<uint64_t>())))
          b = &o;
      if (!b) return {http_reply(200, R"({"status":"unknownOid"})")};
      core::Json o = core::Json::object();
      o["coin"] = b->coin;
      o["side"] = b->side;
      o["limitPx"] = b->limit_px;
      o["sz"] = b->sz;
      o["oid"] = b->oid;
      o["timestamp"] = b->timestamp;
      o["triggerCondition"] = "N/A";
      o["isTrigger"] = false;
      o["triggerPx"] = "0.0";
      o["children"] = core::Json::array();
      o["isPositionTpsl"] = false;
      o["reduceOnly"] = b->reduce_only;
      o["orderType"] = "Limit";
      o["origSz"] = b->orig_sz;
      o["tif"] = b->tif;
      o["cloid"] = b->cloid.empty() ? core::Json(nullptr) : core::Json(b->cloid);
      core::Json outer = core::Json::object();
      outer["order"] = o;
      outer["status"] = b->status;
      outer["statusTimestamp"] = b->timestamp;
      core::Json j = core::Json::object();
      j["status"] = "order";
      j["order"] = outer;
      return ok(j);
    }
    return {http_reply(422, "Failed to deserialize the JSON body into the target type")};
  }

  core::Json clearinghouse(const std::string& user) {
    core::Json aps = core::Json::array();
    core::U256 ntl, mm;
    for (const auto& [coin, sz] : positions_[user]) {
      if (sz.is_zero()) continue;
      const core::U256 mid = core::parse_wad(mids_[coin]).value();
      const core::U256 value = sz * mid / core::kWad;
      ntl = ntl + value;
      const uint64_t lev = coin == "BTC" ? 50 : 25;
      mm = mm + value / core::U256{2 * lev};
      core::Json lv = core::Json::object();
      lv["type"] = "cross";
      lv["value"] = 20;
      core::Json p = core::Json::object();
      p["coin"] = coin;
      p["entryPx"] = mids_[coin];
      p["leverage"] = lv;
      p["liquidationPx"] = nullptr;
      p["marginUsed"] = core::wad_to_string(value / core::U256{20});
      p["positionValue"] = core::wad_to_string(value);
      p["szi"] = (negative_[user][coin] ? "-" : "") + core::wad_to_string(sz);
      p["unrealizedPnl"] = "0.0";
      core::Json ap = core::Json::object();
      ap["type"] = "oneWay";
      ap["position"] = p;
      aps.push_back(ap);
    }
    const std::string av = users_.count(user) ? users_[user] : "0.0";
    core::Json ms = core::Json::object();
    ms["accountValue"] = av;
    ms["totalNtlPos"] = core::wad_to_string(ntl);
    ms["totalRawUsd"] = av;
    ms["totalMarginUsed"] = core::wad_to_string(ntl / core::U256{20});
    core::Json j = core::Json::object();
    j["marginSummary"] = ms;
    j["crossMarginSummary"] = ms;
    j["crossMaintenanceMarginUsed"] = core::wad_to_string(mm);
    j["withdrawable"] = av;
    j["assetPositions"] = aps;
    j["time"] = 1700000000000ull;
    return j;
  }

  // ---- /exchange ----
  std::optional<std::string> signer_of(const core::Json& body) {
    hl::SignOptions o;
    o.nonce = body.value("nonce", uint64_t{0});
    o.testnet = testnet_;
    if (body.contains("vaultAddress")) o.vault = core::parse_address(body["vaultAddress"].get<std::string>()).value();
    if (body.contains("expiresAfter")) o.expires_after = body["expiresAfter"].get<uint64_t>();
    auto prepared = hl::prepare(body["action"], o);
    if (!prepared) return std::nullopt;
    signer::Signature sig;
    sig.r = core::parse_hex_u256(body["signature"]["r"].get<std::string>()).value();
    sig.s = core::parse_hex_u256(body["signature"]["s"].get<std::string>()).value();
    sig.y_parity = static_cast<uint8_t>(body["signature"]["v"].get<int>() - 27);
    auto who = signer::recover_address(prepared->digest, sig);
    if (!who) return std::nullopt;
    return hex(*who);
  }

  core::Json statuses(const std::string& type, core::Json list) {
    core::Json data = core::Json::object();
    data["statuses"] = std::move(list);
    core::Json resp = core::Json::object();
    resp["type"] = type;
    resp["data"] = data;
    core::Json j = core::Json::object();
    j["status"] = "ok";
    j["response"] = resp;
    return j;
  }

  FaultReply exchange(const core::Json& body) {
    last_action_ = body["action"];
    auto signer = signer_of(body);
    if (!signer) return err("Invalid signature");
    std::string user = *signer;
    if (auto a = agents_.find(user); a != agents_.end()) user = a->second;
    if (body.contains("vaultAddress")) user = body["vaultAddress"].get<std::string>();
    if (!users_.count(user)) return err("User or API Wallet " + *signer + " does not exist.");
    const uint64_t nonce = body["nonce"].get<uint64_t>();
    if (!nonces_[*signer].insert(nonce).second) return err("Invalid nonce: duplicate nonce " + std::to_string(nonce));
    const core::Json& action = body["action"];
    const std::string type = action["type"];
    if (type == "updateLeverage") {
      leverage_[std::to_string(action["asset"].get<uint32_t>())] = {action["isCross"].get<bool>(), action["leverage"].get<uint32_t>()};
      return {http_reply(200, R"({"status":"ok","response":{"type":"default"}})")};
    }
    if (type == "twapOrder") {
      const uint64_t id = next_oid_++;
      return {http_reply(200, R"({"status":"ok","response":{"type":"twapOrder","data":{"status":{"running":{"twapId":)" +
                                  std::to_string(id) + "}}}}}")};
    }
    if (type != "order") return err("Unsupported action by the stand-in: " + type);
    core::Json out = core::Json::array();
    for (const auto& o : action["orders"]) out.push_back(place(user, o));
    return ok(statuses("order", out));
  }

  core::Json place(const std::string& user, const core::Json& o) {
    static const char* kCoins[] = {"BTC", "ETH", "MATIC"};
    const std::string coin = kCoins[o["a"].get<uint32_t>()];
    const bool buy = o["b"].get<bool>();
    const core::U256 px = core::parse_wad(o["p"].get<std::string>()).value();
    const core::U256 sz = core::parse_wad(o["s"].get<std::string>()).value();
    const core::U256 mid = core::parse_wad(mids_[coin]).value();
    const std::string cloid = o.contains("c") ? o["c"].get<std::string>() : "";
    auto error = [](const std::string& why) {
      core::Json e = core::Json::object();
      e["error"] = why;
      return e;
    };
    if (!cloid.empty() && !cloids_[user].insert(cloid).second) return error("Duplicate cloid: " + cloid);
    if (sz * px / core::kWad < core::U256{10} * core::kWad) return error("Order must have minimum value of $10.");
    const bool crosses = buy ? px >= mid : px <= mid;
    const bool trigger = o["t"].contains("trigger");
    const std::string tif = trigger ? "Gtc" : o["t"]["limit"]["tif"].get<std::string>();
    if (!trigger && tif == "Alo" && crosses) return error("Post only order would have immediately matched, bbo was " + mids_[coin]);
    if (!trigger && tif == "Ioc" && !crosses)
      return error("Order could not immediately match against any resting orders. asset=" + std::to_string(o["a"].get<uint32_t>()));
    core::U256& held = positions_[user][coin];
    bool& neg = negative_[user][coin];
    const bool reduces = !held.is_zero() && (neg == buy) && sz <= held;
    if (o["r"].get<bool>() && !reduces) return error("Reduce only order would increase position.");
    Booked b{user, coin, buy ? "B" : "A", o["p"].get<std::string>(), o["s"].get<std::string>(), o["s"].get<std::string>(),
             cloid, "open", tif, next_oid_, 1700000000000ull + next_oid_, o["r"].get<bool>()};
    ++next_oid_;
    core::Json inner = core::Json::object();
    if (crosses && !trigger) {
      // Fills at the mid, whole.
      if (held.is_zero() || neg != buy) held = held + sz, neg = !buy;
      else if (sz <= held) held = held - sz;
      else held = sz - held, neg = !buy;
      b.status = "filled";
      b.sz = "0.0";
      inner["totalSz"] = o["s"];
      inner["avgPx"] = mids_[coin];
      inner["oid"] = b.oid;
      if (!cloid.empty()) inner["cloid"] = cloid;
      booked_.push_back(b);
      core::Json s = core::Json::object();
      s["filled"] = inner;
      return s;
    }
    inner["oid"] = b.oid;
    if (!cloid.empty()) inner["cloid"] = cloid;
    booked_.push_back(b);
    core::Json s = core::Json::object();
    s["resting"] = inner;
    return s;
  }

  bool testnet_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> users_;   // address -> account value
  std::map<std::string, std::string> agents_;  // agent -> master
  std::map<std::string, std::string> mids_{{"BTC", "60000.0"}, {"ETH", "3000.0"}};
  std::map<std::string, std::map<std::string, core::U256>> positions_;  // |szi|
  std::map<std::string, std::map<std::string, bool>> negative_;
  std::map<std::string, std::set<uint64_t>> nonces_;
  std::map<std::string, std::set<std::string>> cloids_;
  std::map<std::string, std::pair<bool, uint32_t>> leverage_;  // asset -> (cross, leverage)
  std::vector<Booked> booked_;
  std::optional<core::Json> last_action_;
  size_t limited_ = 0;
  bool lose_reply_ = false;
  size_t exchange_requests_ = 0;
  uint64_t next_oid_ = 77738308;
  FaultServer server_;  // last: it stops (joins) before the state above goes
};

}  // namespace perpx::test
