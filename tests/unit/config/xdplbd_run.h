// Runs the real xdplbd binary (XDPLBD_PATH, set for unit_config) as a user would, and keepalived
// itself to compare with.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace xdplb::config::test {

struct Run {
  int exit_code = -1;
  std::string output;
};

// `command` (shell words) in a network namespace of its own that has interfaces eth0 to eth3 (two
// veth pairs) and nothing else: what -t says about the interfaces a file names does not depend on
// the machine the tests run on. The namespace goes when the command exits. Collects stdout and,
// when asked, stderr.
inline Run run_with_test_interfaces(const std::string& command, bool with_stderr = true) {
  // Needs root (a network namespace, veth): without, every run would fail alike and a comparison of
  // exit statuses would hold vacuously.
  static const bool available =
      std::system("unshare --net sh -c 'ip link add eth0 type veth peer name eth1' >/dev/null 2>&1") == 0;
  REQUIRE_MESSAGE(available, "the xdplbd command-line tests need root: unshare --net and a veth pair failed");
  const std::string wrapped =
      "unshare --net sh -c 'ip link add eth0 type veth peer name eth1 && "
      "ip link add eth2 type veth peer name eth3 && exec \"$@\"' sh " +
      command + (with_stderr ? " 2>&1" : " 2>/dev/null");
  Run run;
  FILE* pipe = popen(wrapped.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// Runs xdplbd with `arguments` (shell words) there, as a user would.
inline Run run_xdplbd(const std::string& arguments, bool with_stderr = true) {
  return run_with_test_interfaces(std::string(XDPLBD_PATH) + " " + arguments, with_stderr);
}

// keepalived 2.2.7's own `keepalived -t` on `file` there (logging to the console only).
inline Run run_keepalived_config_test(const std::string& file, const std::string& options = "") {
  return run_with_test_interfaces("keepalived -t -l -n " + options + " -f '" + file + "'");
}

}  // namespace xdplb::config::test
