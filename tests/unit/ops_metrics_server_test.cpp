// ops: the /metrics endpoint, scraped over real loopback HTTP, and the
// address rules (loopback unless allowed).
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "perpx/core/metrics.hpp"
#include "perpx/ops/metrics_server.hpp"

using namespace perpx;

namespace {

// One HTTP exchange with 127.0.0.1:port; the whole reply (the server closes).
std::string http(uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  std::string reply;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return reply;
}

std::string get(uint16_t port, const std::string& path) {
  return http(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/plain\r\n\r\n");
}

std::string body_of(const std::string& reply) {
  const auto p = reply.find("\r\n\r\n");
  REQUIRE(p != std::string::npos);
  return reply.substr(p + 4);
}

}  // namespace

TEST_CASE("listen addresses: loopback by default, names never resolved", "[ops][metrics]") {
  auto a = ops::parse_listen_address("9464");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 9464);
  CHECK(a->loopback);
  CHECK(ops::parse_listen_address(":0")->host == "127.0.0.1");
  CHECK(ops::parse_listen_address("localhost:1")->loopback);
  CHECK(ops::parse_listen_address("127.5.6.7:80")->loopback);
  auto v6 = ops::parse_listen_address("[::1]:9464");
  REQUIRE(v6);
  CHECK(v6->ipv6);
  CHECK(v6->loopback);
  CHECK_FALSE(ops::parse_listen_address("0.0.0.0:9464")->loopback);
  CHECK_FALSE(ops::parse_listen_address("[::]:9464")->loopback);
  CHECK_FALSE(ops::parse_listen_address("10.1.2.3:9464")->loopback);
  for (const char* bad : {"", "host:", "127.0.0.1:65536", "127.0.0.1:-1", "metrics.example:9464", "::1:9464",
                          "[::1]9464", "127.0.0.1:80x", "999.1.1.1:80"}) {
    auto r = ops::parse_listen_address(bad);
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ops::ServeErrc::kBadAddress);
  }
}

TEST_CASE("a non-loopback address is refused unless allowed", "[ops][metrics]") {
  core::Registry r;
  auto s = ops::MetricsServer::start("0.0.0.0:0", r);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == ops::ServeErrc::kNotLoopback);
  CHECK(s.error().message.find("--metrics-allow-remote") != std::string::npos);
  // Allowed on purpose: it listens (on every address, port chosen by the kernel).
  auto open = ops::MetricsServer::start("0.0.0.0:0", r, {.allow_remote = true});
  REQUIRE(open);
  CHECK((*open)->port() != 0);
}

TEST_CASE("GET /metrics serves the registry's exposition, live", "[ops][metrics]") {
  core::Registry r;
  core::Counter& c = r.counter("perpx_things_total", "Things.", {{"kind", "a"}});
  auto s = ops::MetricsServer::start("127.0.0.1:0", r);
  REQUIRE(s);
  const uint16_t port = (*s)->port();
  CHECK((*s)->address() == "127.0.0.1:" + std::to_string(port));

  std::string reply = get(port, "/metrics");
  CHECK(reply.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(reply.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  CHECK(reply.find("Content-Length: " + std::to_string(body_of(reply).size()) + "\r\n") != std::string::npos);
  CHECK(body_of(reply).find("perpx_things_total{kind=\"a\"} 0\n") != std::string::npos);

  c.inc(41);
  c.inc();
  CHECK(body_of(get(port, "/metrics?x=1")).find("perpx_things_total{kind=\"a\"} 42\n") != std::string::npos);
  CHECK(body_of(get(port, "/metrics")) == r.render());
  CHECK((*s)->scrapes() == 3);

  CHECK(get(port, "/").starts_with("HTTP/1.1 404"));
  CHECK(http(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").starts_with("HTTP/1.1 405"));
  CHECK(http(port, "garbage\r\n\r\n").starts_with("HTTP/1.1 400"));
  const std::string head = http(port, "HEAD /metrics HTTP/1.1\r\n\r\n");
  CHECK(head.starts_with("HTTP/1.1 200 OK"));
  CHECK(body_of(head).empty());
  CHECK((*s)->scrapes() == 4);
}

TEST_CASE("a busy port is an error value, not an exception", "[ops][metrics]") {
  core::Registry r;
  auto first = ops::MetricsServer::start("127.0.0.1:0", r);
  REQUIRE(first);
  auto second = ops::MetricsServer::start("127.0.0.1:" + std::to_string((*first)->port()), r);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == ops::ServeErrc::kBind);
}
