#pragma once
// Reading the public suites kept under tests/vectors/ (PERPX_VECTORS_DIR).
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace perpx::test {

// A whole file; the test fails if it cannot be read.
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The case ids listed in a KNOWN_FAILING.md, one per line as
// "- `<file>:<case>` — reason".
inline std::set<std::string> known_failing(const std::string& path) {
  std::set<std::string> ids;
  std::istringstream in(slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("- `", 0) != 0) continue;
    const auto end = line.find('`', 3);
    if (end != std::string::npos) ids.insert(line.substr(3, end - 3));
  }
  return ids;
}

}  // namespace perpx::test
