// keepalived's forms for generated configurations (keepalived.conf(5), "Parameter substitution",
// "Sequence blocks", "List blocks", include variants): their examples, read as keepalived reads them.
#include <doctest/doctest.h>

#include "config/include_pattern.h"
#include "config/line_repeat.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

std::vector<std::string> vip_texts(const LoadResult& result, std::size_t instance = 0) {
  std::vector<std::string> out;
  for (const auto& v : result.config->vrrp_instances.at(instance).virtual_ipaddresses)
    out.push_back(v.address.to_string_with_prefix());
  return out;
}

std::string instance_with(std::string_view addresses) {
  return "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  virtual_ipaddress {\n" +
         std::string(addresses) + "  }\n}\n";
}

}  // namespace

TEST_CASE("generated: substitution happens when a definition is used, not when it is made") {
  const auto result = load_text(
      "$ADDRESS_BASE=198.18.${ADDRESS_BASE_SUB}\n"
      "$ADDRESS_BASE_SUB=0\n" +
      instance_with("    ${ADDRESS_BASE}.100/32\n") +
      "$ADDRESS_BASE_SUB=10\n"
      "vrrp_instance VI_2 {\n  interface eth0\n  virtual_router_id 52\n  virtual_ipaddress {\n"
      "    ${ADDRESS_BASE}.100/32\n  }\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK(vip_texts(result, 0) == std::vector<std::string>{"198.18.0.100/32"});
  CHECK(vip_texts(result, 1) == std::vector<std::string>{"198.18.10.100/32"});
}

TEST_CASE("generated: a substitution may make a conditional line") {
  auto options = grammar_only();
  options.config_id = "main";
  const auto main = load_text("$IF_MAIN=@main\nglobal_defs {\n  $IF_MAIN router_id main_router\n}\n", options);
  REQUIRE_MESSAGE(main.ok(), all_diagnostics(main));
  CHECK(main.config->global.router_id == "main_router");
  options.config_id = "backup";
  const auto backup = load_text("$IF_MAIN=@main\nglobal_defs {\n  $IF_MAIN router_id main_router\n}\n", options);
  REQUIRE_MESSAGE(backup.ok(), all_diagnostics(backup));
  CHECK(backup.config->global.router_id.empty());
}

TEST_CASE("generated: multiline definitions, nested, with definitions and conditionals inside") {
  auto options = grammar_only();
  options.config_id = "high";
  const auto result = load_text(
      "$INSTANCE= \\\n"
      "vrrp_instance VI_${NUM} { \\\n"
      "    interface eth${NUM} \\\n"
      "    virtual_router_id 1${NUM} \\\n"
      "    @high priority 130 \\\n"
      "    @low priority 120 \\\n"
      "    virtual_ipaddress { \\\n"
      "        198.18.${NUM}.254/24 \\\n"
      "    } \\\n"
      "}\n"
      "\n"
      "$NUM=0\n"
      "$INSTANCE\n"
      "$NUM=1\n"
      "$INSTANCE\n",
      options);
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  REQUIRE(result.config->vrrp_instances.size() == 2);
  CHECK(result.config->vrrp_instances[0].name == "VI_0");
  CHECK(result.config->vrrp_instances[1].interface == "eth1");
  CHECK(result.config->vrrp_instances[1].virtual_router_id == 11);
  CHECK(result.config->vrrp_instances[0].priority == 130);
  CHECK(vip_texts(result, 1) == std::vector<std::string>{"198.18.1.254/24"});
  // Errors in generated lines point at the line of the definition that made them.
  const auto bad = load_text("$X= \\\n  global_defs { \\\n    vrrp_version 9 \\\n  }\n$X\n");
  CHECK(error_lines(bad) == std::vector<std::string>{"test.conf:3"});
}

TEST_CASE("generated: a multiline definition of real servers used inside another (keepalived's example)") {
  const auto result = load_text(
      "$RS= \\\n"
      "real_server 198.18.${VS_NUM}.${RS_NUM} 80 { \\\n"
      "    weight 1 \\\n"
      "    inhibit_on_failure \\\n"
      "\n"
      "    TCP_CHECK { \\\n"
      "        connect_timeout ${RS_NUM} \\\n"
      "    } \\\n"
      "}\n"
      "$VS= \\\n"
      "virtual_server 198.19.${VS_NUM}.4 80 { \\\n"
      "    protocol TCP \\\n"
      "    quorum 2 \\\n"
      "    $RS_NUM=1 \\\n"
      "    $RS \\\n"
      "    $RS_NUM=2 \\\n"
      "    $RS \\\n"
      "    $RS_NUM=3 \\\n"
      "    $RS \\\n"
      "}\n"
      "$VS_NUM=0\n"
      "$VS\n"
      "$VS_NUM=1\n"
      "$VS\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  REQUIRE(result.config->virtual_servers.size() == 2);
  const auto& second = result.config->virtual_servers[1];
  CHECK(second.address.to_string() == "198.19.1.4");
  REQUIRE(second.real_servers.size() == 3);
  CHECK(second.real_servers[2].address.to_string() == "198.18.1.3");
  CHECK(std::get<TcpCheck>(second.real_servers[2].checkers.at(0)).connect_timeout == std::chrono::seconds(3));
}

TEST_CASE("generated: a multiline definition not ended is an error; one used inside a line too") {
  CHECK(mentions(load_text("$X= \\\n  router_id a \\\n"), "is not ended"));
  CHECK(mentions(load_text("$X= \\\n  a\n$Y=b\nglobal_defs {\n  router_id $X\n}\n"), "must stand alone"));
}

TEST_CASE("generated: ~SEQ and ~SEQx, with their defaults, several on a line") {
  const auto seq = load_text(instance_with("    ~SEQ(SUBNET, 0, 3) 198.18.${SUBNET}.1\n"));
  REQUIRE_MESSAGE(seq.ok(), all_diagnostics(seq));
  CHECK(vip_texts(seq) ==
        std::vector<std::string>{"198.18.0.1", "198.18.1.1", "198.18.2.1", "198.18.3.1"});
  const auto hex = load_text(instance_with("    ~SEQx(AD2, 0x90, 0x10, 0xb0) ~SEQx(AD1, 0x12, -1, 0x11) fd00::10:${AD2}:${AD1}\n"));
  REQUIRE_MESSAGE(hex.ok(), all_diagnostics(hex));
  CHECK(vip_texts(hex) == std::vector<std::string>{"fd00::10:90:12", "fd00::10:90:11", "fd00::10:a0:12",
                                                   "fd00::10:a0:11", "fd00::10:b0:12", "fd00::10:b0:11"});
  std::string error;
  auto defaults = parse_line_repeat("~SEQ(N, 3) x", error);
  REQUIRE(defaults);
  CHECK(defaults->values.size() == 3);
  CHECK(defaults->values.front().at("N") == "1");
  defaults = parse_line_repeat("~SEQ(N, 5, 2) x", error);
  REQUIRE(defaults);
  CHECK(defaults->values.size() == 4);  // 5, 4, 3, 2: the step goes towards the end
  CHECK(defaults->remainder == "x");
}

TEST_CASE("generated: ~LST with one variable, with several in braces, nested and with ~SEQ") {
  const auto one = load_text(instance_with("    ~LST(IP, 1, 2, 3) 198.18.0.${IP}\n"));
  REQUIRE_MESSAGE(one.ok(), all_diagnostics(one));
  CHECK(vip_texts(one) == std::vector<std::string>{"198.18.0.1", "198.18.0.2", "198.18.0.3"});
  const auto pairs = load_text(instance_with("    ~LST({IP, IP1}, {10,1},{20,4}) ~SEQ(IP2,168,2,170) 198.${IP2}.${IP}.${IP1}\n"));
  REQUIRE_MESSAGE(pairs.ok(), all_diagnostics(pairs));
  CHECK(vip_texts(pairs) ==
        std::vector<std::string>{"198.168.10.1", "198.170.10.1", "198.168.20.4", "198.170.20.4"});
}

TEST_CASE("generated: malformed ~SEQ / ~LST are errors at their line, and bounded") {
  for (const char* bad : {"~SEQ(N, 1, 0, 5) x\n", "~SEQ(1N, 3) x\n", "~SEQ(N, a) x\n", "~SEQ(N, 3 x\n",
                          "~SEQ(N) x\n", "~LST(N) x\n", "~LST({A,B}, {1}) x\n", "~LST({A, 1}, x\n",
                          "~SEQ(N, 0, 1, 100000000) x\n"}) {
    const auto result = load_text(std::string("\n") + bad);
    CHECK_MESSAGE(error_lines(result) == std::vector<std::string>{"test.conf:2"}, bad << all_diagnostics(result));
  }
}

TEST_CASE("generated: predefined ${_PWD}, ${_INSTANCE}, ${_HASH}, ${_BANG}, ${_RANDOM MIN MAX}") {
  TempDir dir;
  dir.write("sub/part.conf", "global_defs {\n  router_id ${_PWD}\n}\n");
  const auto main = dir.write("main.conf", "include sub/part.conf\n");
  const auto included = load_config(main, grammar_only());
  REQUIRE_MESSAGE(included.ok(), all_diagnostics(included));
  CHECK(included.config->global.router_id == (dir.path() / "sub").string());

  auto options = grammar_only();
  options.config_id = "lb7";
  const auto named = load_text("global_defs {\n  router_id node-${_INSTANCE}${_HASH}${_BANG}\n}\n", options);
  REQUIRE_MESSAGE(named.ok(), all_diagnostics(named));
  CHECK(named.config->global.router_id == "node-lb7#!");

  const auto random = load_text("vrrp_instance V {\n  interface eth0\n  virtual_router_id ${_RANDOM 7 7}\n"
                                "  virtual_ipaddress {\n    198.18.0.1\n  }\n}\n");
  REQUIRE_MESSAGE(random.ok(), all_diagnostics(random));
  CHECK(random.config->vrrp_instances.at(0).virtual_router_id == 7);
}

TEST_CASE("generated: a definition that refers to itself is an error, not a hang") {
  CHECK(mentions(load_text("$A=$A\nglobal_defs {\n  router_id $A\n}\n"), "refers to itself"));
  CHECK(mentions(load_text("$A=${A}${A}\nglobal_defs {\n  router_id $A\n}\n"), "too much text"));
}

TEST_CASE("generated: brace expansion of include names, in written order") {
  CHECK(expand_braces("a{b,c{d,e}}f") == std::vector<std::string>{"abf", "acdf", "acef"});
  CHECK(expand_braces("x{,y}") == std::vector<std::string>{"x", "xy"});
  CHECK(expand_braces("un{balanced") == std::vector<std::string>{"un{balanced"});
  TempDir dir;
  dir.write("vrrp/a.conf", "vrrp_script a {\n  script /bin/true\n}\n");
  dir.write("lvs/b.conf", "vrrp_script b {\n  script /bin/true\n}\n");
  const auto main = dir.write("main.conf", "include {lvs,vrrp}/*.conf\n");
  const auto result = load_config(main, grammar_only());
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  REQUIRE(result.config->vrrp_scripts.size() == 2);
  CHECK(result.config->vrrp_scripts[0].name == "b");
}

TEST_CASE("generated: include variants and include_check make missing matches errors") {
  TempDir dir;
  dir.write("one.conf", "\n");
  const auto run = [&](const std::string& text) {
    return load_config(dir.write("main.conf", text), grammar_only());
  };
  CHECK(run("include absent.conf\n").ok());            // keepalived: no error
  CHECK(run("includer absent/*.conf\n").ok());         // readable only
  CHECK_FALSE(run("includem absent.conf\n").ok());     // match, no wildcard
  CHECK(run("includem absent/*.conf\n").ok());         // match excuses a wildcard
  CHECK_FALSE(run("includew absent/*.conf\n").ok());   // wildcard_match
  CHECK_FALSE(run("includeb {one,absent}.conf\n").ok());  // brace_match
  CHECK(run("includem {one,absent}.conf\n").ok());
  CHECK_FALSE(run("includea absent/*.conf\n").ok());
  CHECK_FALSE(run("global_defs {\n  include_check\n}\ninclude absent.conf\n").ok());
  CHECK(run("global_defs {\n  include_check -wildcard_match -match -brace_match\n}\ninclude absent*.conf\n").ok());
  CHECK(mentions(run("global_defs {\n  include_check +bogus\n}\n"), "include_check option '+bogus'"));
  IncludeChecks none;
  std::string error;
  CHECK(apply_include_check(none, {}, error) == IncludeChecks::all());
}
