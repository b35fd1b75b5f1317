#pragma once
// HTTP(S) JSON-RPC transport on one libcurl easy handle.
//
// One transport keeps one connection alive (keep-alive, TCP_NODELAY) and
// reuses it call after call; gzip/deflate replies are accepted and decoded;
// https verifies the peer and host by default. Each round trip has its own
// timeout. Failures map to RpcError:
//   could not connect / resolve / TLS handshake   kConnect     retryable
//   no complete reply in time                      kTimeout     retryable
//   connection dropped, bad HTTP                   kReset       retryable
//   HTTP 429 (Retry-After seconds or HTTP-date)    kRateLimited retryable, retry_after set
//   HTTP 5xx                                       kHttpStatus  retryable
//   HTTP 4xx and others                            kHttpStatus  non-retryable
//   reply body (decoded) above max_reply_bytes     kTooLarge    non-retryable
// With is_send, any failure after the request may have left (timeout, reset,
// 5xx, oversized or garbled reply) is kOutcomeUnknown; a refused connection,
// a failed resolve or TLS handshake is still kConnect/kRetryable (nothing was
// sent), and 429/4xx stay refusals. A timeout is always outcome-unknown for a
// send, even one spent connecting: libcurl does not tell the phases apart
// reliably, and erring that way is safe. (libcurl may itself resend a request
// once on a reused connection found dead before any reply byte; for a raw
// transaction that is the same bytes and hash, which nodes dedupe.)
// A non-2xx reply whose body is a JSON-RPC object ("jsonrpc" present) is
// returned as a success: some providers send node errors with 400/500, and
// the node's error object says more than the status.
//
// Secrets: the URL path, query and user info (where providers put API keys)
// never appear in errors or in url(); only scheme, host and port do.
//
// Thread: one thread at a time per transport. Allocates.
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "perpx/chain/rpc.hpp"

namespace perpx::chain {

struct HttpOptions {
  size_t max_reply_bytes = size_t{64} << 20;        // decoded body cap -> kTooLarge
  std::chrono::milliseconds connect_timeout{5000};  // also bounded by each call's timeout
  bool verify_peer = true;                          // TLS: check certificate and host name
  std::vector<std::string> headers;                 // extra "Name: value" lines (e.g. auth); never logged
};

class HttpTransport final : public Transport {
 public:
  // url: http:// or https://. Throws std::runtime_error only if libcurl
  // cannot make a handle (out of memory).
  explicit HttpTransport(std::string url, HttpOptions options = {});
  ~HttpTransport() override;
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  RpcResult<std::string> round_trip(std::string_view body, std::chrono::milliseconds timeout, bool is_send) override;
  // round_trip with more "Name: value" lines for this request only (a
  // header that depends on the body, such as X-Flashbots-Signature); the
  // static ones from HttpOptions are sent too. Never logged. Allocates the
  // header list for the call.
  RpcResult<std::string> round_trip_with_headers(std::string_view body, std::span<const std::string> headers,
                                                 std::chrono::milliseconds timeout, bool is_send);
  // scheme://host:port only (the path may hold an API key).
  [[nodiscard]] std::string url() const override { return redacted_; }

 private:
  struct Curl;
  std::string url_;
  std::string redacted_;
  HttpOptions options_;
  Curl* curl_;
};

// "scheme://host[:port]" of a URL, with user info, path and query dropped
// ("/..." appended when a path or query was dropped). When an '@' follows
// the first '/', '?' or '#' the user info may itself hold one of them (a
// password typed unencoded), so the host is not trusted either:
// "scheme://<redacted>/...".
std::string redact_url(std::string_view url);
// `text` with every credential-bearing part of `url` (the whole URL, its
// user info and password, its path and query, and each path segment or
// query value of 6 characters or more) replaced: for messages that came
// from outside (curl's error detail, a reply body) and may quote them.
std::string redact_in(std::string text, std::string_view url);

// An RpcClient over a new HttpTransport.
RpcClient make_http_client(std::string url, RetryPolicy policy = {}, HttpOptions options = {});

}  // namespace perpx::chain
