#pragma once
// A fresh private folder under the system's temp dir (mkdtemp), removed with
// everything in it when the test ends; files written into it by name.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace perpx::test {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "perpx-test-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // name (folders made as needed) holding text.
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const std::filesystem::path p = path / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
  // The same with its mode set (private by default, as perpx requires of key
  // and keystore files); the path as a string, for command lines.
  std::string file(const std::string& name, const std::string& contents, mode_t mode = 0600) const {
    const std::filesystem::path p = write(name, contents);
    REQUIRE(::chmod(p.c_str(), mode) == 0);
    return p.string();
  }
};

}  // namespace perpx::test
