#include "perpx/chain/http.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <mutex>
#include <stdexcept>

namespace perpx::chain {

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Retry-After: delta-seconds or an HTTP-date. Capped at one day.
std::chrono::milliseconds parse_retry_after(std::string_view v) {
  v = trim(v);
  if (v.empty()) return std::chrono::milliseconds{0};
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t secs = 0;
    for (char c : v) {
      secs = secs * 10 + (c - '0');
      if (secs > 86400) return std::chrono::seconds{86400};
    }
    return std::chrono::seconds{secs};
  }
  std::string date(v);
  time_t when = curl_getdate(date.c_str(), nullptr);
  if (when < 0) return std::chrono::milliseconds{0};
  int64_t delta = static_cast<int64_t>(when) - static_cast<int64_t>(std::time(nullptr));
  return std::chrono::seconds{std::clamp<int64_t>(delta, 0, 86400)};
}

// A short printable excerpt of a reply body for error messages.
std::string excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (body.size() > 200) out += "...";
  return out;
}

}  // namespace

std::string redact_url(std::string_view url) {
  size_t scheme_end = url.find("://");
  size_t host_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t host_end = url.find_first_of("/?#", host_start);
  std::string_view authority = url.substr(host_start, host_end == std::string_view::npos ? std::string_view::npos : host_end - host_start);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string out(url.substr(0, host_start));
  out += authority;
  if (host_end != std::string_view::npos && url.substr(host_end) != "/") out += "/...";
  return out;
}

struct HttpTransport::Curl {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  char errbuf[CURL_ERROR_SIZE]{};
  std::string reply;
  size_t cap = 0;
  bool too_large = false;

  static size_t on_write(char* data, size_t size, size_t n, void* self_ptr) {
    auto* self = static_cast<Curl*>(self_ptr);
    size_t len = size * n;
    if (self->reply.size() + len > self->cap) {
      self->too_large = true;
      return 0;  // CURLE_WRITE_ERROR
    }
    self->reply.append(data, len);
    return len;
  }
};

HttpTransport::HttpTransport(std::string url, HttpOptions options)
    : url_(std::move(url)), redacted_(redact_url(url_)), options_(std::move(options)), curl_(new Curl) {
  global_init();
  curl_->easy = curl_easy_init();
  if (curl_->easy == nullptr) {
    delete curl_;
    throw std::runtime_error("curl_easy_init failed");
  }
  curl_->cap = options_.max_reply_bytes;
  curl_->reply.reserve(4096);
  for (const char* h : {"Content-Type: application/json", "Accept: application/json", "Expect:"})
    curl_->headers = curl_slist_append(curl_->headers, h);
  for (const auto& h : options_.headers) curl_->headers = curl_slist_append(curl_->headers, h.c_str());

  CURL* e = curl_->easy;
  curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, curl_->headers);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_MAXCONNECTS, 1L);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // every encoding libcurl decodes (gzip, deflate, ...)
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, options_.verify_peer ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, options_.verify_peer ? 2L : 0L);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_reply_bytes));
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, curl_->errbuf);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Curl::on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, curl_);
  // No header callback: Retry-After is read from libcurl's header store
  // (curl_easy_header) only when a 429 comes, so a normal reply costs nothing.
}

HttpTransport::~HttpTransport() {
  curl_easy_cleanup(curl_->easy);
  curl_slist_free_all(curl_->headers);
  delete curl_;
}

RpcResult<std::string> HttpTransport::round_trip(std::string_view body, std::chrono::milliseconds timeout, bool is_send) {
  CURL* e = curl_->easy;
  curl_->reply.clear();
  curl_->too_large = false;
  curl_->errbuf[0] = '\0';
  long total_ms = std::max<long>(1, static_cast<long>(timeout.count()));
  long connect_ms = std::min<long>(total_ms, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, total_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, std::max<long>(1, connect_ms));
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));

  CURLcode rc = curl_easy_perform(e);

  RpcError err;
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) return std::move(curl_->reply);
    err.http_status = static_cast<int>(status);
    if (status == 429) {
      err.code = RpcErrc::kRateLimited;
      err.cls = ErrorClass::kRetryable;  // a refusal: nothing was done, even for a send
      curl_header* h = nullptr;
      if (curl_easy_header(e, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h != nullptr)
        err.retry_after = parse_retry_after(h->value);
      err.message = "HTTP 429 Too Many Requests";
      return std::unexpected(std::move(err));
    }
    if (curl_->reply.find("\"jsonrpc\"") != std::string::npos) return std::move(curl_->reply);
    err.code = RpcErrc::kHttpStatus;
    err.message = "HTTP " + std::to_string(status);
    if (!curl_->reply.empty()) err.message += ": " + excerpt(curl_->reply);
    if (status >= 500) err.cls = is_send ? ErrorClass::kOutcomeUnknown : ErrorClass::kRetryable;
    else err.cls = ErrorClass::kNonRetryable;
    return std::unexpected(std::move(err));
  }

  err.message = curl_easy_strerror(rc);
  if (curl_->errbuf[0] != '\0') {
    std::string detail = curl_->errbuf;
    // Keep the URL's path and query (API keys) out of the message.
    if (size_t host_end = url_.find_first_of("/?#", url_.find("://") + 3); host_end != std::string::npos) {
      std::string secret = url_.substr(host_end);
      if (secret.size() > 1)
        for (size_t p; (p = detail.find(secret)) != std::string::npos;) detail.replace(p, secret.size(), "/...");
    }
    err.message += ": " + detail;
  }
  bool sent = true;  // conservative: only a failure to connect proves nothing left
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      err.code = RpcErrc::kConnect;
      err.cls = ErrorClass::kFatal;  // retrying cannot help
      sent = false;
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
      err.code = RpcErrc::kConnect;
      err.cls = ErrorClass::kRetryable;
      sent = false;
      break;
    case CURLE_OPERATION_TIMEDOUT:
      err.code = RpcErrc::kTimeout;
      err.cls = ErrorClass::kRetryable;
      break;
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
      if (curl_->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
        err.code = RpcErrc::kTooLarge;
        err.cls = ErrorClass::kNonRetryable;
        err.message = "reply larger than " + std::to_string(options_.max_reply_bytes) + " bytes";
      } else {
        err.code = RpcErrc::kReset;
        err.cls = ErrorClass::kRetryable;
      }
      break;
    case CURLE_BAD_CONTENT_ENCODING:
      err.code = RpcErrc::kBadReply;
      err.cls = ErrorClass::kRetryable;
      break;
    default:  // send/recv errors, empty reply, partial body, bad HTTP
      err.code = RpcErrc::kReset;
      err.cls = ErrorClass::kRetryable;
      break;
  }
  if (is_send && sent) err.cls = ErrorClass::kOutcomeUnknown;
  return std::unexpected(std::move(err));
}

RpcClient make_http_client(std::string url, RetryPolicy policy, HttpOptions options) {
  return RpcClient(std::make_unique<HttpTransport>(std::move(url), std::move(options)), policy);
}

}  // namespace perpx::chain
