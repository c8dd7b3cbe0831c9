// The xdplbd command line, run as a user would: exit codes, messages, and that -t and
// --dump-config need no --interface.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>

#include "config_test_util.h"
#include "xdplbd_run.h"

using namespace xdplb::config::test;

namespace {

std::string example(const char* name) {
  return std::string(XDPLB_SOURCE_DIR) + "/conf/" + name;
}

}  // namespace

TEST_CASE("xdplbd: -t on a good file exits 0 without needing --interface") {
  for (const char* name : {"keepalived-dr-master.conf", "keepalived-dr-backup.conf",
                           "keepalived-http-master.conf", "keepalived-http-backup.conf", "xdplb-full.conf"}) {
    const auto run = run_xdplbd("-t -f " + example(name));
    CHECK_MESSAGE(run.exit_code == 0, name << ": " << run.output);
    if (std::string(name) != "xdplb-full.conf") {
      CHECK(run.output.empty());
      continue;
    }
    // The full reference names scripts under /etc/xdplb that this host does not have: -t says, as
    // start-up would, that each is disabled, and that its TUN and fwmark services are not served.
    // Nothing else.
    std::istringstream lines(run.output);
    int not_served = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.find(": warning: virtual_server is not served: lb_kind TUN") != std::string::npos ||
          line.find(": warning: virtual_server fwmark 9 is not served") != std::string::npos) {
        ++not_served;
        continue;
      }
      const bool disabled_example_script = line.find(": warning: ") != std::string::npos &&
                                           line.find(" is disabled: cannot access /etc/xdplb/") != std::string::npos;
      CHECK_MESSAGE(disabled_example_script, line);
    }
    CHECK(not_served == 2);
  }
  CHECK(run_xdplbd("--config-test --use-file " + example("xdplb-full.conf")).exit_code == 0);
}

TEST_CASE("xdplbd: -t prints every error as FILE:LINE:COL and exits non-zero") {
  TempDir dir;
  const auto file = dir.write("bad.conf",
                              "vrrp_instance A {\n  interface eth0\n  virtual_router_id 300\n"
                              "  state SLAVE\n  frob\n}\n");
  const auto run = run_xdplbd("-t -f " + file);
  CHECK(run.exit_code == 1);
  CHECK(run.output.find(file + ":3:21: error: virtual_router_id 300 is out of range (1-255)\n") !=
        std::string::npos);
  CHECK(run.output.find(file + ":4:9: error: state must be MASTER or BACKUP, not 'SLAVE'\n") !=
        std::string::npos);
  CHECK(run.output.find(file + ":5:3: warning: unknown keyword 'frob'") != std::string::npos);
}

TEST_CASE("xdplbd: -t names every virtual_server the data plane will not serve (TUN, fwmark)") {
  TempDir dir;
  const auto file = dir.write("unserved.conf",
                              "virtual_server 198.18.0.100 80 {\n  lb_kind TUN\n  protocol TCP\n"
                              "  real_server 198.18.1.11 80 {\n  }\n}\n"
                              "virtual_server fwmark 7 {\n  lb_kind DR\n  real_server 198.18.0.11 80 {\n  }\n}\n"
                              "virtual_server 198.18.0.101 80 {\n  lb_kind DR\n  protocol TCP\n"
                              "  real_server 198.18.0.11 80 {\n  }\n  lb_algo rr\n}\n");
  const auto run = run_xdplbd("-t -f " + file);
  // Warnings, not errors: the rest is served, as the agent would (it logs the same at start).
  // keepalived -t reports the two virtual_servers without lb_algo: exit 5, as keepalived's.
  CHECK(run.exit_code == 5);
  CHECK(run.output.find(file + ":1:1: warning: virtual_server is not served: lb_kind TUN") != std::string::npos);
  CHECK(run.output.find(file + ":7:1: warning: virtual_server fwmark 7 is not served") != std::string::npos);
  // The third is served (its real server, on no network of the host running the test, is warned about
  // apart: real_server_reach_test.cpp).
  CHECK(run.output.find(file + ":12:1: warning: virtual_server is not served") == std::string::npos);
}

TEST_CASE("xdplbd: -i/--config-id picks keepalived's @ID lines") {
  TempDir dir;
  // Only the backup's line is wrong: -i main is fine, -i backup (or --config-id backup) is not.
  const auto file = dir.write("ids.conf", "global_defs {\n  @main router_id main\n  @backup router_id\n}\n");
  CHECK(run_xdplbd("-t -i main -f " + file).exit_code == 0);
  const auto backup = run_xdplbd("-t --config-id backup -f " + file);
  CHECK(backup.exit_code == 1);
  CHECK(backup.output.find(file + ":3:11: error:") != std::string::npos);
  CHECK(run_xdplbd("-t -i other -f " + file).exit_code == 0);
}

TEST_CASE("xdplbd: keepalived's flags: --signum, --config-test=FILE, --pid, -P/-C, -S range") {
  CHECK(run_xdplbd("--signum=JSON").output == "36\n");
  CHECK(run_xdplbd("--signum STATS_CLEAR").output == "63\n");
  CHECK(run_xdplbd("--signum=RELOAD").output == "1\n");
  const auto unknown = run_xdplbd("--signum=TDATA");
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.output == "Unknown sigfunc TDATA\n");

  TempDir dir;
  const auto file = dir.write("tun.conf", "virtual_server 198.18.0.100 80 {\n  lb_kind TUN\n  protocol TCP\n"
                                          "  real_server 198.18.1.11 80 {\n  }\n  lb_algo rr\n}\n");
  const std::string report = (dir.path() / "report.txt").string();
  const auto to_file = run_xdplbd("--config-test=" + report + " -f " + file);
  CHECK(to_file.exit_code == 0);  // what it says only xdplb says: keepalived -t reports nothing
  CHECK(to_file.output.empty());
  std::ifstream written(report);
  const std::string text((std::istreambuf_iterator<char>(written)), {});
  CHECK(text.find(file + ":1:1: warning: virtual_server is not served: lb_kind TUN") != std::string::npos);
  // A separate word after -t is not a report file (it would overwrite the configuration): refused.
  const auto separate = run_xdplbd("-t " + file);
  CHECK(separate.exit_code == 2);
  std::ifstream config_again(file);
  CHECK(std::string((std::istreambuf_iterator<char>(config_again)), {}).starts_with("virtual_server 198.18.0.100 80"));
  // -g FILE that cannot be opened: one line, exit 1.
  const auto no_log = run_xdplbd("-g " + file + "/x.log -t -f " + file);  // under a regular file
  CHECK(no_log.exit_code == 1);
  CHECK(no_log.output.find("xdplbd: cannot log to ") == 0);
  // Under --strict what would not be served is an error.
  const auto strict = run_xdplbd("-t --strict -f " + file);
  CHECK(strict.exit_code == 1);
  CHECK(strict.output.find(file + ":1:1: error: virtual_server is not served: lb_kind TUN") != std::string::npos);

  const auto vrrp_only = run_xdplbd("-P -t -f " + example("keepalived-dr-master.conf"));
  CHECK(vrrp_only.exit_code == 0);
  CHECK(vrrp_only.output.find("-P/--vrrp: xdplbd is one process") != std::string::npos);
  CHECK(run_xdplbd("--pid " + (dir.path() / "x.pid").string() + " -t -f " + example("keepalived-dr-master.conf")).exit_code == 0);
  CHECK(run_xdplbd("-S 8 -t").exit_code == 2);
}

TEST_CASE("xdplbd: --strict turns an unknown keyword into a failure") {
  TempDir dir;
  const auto file = dir.write("x.conf", "global_defs {\n  frob\n}\n");
  CHECK(run_xdplbd("-t -f " + file).exit_code == 5);  // as keepalived -t: "Unknown keyword 'frob'"
  const auto strict = run_xdplbd("-t --strict -f " + file);
  CHECK(strict.exit_code == 1);
  CHECK(strict.output.find(file + ":2:3: error: unknown keyword 'frob'") != std::string::npos);
}

TEST_CASE("xdplbd: a missing file is an error naming it") {
  const auto run = run_xdplbd("-t -f /nonexistent/xdplb.conf");
  CHECK(run.exit_code == 1);
  CHECK(run.output.find("/nonexistent/xdplb.conf:1:1: error: cannot read") != std::string::npos);
}

TEST_CASE("xdplbd: --dump-config prints the model as JSON on stdout") {
  const auto run = run_xdplbd("--dump-config -f " + example("keepalived-dr-master.conf"), false);
  REQUIRE(run.exit_code == 0);
  const auto json = nlohmann::json::parse(run.output);
  CHECK(json["vrrp_instances"][0]["virtual_router_id"] == 51);
  CHECK(json["vrrp_instances"][0]["authentication"]["auth_pass"] == "1111");
  CHECK(json["virtual_servers"][0]["real_servers"].size() == 2);
  // A file keepalived's -t would report (exit 5 under -t) still dumps with exit 0.
  TempDir dir;
  const auto reported = dir.write("reported.conf", "global_defs {\n  frob\n}\n");
  CHECK(run_xdplbd("--dump-config -f " + reported, false).exit_code == 0);
  CHECK(run_xdplbd("-t -f " + reported).exit_code == 5);
}

TEST_CASE("xdplbd: bad arguments give a one-line error and the usage") {
  auto run = run_xdplbd("--no-such-flag");
  CHECK(run.exit_code == 2);
  CHECK(run.output.starts_with("xdplbd: "));
  CHECK(run.output.find("--no-such-flag") < run.output.find('\n'));
  CHECK(run.output.find("--use-file") != std::string::npos);
  run = run_xdplbd("--xdp-mode warp -t -f " + example("xdplb-full.conf"));
  CHECK(run.exit_code == 2);
  CHECK(run.output.find("--use-file") != std::string::npos);
}

TEST_CASE("xdplbd: running without VRRP needs an interface, from --interface or global_defs xdp_interface") {
  // No vrrp_instance: nothing names an interface, so the agent must not start (and this test never
  // runs an agent in the root namespace).
  TempDir dir;
  const auto file = dir.write("lb.conf", "virtual_server 198.18.0.1 80 {\n  real_server 198.18.1.1 80\n}\n");
  const auto run = run_xdplbd("-f " + file);
  CHECK(run.exit_code == 2);
  CHECK(run.output.find("--interface (or global_defs xdp_interface) is required") != std::string::npos);
}

TEST_CASE("xdplbd: running refuses a configuration with errors before touching any interface") {
  TempDir dir;
  const auto file = dir.write("bad.conf", "vrrp_instance A {\n}\n");
  const auto run = run_xdplbd("--interface lo -f " + file);
  CHECK(run.exit_code == 1);
  CHECK(run.output.find("configuration has errors; not starting") != std::string::npos);
}

TEST_CASE("xdplbd: --help and --version") {
  auto run = run_xdplbd("--help");
  CHECK(run.exit_code == 0);
  for (const char* flag :
       {"--use-file", "--config-test", "--dont-fork", "--log-console", "--log-detail", "--pid-file",
        "--instance", "--dump-config", "--strict", "--interface", "--xdp-mode", "--keep-pins", "--version"}) {
    CHECK_MESSAGE(run.output.find(flag) != std::string::npos, flag);
  }
  run = run_xdplbd("--version");
  CHECK(run.exit_code == 0);
  CHECK(run.output.starts_with("xdplbd "));
}

TEST_CASE("xdplbd: -t reports what start-up refuses about scripts, and what it disables, at FILE:LINE:COL") {
  const TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string open = dir.write("open.sh", "#!/bin/sh\nexit 0\n");
  ::chmod(open.c_str(), 0777);
  const std::string instance = "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n"
                               "  virtual_ipaddress {\n    198.18.0.100\n  }\n";
  // A user that does not exist: an error, exit status 1 (start-up refuses the same file).
  const std::string refused =
      dir.write("refused.conf", instance + "  notify_master " + open + " no-such-user-xdplb\n}\n");
  auto run = run_xdplbd("-t -f " + refused);
  CHECK(run.exit_code == 1);
  CHECK_MESSAGE(run.output.find(refused + ":7:3: error: vrrp_instance VI_1 notify_master: script user "
                                          "'no-such-user-xdplb' does not exist") != std::string::npos,
                run.output);
  // script_user root is allowed under enable_script_security (keepalived): the file is fine, but the
  // world-writable script is disabled, a warning at its line.
  const std::string disabled = dir.write(
      "disabled.conf", "global_defs {\n  enable_script_security\n  script_user root\n}\n" + instance +
                           "  notify_master " + open + "\n}\n");
  run = run_xdplbd("-t -f " + disabled);
  CHECK_MESSAGE(run.exit_code == 0, run.output);
  CHECK_MESSAGE(run.output.find(disabled + ":11:3: warning: vrrp_instance VI_1 notify_master is disabled: unsafe "
                                           "permissions: " + open + " is writable by everyone (mode 0777)") !=
                    std::string::npos,
                run.output);
}
