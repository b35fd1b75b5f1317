#include "perpx/core/json.hpp"

namespace perpx::core {

namespace {

// The DOM builder, except that an integer literal too large for 64 bits is
// kept as its exact decimal text (a string) rather than rounded to a double.
class ExactSax : public nlohmann::detail::json_sax_dom_parser<Json> {
 public:
  using Base = nlohmann::detail::json_sax_dom_parser<Json>;
  explicit ExactSax(Json& out) : Base(out, false) {}

  bool number_float(Json::number_float_t value, const std::string& text) {
    const bool integral = text.find_first_of(".eE") == std::string::npos;
    if (!integral) return Base::number_float(value, text);
    std::string digits = text;
    return Base::string(digits);
  }

  // Nesting is bounded so that no consumer's recursion can run out of stack.
  bool start_object(std::size_t n) { return enter() && Base::start_object(n); }
  bool start_array(std::size_t n) { return enter() && Base::start_array(n); }
  bool end_object() { --depth_; return Base::end_object(); }
  bool end_array() { --depth_; return Base::end_array(); }

  bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& ex) {
    (void)token;
    message = ex.what();
    pos = position;
    return false;
  }

  std::string message;
  std::size_t pos = 0;

 private:
  bool enter() {
    if (++depth_ <= kJsonMaxDepth) return true;
    message = "nesting deeper than " + std::to_string(kJsonMaxDepth) + " levels";
    return false;
  }
  int depth_ = 0;
};

}  // namespace

std::expected<Json, std::string> parse_json(std::string_view text) {
  Json root;
  ExactSax sax(root);
  const bool ok = Json::sax_parse(text.begin(), text.end(), &sax, nlohmann::detail::input_format_t::json, true);
  if (!ok || sax.is_errored()) {
    std::string m = sax.message.empty() ? std::string("syntax error") : sax.message;
    // nlohmann's messages start with "[json.exception.parse_error.101] "; keep the readable part.
    if (auto p = m.find("] "); p != std::string::npos && m.starts_with("[json.exception")) m = m.substr(p + 2);
    return std::unexpected("invalid JSON: " + m);
  }
  return root;
}

std::expected<U256, std::string> json_quantity(const Json& j) {
  if (j.is_number_unsigned()) return U256{j.get<uint64_t>()};
  if (j.is_number_integer()) {
    if (j.get<int64_t>() < 0) return std::unexpected(std::string("must not be negative"));
    return U256{static_cast<uint64_t>(j.get<int64_t>())};
  }
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    auto v = parse_u256(s);
    if (!v) return std::unexpected(std::string(describe(v.error())) + " (\"" + s + "\")");
    return *v;
  }
  if (j.is_number_float()) return std::unexpected(std::string("must be an integer, not a fraction or exponent"));
  return std::unexpected(std::string("must be a decimal string, a 0x hex string or an integer"));
}

std::expected<SignedInt, IntegerError> json_signed_integer(const Json& j) {
  if (j.is_number_integer() && !j.is_number_unsigned() && j.get<int64_t>() < 0) {
    const int64_t v = j.get<int64_t>();
    return SignedInt{U256{static_cast<uint64_t>(-(v + 1)) + 1}, true};
  }
  const bool minus = j.is_string() && j.get_ref<const std::string&>().starts_with('-');
  auto m = minus ? json_quantity(Json(j.get_ref<const std::string&>().substr(1))) : json_quantity(j);
  if (!m) {
    // json_quantity's message for a number beyond 256 bits is U256Error::kOverflow's.
    const bool range = m.error().starts_with(describe(U256Error::kOverflow));
    return std::unexpected(IntegerError{range, m.error()});
  }
  return SignedInt{*m, minus && !m->is_zero()};
}

bool fits_integer(const SignedInt& v, unsigned bits, bool is_signed) noexcept {
  if (!is_signed) return !v.negative && v.magnitude.bit_length() <= bits;
  if (!v.negative) return v.magnitude.bit_length() < bits;
  return v.magnitude <= (U256{1} << (bits - 1));
}

U256 to_word(const SignedInt& v) noexcept { return v.negative ? U256{} - v.magnitude : v.magnitude; }

}  // namespace perpx::core
