#pragma once
// Structured logs, written off the hot path. log() copies one record (level,
// wall time, an event name and up to kMaxFields key/value fields) into a
// pre-allocated bounded queue and returns; a writer thread formats records
// as text lines or JSON lines and writes them to a file descriptor.
//
// log(): any thread, never blocks, never allocates, no system call. When the
// queue is full the record is dropped and counted (dropped(), and the
// perpx_log_dropped_total counter); strings longer than a record holds are
// cut (the cut field ends in "..."). Records below the level are not queued.
// Callers pass no secrets: keys never, URLs only through chain::redact_url.
//
// Text:  2024-05-01T12:00:00.123456Z info order.sent id=3 path=public
// JSON:  {"ts":"2024-05-01T12:00:00.123456Z","level":"info","event":"order.sent","id":3,"path":"public"}
// (text quotes a string value with JSON escapes when it holds a space, a
// quote, '=' or a control character; JSON escapes every string).
//
// The writer wakes every idle_poll and writes what is queued (producers never
// signal it, so logging costs no system call); flush() and the destructor
// wake it and write everything queued first. The writer thread blocks every
// signal (a command's own thread takes SIGINT/SIGTERM as it chooses).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>

namespace perpx::ops {

enum class Level : uint8_t { kDebug, kInfo, kWarn, kError };
std::string_view level_name(Level l) noexcept;  // "debug", "info", "warn", "error"
std::optional<Level> parse_level(std::string_view s) noexcept;

enum class LogFormat : uint8_t { kText, kJson };
std::string_view format_name(LogFormat f) noexcept;  // "text", "json"
std::optional<LogFormat> parse_format(std::string_view s) noexcept;

// One key/value; keys are short names ([a-z0-9_.]).
struct Field {
  enum class Kind : uint8_t { kString, kInt, kUint, kDouble, kBool };
  std::string_view key;
  Kind kind = Kind::kString;
  std::string_view s;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  bool b = false;

  Field(std::string_view k, std::string_view v) noexcept : key(k), kind(Kind::kString), s(v) {}
  Field(std::string_view k, const char* v) noexcept : key(k), kind(Kind::kString), s(v) {}
  Field(std::string_view k, bool v) noexcept : key(k), kind(Kind::kBool), b(v) {}
  Field(std::string_view k, double v) noexcept : key(k), kind(Kind::kDouble), d(v) {}
  template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
  Field(std::string_view k, T v) noexcept : key(k) {
    if constexpr (std::is_signed_v<T>) {
      kind = Kind::kInt;
      i = v;
    } else {
      kind = Kind::kUint;
      u = v;
    }
  }
};

struct LoggerOptions {
  Level level = Level::kInfo;
  LogFormat format = LogFormat::kText;
  int fd = 2;                                     // not closed by the logger
  size_t capacity = 4096;                         // records; rounded up to a power of two
  std::chrono::milliseconds idle_poll{2};
};

class Logger {
 public:
  static constexpr size_t kMaxFields = 12;
  static constexpr size_t kTextBytes = 480;  // event, keys and string values of one record

  // Allocates the queue and starts the writer thread.
  explicit Logger(LoggerOptions options = {});
  ~Logger();  // writes what is queued, then stops the writer
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  [[nodiscard]] bool enabled(Level l) const noexcept { return l >= options_.level; }
  // Queues one record; false when it was below the level or dropped.
  bool log(Level l, std::string_view event, std::initializer_list<Field> fields = {}) noexcept;

  // Blocks until every record queued before the call is written. Not for the hot path.
  void flush();

  [[nodiscard]] uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t written() const noexcept { return written_.load(std::memory_order_relaxed); }
  [[nodiscard]] const LoggerOptions& options() const noexcept { return options_; }

 private:
  struct Impl;
  LoggerOptions options_;
  std::unique_ptr<Impl> impl_;
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> written_{0};
};

// The process's logger for the commands (set by the CLI's ops options); null
// until set. log() on it is a no-op while unset.
Logger* global_logger() noexcept;
void set_global_logger(Logger* l) noexcept;
inline bool log(Level l, std::string_view event, std::initializer_list<Field> fields = {}) noexcept {
  Logger* g = global_logger();
  return g != nullptr && g->log(l, event, fields);
}

}  // namespace perpx::ops
