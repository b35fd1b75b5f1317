// perpx fault-proxy --listen 127.0.0.1:P --upstream URL [--faults SPEC] [--seconds N]
//   runs a FaultProxy (fault_proxy.hpp) until SIGINT/SIGTERM (or N seconds);
//   prints {"listen":"http://127.0.0.1:P","upstream":...,"faults":{...}} once
//   listening and the fault counts ({"stats":{...}}) when it stops.
#include "fault_proxy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "cli.hpp"

namespace perpx::app {

namespace {

using core::Json;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxMessage = size_t{16} << 20;
constexpr size_t kMaxConnections = 256;
constexpr int kIdleMs = 60'000;

enum class Fault { kNone, kDrop, kReset, k429, k503, kTruncate, kMalformed, kStall };

uint64_t mix(uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
double unit(uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }

bool parse_double(std::string_view v, double& out) {
  std::string s(v);
  char* end = nullptr;
  errno = 0;
  out = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size() && errno == 0 && out >= 0 && out <= 1;
}
bool parse_u64(std::string_view v, uint64_t& out) {
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size() && !v.empty();
}

// Writes all of `data`; false when the peer is gone.
bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t w = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (w <= 0) return false;
    data.remove_prefix(static_cast<size_t>(w));
  }
  return true;
}

void reset_close(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One HTTP message (request or response) with a Content-Length body, or none.
struct Message {
  std::string head;  // up to and including the blank line
  std::string body;
  bool upgrade = false;  // a WebSocket upgrade request / a 101 reply
};

}  // namespace

Json FaultStats::to_json() const {
  return Json{{"requests", requests},   {"connections", connections},   {"ws_connections", ws_connections},
              {"drop", drop},           {"reset", reset},               {"http429", http429},
              {"http503", http503},     {"truncate", truncate},         {"malformed", malformed},
              {"stall", stall},         {"ws_disconnect", ws_disconnect}, {"upstream_down", upstream_down},
              {"injected", injected()}};
}

std::expected<FaultSpec, std::string> parse_fault_spec(std::string_view text) {
  FaultSpec s;
  if (text == "none" || text.empty()) return s;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return std::unexpected("\"" + std::string(item) + "\": expected key=value");
    const std::string_view k = item.substr(0, eq), v = item.substr(eq + 1);
    uint64_t u = 0;
    bool ok = true;
    double* p = k == "drop"            ? &s.drop
                : k == "reset"         ? &s.reset
                : k == "429"           ? &s.http429
                : k == "503"           ? &s.http503
                : k == "truncate"      ? &s.truncate
                : k == "malformed"     ? &s.malformed
                : k == "stall"         ? &s.stall
                : k == "ws_disconnect" ? &s.ws_disconnect
                                       : nullptr;
    if (p != nullptr) ok = parse_double(v, *p);
    else if (!(ok = parse_u64(v, u))) {
    } else if (k == "seed") s.seed = u;
    else if (k == "latency_ms" && u <= 60'000) s.latency = std::chrono::milliseconds(u);
    else if (k == "jitter_ms" && u <= 60'000) s.jitter = std::chrono::milliseconds(u);
    else if (k == "stall_ms" && u <= 120'000) s.stall_for = std::chrono::milliseconds(u);
    else if (k == "burst" && u >= 1 && u <= 1000) s.burst = static_cast<unsigned>(u);
    else if (k == "retry_after_s" && u <= 3600) s.retry_after_s = static_cast<unsigned>(u);
    else if (k == "ws_frames" && u >= 2 && u <= 1'000'000) s.ws_frames = static_cast<unsigned>(u);
    else if (k == "max_faults") s.max_faults = u;
    else return std::unexpected("\"" + std::string(k) + "\": unknown key or value out of range");
    if (!ok) return std::unexpected("\"" + std::string(k) + "\": bad value \"" + std::string(v) + "\"");
  }
  if (s.drop + s.reset + s.http429 + s.http503 + s.truncate + s.malformed + s.stall > 1.0)
    return std::unexpected(std::string("the request fault probabilities add up to more than 1"));
  return s;
}

FaultSpec default_soak_faults(uint64_t seed) {
  FaultSpec s;
  s.seed = seed;
  s.latency = std::chrono::milliseconds(1);
  s.jitter = std::chrono::milliseconds(4);
  s.drop = 0.004;
  s.reset = 0.004;
  s.http429 = 0.003;
  s.http503 = 0.003;
  s.truncate = 0.004;
  s.malformed = 0.004;
  s.stall = 0.002;
  s.stall_for = std::chrono::milliseconds(1500);
  s.ws_disconnect = 0.5;
  s.burst = 2;
  s.retry_after_s = 1;
  return s;
}

struct FaultProxy::Impl {
  std::string host;
  std::string upstream_port;
  mutable std::mutex mu;  // spec, stats, burst
  FaultSpec spec;
  FaultStats st;
  unsigned burst_left = 0;
  Fault burst_kind = Fault::kNone;
  uint64_t next_request = 0, next_ws = 0;

  int listen_fd = -1;
  uint16_t port = 0;
  std::atomic<bool> stop{false};
  struct Conn {
    std::thread t;
    std::atomic<bool> done{false};
  };
  std::list<Conn> conns;  // the accept thread's only
  std::thread accept_thread;

  Impl(std::string upstream, FaultSpec s, uint16_t want_port) : spec(s) {
    std::string_view u = upstream;
    if (!u.starts_with("http://")) throw std::runtime_error("fault proxy: --upstream: http://host:port expected");
    u.remove_prefix(7);
    u = u.substr(0, u.find('/'));
    const size_t colon = u.rfind(':');
    if (colon == std::string_view::npos) throw std::runtime_error("fault proxy: --upstream: no port");
    host = std::string(u.substr(0, colon));
    upstream_port = std::string(u.substr(colon + 1));
    listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(want_port);
    socklen_t len = sizeof a;
    if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd, 64) != 0 ||
        ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ::close(listen_fd);
      throw std::runtime_error(std::string("fault proxy: cannot listen on 127.0.0.1: ") + std::strerror(errno));
    }
    port = ntohs(a.sin_port);
    accept_thread = std::thread([this] { accept_loop(); });
  }

  ~Impl() {
    stop = true;
    accept_thread.join();
    for (auto& c : conns) c.t.join();
    ::close(listen_fd);
  }

  // Sleeps up to d, in slices, while not stopped.
  void nap(std::chrono::milliseconds d) {
    const auto until = Clock::now() + d;
    while (!stop && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  bool readable(int fd, int ms) {
    for (int waited = 0; waited < ms && !stop; waited += 20) {
      pollfd p{fd, POLLIN, 0};
      const int r = ::poll(&p, 1, 20);
      if (r > 0) return true;
      if (r < 0 && errno != EINTR) return false;
    }
    return false;
  }

  // Reads one message from fd into m (buf keeps what follows). False: closed, bad or too large.
  bool read_message(int fd, std::string& buf, Message& m, int idle_ms) {
    for (;;) {
      const size_t end = buf.find("\r\n\r\n");
      if (end != std::string::npos) {
        const std::string h = lower(buf.substr(0, end + 4));
        size_t length = 0;
        if (size_t p = h.find("\r\ncontent-length:"); p != std::string::npos) {
          p += 17;
          while (p < h.size() && h[p] == ' ') ++p;
          uint64_t v = 0;
          auto [q, ec] = std::from_chars(h.data() + p, h.data() + h.size(), v);
          if (ec != std::errc() || v > kMaxMessage) return false;
          length = static_cast<size_t>(v);
        } else if (h.find("\r\ntransfer-encoding:") != std::string::npos) {
          return false;  // chunked: neither curl's requests nor anvil's replies use it
        }
        if (buf.size() >= end + 4 + length) {
          m.head = buf.substr(0, end + 4);
          m.body = buf.substr(end + 4, length);
          m.upgrade = h.find("\r\nupgrade: websocket") != std::string::npos || h.starts_with("http/1.1 101");
          buf.erase(0, end + 4 + length);
          return true;
        }
      }
      if (buf.size() > kMaxMessage + 65536 || !readable(fd, idle_ms)) return false;
      char tmp[65536];
      const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
    }
  }

  int connect_upstream() {
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), upstream_port.c_str(), &hints, &res) != 0 || res == nullptr) return -1;
    const int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int rc = fd < 0 ? -1 : ::connect(fd, res->ai_addr, res->ai_addrlen);
    ::freeaddrinfo(res);
    if (rc != 0) {
      if (fd >= 0) ::close(fd);
      return -1;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
  }

  // The fault of the next HTTP request, and the delay before it.
  std::pair<Fault, std::chrono::milliseconds> decide() {
    std::lock_guard lock(mu);
    const uint64_t k = next_request++;
    ++st.requests;
    const uint64_t r1 = mix(spec.seed ^ mix(k)), r2 = mix(r1);
    const auto delay = spec.latency + (spec.jitter.count() > 0 ? std::chrono::milliseconds(static_cast<int64_t>(
                                                                    r2 % static_cast<uint64_t>(spec.jitter.count() + 1)))
                                                              : std::chrono::milliseconds(0));
    if (st.injected() >= spec.max_faults) return {Fault::kNone, delay};
    Fault f = Fault::kNone;
    if (burst_left > 0) {
      --burst_left;
      f = burst_kind;
    } else {
      double u = unit(r1);
      const std::pair<double, Fault> table[] = {{spec.drop, Fault::kDrop},         {spec.reset, Fault::kReset},
                                                {spec.http429, Fault::k429},       {spec.http503, Fault::k503},
                                                {spec.truncate, Fault::kTruncate}, {spec.malformed, Fault::kMalformed},
                                                {spec.stall, Fault::kStall}};
      for (const auto& [p, kind] : table) {
        if (u < p) {
          f = kind;
          break;
        }
        u -= p;
      }
      if (f == Fault::k429 || f == Fault::k503) {
        burst_kind = f;
        burst_left = spec.burst - 1;
      }
    }
    switch (f) {
      case Fault::kDrop: ++st.drop; break;
      case Fault::kReset: ++st.reset; break;
      case Fault::k429: ++st.http429; break;
      case Fault::k503: ++st.http503; break;
      case Fault::kTruncate: ++st.truncate; break;
      case Fault::kMalformed: ++st.malformed; break;
      case Fault::kStall: ++st.stall; break;
      case Fault::kNone: break;
    }
    return {f, delay};
  }

  std::string status_reply(int status, unsigned retry_after) {
    const std::string body = R"({"error":"injected by perpx fault-proxy"})";
    return "HTTP/1.1 " + std::to_string(status) +
           (status == 429 ? " Too Many Requests" : status == 503 ? " Service Unavailable" : " Bad Gateway") +
           "\r\nContent-Type: application/json\r\n" +
           (status == 502 ? std::string() : "Retry-After: " + std::to_string(retry_after) + "\r\n") +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  // After a WebSocket handshake: bytes both ways until either side closes,
  // or the injected disconnect after `cut_after` upstream reads (0: never).
  void pipe(int client, int up, std::string pending_client, std::string pending_up, unsigned cut_after) {
    if (!write_all(client, pending_client) || !write_all(up, pending_up)) return;
    unsigned reads = 0;
    char tmp[65536];
    while (!stop) {
      pollfd p[2] = {{client, POLLIN, 0}, {up, POLLIN, 0}};
      const int r = ::poll(p, 2, 50);
      if (r < 0 && errno != EINTR) return;
      if (r <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if ((p[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const ssize_t n = ::recv(p[i].fd, tmp, sizeof tmp, 0);
        if (n <= 0) return;
        if (!write_all(i == 0 ? up : client, std::string_view(tmp, static_cast<size_t>(n)))) return;
        if (i == 1 && cut_after > 0 && ++reads >= cut_after) {
          std::lock_guard lock(mu);
          ++st.ws_disconnect;
          return;  // FIN to both, no close frame
        }
      }
    }
  }

  void serve(int client) {
    int up = -1;
    std::string cbuf, ubuf;
    Message req, rep;
    while (!stop && read_message(client, cbuf, req, kIdleMs)) {
      if (req.upgrade) {
        unsigned cut_after = 0;
        {
          std::lock_guard lock(mu);
          const uint64_t k = next_ws++;
          ++st.ws_connections;
          const uint64_t r = mix(spec.seed ^ mix(k ^ 0x5753ull));
          if (st.injected() < spec.max_faults && unit(r) < spec.ws_disconnect)
            cut_after = 2 + static_cast<unsigned>(mix(r) % (spec.ws_frames - 1));
        }
        if (up < 0) up = connect_upstream();
        if (up < 0) break;
        pipe(client, up, std::string(), req.head + req.body + cbuf, cut_after);
        break;
      }
      const auto [fault, delay] = decide();
      nap(delay);
      if (fault == Fault::kDrop) break;
      if (fault == Fault::k429 || fault == Fault::k503) {
        unsigned ra;
        {
          std::lock_guard lock(mu);
          ra = spec.retry_after_s;
        }
        if (!write_all(client, status_reply(fault == Fault::k429 ? 429 : 503, ra))) break;
        continue;
      }
      if (up < 0) up = connect_upstream();
      bool got = up >= 0 && write_all(up, req.head + req.body) && read_message(up, ubuf, rep, 30'000);
      if (!got && up >= 0) {  // a kept-alive upstream connection may have died with the node: once more
        ::close(up);
        ubuf.clear();
        up = connect_upstream();
        got = up >= 0 && write_all(up, req.head + req.body) && read_message(up, ubuf, rep, 30'000);
      }
      if (!got) {
        {
          std::lock_guard lock(mu);
          ++st.upstream_down;
        }
        if (up >= 0) ::close(up);
        up = -1;
        ubuf.clear();
        if (!write_all(client, status_reply(502, 0))) break;
        continue;
      }
      if (fault == Fault::kStall) {
        std::chrono::milliseconds d;
        {
          std::lock_guard lock(mu);
          d = spec.stall_for;
        }
        nap(d);
      }
      if (fault == Fault::kReset) {
        if (up >= 0) ::close(up);
        reset_close(client);
        return;
      }
      if (fault == Fault::kTruncate) {
        write_all(client, rep.head + rep.body.substr(0, rep.body.size() / 2));
        break;
      }
      if (fault == Fault::kMalformed) {
        std::string& b = rep.body;
        for (size_t i = b.size() / 3; i < b.size() && i < b.size() / 3 + 8; ++i) b[i] = '#';
        if (!b.empty()) b[0] = '<';
      }
      if (!write_all(client, rep.head + rep.body)) break;
    }
    if (up >= 0) ::close(up);
    ::close(client);
  }

  void accept_loop() {
    while (!stop) {
      for (auto it = conns.begin(); it != conns.end();) {
        if (it->done) {
          it->t.join();
          it = conns.erase(it);
        } else {
          ++it;
        }
      }
      pollfd p{listen_fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      if (conns.size() >= kMaxConnections) {
        ::close(fd);
        continue;
      }
      {
        std::lock_guard lock(mu);
        ++st.connections;
      }
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Conn& c = conns.emplace_back();
      c.t = std::thread([this, fd, &c] {
        serve(fd);
        c.done = true;
      });
    }
  }
};

FaultProxy::FaultProxy(std::string upstream, FaultSpec spec, uint16_t port)
    : impl_(std::make_unique<Impl>(std::move(upstream), spec, port)) {}
FaultProxy::~FaultProxy() = default;
uint16_t FaultProxy::port() const noexcept { return impl_->port; }
std::string FaultProxy::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }
std::string FaultProxy::ws_url() const { return "ws://127.0.0.1:" + std::to_string(impl_->port); }
void FaultProxy::set_spec(const FaultSpec& spec) {
  std::lock_guard lock(impl_->mu);
  impl_->spec = spec;
  impl_->burst_left = 0;
}
FaultStats FaultProxy::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->st;
}

// ---- the command ----

namespace {

struct ProxyCommand {
  std::string listen = "127.0.0.1:0";
  std::string upstream;
  std::string faults = "none";
  uint64_t seconds = 0;
};

void run_proxy(const ProxyCommand& o) {
  const size_t colon = o.listen.rfind(':');
  uint64_t port = 0;
  if (colon == std::string::npos || o.listen.substr(0, colon) != "127.0.0.1" ||
      !parse_u64(std::string_view(o.listen).substr(colon + 1), port) || port > 65535)
    fail("--listen: 127.0.0.1:PORT expected (loopback only), not \"" + o.listen + "\"");
  auto spec = parse_fault_spec(o.faults);
  if (!spec) fail("--faults: " + spec.error());
  // SIGINT/SIGTERM are taken by sigtimedwait below: blocked before any thread starts.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::optional<FaultProxy> proxy;
  try {
    proxy.emplace(o.upstream, *spec, static_cast<uint16_t>(port));
  } catch (const std::runtime_error& e) {
    fail(std::string("--upstream/--listen: ") + e.what());
  }
  print_json(Json{{"listen", proxy->url()}, {"ws", proxy->ws_url()}, {"upstream", o.upstream},
                  {"faults", o.faults}});
  std::fflush(stdout);
  const auto until = Clock::now() + std::chrono::seconds(o.seconds);
  for (;;) {
    timespec ts{0, 200'000'000};
    if (sigtimedwait(&set, nullptr, &ts) > 0) break;
    if (o.seconds > 0 && Clock::now() >= until) break;
  }
  print_json(Json{{"stats", proxy->stats().to_json()}});
}

}  // namespace

void add_fault_proxy_command(CLI::App& app) {
  auto o = std::make_shared<ProxyCommand>();
  auto* c = app.add_subcommand("fault-proxy", "a loopback proxy to a node that injects seeded, bounded faults");
  c->add_option("--listen", o->listen, "127.0.0.1:PORT (0: any free port; printed)");
  c->add_option("--upstream", o->upstream, "the node, http://host:port")->required();
  c->add_option("--faults", o->faults,
                "none, or key=value,...: seed latency_ms jitter_ms drop reset 429 503 truncate malformed stall "
                "stall_ms ws_disconnect ws_frames burst retry_after_s max_faults");
  c->add_option("--seconds", o->seconds, "stop after this long (default: at SIGINT/SIGTERM)");
  c->callback([o] { run_proxy(*o); });
}

}  // namespace perpx::app
