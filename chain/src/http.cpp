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

namespace {
struct UrlParts {
  std::string_view scheme;    // "https://" (empty when the URL has none)
  std::string_view userinfo;  // "user:pass" (empty when none)
  std::string_view host;      // "host:port"
  std::string_view rest;      // "/path?query#fragment" (empty when none)
  bool ambiguous = false;     // an '@' after the first '/', '?' or '#'
};
UrlParts split_url(std::string_view url) {
  UrlParts p;
  const size_t scheme_end = url.find("://");
  const size_t host_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  p.scheme = url.substr(0, host_start);
  std::string_view after = url.substr(host_start);
  size_t end = after.find_first_of("/?#");
  const size_t last_at = after.rfind('@');
  if (last_at != std::string_view::npos && end != std::string_view::npos && last_at > end) {
    p.ambiguous = true;
    p.userinfo = after.substr(0, last_at);
    after.remove_prefix(last_at + 1);
    end = after.find_first_of("/?#");
  } else if (const size_t at = after.substr(0, end).rfind('@'); at != std::string_view::npos) {
    p.userinfo = after.substr(0, at);
    after.remove_prefix(at + 1);
    end = end == std::string_view::npos ? end : end - at - 1;
  }
  p.host = after.substr(0, end);
  if (end != std::string_view::npos) p.rest = after.substr(end);
  return p;
}
void replace_all(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (size_t p = 0; (p = text.find(what, p)) != std::string::npos; p += with.size()) text.replace(p, what.size(), with);
}
}  // namespace

std::string redact_url(std::string_view url) {
  const UrlParts p = split_url(url);
  std::string out(p.scheme);
  if (p.ambiguous) return out + "<redacted>/...";
  out += p.host;
  if (!p.rest.empty() && p.rest != "/") out += "/...";
  return out;
}

std::string redact_in(std::string text, std::string_view url) {
  const UrlParts p = split_url(url);
  replace_all(text, url, redact_url(url));
  // The whole URL first (it reads best redacted as a URL), then each part
  // wherever it is quoted alone. Parts shorter than 3 characters are left
  // alone: replacing "a" everywhere would garble the message.
  if (p.rest.size() > 1) replace_all(text, p.rest, "/...");
  // A server may quote the key alone ("invalid project id <key>"): every path
  // segment and query value of 6 characters or more, too.
  for (size_t i = 0; i < p.rest.size();) {
    const size_t j = std::min(p.rest.find_first_of("/?&=#;", i), p.rest.size());
    if (j - i >= 6) replace_all(text, p.rest.substr(i, j - i), "<redacted>");
    i = j + 1;
  }
  if (p.userinfo.size() >= 3) replace_all(text, p.userinfo, "<redacted>");
  if (const size_t colon = p.userinfo.find(':'); colon != std::string_view::npos) {
    const std::string_view password = p.userinfo.substr(colon + 1);
    if (password.size() >= 3) replace_all(text, password, "<redacted>");
  }
  return text;
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

RpcResult<std::string> HttpTransport::round_trip_with_headers(std::string_view body, std::span<const std::string> headers,
                                                              std::chrono::milliseconds timeout, bool is_send) {
  curl_slist* list = nullptr;
  for (const curl_slist* h = curl_->headers; h != nullptr; h = h->next) list = curl_slist_append(list, h->data);
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl_->easy, CURLOPT_HTTPHEADER, list);
  auto r = round_trip(body, timeout, is_send);
  curl_easy_setopt(curl_->easy, CURLOPT_HTTPHEADER, curl_->headers);
  curl_slist_free_all(list);
  return r;
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
    // A server may echo the key: redact before cutting, so no prefix of it survives the cut.
    if (!curl_->reply.empty()) err.message += ": " + excerpt(redact_in(curl_->reply.substr(0, 1024), url_));
    if (status >= 500) err.cls = is_send ? ErrorClass::kOutcomeUnknown : ErrorClass::kRetryable;
    else err.cls = ErrorClass::kNonRetryable;
    return std::unexpected(std::move(err));
  }

  err.message = curl_easy_strerror(rc);
  if (curl_->errbuf[0] != '\0') {
    // Keep the URL's credentials (user info, path and query) out of the message.
    std::string detail = redact_in(curl_->errbuf, url_);
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
