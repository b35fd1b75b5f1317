#pragma once
// A small HTTP/1.1 server on 127.0.0.1 for tests: it stands in for a
// misbehaving remote node (or a proxy in front of a real anvil) and answers
// each request with whatever the test's handler scripts: a delay, a reply cut
// short, a reset, any status and body. Keep-alive; one thread per connection
// (the handler may run on several at once: keep it thread-safe); every wait is
// bounded and the destructor stops and joins.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "perpx/core/json.hpp"

namespace perpx::test {

// What the server does with one request.
struct FaultReply {
  std::string raw;                         // the whole HTTP response (see http_reply)
  std::chrono::milliseconds delay{0};      // wait this long before writing
  size_t cut_after = std::string::npos;    // write only this many bytes of raw
  bool reset = false;                      // then close with RST
  bool close = false;                      // then close (FIN)
};

// A full HTTP/1.1 response with Content-Length.
inline std::string http_reply(int status, std::string_view body, std::string_view extra_headers = "") {
  std::string reason = status == 200 ? "OK" : status == 429 ? "Too Many Requests" : "Status";
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: application/json\r\n";
  r += extra_headers;
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  r += body;
  return r;
}

// A JSON-RPC result/error reply for the request's id.
inline std::string rpc_result(const core::Json& id, const core::Json& result) {
  core::Json j = {{"jsonrpc", "2.0"}, {"id", id}, {"result", result}};
  return j.dump();
}
inline std::string rpc_error(const core::Json& id, int64_t code, std::string_view message, const core::Json& data = nullptr) {
  core::Json e = {{"code", code}, {"message", message}};
  if (!data.is_null()) e["data"] = data;
  core::Json j = {{"jsonrpc", "2.0"}, {"id", id}, {"error", e}};
  return j.dump();
}

class FaultServer {
 public:
  // handler(body, n): n counts requests from 0. Called on the server thread.
  using Handler = std::function<FaultReply(const std::string& body, size_t n)>;

  explicit FaultServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("FaultServer: cannot listen on 127.0.0.1");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~FaultServer() {
    stop_ = true;
    thread_.join();
    for (auto& t : conn_threads_) t.join();
    ::close(listen_fd_);
  }
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  [[nodiscard]] uint16_t port() const { return port_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] size_t requests() const { return count_.load(); }
  [[nodiscard]] size_t connections() const { return connections_.load(); }
  // Bodies of the requests seen so far.
  [[nodiscard]] std::vector<std::string> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  // Their request lines and headers (as sent, up to the blank line).
  [[nodiscard]] std::vector<std::string> heads() const {
    std::lock_guard lock(mu_);
    return heads_;
  }

 private:
  // Waits for fd to be readable, up to `ms`, while not stopped.
  bool wait_readable(int fd, int ms) {
    for (int waited = 0; waited < ms && !stop_; waited += 20) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) return true;
    }
    return false;
  }

  // Reads one request; returns its body, or false when the peer closed.
  bool read_request(int fd, std::string& buf, std::string& body, std::string& head_out) {
    for (;;) {
      size_t head_end = buf.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t content_length = 0;
        std::string head = buf.substr(0, head_end);
        for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (size_t p = head.find("content-length:"); p != std::string::npos)
          content_length = std::stoul(head.substr(p + 15));
        if (buf.size() >= head_end + 4 + content_length) {
          body = buf.substr(head_end + 4, content_length);
          head_out = buf.substr(0, head_end);
          buf.erase(0, head_end + 4 + content_length);
          return true;
        }
      }
      if (!wait_readable(fd, 5000)) return false;
      char tmp[65536];
      ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<size_t>(n));
    }
  }

  void serve(int fd) {
    std::string buf, body, head;
    while (!stop_ && read_request(fd, buf, body, head)) {
      size_t n = count_.fetch_add(1);
      {
        std::lock_guard lock(mu_);
        bodies_.push_back(body);
        heads_.push_back(head);
      }
      FaultReply r = handler_(body, n);
      auto until = std::chrono::steady_clock::now() + r.delay;
      while (!stop_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::string_view out(r.raw);
      if (r.cut_after < out.size()) out = out.substr(0, r.cut_after);
      while (!out.empty()) {
        ssize_t w = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
        if (w <= 0) return;
        out.remove_prefix(static_cast<size_t>(w));
      }
      if (r.reset) {
        linger l{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        return;
      }
      if (r.close || r.cut_after != std::string::npos) return;
    }
  }

  void run() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      connections_.fetch_add(1);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      // A thread per connection, as a node serves several at once (a client
      // that timed out reconnects while the old reply is still delayed).
      conn_threads_.emplace_back([this, fd] {
        serve(fd);
        ::close(fd);
      });
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> count_{0};
  std::atomic<size_t> connections_{0};
  mutable std::mutex mu_;
  std::vector<std::string> bodies_;
  std::vector<std::string> heads_;
  std::vector<std::thread> conn_threads_;  // touched by the accept thread, joined after it
  std::thread thread_;
};

// The id of a single JSON-RPC request body (null if it has none).
inline core::Json request_id(const std::string& body) {
  auto j = core::parse_json(body);
  if (!j || !j->is_object() || !j->contains("id")) return nullptr;
  return (*j)["id"];
}

}  // namespace perpx::test
