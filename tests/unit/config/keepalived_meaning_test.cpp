// keepalived 2.2.7's meaning where it is easy to get wrong: the VRRP version of IPv6 instances,
// strict mode's rules, AH, the protocol default, virtual_server_group ranges and the old sync group
// syntax. Each case was checked against `keepalived -t` (2.2.7) in a namespace.
#include <doctest/doctest.h>

#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

std::string v6_instance(std::string_view extra, std::string_view global = "") {
  return "global_defs {\n" + std::string(global) + "}\nvrrp_instance V6 {\n  interface eth0\n  virtual_router_id 7\n" +
         std::string(extra) + "  virtual_ipaddress {\n    fe80::7/64\n    fd00::7/64\n  }\n}\n";
}

std::string v4_instance(std::string_view extra, std::string_view global = "") {
  return "global_defs {\n" + std::string(global) + "}\nvrrp_instance V4 {\n  interface eth0\n  virtual_router_id 7\n" +
         std::string(extra) + "  virtual_ipaddress {\n    198.18.0.7/24\n  }\n}\n";
}

}  // namespace

TEST_CASE("meaning: an IPv6 instance without its own version runs VRRPv3, whatever vrrp_version says") {
  const auto result = load_text(v6_instance("", "  vrrp_version 2\n"));
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK(result.config->vrrp_instances[0].effective_version(result.config->global) == 3);
  CHECK(result.diagnostics.empty());
}

TEST_CASE("meaning: `version 2` with IPv6 is refused, but strict mode makes it 3 as keepalived does") {
  const auto plain = load_text(v6_instance("  version 2\n"));
  CHECK_FALSE(plain.ok());
  CHECK(mentions(plain, "test.conf:6:3: error: VRRP version 2 over IPv6"));
  const auto strict = load_text(v6_instance("  version 2\n  strict_mode\n"));
  REQUIRE_MESSAGE(strict.ok(), all_diagnostics(strict));
  CHECK(strict.config->vrrp_instances[0].effective_version(strict.config->global) == 3);
  CHECK(mentions(strict, "cannot use IPv6 with VRRP version 2; strict mode runs version 3"));
}

TEST_CASE("meaning: the family comes from the first virtual address; native_ipv6 with IPv4 is an error") {
  CHECK(mentions(load_text(v4_instance("  native_ipv6\n")), "native_ipv6 cannot be used with IPv4"));
  CHECK(mentions(load_text(v4_instance("  unicast_src_ip fd00::1\n")),
                 "unicast_src_ip fd00::1 is IPv6 but the instance advertises IPv4"));
}

TEST_CASE("meaning: strict mode (vrrp_strict, or the instance's strict_mode) refuses what keepalived does") {
  const std::string strict = "  vrrp_strict\n";
  struct Case {
    std::string extra;
    const char* says;
  };
  const Case cases[] = {
      {"  authentication {\n    auth_type PASS\n    auth_pass x\n  }\n", "authentication is not allowed in strict"},
      {"  unicast_peer {\n    198.18.0.8\n  }\n", "unicast_peer is not allowed in strict"},
      {"  state MASTER\n", "state MASTER must go with priority 255"},
      {"  priority 255\n", "state MASTER must go with priority 255"},
      {"  preempt_delay 5\n", "preempt_delay is not allowed in strict"},
      {"  accept\n", "accept mode with VRRP version 2 does not comply with RFC 3768"},
  };
  for (const auto& c : cases) {
    CHECK_MESSAGE(mentions(load_text(v4_instance(c.extra, strict)), c.says), c.extra);
    // strict_mode in the instance does the same without vrrp_strict; strict_mode off undoes vrrp_strict.
    CHECK_MESSAGE(mentions(load_text(v4_instance(c.extra + "  strict_mode on\n")), c.says), c.extra);
    CHECK_FALSE(mentions(load_text(v4_instance(c.extra + "  strict_mode off\n", strict)), c.says));
  }
  CHECK(load_text(v4_instance("  state MASTER\n  priority 255\n", strict)).ok());
  // The first IPv6 address must be link-local in strict mode.
  const auto global_first = load_text(
      "global_defs {\n  vrrp_strict\n}\nvrrp_instance V6 {\n  interface eth0\n  virtual_router_id 7\n"
      "  virtual_ipaddress {\n    fd00::7/64\n  }\n}\n");
  CHECK(mentions(global_first, "the first IPv6 virtual address must be link-local"));
  // No virtual address: VRRPv3 and strict mode refuse the instance; VRRPv2 only warns.
  const auto none = "vrrp_instance V {\n  interface eth0\n  virtual_router_id 7\n";
  CHECK_FALSE(load_text(std::string(none) + "  version 3\n}\n").ok());
  CHECK_FALSE(load_text("global_defs {\n  vrrp_strict\n}\n" + std::string(none) + "}\n").ok());
  CHECK(load_text(std::string(none) + "}\n").ok());
}

TEST_CASE("meaning: no_accept is not enforced by xdplb, and -t says so") {
  CHECK(mentions(load_text(v4_instance("  no_accept\n")), "no_accept (the default in strict mode) is not enforced"));
  CHECK(mentions(load_text(v4_instance("", "  vrrp_strict\n")), "no_accept (the default in strict mode)"));
  CHECK_FALSE(mentions(load_text(v4_instance("")), "no_accept"));
  CHECK_FALSE(mentions(load_text(v4_instance("  state MASTER\n  priority 255\n", "  vrrp_strict\n")), "no_accept"));
}

TEST_CASE("meaning: auth_type AH is refused (not implemented); with VRRPv3 it is ignored as keepalived does") {
  const std::string ah = "  authentication {\n    auth_type AH\n    auth_pass secret\n  }\n";
  const auto v2 = load_text(v4_instance(ah));
  CHECK_FALSE(v2.ok());
  CHECK(mentions(v2, "auth_type AH (IPsec AH in VRRPv2, RFC 2338) is not implemented by xdplb"));
  const auto v3 = load_text(v4_instance(ah + "  version 3\n"));
  CHECK(v3.ok());
  CHECK(mentions(v3, "VRRP version 3 has no authentication"));
}

TEST_CASE("meaning: a virtual_server without protocol is UDP, with a warning, as in keepalived 2.2.7") {
  const auto result = load_text("virtual_server 198.18.0.1 53 {\n  lb_kind DR\n}\n");
  REQUIRE(result.ok());
  CHECK(result.config->virtual_servers[0].protocol == Protocol::udp);
  CHECK(mentions(result, "test.conf:1:1: warning: virtual_server has no protocol: UDP"));
  const auto fwmark = load_text("virtual_server fwmark 5 {\n  lb_kind DR\n}\n");
  CHECK_FALSE(mentions(fwmark, "no protocol"));
}

TEST_CASE("meaning: virtual_server_group ranges in keepalived's forms, IPv4 and IPv6, with or without port") {
  const auto result = load_text(
      "virtual_server_group G {\n"
      "  198.18.0.250-198.18.1.3 80\n"
      "  198.18.2.8/29 80\n"
      "  198.18.3.1-4\n"
      "  fd00::1-a 80\n"
      "  fd00::1:ff-fd00::1:103 80\n"
      "  fd00::100/126\n"
      "  fwmark 7\n"
      "}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  const auto& e = result.config->virtual_server_groups.at(0).entries;
  REQUIRE(e.size() == 7);
  const auto range = [&](std::size_t i) { return e[i].first.to_string() + "-" + e[i].last.to_string(); };
  CHECK(range(0) == "198.18.0.250-198.18.1.3");
  CHECK(range(1) == "198.18.2.8-198.18.2.15");
  CHECK(range(2) == "198.18.3.1-198.18.3.4");
  CHECK(e[2].port == 0);
  CHECK(range(3) == "fd00::1-fd00::a");
  CHECK(range(4) == "fd00::1:ff-fd00::1:103");
  CHECK(range(5) == "fd00::100-fd00::103");
  CHECK(e[6].is_fwmark);
  const auto count = addresses_between(e[4].first, e[4].last, 4096);
  REQUIRE(count);
  CHECK(*count == 5);
}

TEST_CASE("meaning: bad virtual_server_group ranges are errors naming the entry") {
  for (const char* bad : {"198.18.0.9-3 80", "198.18.0.1-300 80", "198.18.0.1-fd00::1 80", "198.18.0.0/8 80",
                          "fd00::1-10000 80", "fd00::1-zz 80", "fd00::1:ff-fd00::2:3 80", "198.18.0.1-198.18.0.x 80", "198.18.0.1 http"}) {
    const auto result = load_text("virtual_server_group G {\n  " + std::string(bad) + "\n}\n");
    CHECK_MESSAGE(error_lines(result) == std::vector<std::string>{"test.conf:2"}, bad << "\n" << all_diagnostics(result));
  }
}

TEST_CASE("meaning: the old `vrrp_sync_group G { VI_1 VI_2 }` says what keepalived 2.2.7 wants") {
  const auto result = load_text("vrrp_sync_group VG1 {\n  VI_2\n  VI_3\n}\n");
  CHECK_FALSE(result.ok());
  CHECK(mentions(result, "write `group { VI_2 VI_3 }`"));
}
