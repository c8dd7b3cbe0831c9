// Every keyword of keepalived's `KEYWORD SCRIPT [USER [GROUP]]` form: the script is the first word or
// one quoted string, the words after it are the user and the group, never arguments of the script
// (keepalived 2.2.7's dump of `notify_master /bin/echo root` runs '/bin/echo' as uid 0). MISC_CHECK's
// misc_path is the other form: the whole line is the command, its user is the `user` keyword.
#include <doctest/doctest.h>

#include <functional>

#include "config/dump_json.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

std::string instance_with(std::string_view extra) {
  return "vrrp_instance VI_1 {\n" + std::string(minimal_instance_body) + std::string(extra) + "}\n";
}

std::string server_with(std::string_view vs_extra, std::string_view rs_extra) {
  return "virtual_server 198.18.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n" + std::string(vs_extra) + "  real_server 198.18.1.9 80 {\n" +
         std::string(rs_extra) + "    TCP_CHECK {\n    }\n  }\n}\n";
}

struct ScriptKeyword {
  const char* keyword;
  std::function<std::string(const std::string& line)> file;
  std::function<ScriptCommand(const Config&)> value;
};

const ScriptKeyword script_keywords[] = {
    {"notify_master", [](const std::string& l) { return instance_with("  " + l + "\n"); },
     [](const Config& c) { return c.vrrp_instances[0].notify.master; }},
    {"notify_backup", [](const std::string& l) { return instance_with("  " + l + "\n"); },
     [](const Config& c) { return c.vrrp_instances[0].notify.backup; }},
    {"notify_fault", [](const std::string& l) { return instance_with("  " + l + "\n"); },
     [](const Config& c) { return c.vrrp_instances[0].notify.fault; }},
    {"notify_stop", [](const std::string& l) { return instance_with("  " + l + "\n"); },
     [](const Config& c) { return c.vrrp_instances[0].notify.stop; }},
    {"notify", [](const std::string& l) { return instance_with("  " + l + "\n"); },
     [](const Config& c) { return c.vrrp_instances[0].notify.any; }},
    {"notify_master",
     [](const std::string& l) {
       return instance_with("") + std::string(second_instance) + std::string(sync_group_head) + "  " + l + "\n}\n";
     },
     [](const Config& c) { return c.sync_groups[0].notify.master; }},
    {"notify_up", [](const std::string& l) { return server_with("", "    " + l + "\n"); },
     [](const Config& c) { return c.virtual_servers[0].real_servers[0].notify_up; }},
    {"notify_down", [](const std::string& l) { return server_with("", "    " + l + "\n"); },
     [](const Config& c) { return c.virtual_servers[0].real_servers[0].notify_down; }},
    {"quorum_up", [](const std::string& l) { return server_with("  " + l + "\n", ""); },
     [](const Config& c) { return c.virtual_servers[0].quorum_up; }},
    {"quorum_down", [](const std::string& l) { return server_with("  " + l + "\n", ""); },
     [](const Config& c) { return c.virtual_servers[0].quorum_down; }},
    {"vrrp_notify_fifo_script",
     [](const std::string& l) { return "global_defs {\n  vrrp_notify_fifo /run/x.fifo\n  " + l + "\n}\n"; },
     [](const Config& c) { return c.global.vrrp_notify_fifo_script; }},
};

ScriptCommand loaded(const ScriptKeyword& k, const std::string& line) {
  const auto result = load_text(k.file(line));
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK_MESSAGE(result.diagnostics.empty(), all_diagnostics(result));
  return k.value(*result.config);
}

}  // namespace

TEST_CASE("script user: every SCRIPT [USER [GROUP]] keyword keeps the user and group out of the command") {
  for (const auto& k : script_keywords) {
    const std::string keyword = k.keyword;
    CAPTURE(keyword);
    CHECK(loaded(k, keyword + " /bin/notify.sh") == ScriptCommand{"/bin/notify.sh", "", ""});
    CHECK(loaded(k, keyword + " /bin/notify.sh nobody") == ScriptCommand{"/bin/notify.sh", "nobody", ""});
    CHECK(loaded(k, keyword + " /bin/notify.sh nobody nogroup") ==
          ScriptCommand{"/bin/notify.sh", "nobody", "nogroup"});
    // A quoted script carries its arguments; the user follows the quotes.
    CHECK(loaded(k, keyword + " \"/bin/notify.sh --vip 1\" nobody") ==
          ScriptCommand{"/bin/notify.sh --vip 1", "nobody", ""});
    // A fourth word cannot be a user or a group: the script's arguments belong inside quotes.
    const auto four = load_text(k.file(keyword + " /bin/notify.sh a b c"));
    CHECK_FALSE(four.ok());
    CHECK(mentions(four, "'" + keyword + "' takes SCRIPT [USER [GROUP]]; quote a command line that has arguments"));
  }
}

TEST_CASE("script user: --dump-config shows the user and the group as their own fields") {
  const auto result = load_text(instance_with("  notify_master /bin/notify.sh nobody nogroup\n  notify_backup /bin/b\n"));
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  const auto notify = to_json(*result.config)["vrrp_instances"][0]["notify"];
  CHECK(notify["master"] == nlohmann::json({{"command", "/bin/notify.sh"}, {"user", "nobody"}, {"group", "nogroup"}}));
  CHECK(notify["backup"] == "/bin/b");
}

TEST_CASE("script user: misc_path is a whole command line, its user is MISC_CHECK's user keyword") {
  const auto result = load_text(
      "virtual_server 198.18.0.1 80 {\n  protocol TCP\n  real_server 198.18.1.9 80 {\n    MISC_CHECK {\n"
      "      misc_path /bin/check.sh nobody 80\n      user nobody nogroup\n    }\n  }\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  const auto& misc = std::get<MiscCheck>(result.config->virtual_servers[0].real_servers[0].checkers[0]);
  // keepalived 2.2.7 passes every word of misc_path to the script (quoted or not).
  CHECK(misc.misc_path == "/bin/check.sh nobody 80");
  CHECK(misc.user == "nobody");
  CHECK(misc.group == "nogroup");
  const auto dumped = to_json(*result.config)["virtual_servers"][0]["real_servers"][0]["checkers"][0];
  CHECK(dumped["misc_path"] == "/bin/check.sh nobody 80");
  CHECK(dumped["user"] == "nobody");
  CHECK(dumped["group"] == "nogroup");
}
