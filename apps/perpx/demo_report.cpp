// demo-report.html (demo_report.hpp): inline SVG charts and the summary.
#include "demo_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace perpx::app {

namespace {

constexpr int kWidth = 860, kHeight = 240, kLeft = 70, kRight = 20, kTop = 28, kBottom = 30;
constexpr const char* kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, std::fabs(v) >= 100 ? "%.0f" : std::fabs(v) >= 1 ? "%.2f" : "%.4f", v);
  return b;
}

std::string cell(const core::Json& v) {
  if (v.is_string()) return esc(v.get<std::string>());
  if (v.is_number_float()) return num(v.get<double>());
  return esc(v.dump());
}

// A JSON object as a two-column table (nested objects flattened "a.b").
void table(std::string& html, const std::string& title, const core::Json& j) {
  html += "<h2>" + esc(title) + "</h2><table>";
  auto walk = [&](auto& self, const std::string& prefix, const core::Json& v) -> void {
    if (v.is_object()) {
      for (const auto& [k, x] : v.items()) self(self, prefix.empty() ? k : prefix + "." + k, x);
      return;
    }
    html += "<tr><td>" + esc(prefix) + "</td><td>" + cell(v) + "</td></tr>";
  };
  walk(walk, "", j);
  html += "</table>";
}

}  // namespace

std::string svg_chart(const std::string& title, const std::vector<double>& x,
                      const std::vector<std::pair<std::string, std::vector<double>>>& series,
                      const std::vector<std::pair<double, std::string>>& marks) {
  double x0 = x.empty() ? 0 : x.front(), x1 = x.empty() ? 1 : x.back();
  double y0 = INFINITY, y1 = -INFINITY;
  for (const auto& [name, ys] : series)
    for (double y : ys)
      if (std::isfinite(y)) y0 = std::min(y0, y), y1 = std::max(y1, y);
  if (!std::isfinite(y0)) y0 = 0, y1 = 1;
  if (y1 - y0 < 1e-12) y0 -= 1, y1 += 1;
  const double pad = (y1 - y0) * 0.05;
  y0 -= pad, y1 += pad;
  if (x1 - x0 < 1e-12) x1 = x0 + 1;
  const double pw = kWidth - kLeft - kRight, ph = kHeight - kTop - kBottom;
  auto px = [&](double v) { return kLeft + (v - x0) / (x1 - x0) * pw; };
  auto py = [&](double v) { return kTop + (y1 - v) / (y1 - y0) * ph; };
  char b[160];
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(kWidth) + "\" height=\"" +
                  std::to_string(kHeight) + "\" role=\"img\"><title>" + esc(title) + "</title>";
  std::snprintf(b, sizeof b, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" stroke=\"#ccc\"/>",
                kLeft, kTop, pw, ph);
  s += b;
  s += "<text x=\"" + std::to_string(kLeft) + "\" y=\"18\" font-size=\"14\" font-weight=\"bold\">" + esc(title) + "</text>";
  for (int k = 0; k <= 4; ++k) {
    const double v = y0 + (y1 - y0) * k / 4;
    std::snprintf(b, sizeof b, "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>", kLeft - 4,
                  py(v) + 3, num(v).c_str());
    s += b;
  }
  for (const auto& [at, name] : marks) {
    std::snprintf(b, sizeof b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#999\" stroke-dasharray=\"3,3\"/>",
                  px(at), kTop, px(at), kTop + ph);
    s += b;
    std::snprintf(b, sizeof b, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"9\" fill=\"#555\">", px(at) + 2, kTop + ph + 12);
    s += b + esc(name) + "</text>";
  }
  size_t c = 0;
  double legend_x = kLeft + 8.0 * static_cast<double>(title.size()) + 24;
  for (const auto& [name, ys] : series) {
    const char* colour = kColours[c++ % std::size(kColours)];
    std::string pts;
    for (size_t i = 0; i < ys.size() && i < x.size(); ++i) {
      if (!std::isfinite(ys[i])) continue;
      std::snprintf(b, sizeof b, "%.1f,%.1f ", px(x[i]), py(ys[i]));
      pts += b;
    }
    s += "<polyline fill=\"none\" stroke=\"" + std::string(colour) + "\" stroke-width=\"1.5\" points=\"" + pts + "\"/>";
    std::snprintf(b, sizeof b, "<text x=\"%.0f\" y=\"18\" font-size=\"11\" fill=\"%s\">", legend_x, colour);
    s += b + esc(name) + "</text>";
    legend_x += 14 + 7 * static_cast<double>(name.size());
  }
  s += "<text x=\"" + std::to_string(kLeft + static_cast<int>(pw) / 2) + "\" y=\"" + std::to_string(kHeight - 2) +
       "\" font-size=\"10\" text-anchor=\"middle\">block</text></svg>";
  return s;
}

std::expected<void, std::string> write_demo_report(const std::filesystem::path& file, const DemoSeries& s,
                                                   const core::Json& summary) {
  std::vector<double> neg_band(s.band.size());
  std::transform(s.band.begin(), s.band.end(), neg_band.begin(), [](double v) { return -v; });
  std::string html =
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>perpx demo</title><style>"
      "body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin-bottom:16px}"
      "td{border:1px solid #ddd;padding:3px 8px;font-size:13px}svg{display:block;margin:12px 0}</style></head><body>"
      "<h1>perpx demo</h1><p>Every figure below was read from the local chain and the executor's journal.</p>";
  html += svg_chart("Price (oracle reference) and venue index, USD", s.block, {{"price", s.price}, {"index", s.index}}, s.phases);
  html += svg_chart("Net delta and its band, ETH", s.block, {{"delta", s.delta}, {"+band", s.band}, {"-band", neg_band}}, s.phases);
  html += svg_chart("Margin ratio (equity / maintenance margin)", s.block, {{"margin ratio", s.margin_ratio}}, s.phases);
  html += svg_chart("Gas paid per block, gwei", s.block, {{"gas", s.gas_gwei}}, s.phases);
  const core::Json& sum = summary.contains("summary") ? summary["summary"] : summary;
  table(html, "Summary", sum);
  html += "</body></html>\n";
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return std::unexpected("--report: cannot write " + file.string());
  out << html;
  if (!out.flush()) return std::unexpected("--report: cannot write " + file.string());
  return {};
}

}  // namespace perpx::app
