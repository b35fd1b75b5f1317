// `perpx fence` as a user runs it (the real binary, a real journal file):
// each change is journalled with its reason and read back by the next run
// and by the journal itself (what a session restores); a repeat is "no
// change"; bad input exits 1 with one line on stderr and writes nothing.
// No chain is needed: fencing by hand is a journal write, as `perpx
// killswitch` is.
#include <catch2/catch.hpp>

#include <filesystem>

#include "cli_run.hpp"
#include "value_of.hpp"
#include "perpx/core/json.hpp"
#include "perpx/executor/journal.hpp"

using perpx::test::run_perpx;
using perpx::test::value_of;
namespace executor = perpx::executor;

namespace {

struct FenceJournal {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("perpx-fence-" + std::to_string(::getpid()) + "-" + std::to_string(rand()) + ".sqlite");
  ~FenceJournal() {
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + ext);
  }
  perpx::test::RunResult run(std::vector<std::string> args) {
    std::vector<std::string> a{"fence"};
    a.insert(a.end(), args.begin(), args.end());
    a.push_back("--journal");
    a.push_back(path.string());
    return run_perpx(a);
  }
  perpx::core::Json json(std::vector<std::string> args) {
    args.push_back("--json");
    auto r = run(args);
    INFO(r.err);
    REQUIRE(r.status == 0);
    auto j = perpx::core::parse_json(r.out);
    REQUIRE(j);
    return *j;
  }
  size_t rows() {
    executor::Journal j = value_of(executor::Journal::open(path));
    return value_of(j.fence_changes()).size();
  }
};

}  // namespace

TEST_CASE("perpx fence: deny, flatten and clear are journalled with their reasons and read back",
          "[executor][fence][cli]") {
  FenceJournal f;
  auto st = f.json({"hedger", "status"});
  CHECK(st["mode"].is_null());

  auto a = f.json({"hedger", "deny", "--reason", "fills 40 bps worse than model"});
  CHECK(a["changed"] == true);
  CHECK(a["strategy"] == "hedger");
  CHECK(a["from"].is_null());
  CHECK(a["to"] == "deny-new");
  CHECK(a["reason"] == "fills 40 bps worse than model");

  auto again = f.json({"hedger", "deny", "--reason", "still"});
  CHECK(again["changed"] == false);
  CHECK(again["mode"] == "deny-new");

  auto b = f.json({"hedger", "flatten", "--reason", "get out"});
  CHECK(b["from"] == "deny-new");
  CHECK(b["to"] == "flatten");
  f.json({"carry", "isolate", "--reason", "its own margin"});
  CHECK(f.json({"hedger", "status"})["mode"] == "flatten");

  // What a session restores on start: the journal's fences now.
  {
    executor::Journal j = value_of(executor::Journal::open(f.path));
    const auto now = value_of(j.fences());
    REQUIRE(now.size() == 2);
    CHECK(now.at("hedger") == executor::FenceMode::kFlatten);
    CHECK(now.at("carry") == executor::FenceMode::kIsolate);
    const auto changes = value_of(j.fence_changes());
    REQUIRE(changes.size() == 3);
    CHECK(changes[0].reason == "fills 40 bps worse than model");
  }

  auto c = f.run({"hedger", "clear", "--reason", "fixed"});
  CHECK(c.status == 0);
  CHECK(c.out == "hedger: flatten -> none (fixed)\n");
  CHECK(f.json({"hedger", "status"})["mode"].is_null());
  CHECK(f.json({"carry", "status"})["mode"] == "isolate");
  CHECK(f.rows() == 4);
}

TEST_CASE("perpx fence: bad input exits 1 with one line and journals nothing", "[executor][fence][cli]") {
  FenceJournal f;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"hedger", "deny"},                               // no reason
           {"hedger", "pause", "--reason", "x"},             // no such action
           {"", "deny", "--reason", "x"},                    // no strategy
       }) {
    auto r = f.run(args);
    INFO(args[1] << ": " << r.err);
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  CHECK(f.run({"hedger", "pause", "--reason", "x"}).err.find("action") != std::string::npos);
  CHECK(f.run({"hedger", "deny"}).err.find("--reason") != std::string::npos);
  CHECK(f.rows() == 0);
}
