#include "perpx/ops/log.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>

#include "perpx/core/metrics.hpp"

namespace perpx::ops {

std::string_view level_name(Level l) noexcept {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::optional<Level> parse_level(std::string_view s) noexcept {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError})
    if (s == level_name(l)) return l;
  if (s == "warning") return Level::kWarn;
  return std::nullopt;
}

std::string_view format_name(LogFormat f) noexcept { return f == LogFormat::kJson ? "json" : "text"; }

std::optional<LogFormat> parse_format(std::string_view s) noexcept {
  if (s == "text") return LogFormat::kText;
  if (s == "json") return LogFormat::kJson;
  return std::nullopt;
}

namespace {

struct FieldRec {
  uint16_t key_off = 0, key_len = 0;
  uint16_t s_off = 0, s_len = 0;
  Field::Kind kind = Field::Kind::kString;
  bool cut = false;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  bool b = false;
};

struct Record {
  int64_t time_ns = 0;
  Level level = Level::kInfo;
  uint8_t n = 0;
  uint16_t event_len = 0;
  bool event_cut = false;
  uint16_t used = 0;
  FieldRec f[Logger::kMaxFields];
  char text[Logger::kTextBytes];

  // Copies s into text; cuts it when the record is full.
  void put(std::string_view s, uint16_t& off, uint16_t& len, bool& cut) noexcept {
    const size_t room = Logger::kTextBytes - used;
    const size_t n_copy = s.size() <= room ? s.size() : room;
    off = used;
    len = static_cast<uint16_t>(n_copy);
    cut = n_copy < s.size();
    for (size_t k = 0; k < n_copy; ++k) text[used + k] = s[k];
    used = static_cast<uint16_t>(used + n_copy);
  }
  [[nodiscard]] std::string_view str(uint16_t off, uint16_t len) const noexcept { return {text + off, len}; }
};

struct Cell {
  std::atomic<size_t> seq{0};
  Record r;
};

size_t round_up_pow2(size_t n) {
  size_t p = 2;
  while (p < n) p <<= 1;
  return p;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

bool needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

template <class T>
void append_number(std::string& out, T v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_time(std::string& out, int64_t ns) {
  const std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  const auto micros = static_cast<long>((ns % 1'000'000'000) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(buf, n);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06ldZ", micros);
  out += frac;
}

void format(std::string& out, const Record& r, LogFormat fmt) {
  const bool json = fmt == LogFormat::kJson;
  std::string cut_buf;
  auto string_value = [&](std::string_view s, bool cut) -> std::string_view {
    if (!cut) return s;
    cut_buf.assign(s);
    cut_buf += "...";
    return cut_buf;
  };
  if (json) {
    out += "{\"ts\":\"";
    append_time(out, r.time_ns);
    out += "\",\"level\":\"";
    out += level_name(r.level);
    out += "\",\"event\":";
    append_json_string(out, string_value(r.str(0, r.event_len), r.event_cut));
  } else {
    append_time(out, r.time_ns);
    out += ' ';
    out += level_name(r.level);
    out += ' ';
    out += string_value(r.str(0, r.event_len), r.event_cut);
  }
  for (uint8_t k = 0; k < r.n; ++k) {
    const FieldRec& f = r.f[k];
    const std::string_view key = r.str(f.key_off, f.key_len);
    if (json) {
      out += ',';
      append_json_string(out, key);
      out += ':';
    } else {
      out += ' ';
      out += key;
      out += '=';
    }
    switch (f.kind) {
      case Field::Kind::kString: {
        const std::string_view v = string_value(r.str(f.s_off, f.s_len), f.cut);
        if (json || needs_quotes(v)) append_json_string(out, v);
        else out += v;
        break;
      }
      case Field::Kind::kInt: append_number(out, f.i); break;
      case Field::Kind::kUint: append_number(out, f.u); break;
      case Field::Kind::kDouble:
        if (std::isfinite(f.d)) append_number(out, f.d);
        else if (json) out += "null";
        else out += std::isnan(f.d) ? "NaN" : (f.d > 0 ? "+Inf" : "-Inf");
        break;
      case Field::Kind::kBool: out += f.b ? "true" : "false"; break;
    }
  }
  if (json) out += '}';
  out += '\n';
}

bool write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    const ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    s.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

// A bounded multi-producer queue (D. Vyukov's), one consumer: the writer.
struct Logger::Impl {
  size_t mask;
  std::unique_ptr<Cell[]> cells;
  alignas(64) std::atomic<size_t> head{0};  // next to push
  alignas(64) size_t tail = 0;              // next to pop (writer only)
  std::atomic<bool> stop{false};
  std::mutex mu;  // the writer's wake-up only; never taken by log()
  std::condition_variable cv;
  bool wake = false;
  core::Counter* dropped_metric;
  std::thread writer;

  explicit Impl(size_t capacity)
      : mask(round_up_pow2(capacity) - 1),
        cells(new Cell[mask + 1]),
        dropped_metric(&core::default_registry().counter(
            "perpx_log_dropped_total", "Log records dropped because the log queue was full (the hot path never waits).")) {
    for (size_t i = 0; i <= mask; ++i) cells[i].seq.store(i, std::memory_order_relaxed);
  }

  Record* begin_push(size_t& pos) noexcept {
    pos = head.load(std::memory_order_relaxed);
    for (;;) {
      Cell& c = cells[pos & mask];
      const size_t seq = c.seq.load(std::memory_order_acquire);
      const auto diff = static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos);
      if (diff == 0) {
        if (head.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) return &c.r;
      } else if (diff < 0) {
        return nullptr;  // full
      } else {
        pos = head.load(std::memory_order_relaxed);
      }
    }
  }
  void nudge();
  void end_push(size_t pos) noexcept { cells[pos & mask].seq.store(pos + 1, std::memory_order_release); }

  const Record* peek() noexcept {
    Cell& c = cells[tail & mask];
    return c.seq.load(std::memory_order_acquire) == tail + 1 ? &c.r : nullptr;
  }
  void pop() noexcept {
    cells[tail & mask].seq.store(tail + mask + 1, std::memory_order_release);
    ++tail;
  }
};

Logger::Logger(LoggerOptions options) : options_(options), impl_(std::make_unique<Impl>(options.capacity)) {
  // The writer takes no signals: commands that wait for SIGINT with
  // sigtimedwait (watch) block it in their own thread only.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  impl_->writer = std::thread([this] {
    std::string buf;
    buf.reserve(64 * 1024);
    for (;;) {
      {
        // Producers never signal: the writer wakes on its own, or for flush() and the destructor.
        std::unique_lock lock(impl_->mu);
        impl_->cv.wait_for(lock, options_.idle_poll, [&] { return impl_->wake; });
        impl_->wake = false;
      }
      const bool stopping = impl_->stop.load(std::memory_order_acquire);
      uint64_t n = 0;
      while (const Record* r = impl_->peek()) {
        format(buf, *r, options_.format);
        impl_->pop();
        ++n;
        if (buf.size() >= 32 * 1024) {
          (void)write_all(options_.fd, buf);
          buf.clear();
          written_.fetch_add(n, std::memory_order_release);
          n = 0;
        }
      }
      if (!buf.empty()) (void)write_all(options_.fd, buf);
      buf.clear();
      if (n > 0) written_.fetch_add(n, std::memory_order_release);
      if (stopping) break;  // drained after stop was seen
    }
  });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void Logger::Impl::nudge() {
  {
    std::lock_guard lock(mu);
    wake = true;
  }
  cv.notify_one();
}

Logger::~Logger() {
  impl_->stop.store(true, std::memory_order_release);
  impl_->nudge();
  if (impl_->writer.joinable()) impl_->writer.join();
}

bool Logger::log(Level l, std::string_view event, std::initializer_list<Field> fields) noexcept {
  if (!enabled(l)) return false;
  size_t pos = 0;
  Record* r = impl_->begin_push(pos);
  if (r == nullptr) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    impl_->dropped_metric->inc();
    return false;
  }
  r->time_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  r->level = l;
  r->used = 0;
  uint16_t event_off = 0;
  r->put(event, event_off, r->event_len, r->event_cut);
  // Keys first, then values: a long value is cut, never a later key.
  uint8_t n = 0;
  for (const Field& in : fields) {
    if (n == kMaxFields) break;
    FieldRec& f = r->f[n++];
    bool key_cut = false;
    r->put(in.key, f.key_off, f.key_len, key_cut);
    f.kind = in.kind;
    f.cut = false;
  }
  n = 0;
  for (const Field& in : fields) {
    if (n == kMaxFields) break;
    FieldRec& f = r->f[n++];
    switch (in.kind) {
      case Field::Kind::kString: r->put(in.s, f.s_off, f.s_len, f.cut); break;
      case Field::Kind::kInt: f.i = in.i; break;
      case Field::Kind::kUint: f.u = in.u; break;
      case Field::Kind::kDouble: f.d = in.d; break;
      case Field::Kind::kBool: f.b = in.b; break;
    }
  }
  r->n = n;
  impl_->end_push(pos);
  return true;
}

void Logger::flush() {
  // Every record pushed so far has a position below head; the writer has
  // written them all once written_ reaches it.
  const uint64_t target = impl_->head.load(std::memory_order_acquire);
  while (written_.load(std::memory_order_acquire) < target) {
    impl_->nudge();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

namespace {
std::atomic<Logger*> g_logger{nullptr};
}

Logger* global_logger() noexcept { return g_logger.load(std::memory_order_acquire); }
void set_global_logger(Logger* l) noexcept { g_logger.store(l, std::memory_order_release); }

}  // namespace perpx::ops
