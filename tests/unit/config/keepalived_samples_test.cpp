// `xdplbd -t` over every sample configuration Debian's keepalived package installs
// (/usr/share/doc/keepalived/samples, keepalived 2.2.7), as a keepalived user's first act would be.
// Each must pass, with warnings where xdplb differs, except the few that keepalived 2.2.7 itself
// rejects: those must fail for the same reason.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "xdplbd_run.h"

using namespace xdplb::config::test;

namespace {

constexpr const char* samples_directory = "/usr/share/doc/keepalived/samples";

Run config_test(const std::string& file, const std::string& options = "") {
  return run_xdplbd("-t " + options + " -f '" + file + "'");
}

// The samples keepalived 2.2.7's own `keepalived -t` reports as broken (checked in a namespace that
// has every interface they name), and what xdplbd must say about them.
const std::map<std::string, std::string>& rejected_by_keepalived_too() {
  static const std::map<std::string, std::string> rejected = {
      // "(VI_1) Initial state master is incompatible with AH authentication": AH is not implemented.
      {"keepalived.conf.SSL_GET", "auth_type AH"},
      // "Unknown keyword 'VI_2'", "Sync group VG1 has no virtual router(s). removing".
      {"keepalived.conf.vrrp.lvs_syncd", "write `group { VI_2 VI_3 }`"},
  };
  return rejected;
}

// Samples that say how to run them: "Run keepalived with either '-i high' or '-i low'".
const std::map<std::string, std::string>& sample_options() {
  static const std::map<std::string, std::string> options = {{"keepalived.conf.conditional_conf", "-i high"}};
  return options;
}

}  // namespace

TEST_CASE("keepalived samples: every sample file passes xdplbd -t, but those keepalived rejects too") {
  REQUIRE_MESSAGE(std::filesystem::is_directory(samples_directory),
                  samples_directory << " is missing: tools/setup.sh installs keepalived");
  std::set<std::string> seen;
  for (const auto& entry : std::filesystem::directory_iterator(samples_directory)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("keepalived.conf.")) continue;
    seen.insert(name);
    const auto options = sample_options().find(name);
    const auto run = config_test(entry.path().string(), options == sample_options().end() ? "" : options->second);
    const auto rejected = rejected_by_keepalived_too().find(name);
    if (rejected == rejected_by_keepalived_too().end()) {
      CHECK_MESSAGE(run.exit_code == 0, name << ":\n" << run.output);
    } else {
      CHECK_MESSAGE(run.exit_code == 1, name << ":\n" << run.output);
      CHECK_MESSAGE(run.output.find(rejected->second) != std::string::npos, name << ":\n" << run.output);
    }
  }
  // Debian 12's keepalived 2.2.7 ships 25 of them; a package that ships none would pass vacuously.
  CHECK(seen.size() >= 25);
  for (const auto& rejected : rejected_by_keepalived_too())
    CHECK_MESSAGE(seen.contains(rejected.first), rejected.first);
}

TEST_CASE("keepalived samples: a rule keepalived leaves out is left out with a warning that says so") {
  // keepalived: "VRRP parsed invalid IP 192.168.100./24", "Invalid rule to address ...", and loads the rest.
  const auto run = config_test(std::string(samples_directory) + "/keepalived.conf.vrrp.rules");
  CHECK(run.exit_code == 0);
  CHECK_MESSAGE(run.output.find("'192.168.100./24' is not an IP address; the rule is left out") != std::string::npos,
                run.output);
}

TEST_CASE("keepalived samples: what xdplb does differently is said, not silent") {
  // fwmark services are not served (XDP runs before netfilter marks packets): a warning, and
  // under --strict an error.
  const std::string fwmark = std::string(samples_directory) + "/keepalived.conf.fwmark";
  const auto run = config_test(fwmark);
  CHECK(run.exit_code == 0);
  CHECK_MESSAGE(run.output.find("not served") != std::string::npos, run.output);
  const std::string command = std::string(XDPLBD_PATH) + " -t --strict -f '" + fwmark + "' >/dev/null 2>&1";
  CHECK(WEXITSTATUS(std::system(command.c_str())) == 1);
}
