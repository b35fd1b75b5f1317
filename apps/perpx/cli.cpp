#include "cli.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "perpx/chain/http.hpp"
#include "perpx/core/metrics.hpp"
#include "perpx/ops/log.hpp"
#include "perpx/ops/metrics_server.hpp"
#include "perpx/signer/keystore.hpp"

namespace perpx::app {

void fail(const std::string& message) { throw CliError(message); }

namespace {
std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}
}  // namespace

std::string read_arg(const std::string& value) {
  if (value != "-") return value;
  std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  return trim(std::move(all));
}

std::string read_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(std::string(what) + ": cannot read file '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_private_file(const std::string& path, std::string_view what) {
  // One descriptor for the check and the read: the file checked is the file read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(std::string(what) + ": cannot read file '" + path + "'");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail(std::string(what) + ": cannot read file '" + path + "'");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    fail(std::string(what) + ": key file '" + path + "' is " +
         ((st.st_mode & 044) != 0 ? "readable" : "writable") + " by others (mode " + mode + "); chmod 600 it");
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      fail(std::string(what) + ": cannot read file '" + path + "'");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

core::Json parse_json_arg(const std::string& text, std::string_view what) {
  return take(core::parse_json(text), what);
}

void print_line(std::string_view s) {
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
}

void print_json(const core::Json& j) { print_line(j.dump()); }

void add_key_options(CLI::App* cmd, KeyOptions& opts) {
  cmd->add_option("--private-key", opts.private_key, "0x-prefixed 32-byte private key (prefer ETH_PRIVATE_KEY or a keystore)");
  cmd->add_option("--keystore", opts.keystore, "keystore file, or a folder holding exactly one");
  cmd->add_option("--password-file", opts.password_file, "file whose first line is the keystore password");
}

std::string read_password_file(const std::string& path) {
  std::string s = read_file(path, "--password-file");
  if (auto nl = s.find_first_of("\r\n"); nl != std::string::npos) s.resize(nl);
  return s;
}

signer::SecretKey load_key(const KeyOptions& opts) {
  // Errors here must never echo the key: they name the source only.
  if (!opts.private_key.empty()) {
    if (!opts.keystore.empty()) fail("--private-key and --keystore are mutually exclusive");
    return take(signer::SecretKey::from_hex(read_arg(opts.private_key)), "--private-key");
  }
  if (!opts.keystore.empty()) {
    if (opts.password_file.empty()) fail("--keystore needs --password-file");
    namespace fs = std::filesystem;
    fs::path path = opts.keystore;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(path, ec))
        if (e.is_regular_file()) files.push_back(e.path());
      if (files.size() != 1) fail("--keystore: folder '" + opts.keystore + "' must hold exactly one keystore file (found " + std::to_string(files.size()) + ")");
      path = files[0];
    }
    const std::string json = read_private_file(path.string(), "--keystore");
    const std::string password = read_password_file(opts.password_file);
    return take(signer::decrypt_keystore(json, password), "--keystore");
  }
  if (const char* env = std::getenv("ETH_PRIVATE_KEY"); env && *env)
    return take(signer::SecretKey::from_hex(env), "ETH_PRIVATE_KEY");
  fail("no key: pass --private-key, set ETH_PRIVATE_KEY, or use --keystore with --password-file");
}

namespace {

struct OpsFlags {
  std::string metrics_addr;
  bool allow_remote = false;
  std::string log_format = "text";
  std::string log_level = "info";
};

// What add_ops_options started: stopped at exit (the logger writes what it
// holds first). Made after the registry it serves, so gone before it.
struct OpsRuntime {
  std::unique_ptr<ops::MetricsServer> server;
  std::unique_ptr<ops::Logger> logger;
  ~OpsRuntime() {
    server.reset();
    ops::set_global_logger(nullptr);
  }
};

OpsRuntime& ops_runtime() {
  (void)core::default_registry();
  static OpsRuntime rt;
  return rt;
}

void start_ops(const OpsFlags& f) {
  auto format = ops::parse_format(f.log_format);
  if (!format) fail("--log-format: text or json, not \"" + f.log_format + "\"");
  auto level = ops::parse_level(f.log_level);
  if (!level) fail("--log-level: debug, info, warn or error, not \"" + f.log_level + "\"");
  OpsRuntime& rt = ops_runtime();
  if (!rt.logger) {
    rt.logger = std::make_unique<ops::Logger>(ops::LoggerOptions{.level = *level, .format = *format, .fd = 2});
    ops::set_global_logger(rt.logger.get());
  }
  if (!f.metrics_addr.empty() && !rt.server) {
    auto s = ops::MetricsServer::start(f.metrics_addr, core::default_registry(), {.allow_remote = f.allow_remote});
    if (!s) fail("--metrics-addr: " + s.error().message);
    rt.server = std::move(*s);
    ops::log(ops::Level::kInfo, "metrics.listening", {{"address", rt.server->address()}});
  }
}

}  // namespace

void add_ops_options(CLI::App* cmd) {
  auto f = std::make_shared<OpsFlags>();
  cmd->add_option("--metrics-addr", f->metrics_addr, "serve Prometheus metrics on HOST:PORT/metrics (loopback unless allowed)");
  cmd->add_flag("--metrics-allow-remote", f->allow_remote, "allow a non-loopback --metrics-addr");
  cmd->add_option("--log-format", f->log_format, "log lines on stderr: text (default) or json");
  cmd->add_option("--log-level", f->log_level, "debug, info (default), warn or error");
  cmd->parse_complete_callback([f] { start_ops(*f); });
}

chain::RpcClient connect_rpc(const std::string& url) {
  if (url.empty()) fail("--rpc-url: required (or set ETH_RPC_URL)");
  if (!url.starts_with("http://") && !url.starts_with("https://")) fail("--rpc-url: must be an http(s) URL");
  return chain::make_http_client(url);
}

}  // namespace perpx::app
