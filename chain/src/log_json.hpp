#pragma once
// A log object read with simdjson straight into a Log: the fast path of
// eth_getLogs replies (logs_reply.cpp) and of eth_subscription("logs")
// notifications (ws.cpp). It accepts only what parse_log accepts, read the
// same way; anything else (a duplicated key, a field of another type, a
// value the field parsers refuse, a required field missing) returns false,
// and the caller then takes the general path, which gives the value or the
// precise, typed error. So the two paths never disagree.
// read_log overwrites every field of `out` and reuses its buffers (topics,
// data): no allocation once they have the capacity.
#include <simdjson.h>

#include <optional>
#include <string_view>

#include "perpx/chain/types.hpp"

namespace perpx::chain::detail {

bool read_log(simdjson::dom::element e, Log& out);
// e's string value, when it is a string.
bool json_string(simdjson::dom::element e, std::string_view& out);

// An eth_subscription notification read with simdjson: a JSON object with
// one "method" ("eth_subscription") and one "params" object holding one
// "subscription" string and one "result". Both point into `parser`'s
// document (valid until its next parse). Nothing for anything else: the
// general path (nlohmann) then decides, and it reads a message this
// accepts the same way (fuzz/fuzz_rpc_reply.cpp checks it).
struct Notification {
  std::string_view subscription;
  simdjson::dom::element result;
};
std::optional<Notification> read_notification(simdjson::dom::parser& parser, std::string_view msg);

}  // namespace perpx::chain::detail
