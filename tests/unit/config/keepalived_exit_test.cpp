// `xdplbd -t` exits as keepalived 2.2.7's `keepalived -t` does: 0 when keepalived reports nothing,
// 5 when it reports something, 6 on its script security violation; 1 when xdplb refuses the file
// (keepalived then reports it too, never exits 0). One small file per case under
// data/keepalived-exit, each headed by what keepalived 2.2.7 said of it (measured, and measured again
// here: keepalived runs beside xdplbd on the same file in the same namespace, xdplbd_run.h).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "config_test_util.h"
#include "xdplbd_run.h"

using namespace xdplb::config::test;

namespace {

const std::filesystem::path cases_directory =
    std::filesystem::path(XDPLB_SOURCE_DIR) / "tests/unit/config/data/keepalived-exit";

struct ExitCase {
  std::string text;
  std::optional<int> keepalived;  // "# keepalived -t: N"
  std::optional<int> xdplbd;      // "# xdplbd -t: N"
};

std::optional<int> header_value(const std::string& text, const std::string& prefix) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(prefix, 0) == 0) return std::stoi(line.substr(prefix.size()));
  return std::nullopt;
}

ExitCase read_case(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  ExitCase result{content.str(), std::nullopt, std::nullopt};
  result.keepalived = header_value(result.text, "# keepalived -t: ");
  result.xdplbd = header_value(result.text, "# xdplbd -t: ");
  return result;
}

// The case's file with @DIR@ naming a directory of its own that holds a world-writable script
// and a tracked file.
std::string materialise(const TempDir& dir, std::string text) {
  for (auto at = text.find("@DIR@"); at != std::string::npos; at = text.find("@DIR@"))
    text.replace(at, 5, dir.path().string());
  const auto script = dir.write("world-writable.sh", "#!/bin/sh\nexit 0\n");
  ::chmod(script.c_str(), 0777);
  dir.write("tracked", "0\n");
  return dir.write("case.conf", text);
}

}  // namespace

TEST_CASE("keepalived exit: xdplbd -t exits as keepalived -t does, case by case") {
  REQUIRE(std::filesystem::is_directory(cases_directory));
  int cases = 0, reported = 0, security = 0, refused = 0;
  for (const auto& entry : std::filesystem::directory_iterator(cases_directory)) {
    if (entry.path().extension() != ".conf") continue;
    const std::string name = entry.path().stem().string();
    const auto expected = read_case(entry.path());
    REQUIRE_MESSAGE(expected.keepalived, name << ": no '# keepalived -t: N' line");
    REQUIRE_MESSAGE(expected.xdplbd, name << ": no '# xdplbd -t: N' line");
    ++cases;
    TempDir dir;
    const auto file = materialise(dir, expected.text);
    const auto keepalived = run_keepalived_config_test(file);
    // keepalived itself still says what the header recorded.
    CHECK_MESSAGE(keepalived.exit_code == *expected.keepalived, name << ":\n" << keepalived.output);
    const auto xdplbd = run_xdplbd("-t -f '" + file + "'");
    CHECK_MESSAGE(xdplbd.exit_code == *expected.xdplbd, name << ":\n" << xdplbd.output);
    if (*expected.xdplbd == 1) {
      ++refused;
      CHECK_MESSAGE(keepalived.exit_code != 0, name << ": xdplb refuses what keepalived takes silently");
    } else {
      CHECK_MESSAGE(xdplbd.exit_code == keepalived.exit_code,
                    name << ": keepalived -t exits " << keepalived.exit_code << ":\n" << keepalived.output
                         << "\nxdplbd -t exits " << xdplbd.exit_code << ":\n" << xdplbd.output);
    }
    reported += *expected.xdplbd == 5;
    security += *expected.xdplbd == 6;
  }
  // Each verdict is exercised, so that the test cannot pass by a directory that lost its cases.
  CHECK(cases >= 60);
  CHECK(reported >= 30);
  CHECK(security >= 3);
  CHECK(refused >= 4);
}

TEST_CASE("keepalived exit: --strict makes an unknown keyword an error, exit 1") {
  TempDir dir;
  const auto file = materialise(dir, read_case(cases_directory / "unknown-kw.conf").text);
  CHECK(run_xdplbd("-t -f '" + file + "'").exit_code == 5);
  const auto strict = run_xdplbd("-t --strict -f '" + file + "'");
  CHECK(strict.exit_code == 1);
  CHECK_MESSAGE(strict.output.find("error: unknown keyword 'bogus_kw'") != std::string::npos, strict.output);
}

TEST_CASE("keepalived exit: -t says why it exits 5 or 6") {
  TempDir dir;
  const auto reported = run_xdplbd("-t -f '" + materialise(dir, read_case(cases_directory / "no-vip.conf").text) + "'");
  CHECK_MESSAGE(reported.output.find("usable, with warnings keepalived 2.2.7 reports too (exit status 5, as "
                                     "keepalived -t)") != std::string::npos,
                reported.output);
  const auto security =
      run_xdplbd("-t -f '" + materialise(dir, read_case(cases_directory / "script-nosec.conf").text) + "'");
  CHECK_MESSAGE(security.output.find("keepalived 2.2.7's script security violation (exit status 6") !=
                    std::string::npos,
                security.output);
}
