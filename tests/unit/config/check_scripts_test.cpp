// The configuration's scripts against the host, as -t and start-up see them (config/check_scripts.h):
// configuration errors and disabled scripts, each at the line and column of its keyword.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <map>

#include "config/load.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

class FakeUsers final : public xdplb::UserDatabase {
 public:
  explicit FakeUsers(bool with_keepalived_script) : with_keepalived_script_(with_keepalived_script) {}
  std::optional<xdplb::UserIds> user(const std::string& name) const override {
    if (name == "root") return xdplb::UserIds{0, 0};
    if (name == "nobody") return xdplb::UserIds{65534, 65534};
    if (name == "keepalived_script" && with_keepalived_script_) return xdplb::UserIds{990, 990};
    return std::nullopt;
  }
  std::optional<gid_t> group(const std::string& name) const override {
    if (name == "nogroup") return gid_t{65534};
    return std::nullopt;
  }

 private:
  bool with_keepalived_script_;
};

LoadResult check(const std::string& text, const xdplb::UserDatabase& users) {
  LoadOptions options;
  options.users = &users;
  return load_config_text(text, "test.conf", options);
}

// "LINE:COL: MESSAGE" of every diagnostic of `severity` about the scripts' users and files (the
// blocks here are cut down to their scripts, so the other rules have their say too).
std::vector<std::string> at(const LoadResult& result, Severity severity) {
  static const std::vector<std::string> about_scripts = {"script user", "script_user", "enable_script_security",
                                                          "is disabled", "unsafe", "takes SCRIPT"};
  std::vector<std::string> out;
  for (const auto& d : result.diagnostics) {
    if (d.severity != severity) continue;
    bool relevant = false;
    for (const auto& word : about_scripts) relevant = relevant || d.message.find(word) != std::string::npos;
    if (relevant) out.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message);
  }
  return out;
}

// A root-owned 0755 directory with scripts, so that only the modes a test sets decide.
std::string script(const TempDir& dir, const std::string& name, mode_t mode) {
  ::chmod(dir.path().c_str(), 0755);
  const std::string file = dir.write(name, "#!/bin/sh\nexit 0\n");
  ::chmod(file.c_str(), mode);
  return file;
}

}  // namespace

TEST_CASE("check scripts: a user that does not exist is an error at its line") {
  const TempDir dir;
  const auto ok = script(dir, "ok.sh", 0755);
  const FakeUsers users(true);
  const auto result = check("vrrp_instance VI_1 {\n  notify_master " + ok +
                                " master\n}\nvrrp_script chk {\n  script " + ok + "\n  user ghost\n}\n",
                            users);
  CHECK_FALSE(result.ok());
  const auto errors = at(result, Severity::error);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] ==
        "2:3: vrrp_instance VI_1 notify_master: script user 'master' does not exist (the words after the script are "
        "its user and group, as in keepalived: quote a command line that has arguments)");
  CHECK(errors[1] == "6:3: vrrp_script chk: script user 'ghost' does not exist");
}

TEST_CASE("check scripts: enable_script_security with no user and no keepalived_script refuses each script") {
  const TempDir dir;
  const auto ok = script(dir, "ok.sh", 0755);
  const FakeUsers users(false);
  const auto result = check("global_defs {\n  enable_script_security\n}\nvirtual_server 198.18.0.100 80 {\n"
                            "  lb_kind DR\n  quorum_up " + ok + "\n  real_server 198.18.0.11 80 {\n    MISC_CHECK {\n"
                            "      misc_path " + ok + "\n    }\n  }\n}\n",
                            users);
  const auto errors = at(result, Severity::error);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].rfind("6:3: virtual_server 198.18.0.100 80 quorum_up: enable_script_security does not run "
                        "scripts as root by default",
                        0) == 0);
  CHECK(errors[1].rfind("9:7: real_server 198.18.0.11 MISC_CHECK: enable_script_security", 0) == 0);
}

TEST_CASE("check scripts: script_user root under enable_script_security is allowed; an unsafe script is disabled") {
  const TempDir dir;
  const auto ok = script(dir, "ok.sh", 0755);
  const auto open = script(dir, "open.sh", 0777);
  const FakeUsers users(false);
  const auto result = check("global_defs {\n  enable_script_security\n  script_user root\n  notify_fifo /run/x.fifo\n"
                            "  notify_fifo_script " + ok + "\n  lvs_notify_fifo /run/y.fifo\n"
                            "  lvs_notify_fifo_script " + open + "\n}\n",
                            users);
  CHECK(result.ok());
  const auto warnings = at(result, Severity::warning);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "7:3: lvs_notify_fifo_script is disabled: unsafe permissions: " + open +
                           " is writable by everyone (mode 0777), and the script runs with root's rights "
                           "(enable_script_security)");
}

TEST_CASE("check scripts: keepalived's warnings without script security") {
  const TempDir dir;
  const auto open = script(dir, "open.sh", 0777);
  const FakeUsers users(false);
  const auto result = check("virtual_server 198.18.0.100 80 {\n  lb_kind DR\n  real_server 198.18.0.11 80 {\n"
                            "    notify_up " + open + "\n    notify_down " + open + "\n  }\n}\n",
                            users);
  REQUIRE(result.ok());
  const auto warnings = at(result, Severity::warning);
  REQUIRE(warnings.size() == 4);
  // The missing default user is said once; then each unsafe script; then keepalived's SECURITY
  // VIOLATION, which makes keepalived's -t exit 6 (and xdplbd's).
  CHECK(keepalived_verdict(result.diagnostics) == KeepalivedReport::script_security);
  CHECK(warnings[0] == "4:5: the default script user keepalived_script does not exist: scripts run as root (create "
                       "it, or set script_user)");
  CHECK(warnings[1].rfind("4:5: real_server 198.18.0.11 notify_up: unsafe permissions", 0) == 0);
  CHECK(warnings[2].rfind("4:5: scripts will run but enable_script_security is not set", 0) == 0);
  CHECK(warnings[3].rfind("5:5: real_server 198.18.0.11 notify_down: unsafe permissions", 0) == 0);
}

TEST_CASE("check scripts: a notify line takes SCRIPT [USER [GROUP]] as keepalived does") {
  const TempDir dir;
  const auto ok = script(dir, "ok.sh", 0755);
  const FakeUsers users(true);
  const auto result = check("vrrp_instance VI_1 {\n  notify \"" + ok + " arg\" nobody nogroup\n  notify_stop " + ok +
                                " a b c\n}\n",
                            users);
  const auto errors = at(result, Severity::error);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("'notify_stop' takes SCRIPT [USER [GROUP]]") != std::string::npos);
  const auto parsed = load_text("vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n"
                                "  virtual_ipaddress {\n    198.18.0.100\n  }\n"
                                "  notify \"/x.sh arg\" nobody nogroup\n}\n");
  REQUIRE_MESSAGE(parsed.ok(), all_diagnostics(parsed));
  CHECK(parsed.config->vrrp_instances[0].notify.any == ScriptCommand{"/x.sh arg", "nobody", "nogroup"});
}
