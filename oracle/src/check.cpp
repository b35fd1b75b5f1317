#include "perpx/oracle/check.hpp"

#include <charconv>

namespace perpx::oracle {

std::string describe(const CsvError& e) {
  if (e.line == 0) return e.message;
  return "row " + std::to_string(e.row) + " (line " + std::to_string(e.line) + "): " + e.message;
}

namespace {

using Err = std::unexpected<CsvError>;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits one line on commas; a field may be double-quoted ("" inside is a quote).
bool split_fields(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  size_t i = 0;
  for (;;) {
    std::string field;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) return false;  // unterminated quote
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != ',') return false;
    } else {
      const size_t end = line.find(',', i);
      field = std::string(trim(line.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i)));
      i = end == std::string_view::npos ? line.size() : end;
    }
    out.push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

std::expected<uint64_t, std::string> parse_uint(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::unexpected("empty");
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::unexpected("not an unsigned integer");
  return v;
}

// 1-64 printable ASCII characters (spaces inside allowed; none around, the
// field is trimmed).
bool valid_source_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

}  // namespace

std::expected<CsvInput, CsvError> parse_samples_csv(std::string_view text, const OracleConfig& config) {
  CsvInput in;
  for (const auto& s : config.sources) {
    in.sources.push_back(s.name);
    in.is_sequencer.push_back(s.kind == SourceKind::kSequencer);
  }
  size_t pos = 0, line_no = 0;
  std::vector<std::string> fields;
  int c_time = -1, c_source = -1, c_price = -1, c_conf = -1, c_round = -1, c_answered = -1, c_block = -1;
  size_t columns = 0;
  bool header = false;
  if (text.starts_with("\xEF\xBB\xBF")) pos = 3;  // a UTF-8 byte order mark
  while (pos <= text.size()) {
    const size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() + 1 : end + 1;
    ++line_no;
    if (trim(line).empty()) continue;
    const size_t row = in.rows.size();
    auto fail = [&](std::string msg) { return Err(CsvError{row, line_no, std::move(msg)}); };
    if (!split_fields(line, fields)) {
      if (!header) return Err(CsvError{0, line_no, "header: unterminated quote"});
      return fail("unterminated quote");
    }
    if (!header) {
      header = true;
      columns = fields.size();
      for (size_t i = 0; i < fields.size(); ++i) {
        std::string name = fields[i];
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        int* slot = name == "time" ? &c_time : name == "source" ? &c_source : name == "price" ? &c_price
                  : name == "conf" ? &c_conf : name == "round" || name == "round_id" ? &c_round
                  : name == "answered_in_round" ? &c_answered : name == "block" || name == "block_num" ? &c_block
                  : nullptr;
        if (!slot) continue;
        if (*slot >= 0) return Err(CsvError{0, line_no, "header: column \"" + name + "\" appears twice"});
        *slot = static_cast<int>(i);
      }
      if (c_time < 0 || c_source < 0 || c_price < 0)
        return Err(CsvError{0, line_no, "header: expected columns time,source,price[,conf]"});
      continue;
    }
    if (fields.size() != columns)
      return fail("expected " + std::to_string(columns) + " fields, found " + std::to_string(fields.size()));
    CsvRow r;
    r.line = line_no;
    // time
    const std::string& t = fields[static_cast<size_t>(c_time)];
    auto tp = parse_price(t);
    if (!tp) return fail("time \"" + t + "\": " + std::string(describe(tp.error())));
    if (tp->raw < 0) return fail("time \"" + t + "\": negative");
    r.sample.time_us = tp->raw / 1000;
    // source
    const std::string& src = fields[static_cast<size_t>(c_source)];
    if (!valid_source_name(src)) return fail("source \"" + src + "\": expected 1-64 printable ASCII characters");
    size_t id = in.sources.size();
    for (size_t i = 0; i < in.sources.size(); ++i)
      if (in.sources[i] == src) id = i;
    if (id == in.sources.size()) {
      if (config.strict()) return fail("source \"" + src + "\": unknown source (not in the config)");
      if (in.sources.size() == kMaxSources) return fail("source \"" + src + "\": more than 32 sources");
      in.sources.push_back(src);
      in.is_sequencer.push_back(src == "sequencer");
    }
    r.sample.source = static_cast<SourceId>(id);
    r.sequencer = in.is_sequencer[id];
    // price, conf
    const std::string& pr = fields[static_cast<size_t>(c_price)];
    auto p = parse_price(pr);
    if (!p) return fail("price \"" + pr + "\": " + std::string(describe(p.error())));
    r.sample.price = *p;
    if (r.sequencer && p->raw != 0 && p->raw != kPriceScale)
      return fail("price \"" + pr + "\": a sequencer status is 0 (up) or 1 (down)");
    if (c_conf >= 0 && !fields[static_cast<size_t>(c_conf)].empty()) {
      const std::string& cf = fields[static_cast<size_t>(c_conf)];
      auto c = parse_price(cf);
      if (!c) return fail("conf \"" + cf + "\": " + std::string(describe(c.error())));
      if (c->raw < 0) return fail("conf \"" + cf + "\": negative");
      r.sample.conf = *c;
    }
    auto opt_uint = [&](int col, const char* what, uint64_t& out) -> std::optional<CsvError> {
      if (col < 0 || fields[static_cast<size_t>(col)].empty()) return std::nullopt;
      auto v = parse_uint(fields[static_cast<size_t>(col)]);
      if (!v) return CsvError{row, line_no, std::string(what) + " \"" + fields[static_cast<size_t>(col)] + "\": " + v.error()};
      out = *v;
      return std::nullopt;
    };
    if (auto e = opt_uint(c_round, "round", r.sample.round_id)) return Err(*e);
    if (auto e = opt_uint(c_answered, "answered_in_round", r.sample.answered_in_round)) return Err(*e);
    if (auto e = opt_uint(c_block, "block", r.sample.block_num)) return Err(*e);
    if (c_round >= 0 && c_answered < 0) r.sample.answered_in_round = r.sample.round_id;
    in.rows.push_back(std::move(r));
  }
  if (!header) return Err(CsvError{0, 0, "empty input: expected a header time,source,price[,conf]"});
  return in;
}

Pipeline make_pipeline(const CsvInput& input, const OracleConfig& config) {
  Pipeline p(config.market_params);
  for (const auto& name : input.sources) p.add_source(name, config.thresholds_for(name));
  return p;
}

CheckSummary run_check(const CsvInput& input, const OracleConfig& config,
                       const std::function<void(const RowResult&)>& on_row) {
  Pipeline p = make_pipeline(input, config);
  CheckSummary s;
  s.sources.resize(input.sources.size());
  for (size_t i = 0; i < input.rows.size(); ++i) {
    const CsvRow& row = input.rows[i];
    RowResult rr;
    rr.row = i;
    rr.input = &row;
    auto& ps = s.sources[row.sample.source];
    ++s.rows;
    ++ps.rows;
    if (row.sequencer) {
      p.on_sequencer(row.sample.price.raw == 0, row.sample.time_us);
      rr.decision.accepted = true;
      rr.decision.reference = p.reference();
      rr.decision.mark = p.mark();
      ++s.sequencer_rows;
    } else {
      rr.decision = p.process(row.sample);
    }
    if (rr.decision.accepted) {
      ++s.accepted;
      ++ps.accepted;
    } else {
      ++s.rejected;
      ++ps.rejected;
      for (size_t k = 0; k < kReasonCount; ++k)
        if (rr.decision.reasons.has(static_cast<Reason>(k))) {
          ++s.reasons[k];
          ++ps.reasons[k];
        }
    }
    if (!rr.decision.reference) ++s.no_quorum_rows;
    s.reference = rr.decision.reference;
    s.mark = rr.decision.mark;
    if (on_row) on_row(rr);
  }
  return s;
}

core::Json time_json(int64_t time_us) {
  if (time_us % kMicrosPerSecond == 0) return time_us / kMicrosPerSecond;
  return static_cast<double>(time_us) / 1e6;
}

core::Json row_json(const RowResult& r, const CsvInput& input) {
  core::Json reasons = core::Json::array();
  for (size_t k = 0; k < kReasonCount; ++k)
    if (r.decision.reasons.has(static_cast<Reason>(k))) reasons.push_back(reason_name(static_cast<Reason>(k)));
  core::Json j = {
      {"row", r.row},
      {"time", time_json(r.input->sample.time_us)},
      {"source", input.sources[r.input->sample.source]},
      {"price", to_string(r.input->sample.price)},
      {"decision", r.decision.accepted ? "accept" : "reject"},
      {"reasons", reasons},
  };
  j["reference"] = r.decision.reference ? core::Json(to_string(*r.decision.reference)) : core::Json(nullptr);
  return j;
}

core::Json summary_json(const CheckSummary& s, const CsvInput& input) {
  auto reasons_of = [](const std::array<uint64_t, kReasonCount>& a) {
    core::Json j = core::Json::object();
    for (size_t k = 0; k < kReasonCount; ++k) j[std::string(reason_name(static_cast<Reason>(k)))] = a[k];
    return j;
  };
  core::Json sources = core::Json::object();
  for (size_t i = 0; i < s.sources.size(); ++i) {
    const auto& ps = s.sources[i];
    sources[input.sources[i]] = {{"rows", ps.rows}, {"accepted", ps.accepted}, {"rejected", ps.rejected},
                                 {"reasons", reasons_of(ps.reasons)}};
  }
  core::Json body = {
      {"rows", s.rows},         {"accepted", s.accepted},
      {"rejected", s.rejected}, {"no_quorum_rows", s.no_quorum_rows},
      {"reasons", reasons_of(s.reasons)}, {"sources", sources},
  };
  body["reference"] = s.reference ? core::Json(to_string(*s.reference)) : core::Json(nullptr);
  body["mark"] = s.mark ? core::Json(to_string(*s.mark)) : core::Json(nullptr);
  return core::Json{{"summary", body}};
}

}  // namespace perpx::oracle
