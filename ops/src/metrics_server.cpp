#include "perpx/ops/metrics_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>

namespace perpx::ops {

std::string_view describe(ServeErrc e) noexcept {
  switch (e) {
    case ServeErrc::kBadAddress: return "bad listen address";
    case ServeErrc::kNotLoopback: return "address is not loopback";
    case ServeErrc::kSocket: return "cannot create a socket";
    case ServeErrc::kBind: return "cannot listen on the address";
  }
  return "metrics server error";
}

namespace {

std::unexpected<ServeError> err(ServeErrc c, std::string m) { return std::unexpected(ServeError{c, std::move(m)}); }

bool parse_port(std::string_view s, uint16_t& out) {
  if (s.empty() || s.size() > 5) return false;
  unsigned v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || v > 65535) return false;
  out = static_cast<uint16_t>(v);
  return true;
}

}  // namespace

std::expected<ListenAddress, ServeError> parse_listen_address(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  ListenAddress a;
  std::string_view host, port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return err(ServeErrc::kBadAddress, quoted + ": expected [ADDRESS]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    a.ipv6 = true;
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return err(ServeErrc::kBadAddress, quoted + ": an IPv6 address goes in brackets, [::1]:PORT");
  } else {
    port = text;  // a port alone: loopback
  }
  if (!parse_port(port, a.port)) return err(ServeErrc::kBadAddress, quoted + ": the port must be 0..65535");
  if (host.empty() || host == "localhost") host = a.ipv6 ? "::1" : "127.0.0.1";
  a.host = std::string(host);
  if (a.ipv6) {
    in6_addr v6{};
    if (inet_pton(AF_INET6, a.host.c_str(), &v6) != 1)
      return err(ServeErrc::kBadAddress, quoted + ": not a numeric IPv6 address");
    a.loopback = IN6_IS_ADDR_LOOPBACK(&v6);
  } else {
    in_addr v4{};
    if (inet_pton(AF_INET, a.host.c_str(), &v4) != 1)
      return err(ServeErrc::kBadAddress, quoted + ": not a numeric IPv4 address or localhost (names are not resolved)");
    a.loopback = (ntohl(v4.s_addr) >> 24) == 127;
  }
  return a;
}

struct MetricsServer::Impl {
  const core::Registry* registry = nullptr;
  MetricsServerOptions options;
  ListenAddress addr;
  int listen_fd = -1;
  int wake[2] = {-1, -1};  // a pipe: the destructor writes, the thread wakes
  std::atomic<uint64_t> scrapes{0};
  std::thread thread;

  ~Impl() {
    if (wake[1] >= 0) {
      const char c = 'x';
      (void)!::write(wake[1], &c, 1);
    }
    if (thread.joinable()) thread.join();
    for (int fd : {listen_fd, wake[0], wake[1]})
      if (fd >= 0) ::close(fd);
  }

  void serve_one(int fd) {
    timeval tv{};
    tv.tv_sec = options.io_timeout_ms / 1000;
    tv.tv_usec = (options.io_timeout_ms % 1000) * 1000;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::string req;
    char buf[2048];
    while (req.find("\r\n\r\n") == std::string::npos && req.size() < 8192) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // closed, or too slow: no reply
      req.append(buf, static_cast<size_t>(n));
    }
    const auto line_end = req.find("\r\n");
    const std::string_view line = std::string_view(req).substr(0, line_end);
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    std::string status, body, type = "text/plain; charset=utf-8";
    if (sp2 == std::string_view::npos || req.size() >= 8192) {
      status = "400 Bad Request";
      body = "bad request\n";
    } else {
      const std::string_view method = line.substr(0, sp1);
      std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
      if (method != "GET" && method != "HEAD") {
        status = "405 Method Not Allowed";
        body = "only GET\n";
      } else if (target != "/metrics") {
        status = "404 Not Found";
        body = "metrics are at /metrics\n";
      } else {
        status = "200 OK";
        type = "text/plain; version=0.0.4; charset=utf-8";
        body = registry->render();
        scrapes.fetch_add(1, std::memory_order_relaxed);
      }
      if (method == "HEAD") {
        std::string head = "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
                           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
        (void)send_all(fd, head);
        return;
      }
    }
    std::string reply = "HTTP/1.1 " + status + "\r\nContent-Type: " + type +
                        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)send_all(fd, reply);
  }

  static bool send_all(int fd, std::string_view s) {
    while (!s.empty()) {
      const ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      s.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  void run() {
    for (;;) {
      pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake[0], POLLIN, 0}};
      const int n = ::poll(fds, 2, -1);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || (fds[1].revents != 0)) return;
      if ((fds[0].revents & POLLIN) == 0) continue;
      const int c = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      serve_one(c);
      ::shutdown(c, SHUT_WR);
      ::close(c);
    }
  }
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsServer::~MetricsServer() = default;

std::expected<std::unique_ptr<MetricsServer>, ServeError> MetricsServer::start(std::string_view address,
                                                                               const core::Registry& registry,
                                                                               MetricsServerOptions options) {
  auto a = parse_listen_address(address);
  if (!a) return std::unexpected(std::move(a.error()));
  if (!a->loopback && !options.allow_remote)
    return err(ServeErrc::kNotLoopback, "'" + std::string(address) +
                                            "' is not a loopback address; metrics stay on this machine unless "
                                            "--metrics-allow-remote is given");
  auto impl = std::make_unique<Impl>();
  impl->registry = &registry;
  impl->options = options;
  impl->addr = *a;
  const int family = a->ipv6 ? AF_INET6 : AF_INET;
  impl->listen_fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (impl->listen_fd < 0) return err(ServeErrc::kSocket, std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(impl->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = 0;
  if (a->ipv6) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(a->port);
    (void)inet_pton(AF_INET6, a->host.c_str(), &sa.sin6_addr);
    rc = ::bind(impl->listen_fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  } else {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(a->port);
    (void)inet_pton(AF_INET, a->host.c_str(), &sa.sin_addr);
    rc = ::bind(impl->listen_fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  }
  if (rc != 0 || ::listen(impl->listen_fd, 16) != 0)
    return err(ServeErrc::kBind, "'" + std::string(address) + "': " + std::strerror(errno));
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (::getsockname(impl->listen_fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    if (bound.ss_family == AF_INET6) impl->addr.port = ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
    else impl->addr.port = ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
  }
  if (::pipe2(impl->wake, O_CLOEXEC) != 0) return err(ServeErrc::kSocket, std::string("pipe: ") + std::strerror(errno));
  Impl* p = impl.get();
  // The server thread takes no signals (commands wait for theirs with sigtimedwait).
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  impl->thread = std::thread([p] { p->run(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

uint16_t MetricsServer::port() const noexcept { return impl_->addr.port; }

std::string MetricsServer::address() const {
  const std::string port = std::to_string(impl_->addr.port);
  return impl_->addr.ipv6 ? "[" + impl_->addr.host + "]:" + port : impl_->addr.host + ":" + port;
}

uint64_t MetricsServer::scrapes() const noexcept { return impl_->scrapes.load(std::memory_order_relaxed); }

}  // namespace perpx::ops
