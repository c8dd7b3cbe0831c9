// Each kind of script the agent runs outside VRRP - MISC_CHECK, notify_up / notify_down,
// quorum_up / quorum_down, the notify FIFO readers - carries the uid:gid the one script rule
// resolves, and a script the rule disables is never among what runs. (The VRRP kinds:
// vrrp_plan_test.cpp.)
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "agent/checker_factory.h"
#include "agent/checker_notify_scripts.h"
#include "agent/notify_fifos.h"
#include "agent/service_plan.h"
#include "config/load.h"

using namespace xdplb;

namespace {

class FakeUsers final : public UserDatabase {
 public:
  std::optional<UserIds> user(const std::string& name) const override {
    if (name == "root") return UserIds{0, 0};
    if (name == "nobody") return UserIds{65534, 65534};
    if (name == "keepalived_script") return UserIds{990, 990};
    return std::nullopt;
  }
  std::optional<gid_t> group(const std::string& name) const override {
    if (name == "nogroup") return gid_t{65534};
    if (name == "staff") return gid_t{50};
    return std::nullopt;
  }
};

class ScriptFiles {
 public:
  ScriptFiles() {
    std::string pattern = "/tmp/xdplb-agent-scripts-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
    ::chmod(path_.c_str(), 0755);
  }
  ~ScriptFiles() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string add(const std::string& name, mode_t mode) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file) << "#!/bin/sh\nexit 0\n";
    ::chmod(file.c_str(), mode);
    return file;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

config::Config load(const std::string& text) {
  config::LoadOptions options;
  options.check_host = false;  // what the agent's own planning does is under test
  auto r = config::load_config_text(text, "test.conf", options);
  if (!r.ok())
    for (const auto& d : r.diagnostics) MESSAGE(config::format_diagnostic(d));
  REQUIRE(r.ok());
  return *r.config;
}

}  // namespace

TEST_CASE("script kinds: notify_up / notify_down / quorum_* carry their identity; unsafe root ones are disabled") {
  const ScriptFiles files;
  const std::string ok = files.add("ok.sh", 0755);
  const std::string open = files.add("open.sh", 0777);
  const auto config = load("global_defs {\n  enable_script_security\n  script_user nobody\n}\n"
                           "virtual_server 198.18.0.100 80 {\n  lb_kind DR\n  quorum_up \"" + ok + " up\"\n"
                           "  quorum_down " + open + " root\n"
                           "  real_server 198.18.0.11 80 {\n    notify_up " + ok + " keepalived_script staff\n"
                           "    notify_down " + open + "\n  }\n}\n");
  const auto plan = agent::plan_services(config);
  const agent::CheckerNotifyScripts scripts(config, plan, FakeUsers{});
  using Kind = check::NotifyAction::Kind;
  const std::string service = plan.services.at(0).name;
  const auto* quorum_up = scripts.find({Kind::quorum_up, service, "", ""});
  REQUIRE(quorum_up != nullptr);
  CHECK(quorum_up->argv == std::vector<std::string>{ok, "up"});
  CHECK(quorum_up->identity.uid == 65534);
  CHECK(scripts.find({Kind::quorum_down, service, "", ""}) == nullptr);  // root and world-writable
  const auto* up = scripts.find({Kind::real_server_up, service, "198.18.0.11:80", ""});
  REQUIRE(up != nullptr);
  CHECK(up->identity.uid == 990);
  CHECK(up->identity.gid == 50);
  // As nobody a world-writable script is not guarded (keepalived): it runs, as nobody.
  const auto* down = scripts.find({Kind::real_server_down, service, "198.18.0.11:80", ""});
  REQUIRE(down != nullptr);
  CHECK(down->identity.uid == 65534);
}

TEST_CASE("script kinds: MISC_CHECK runs as its own user, with its own group, else script_user") {
  const ScriptFiles files;
  const std::string ok = files.add("ok.sh", 0755);
  const std::string open = files.add("open.sh", 0777);
  const auto config = load("global_defs {\n  enable_script_security\n  script_user nobody nogroup\n}\n"
                           "virtual_server 198.18.0.100 80 {\n  lb_kind DR\n  real_server 198.18.0.11 80 {\n"
                           "    MISC_CHECK {\n      misc_path \"" + ok + " 198.18.0.11\"\n      user keepalived_script\n    }\n"
                           "    MISC_CHECK {\n      misc_path " + ok + "\n    }\n"
                           "    MISC_CHECK {\n      misc_path " + open + "\n      user root\n    }\n"
                           "    MISC_CHECK {\n      misc_path " + ok + "\n      user ghost\n    }\n  }\n}\n");
  const auto& checkers = config.virtual_servers.at(0).real_servers.at(0).checkers;
  auto misc = [&](std::size_t i) { return std::get<config::MiscCheck>(checkers.at(i)); };
  check::MiscCheckParams own;
  agent::plan_misc_script(own, config, misc(0), FakeUsers{});
  CHECK(own.misc_path == ok + " 198.18.0.11");
  CHECK(own.uid == uid_t{990});
  CHECK(own.gid == gid_t{990});  // the block's user's group, not script_group
  check::MiscCheckParams global;
  agent::plan_misc_script(global, config, misc(1), FakeUsers{});
  CHECK(global.uid == uid_t{65534});
  CHECK(global.gid == gid_t{65534});
  check::MiscCheckParams unsafe;
  CHECK_THROWS_WITH_AS(agent::plan_misc_script(unsafe, config, misc(2), FakeUsers{}),
                       doctest::Contains("is disabled: unsafe permissions"), std::invalid_argument);
  check::MiscCheckParams ghost;
  CHECK_THROWS_WITH_AS(agent::plan_misc_script(ghost, config, misc(3), FakeUsers{}),
                       doctest::Contains("script user 'ghost' does not exist"), std::invalid_argument);
}

TEST_CASE("script kinds: the FIFO readers run as their user; an unsafe root reader is not started") {
  const ScriptFiles files;
  const std::string ok = files.add("ok.sh", 0755);
  const std::string open = files.add("open.sh", 0777);
  config::GlobalDefs global;
  global.enable_script_security = true;
  global.script_user = "nobody";
  global.notify_fifo = files.path() + "/all.fifo";
  global.notify_fifo_script = {ok, "", ""};
  global.vrrp_notify_fifo = files.path() + "/vrrp.fifo";
  global.vrrp_notify_fifo_script = {ok, "keepalived_script", "staff"};
  global.lvs_notify_fifo = files.path() + "/lvs.fifo";
  global.lvs_notify_fifo_script = {open, "root", ""};
  asio::io_context io;
  const agent::NotifyFifos fifos(io, global, FakeUsers{});
  REQUIRE(fifos.readers().size() == 2);
  CHECK(fifos.readers()[0].planned.identity.uid == 65534);
  CHECK(fifos.readers()[0].fifo == global.notify_fifo);
  CHECK(fifos.readers()[1].planned.identity.uid == 990);
  CHECK(fifos.readers()[1].planned.identity.gid == 50);
}
