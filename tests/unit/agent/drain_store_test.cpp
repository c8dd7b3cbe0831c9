// The drains file: what is saved comes back, a missing file is no drain, and a file that is not ours
// or is damaged is named, moved aside and replaced, never half-read.
#include "agent/drain_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>

namespace fs = std::filesystem;
using xdplb::agent::DrainSet;
using xdplb::agent::DrainStore;

namespace {

struct ScratchDirectory {
  fs::path path;
  ScratchDirectory() {
    char pattern[] = "/tmp/xdplb-drains-XXXXXX";
    REQUIRE(::mkdtemp(pattern));
    path = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

void write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

const DrainSet kTwo = {{"tcp/198.18.0.100:80", "198.18.0.11:80"}, {"udp/[fd00::100]:53", "[fd00::12]:53"}};

}  // namespace

TEST_CASE("saved drains are loaded back; the directory is made, the file is private") {
  ScratchDirectory dir;
  const DrainStore store(dir.path / "instance" / "drains.json");
  store.save(kTwo);
  struct stat st {};
  REQUIRE(::stat(store.file().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const auto loaded = store.load();
  CHECK_FALSE(loaded.problem);
  CHECK(loaded.drains == kTwo);
  store.save({});
  CHECK(store.load().drains.empty());
  // No temporary is left beside it.
  CHECK(std::distance(fs::directory_iterator(dir.path / "instance"), fs::directory_iterator()) == 1);
}

TEST_CASE("no file is no drain; no path keeps nothing") {
  ScratchDirectory dir;
  const auto loaded = DrainStore(dir.path / "drains.json").load();
  CHECK(loaded.drains.empty());
  CHECK_FALSE(loaded.problem);
  const DrainStore none;
  CHECK_FALSE(none.keeps());
  none.save(kTwo);
  CHECK(none.load().drains.empty());
}

TEST_CASE("a damaged or foreign file is named and moved aside, and the agent starts without drains") {
  ScratchDirectory dir;
  const auto file = dir.path / "drains.json";
  const DrainStore store(file);
  const std::pair<const char*, const char*> cases[] = {
      {"{\"version\": 1, \"drains\": [{\"vip\": \"tcp/198.18.0.100:80\"", "parse error"},  // cut short
      {"[]", "not a JSON object"},
      {"{\"version\": 2, \"drains\": []}", "not version 1"},
      {"{\"version\": 1}", "no \"drains\" array"},
      {"{\"version\": 1, \"drains\": [{\"vip\": \"tcp/198.18.0.100:80\", \"real_server\": 80}]}", "a drain that is not"},
  };
  for (const auto& one_case : cases) {
    const std::string text = one_case.first, why = one_case.second;
    CAPTURE(text);
    write(file, text);
    const auto loaded = store.load();
    CHECK(loaded.drains.empty());
    REQUIRE(loaded.problem);
    CHECK(loaded.problem->find(why) != std::string::npos);
    CHECK(loaded.problem->find("moved aside to " + file.native() + ".bad") != std::string::npos);
    CHECK_FALSE(fs::exists(file));
    std::ifstream aside(file.native() + ".bad");
    CHECK(std::string(std::istreambuf_iterator<char>(aside), {}) == text);
  }
}

TEST_CASE("a file that cannot be written is an error naming it, and the old file stays") {
  ScratchDirectory dir;
  const DrainStore store(dir.path / "drains.json");
  store.save(kTwo);
  REQUIRE(::chmod(dir.path.c_str(), 0500) == 0);
  if (::geteuid() == 0) {
    // root writes through the mode bits; a path under a regular file fails for everyone.
    REQUIRE(::chmod(dir.path.c_str(), 0700) == 0);
    const DrainStore under_a_file(dir.path / "drains.json" / "drains.json");
    CHECK_THROWS_WITH_AS(under_a_file.save(kTwo), doctest::Contains((dir.path / "drains.json").c_str()),
                         std::runtime_error);
  } else {
    CHECK_THROWS_AS(store.save({}), std::runtime_error);
    REQUIRE(::chmod(dir.path.c_str(), 0700) == 0);
  }
  CHECK(store.load().drains == kTwo);
}

TEST_CASE("a file that cannot be read is named and left where it is") {
  ScratchDirectory dir;
  const auto file = dir.path / "drains.json";
  fs::create_directory(file);  // read(2) fails with EISDIR, for root too
  const auto loaded = DrainStore(file).load();
  CHECK(loaded.drains.empty());
  REQUIRE(loaded.problem);
  CHECK(loaded.problem->find(file.native() + ": cannot be read") == 0);
  CHECK_FALSE(loaded.moved_aside);
  CHECK(fs::is_directory(file));
}
