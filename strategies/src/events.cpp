#include "perpx/strategies/events.hpp"

#include <type_traits>

#include "json_fields.hpp"
#include "overload.hpp"

namespace perpx::strategies {

using core::Json;
using detail::get_i256;
using detail::get_string;
using detail::get_u256;
using detail::get_u64;
using detail::Overload;

uint64_t event_time_us(const Event& e) {
  return std::visit([](const auto& v) { return v.time_us; }, e);
}

std::string_view event_type(const Event& e) {
  return std::visit(Overload{[](const PriceEvent&) { return std::string_view("price"); },
                             [](const FundingEvent&) { return std::string_view("funding"); },
                             [](const SpotEvent&) { return std::string_view("spot"); },
                             [](const FillEvent&) { return std::string_view("fill"); },
                             [](const OrderFailedEvent&) { return std::string_view("order_failed"); },
                             [](const HeadEvent&) { return std::string_view("head"); },
                             [](const TimerEvent&) { return std::string_view("timer"); }},
                    e);
}

Json event_to_json(const Event& e) {
  Json j = Json::object();
  j["type"] = std::string(event_type(e));
  std::visit(Overload{[&](const PriceEvent& v) {
                        j["market"] = v.market;
                        j["price"] = core::to_decimal(v.price);
                        j["index"] = core::to_decimal(v.index);
                      },
                      [&](const FundingEvent& v) {
                        j["market"] = v.market;
                        j["rate_per_day"] = core::to_decimal(v.rate_per_day);
                      },
                      [&](const SpotEvent& v) {
                        j["pair"] = v.pair;
                        j["price"] = core::to_decimal(v.price);
                      },
                      [&](const FillEvent& v) {
                        j["client_id"] = v.client_id;
                        j["market"] = v.market;
                        j["size"] = core::to_decimal(v.size);
                        j["price"] = core::to_decimal(v.price);
                      },
                      [&](const OrderFailedEvent& v) {
                        j["client_id"] = v.client_id;
                        j["reason"] = v.reason;
                      },
                      [&](const HeadEvent& v) { j["number"] = v.number; },
                      [](const TimerEvent&) {}},
             e);
  j["time_us"] = event_time_us(e);
  return j;
}

std::expected<Event, std::string> event_from_json(const Json& j) {
  if (!j.is_object()) return std::unexpected("event: not an object");
  auto type = get_string(j, "type");
  if (!type) return std::unexpected(type.error());
  auto t = get_u64(j, "time_us");
  if (!t) return std::unexpected(t.error());
  // Each kind's fields, the first bad one named.
  std::string err;
  auto str = [&](const char* k) {
    auto v = get_string(j, k);
    if (!v && err.empty()) err = v.error();
    return v ? *v : std::string();
  };
  auto u = [&](const char* k) {
    auto v = get_u256(j, k);
    if (!v && err.empty()) err = v.error();
    return v ? *v : core::U256{};
  };
  auto i = [&](const char* k) {
    auto v = get_i256(j, k);
    if (!v && err.empty()) err = v.error();
    return v ? *v : core::I256{};
  };
  Event e;
  if (*type == "price") {
    e = PriceEvent{str("market"), u("price"), u("index"), *t};
  } else if (*type == "funding") {
    e = FundingEvent{str("market"), i("rate_per_day"), *t};
  } else if (*type == "spot") {
    e = SpotEvent{str("pair"), u("price"), *t};
  } else if (*type == "fill") {
    e = FillEvent{str("client_id"), str("market"), i("size"), u("price"), *t};
  } else if (*type == "order_failed") {
    e = OrderFailedEvent{str("client_id"), str("reason"), *t};
  } else if (*type == "head") {
    auto n = get_u64(j, "number");
    if (!n) return std::unexpected(n.error());
    e = HeadEvent{*n, *t};
  } else if (*type == "timer") {
    e = TimerEvent{*t};
  } else {
    return std::unexpected("type: unknown event type \"" + *type + "\"");
  }
  if (!err.empty()) return std::unexpected(err);
  return e;
}

}  // namespace perpx::strategies
