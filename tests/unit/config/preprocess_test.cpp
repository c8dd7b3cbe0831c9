#include <doctest/doctest.h>

#include "config/preprocess.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

TEST_CASE("preprocess: $NAME=value definitions and $NAME / ${NAME} substitution") {
  const auto result = load_text(
      "$IFACE=eth1\n"
      "$NET=198.18.0\n"
      "$VIP=$NET.10/24\n"
      "vrrp_instance VI_1 {\n"
      "  interface $IFACE\n"
      "  virtual_router_id 51\n"
      "  virtual_ipaddress {\n"
      "    $VIP\n"
      "    ${NET}.11/24 dev $IFACE\n"
      "  }\n"
      "}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  const auto& instance = result.config->vrrp_instances.at(0);
  CHECK(instance.interface == "eth1");
  REQUIRE(instance.virtual_ipaddresses.size() == 2);
  CHECK(instance.virtual_ipaddresses[0].address.to_string_with_prefix() == "198.18.0.10/24");
  CHECK(instance.virtual_ipaddresses[1].address.to_string_with_prefix() == "198.18.0.11/24");
  CHECK(instance.virtual_ipaddresses[1].device == "eth1");
}

TEST_CASE("preprocess: a definition may hold several words; substituted tokens keep the reference's place") {
  const auto result = load_text(
      "$CHECK=connect_timeout 7\n"
      "virtual_server 198.18.0.10 80 {\n"
      "  real_server 198.18.1.1 80 {\n"
      "    TCP_CHECK {\n"
      "      $CHECK\n"
      "      bogus $CHECK\n"
      "    }\n"
      "  }\n"
      "  protocol TCP\n"
      "}\n");
  const auto& check =
      std::get<TcpCheck>(result.config->virtual_servers.at(0).real_servers.at(0).checkers.at(0));
  CHECK(check.connect_timeout == std::chrono::seconds(7));
  CHECK(warning_lines(result) == std::vector<std::string>{"test.conf:6"});
}

TEST_CASE("preprocess: an undefined $NAME stays as written, as keepalived does, with a warning") {
  const auto result = load_text("global_defs {\n  router_id $NOPE\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK(result.config->global.router_id == "$NOPE");
  CHECK(warning_lines(result) == std::vector<std::string>{"test.conf:2"});
  CHECK(mentions(result, "'$NOPE' is not defined; kept as written"));
}

TEST_CASE("preprocess: inside quotes definitions are replaced and unknown $NAMEs kept; a lone '$' stays") {
  const auto result = load_text(
      "$IF=eth0\n"
      "vrrp_instance VI_1 {\n"
      "  interface eth0\n"
      "  virtual_router_id 51\n"
      "  virtual_ipaddress {\n    198.18.0.1\n  }\n"
      "  authentication {\n    auth_type PASS\n    auth_pass \"$ecret\"\n  }\n"
      "  notify_master \"/bin/echo $X ${Y} $IF\"\n"
      "  notify_backup \"/bin/echo 5$\"\n"
      "}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  const auto& instance = result.config->vrrp_instances.at(0);
  CHECK(instance.authentication.password == "$ecret");
  CHECK(instance.notify.master.command == "/bin/echo $X ${Y} eth0");
  CHECK(instance.notify.backup.command == "/bin/echo 5$");
}

TEST_CASE("preprocess: include with a glob, relative to the including file, in sorted order") {
  TempDir dir;
  dir.write("conf.d/20-b.conf", "vrrp_script b {\n  script /bin/true\n}\n");
  dir.write("conf.d/10-a.conf", "vrrp_script a {\n  script /bin/true\n}\n");
  dir.write("conf.d/sub/defs.inc", "$PRIO=150\n");
  const auto main = dir.write("keepalived.conf",
                              "include conf.d/*.conf\n"
                              "include conf.d/sub/defs.inc\n"
                              "vrrp_instance VI_1 {\n"
                              "  interface eth0\n"
                              "  virtual_router_id 51\n"
                              "  priority $PRIO\n"
                              "  virtual_ipaddress {\n    198.18.0.1\n  }\n"
                              "  track_script {\n    a\n    b\n  }\n"
                              "}\n");
  const auto result = load_config(main, grammar_only());
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  REQUIRE(result.config->vrrp_scripts.size() == 2);
  CHECK(result.config->vrrp_scripts[0].name == "a");
  CHECK(result.config->vrrp_scripts[1].name == "b");
  CHECK(result.config->vrrp_scripts[0].location.file_name() == (dir.path() / "conf.d/10-a.conf").string());
  CHECK(result.config->vrrp_instances.at(0).priority == 150);
}

TEST_CASE("preprocess: errors in an included file name that file and line") {
  TempDir dir;
  dir.write("inc/bad.conf", "\n\nglobal_defs {\n  vrrp_version 4\n}\n");
  const auto main = dir.write("main.conf", "include inc/bad.conf\n");
  const auto result = load_config(main, grammar_only());
  CHECK(error_lines(result) == std::vector<std::string>{(dir.path() / "inc/bad.conf").string() + ":4"});
}

TEST_CASE("preprocess: an include matching nothing warns; a missing top-level file is an error") {
  TempDir dir;
  const auto main = dir.write("main.conf", "include nothing/*.conf\n");
  const auto result = load_config(main, grammar_only());
  CHECK(result.ok());
  CHECK(warning_lines(result) == std::vector<std::string>{main + ":1"});

  const auto missing = load_config((dir.path() / "absent.conf").string(), grammar_only());
  CHECK_FALSE(missing.ok());
  CHECK(error_lines(missing) == std::vector<std::string>{(dir.path() / "absent.conf").string() + ":1"});
}

TEST_CASE("preprocess: an include cycle is an error at the include that closes it") {
  TempDir dir;
  dir.write("b.conf", "\ninclude a.conf\n");
  const auto a = dir.write("a.conf", "include b.conf\n");
  const auto result = load_config(a, grammar_only());
  CHECK(error_lines(result) == std::vector<std::string>{(dir.path() / "b.conf").string() + ":2"});
  CHECK(mentions(result, "include cycle"));
}

TEST_CASE("preprocess: include can be disabled (fuzzing)") {
  LoadOptions options = grammar_only();
  options.follow_includes = false;
  const auto result = load_text("include /etc/*\n", options);
  CHECK(error_lines(result) == std::vector<std::string>{"test.conf:1"});
}

TEST_CASE("preprocess: self-referencing definitions cannot blow up") {
  const auto result = load_text(
      "$A=x x x x x x x x x\n$B=$A $A $A $A $A $A $A $A\n$C=$B $B $B $B $B $B $B $B\n"
      "$D=$C $C $C $C $C $C $C $C\n$E=$D $D $D $D $D $D $D $D\n$E\n");
  CHECK_FALSE(result.ok());
  CHECK(mentions(result, "expands to too much text"));
}

namespace {

// keepalived's own example (keepalived.conf(5), "Conditional configuration"), as node `id`.
LoadResult conditional_example(std::optional<std::string> id) {
  auto options = grammar_only();
  options.config_id = std::move(id);
  return load_text(
      "global_defs {\n"
      "    @main   router_id main_router\n"
      "    @backup router_id backup_router\n"
      "}\n"
      "vrrp_instance VRRP {\n"
      "    interface eth0\n"
      "    virtual_router_id 51\n"
      "    @main    unicast_src_ip 198.18.0.4\n"
      "    @backup  unicast_src_ip 198.18.0.5\n"
      "    @backup2 unicast_src_ip 198.18.0.6\n"
      "    unicast_peer {\n"
      "        @^main    198.18.0.4\n"
      "        @^backup  198.18.0.5\n"
      "        @^backup2 198.18.0.6\n"
      "    }\n"
      "}\n",
      options);
}

std::vector<std::string> peers(const LoadResult& result) {
  std::vector<std::string> out;
  for (const auto& p : result.config->vrrp_instances.at(0).unicast_peers) out.push_back(p.to_string());
  return out;
}

}  // namespace

TEST_CASE("preprocess: @ID lines count only on the node of that config id, @^ID lines everywhere else") {
  const auto main = conditional_example("main");
  REQUIRE_MESSAGE(main.ok(), all_diagnostics(main));
  CHECK(main.config->global.router_id == "main_router");
  CHECK(main.config->vrrp_instances[0].unicast_src_ip->to_string() == "198.18.0.4");
  CHECK(peers(main) == std::vector<std::string>{"198.18.0.5", "198.18.0.6"});

  const auto backup = conditional_example("backup");
  REQUIRE_MESSAGE(backup.ok(), all_diagnostics(backup));
  CHECK(backup.config->global.router_id == "backup_router");
  CHECK(peers(backup) == std::vector<std::string>{"198.18.0.4", "198.18.0.6"});

  // Another id: no router_id, no unicast_src_ip, every peer.
  const auto other = conditional_example("other");
  REQUIRE_MESSAGE(other.ok(), all_diagnostics(other));
  CHECK(other.config->global.router_id.empty());
  CHECK_FALSE(other.config->vrrp_instances[0].unicast_src_ip);
  CHECK(peers(other).size() == 3);
}

TEST_CASE("preprocess: without -i the config id is the host name up to its first '.'") {
  const auto id = default_config_id();
  REQUIRE_FALSE(id.empty());
  CHECK(id.find('.') == std::string::npos);
  auto options = grammar_only();
  const auto result = load_text("global_defs {\n  @" + id + " router_id here\n  @^" + id + " router_id elsewhere\n}\n", options);
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK(result.config->global.router_id == "here");
}

TEST_CASE("preprocess: '@' without an id is an error naming the line; @ID lines hold definitions too") {
  auto options = grammar_only();
  options.config_id = "main";
  const auto bad = load_text("global_defs {\n  @ router_id x\n  @^ router_id y\n}\n", options);
  CHECK_FALSE(bad.ok());
  CHECK(all_diagnostics(bad).find("test.conf:2:3: error: a conditional line needs a config id right after '@'") !=
        std::string::npos);
  CHECK(all_diagnostics(bad).find("test.conf:3:3: error: a conditional line needs a config id right after '@^'") !=
        std::string::npos);
  const auto defined = load_text("@main $NAME=main_router\n@^main $NAME=other\nglobal_defs {\n  router_id $NAME\n}\n",
                                 options);
  REQUIRE_MESSAGE(defined.ok(), all_diagnostics(defined));
  CHECK(defined.config->global.router_id == "main_router");
}

TEST_CASE("preprocess: a lexer error is reported at its own line and column, not the file's first line") {
  const auto result = load_text(
      "global_defs {\n"
      "  router_id R1\n"
      "\tnotification_email_from  \"a@b\n"
      "}\n");
  CHECK_FALSE(result.ok());
  CHECK(error_lines(result) == std::vector<std::string>{"test.conf:3"});
  CHECK(mentions(result, "test.conf:3:27: error: unterminated quoted string"));
}

TEST_CASE("preprocess: a statement keeps the columns it was written at, also after a substitution") {
  const auto result = load_text(
      "$W=70000\n"
      "virtual_server 198.18.0.10 80 {\n"
      "  protocol TCP\n"
      "  real_server 198.18.1.1 80 {\n"
      "\t    weight $W\n"
      "      weight   70001\n"
      "  }\n"
      "}\n");
  CHECK(mentions(result, "test.conf:5:13: error: weight 70000 is out of range"));
  CHECK(mentions(result, "test.conf:6:16: error: weight 70001 is out of range"));
}
