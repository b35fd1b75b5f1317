#pragma once
// Loads a file in headless Chromium (Debian `chromium`) and returns the DOM
// after scripts ran (--dump-dom). A fresh profile per call, no network
// services; bounded by `timeout`.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace perpx::test {

inline std::string chromium_dump_dom(const std::filesystem::path& html) {
  const auto profile = std::filesystem::temp_directory_path() /
                       ("perpx-chromium-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  std::filesystem::create_directories(profile);
  const std::string cmd =
      "timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=" +
      profile.string() + " --dump-dom 'file://" + std::filesystem::absolute(html).string() + "' 2>/dev/null";
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  std::error_code ec;
  std::filesystem::remove_all(profile, ec);
  return out;
}

inline size_t count_of(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) ++n;
  return n;
}

}  // namespace perpx::test
