#include "perpx/strategies/strategy.hpp"

#include "json_fields.hpp"

namespace perpx::strategies {

using core::Json;

Strategy::~Strategy() = default;

std::optional<size_t> market_index(const venues::RefModel& model, std::string_view market) {
  for (size_t m = 0; m < model.market_count(); ++m)
    if (model.market_params(m).name == market) return m;
  return std::nullopt;
}

std::vector<Decision> StrategySet::on_event(const Event& e) {
  std::vector<Decision> out;
  for (auto& s : strategies_) {
    auto d = s->on_event(e);
    for (auto& x : d) out.push_back(std::move(x));
  }
  return out;
}

Json decision_to_json(const Decision& d) {
  const auto& o = d.order;
  Json order = Json::object();
  order["client_id"] = o.client_id;
  order["strategy"] = o.strategy;
  order["venue"] = o.venue;
  order["market"] = o.market;
  order["side"] = std::string(executor::side_name(o.side));
  order["size"] = core::to_decimal(o.size);
  order["limit_price"] = core::to_decimal(o.limit_price);
  order["tif"] = std::string(executor::tif_name(o.tif));
  order["reduce_only"] = o.reduce_only;
  order["urgency"] = std::string(executor::urgency_name(o.urgency));
  order["path"] = std::string(executor::path_name(o.path));
  Json j = Json::object();
  j["order"] = std::move(order);
  j["why"] = d.why;
  return j;
}

std::expected<Decision, std::string> decision_from_json(const Json& j) {
  using namespace detail;
  if (!j.is_object() || !j.contains("order") || !j["order"].is_object())
    return std::unexpected("decision: no order object");
  const Json& o = j["order"];
  Reader r;
  Decision d;
  d.order.client_id = r(get_string(o, "client_id"));
  d.order.strategy = r(get_string(o, "strategy"));
  d.order.venue = r(get_string(o, "venue"));
  d.order.market = r(get_string(o, "market"));
  const auto side = r(get_string(o, "side"));
  d.order.size = r(get_u256(o, "size"));
  d.order.limit_price = r(get_u256(o, "limit_price"));
  const auto tif = r(get_string(o, "tif"));
  d.order.reduce_only = r(get_bool(o, "reduce_only"));
  const auto urgency = r(get_string(o, "urgency"));
  const auto path = r(get_string(o, "path"));
  d.why = r(get_string(j, "why"));
  if (!r.error.empty()) return std::unexpected("decision: " + r.error);
  const auto s = executor::parse_side(side);
  const auto t = executor::parse_tif(tif);
  const auto u = executor::parse_urgency(urgency);
  const auto p = executor::parse_path(path);
  if (!s) return std::unexpected("decision: side: \"" + side + "\" is not buy or sell");
  if (!t) return std::unexpected("decision: tif: \"" + tif + "\" is unknown");
  if (!u) return std::unexpected("decision: urgency: \"" + urgency + "\" is unknown");
  if (!p) return std::unexpected("decision: path: \"" + path + "\" is unknown");
  d.order.side = *s;
  d.order.tif = *t;
  d.order.urgency = *u;
  d.order.path = *p;
  return d;
}

}  // namespace perpx::strategies
