// `xdplbd -t` over every sample configuration Debian's keepalived package installs
// (/usr/share/doc/keepalived/samples, keepalived 2.2.7), as a keepalived user's first act would be,
// beside keepalived's own `keepalived -t` on the same file in the same namespace (eth0 to eth3,
// xdplbd_run.h). Each is usable and xdplbd exits as keepalived does (0, or 5 where keepalived
// reports something, 6 on its script security violation), with warnings where xdplb differs,
// except the few that xdplb refuses: keepalived reports those too, and xdplbd must name why.
#include <doctest/doctest.h>


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

// The samples xdplbd refuses (exit 1) where keepalived 2.2.7 reports and carries on, and what
// xdplbd must say about them.
const std::map<std::string, std::string>& refused_by_xdplb() {
  static const std::map<std::string, std::string> refused = {
      // "(VI_1) Initial state master is incompatible with AH authentication": AH is not implemented.
      {"keepalived.conf.SSL_GET", "auth_type AH"},
      // "Unknown keyword 'VI_2'", "Sync group VG1 has no virtual router(s). removing".
      {"keepalived.conf.vrrp.lvs_syncd", "write `group { VI_2 VI_3 }`"},
  };
  return refused;
}

// The samples on which xdplbd -t reports what keepalived -t leaves unchecked (xdplbd exits 5 where
// keepalived exits 0), and why.
const std::map<std::string, std::string>& checked_more_by_xdplb() {
  static const std::map<std::string, std::string> checked = {
      // `net_namespace high`: keepalived -t checks no script or interface of a namespace it would
      // enter; xdplbd runs where it is started (net_namespace is not applicable), so it checks them
      // here and reports the vrrp_script it would disable, as keepalived does without net_namespace.
      {"keepalived.conf.conditional_conf", "vrrp_script check_VI_0 is disabled"},
  };
  return checked;
}

// Samples that say how to run them: "Run keepalived with either '-i high' or '-i low'".
const std::map<std::string, std::string>& sample_options() {
  static const std::map<std::string, std::string> options = {{"keepalived.conf.conditional_conf", "-i high"}};
  return options;
}

}  // namespace

TEST_CASE("keepalived samples: xdplbd -t exits as keepalived -t does on every sample, but those xdplb refuses") {
  REQUIRE_MESSAGE(std::filesystem::is_directory(samples_directory),
                  samples_directory << " is missing: tools/setup.sh installs keepalived");
  std::set<std::string> seen;
  for (const auto& entry : std::filesystem::directory_iterator(samples_directory)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("keepalived.conf.")) continue;
    seen.insert(name);
    const auto found = sample_options().find(name);
    const std::string options = found == sample_options().end() ? "" : found->second;
    const auto keepalived = run_keepalived_config_test(entry.path().string(), options);
    REQUIRE_MESSAGE(keepalived.exit_code >= 0, name << ": keepalived -t did not run:\n" << keepalived.output);
    const auto run = config_test(entry.path().string(), options);
    const auto refused = refused_by_xdplb().find(name);
    const auto checked = checked_more_by_xdplb().find(name);
    if (checked != checked_more_by_xdplb().end()) {
      CHECK_MESSAGE(keepalived.exit_code == 0, name << ":\n" << keepalived.output);
      CHECK_MESSAGE(run.exit_code == 5, name << ":\n" << run.output);
      CHECK_MESSAGE(run.output.find(checked->second) != std::string::npos, name << ":\n" << run.output);
    } else if (refused == refused_by_xdplb().end()) {
      CHECK_MESSAGE(run.exit_code == keepalived.exit_code,
                    name << ": keepalived -t exits " << keepalived.exit_code << ":\n" << keepalived.output
                         << "\nxdplbd -t exits " << run.exit_code << ":\n" << run.output);
    } else {
      CHECK_MESSAGE(keepalived.exit_code != 0, name << ":\n" << keepalived.output);
      CHECK_MESSAGE(run.exit_code == 1, name << ":\n" << run.output);
      CHECK_MESSAGE(run.output.find(refused->second) != std::string::npos, name << ":\n" << run.output);
    }
  }
  // Debian 12's keepalived 2.2.7 ships 25 of them; a package that ships none would pass vacuously.
  CHECK(seen.size() >= 25);
  for (const auto& refused : refused_by_xdplb()) CHECK_MESSAGE(seen.contains(refused.first), refused.first);
}

TEST_CASE("keepalived samples: a rule keepalived leaves out is left out with a warning that says so") {
  // keepalived: "VRRP parsed invalid IP 192.168.100./24", "Invalid rule to address ...", and loads the rest.
  const auto run = config_test(std::string(samples_directory) + "/keepalived.conf.vrrp.rules");
  CHECK(run.exit_code == 5);  // keepalived's "Invalid rule to address" is a report of its -t
  CHECK_MESSAGE(run.output.find("'192.168.100./24' is not an IP address; the rule is left out") != std::string::npos,
                run.output);
}

TEST_CASE("keepalived samples: what xdplb does differently is said, not silent") {
  // fwmark services are not served (XDP runs before netfilter marks packets): a warning, and
  // under --strict an error.
  const std::string fwmark = std::string(samples_directory) + "/keepalived.conf.fwmark";
  const auto run = config_test(fwmark);
  CHECK(run.exit_code == 5);  // keepalived -t reports "protocol specified for fwmark - protocol will be ignored"
  CHECK_MESSAGE(run.output.find("not served") != std::string::npos, run.output);
  CHECK(config_test(fwmark, "--strict").exit_code == 1);
}
