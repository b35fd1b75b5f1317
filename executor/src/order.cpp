#include "perpx/executor/order.hpp"

#include <array>
#include <utility>

namespace perpx::executor {
namespace {

// One name table per enum; parse is the table read backwards.
template <class E, size_t N>
std::optional<E> parse_named(const std::array<std::pair<E, std::string_view>, N>& names, std::string_view s) {
  for (const auto& [e, n] : names)
    if (n == s) return e;
  return std::nullopt;
}
template <class E, size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& names, E e) {
  for (const auto& [x, n] : names)
    if (x == e) return n;
  return "?";
}

constexpr std::array<std::pair<Side, std::string_view>, 2> kSides{{{Side::kBuy, "buy"}, {Side::kSell, "sell"}}};
constexpr std::array<std::pair<TimeInForce, std::string_view>, 3> kTifs{
    {{TimeInForce::kGtc, "gtc"}, {TimeInForce::kIoc, "ioc"}, {TimeInForce::kPostOnly, "post_only"}}};
constexpr std::array<std::pair<Path, std::string_view>, 5> kPaths{{{Path::kAuto, "auto"},
                                                                   {Path::kPublic, "public"},
                                                                   {Path::kPrivate, "private"},
                                                                   {Path::kCommitReveal, "commit-reveal"},
                                                                   {Path::kBatch, "batch"}}};

}  // namespace

std::string_view side_name(Side s) noexcept { return name_of(kSides, s); }
std::optional<Side> parse_side(std::string_view s) noexcept { return parse_named(kSides, s); }
std::string_view tif_name(TimeInForce t) noexcept { return name_of(kTifs, t); }
std::optional<TimeInForce> parse_tif(std::string_view s) noexcept { return parse_named(kTifs, s); }
std::string_view path_name(Path p) noexcept { return name_of(kPaths, p); }
std::optional<Path> parse_path(std::string_view s) noexcept { return parse_named(kPaths, s); }

I256 signed_size(Side side, const core::U256& size) noexcept {
  const I256 s = I256::from_u256(size);
  return side == Side::kBuy ? s : -s;
}

I256 signed_size(const Order& o) noexcept { return signed_size(o.side, o.size); }

std::optional<std::string> invalid_reason(const Order& o, std::string_view venue) {
  if (o.size.is_zero() || o.limit_price.is_zero()) return "size and limit price must be above zero";
  if (o.client_id.empty()) return "an order needs a client order id";
  if (o.venue != venue) return "order for venue " + o.venue + ", this executor trades " + std::string(venue);
  return std::nullopt;
}

core::U256 notional(const Order& o) noexcept { return o.size * o.limit_price / core::kWad; }

}  // namespace perpx::executor
