// perpx typed-data hash|sign: output contract and error contract.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "cli_run.hpp"
#include "perpx/core/json.hpp"

using perpx::test::line_of;
using perpx::test::run_perpx;

namespace {

std::string vector_path(const std::string& name) { return std::string(PERPX_VECTORS_DIR) + "/eip712/" + name; }

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

perpx::core::Json expected(const std::string& name) { return perpx::core::parse_json(slurp(vector_path(name))).value(); }

void check_error(const perpx::test::RunResult& r, const std::string& must_mention) {
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find(must_mention) != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

}  // namespace

TEST_CASE("typed-data hash prints the digest, from a file or stdin", "[cli][typed-data]") {
  const auto want = expected("mail.expected.json");
  auto r = run_perpx({"typed-data", "hash", vector_path("mail.json")});
  CHECK(r.status == 0);
  CHECK(r.out == want["digest"].get<std::string>() + "\n");
  CHECK(r.err.empty());
  r = run_perpx({"typed-data", "hash", "-"}, slurp(vector_path("arrays.json")));
  CHECK(r.status == 0);
  CHECK(line_of(r) == expected("arrays.expected.json")["digest"]);
}

TEST_CASE("typed-data sign prints r || s || v", "[cli][typed-data]") {
  const auto want = expected("arrays.expected.json");
  const std::string key = want["privateKey"];
  auto r = run_perpx({"typed-data", "sign", "--private-key", key, vector_path("arrays.json")});
  CHECK(r.status == 0);
  CHECK(line_of(r) == want["signature"]);
  // ETH_PRIVATE_KEY, and the Mail example's v = 28.
  const auto mail = expected("mail.expected.json");
  r = run_perpx({"typed-data", "sign", "-"}, slurp(vector_path("mail.json")), {"ETH_PRIVATE_KEY=" + key});
  CHECK(r.status == 0);
  CHECK(line_of(r) == mail["r"].get<std::string>() + mail["s"].get<std::string>().substr(2) + "1c");
}

TEST_CASE("typed-data errors: exit 1, one line naming the field, nothing on stdout", "[cli][typed-data]") {
  check_error(run_perpx({"typed-data", "hash", "/nonexistent/typed.json"}), "cannot read file");
  check_error(run_perpx({"typed-data", "hash", "-"}, "{\"types\":"), "invalid JSON");
  std::string doc = slurp(vector_path("mail.json"));
  doc.replace(doc.find("\"Bob\""), 5, "7");
  check_error(run_perpx({"typed-data", "hash", "-"}, doc), "message.to.name");
  check_error(run_perpx({"typed-data", "hash", vector_path("recursive.json")}), "types.Person: cyclic");
  check_error(run_perpx({"typed-data", "sign", vector_path("mail.json")}), "no key");
  const auto r = run_perpx({"typed-data", "sign", "--private-key", "0x1234", vector_path("mail.json")});
  check_error(r, "--private-key");
  CHECK(r.err.find("1234") == std::string::npos);  // key material is never echoed
  const std::string key = expected("mail.expected.json")["privateKey"];
  const auto misplaced = run_perpx({"typed-data", "sign", vector_path("mail.json"), key});
  check_error(misplaced, "unexpected extra argument");
  CHECK(misplaced.err.find(key.substr(2)) == std::string::npos);
}
