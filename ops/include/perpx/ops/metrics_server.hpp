#pragma once
// The /metrics endpoint: a small HTTP/1.1 server on its own thread that
// answers GET /metrics with a registry's Prometheus text exposition (0.0.4,
// Content-Type text/plain; version=0.0.4). Anything else: 404 (other paths)
// or 405 (other methods); one request per connection (Connection: close).
//
// Addresses: "HOST:PORT", "[V6]:PORT", ":PORT" or "PORT" (loopback,
// 127.0.0.1). HOST is a numeric address or "localhost"; names are never
// resolved. Port 0 takes a free port (port() says which). A non-loopback
// address (anything outside 127.0.0.0/8 and ::1) is refused unless
// allow_remote: metrics name markets, endpoints and positions' activity.
//
// Thread: start() and the destructor from one thread; the server thread only
// reads the registry (render() locks against registration, never against
// the hot path). A slow client is cut off after the socket timeout; one
// client at a time; the server thread blocks every signal. Errors are values (ServeError), never exceptions.
#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "perpx/core/metrics.hpp"

namespace perpx::ops {

enum class [[nodiscard]] ServeErrc { kBadAddress, kNotLoopback, kSocket, kBind };
std::string_view describe(ServeErrc e) noexcept;

struct ServeError {
  ServeErrc code = ServeErrc::kBadAddress;
  std::string message;  // names the address and the cause
};

struct ListenAddress {
  std::string host;  // numeric, as given ("localhost" -> "127.0.0.1")
  uint16_t port = 0;
  bool ipv6 = false;
  bool loopback = false;
};
std::expected<ListenAddress, ServeError> parse_listen_address(std::string_view text);

struct MetricsServerOptions {
  bool allow_remote = false;
  int io_timeout_ms = 2000;  // per connection, reading the request and writing the reply
};

class MetricsServer {
 public:
  static std::expected<std::unique_ptr<MetricsServer>, ServeError> start(std::string_view address,
                                                                         const core::Registry& registry,
                                                                         MetricsServerOptions options = {});
  ~MetricsServer();  // stops accepting and joins the thread
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  [[nodiscard]] uint16_t port() const noexcept;
  // "127.0.0.1:9464" or "[::1]:9464", with the bound port.
  [[nodiscard]] std::string address() const;
  [[nodiscard]] uint64_t scrapes() const noexcept;

  struct Impl;

 private:
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace perpx::ops
