// perpx order place --venue hyperliquid: see hl_order.hpp.
#include "hl_order.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <memory>
#include <optional>

#include "exec_session.hpp"
#include "perpx/core/address.hpp"
#include "perpx/executor/book_venue.hpp"
#include "perpx/executor/journal.hpp"
#include "perpx/signer/keystore.hpp"
#include "perpx/venues/hyperliquid_client.hpp"
#include "perpx/venues/hyperliquid_nonce.hpp"
#include "perpx/venues/hyperliquid_venue.hpp"

namespace perpx::app {

namespace {

namespace hl = venues::hl;
using core::Json;

struct HlFlags {
  bool testnet = false;
  std::string url, agent_for, vault, trigger_px, tpsl, twap_minutes;
  bool trigger_limit = false, twap_randomize = false, isolated = false;
  std::optional<uint32_t> leverage;
};
// Filled by CLI11 while parsing; one `order place` per process.
HlFlags& flags() {
  static HlFlags f;
  return f;
}

// A password typed on the terminal, not echoed.
std::string prompt_password() {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0) fail("--keystore: no password: pass --password-file, set PERPX_KEYSTORE_PASSWORD, or run on a terminal");
  termios old{};
  const bool tty = ::tcgetattr(fd, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  constexpr std::string_view kAsk = "keystore password: ";
  (void)!::write(fd, kAsk.data(), kAsk.size());
  std::string pw;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n' && c != '\r') pw.push_back(c);
  if (tty) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return pw;
}

signer::SecretKey load_hl_key(const KeyOptions& k) {
  if (k.keystore.empty() || !k.password_file.empty() || !k.private_key.empty()) return load_key(k);
  const std::string json = read_private_file(k.keystore, "--keystore");
  const char* env = std::getenv("PERPX_KEYSTORE_PASSWORD");
  const std::string password = env != nullptr ? std::string(env) : prompt_password();
  return take(signer::decrypt_keystore(json, password), "--keystore");
}

executor::Failpoint drill_failpoint() {
  const char* at = std::getenv("PERPX_DRILL_FAILPOINT");
  if (at == nullptr || *at == '\0') return {};
  return [where = std::string(at)](std::string_view point) {
    if (point == where) std::raise(SIGKILL);
  };
}

core::U256 wad_flag(const std::string& text, std::string_view what) {
  auto v = core::parse_wad(text);
  if (!v || v->is_zero()) fail(std::string(what) + ": " + (v ? std::string("must be above zero") : v.error()));
  return *v;
}

Json placed_json(executor::Journal& j, const executor::BookPlaced& p) {
  const auto rec = take(j.order(p.order_id), "--journal");
  Json out = Json{{"id", rec.id},         {"client_order_id", rec.client_order_id}, {"venue", rec.venue},
                  {"market", rec.market}, {"side", rec.side},                       {"size", rec.size},
                  {"limit", rec.limit_price}, {"reduce_only", rec.reduce_only},     {"strategy", rec.strategy},
                  {"state", rec.state}};
  const auto facts = take(j.facts(p.order_id), "--journal");
  if (auto f = facts.find("venue_client_id"); f != facts.end()) out["cloid"] = f->second;
  if (auto f = facts.find("venue_order_id"); f != facts.end()) out["venue_order_id"] = f->second;
  if (!p.report.filled_size.empty()) out["filled_size"] = p.report.filled_size;
  if (!p.report.avg_price.empty()) out["avg_price"] = p.report.avg_price;
  const auto events = take(j.events(p.order_id), "--journal");
  if (!events.empty()) {
    auto d = core::parse_json(events.back().detail);
    if (d && d->is_object() && d->contains("why")) out["why"] = (*d)["why"];
  }
  return out;
}

}  // namespace

void add_hl_place_options(CLI::App* place) {
  HlFlags& f = flags();
  auto* g = place->add_option_group("Hyperliquid (--venue hyperliquid)");
  g->add_flag("--testnet", f.testnet, "Hyperliquid testnet (API and signing)");
  g->add_option("--hl-url", f.url, "Hyperliquid API base URL (default mainnet, or testnet with --testnet)");
  g->add_option("--agent-for", f.agent_for, "the key is an API wallet trading for this master address");
  g->add_option("--vault-address", f.vault, "act for this vault or subaccount");
  g->add_option("--trigger-px", f.trigger_px, "a trigger order at this price");
  g->add_option("--tpsl", f.tpsl, "tp | sl (with --trigger-px)");
  g->add_flag("--trigger-limit", f.trigger_limit, "once triggered, a limit at --limit (default: market)");
  g->add_option("--twap-minutes", f.twap_minutes, "the native TWAP over this many minutes (5-1440)");
  g->add_flag("--twap-randomize", f.twap_randomize, "randomised TWAP slices");
  g->add_option("--leverage", f.leverage, "set the market's leverage first (updateLeverage)");
  g->add_flag("--isolated", f.isolated, "isolated margin for --leverage (default cross)");
}

void place_hl_order(const HlPlaceArgs& a) {
  const HlFlags& f = flags();
  // Everything checked before the key is loaded or anything is sent.
  executor::BookOrder bo;
  executor::Order& order = bo.order;
  order.venue = std::string(hl::kVenueName);
  order.market = a.market;
  auto side = executor::parse_side(a.side);
  if (!side) fail("--side: buy or sell, not \"" + a.side + "\"");
  order.side = *side;
  order.size = wad_flag(a.size, "--size");
  order.limit_price = wad_flag(a.limit, "--limit");
  auto tif = executor::parse_tif(a.tif);
  if (!tif) fail("--tif: ioc, gtc or post_only, not \"" + a.tif + "\"");
  order.tif = *tif;
  auto urgency = executor::parse_urgency(a.urgency);
  if (!urgency) fail("--urgency: low, normal, urgent or critical, not \"" + a.urgency + "\"");
  order.urgency = *urgency;
  if (a.path != "auto") fail("--path: Hyperliquid orders take the book's own types (--tif, --trigger-px, --twap-minutes), not \"" + a.path + "\"");
  order.reduce_only = a.reduce_only;
  order.strategy = a.strategy;
  order.client_id = a.client_id.empty() ? "cli-" + std::to_string(wall_ms()) : a.client_id;
  if (!f.trigger_px.empty()) {
    if (f.tpsl != "tp" && f.tpsl != "sl") fail("--tpsl: tp or sl with --trigger-px");
    bo.trigger = executor::BookTrigger{wad_flag(f.trigger_px, "--trigger-px"), f.tpsl == "tp", !f.trigger_limit};
  } else if (!f.tpsl.empty() || f.trigger_limit) {
    fail("--tpsl/--trigger-limit: need --trigger-px");
  }
  if (!f.twap_minutes.empty()) {
    if (bo.trigger) fail("--twap-minutes: not with --trigger-px");
    const std::string& m = f.twap_minutes;
    if (m.empty() || m.size() > 4 || m.find_first_not_of("0123456789") != std::string::npos)
      fail("--twap-minutes: a whole number of minutes, not \"" + m + "\"");
    bo.twap = executor::BookTwap{static_cast<uint32_t>(std::stoul(m)), f.twap_randomize};
  } else if (f.twap_randomize) {
    fail("--twap-randomize: needs --twap-minutes");
  }
  hl::HlVenueOptions vo;
  vo.testnet = f.testnet;
  if (!f.agent_for.empty()) vo.master = take(core::parse_address(f.agent_for), "--agent-for");
  if (!f.vault.empty()) vo.vault = take(core::parse_address(f.vault), "--vault-address");
  std::string url = f.url.empty() ? std::string(f.testnet ? hl::kTestnetApi : hl::kMainnetApi) : f.url;
  if (!url.starts_with("http://") && !url.starts_with("https://")) fail("--hl-url: must be an http(s) URL");
  while (url.ends_with("/")) url.pop_back();

  signer::SecretKey key = load_hl_key(a.key);
  const auto path = journal_path(a.journal);
  auto nonces = hl::HlNonceSource::open(path);
  if (!nonces) fail("--journal: " + hl::to_string(nonces.error()));
  auto journal_r = executor::Journal::open(path);
  if (!journal_r) fail("--journal: " + journal_r.error().message);
  executor::Journal& journal = *journal_r;
  executor::KillSwitch kill({}, take(journal.trading_state(), "--journal"));
  executor::RiskGate risk(SessionOptions::default_risk_config());
  executor::Fencing fencing;
  hl::HlRestClient client(url);
  hl::HlVenue venue(client, *nonces, std::move(key), vo);
  executor::BookExecutorOptions eo;
  eo.failpoint = drill_failpoint();
  executor::BookExecutor ex(venue, journal, kill, eo);
  ex.set_risk(&risk, &fencing);

  const auto recovered = ex.recover(wall_ms());
  if (!recovered) fail("order: recovery: " + recovered.error().message);
  if (f.leverage) {
    if (auto r = venue.set_leverage(order.market, *f.leverage, !f.isolated); !r)
      fail("--leverage: " + std::string(executor::describe(r.error().code)) + ": " + r.error().message);
  }
  auto placed = ex.place(bo, wall_ms());
  if (!placed) {
    if (placed.error().order_id != 0 && a.json) {
      Json out = placed_json(journal, executor::BookPlaced{placed.error().order_id, "", {}, false});
      out["recovered"] = recovered->size();
      print_json(out);
      throw CliError("");  // exit 1, the JSON says why
    }
    fail(std::string("order: ") + std::string(executor::describe(placed.error().code)) + ": " + placed.error().message);
  }
  Json out = placed_json(journal, *placed);
  out["recovered"] = recovered->size();
  if (placed->existing) out["existing"] = true;
  if (a.json) print_json(out);
  else {
    std::string line = std::to_string(placed->order_id) + "  " + order.client_id + "  hyperliquid " + out["market"].get<std::string>() +
                       " " + a.side + " " + out["size"].get<std::string>() + " @ " + out["limit"].get<std::string>() + "  " +
                       out["state"].get<std::string>();
    if (out.contains("venue_order_id")) line += "  oid " + out["venue_order_id"].get<std::string>();
    if (out.contains("filled_size")) line += "  filled " + out["filled_size"].get<std::string>() + " @ " + out["avg_price"].get<std::string>();
    if (out.contains("why")) line += "  " + out["why"].dump();
    print_line(line);
  }
  const std::string state = out["state"].get<std::string>();
  if (state == "rejected" || state == "failed" || state == "cancelled") throw CliError("");
}

}  // namespace perpx::app
