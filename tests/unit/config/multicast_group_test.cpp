// vrrp_mcast_group4 / vrrp_mcast_group6 (global_defs) and mcast_dst_ip (vrrp_instance): keepalived
// 2.2.7's defaults and rules, each mistake an error at its word, and the groups in --dump-config.
#include <doctest/doctest.h>

#include "config/dump_json.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

IpAddress address(std::string_view text) {
  const auto parsed = IpAddress::parse(text);
  REQUIRE(parsed);
  return *parsed;
}

std::string global_with(std::string_view line) {
  return "global_defs {\n  " + std::string(line) + "\n}\n";
}

// An instance on eth0 whose VIP (and so family) is `vip`, with `extra` lines in its block.
std::string instance_with(std::string_view extra, std::string_view vip = "198.18.0.1/24") {
  return "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  version 3\n" + std::string(extra) +
         "  virtual_ipaddress {\n    " + std::string(vip) + "\n  }\n}\n";
}

Config loaded(const std::string& text) {
  const auto result = load_text(text);
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK_MESSAGE(result.diagnostics.empty(), all_diagnostics(result));
  return *result.config;
}

std::string errors_of(const std::string& text) {
  const auto result = load_text(text);
  CHECK_FALSE(result.ok());
  return all_diagnostics(result);
}

}  // namespace

TEST_CASE("multicast groups: RFC 5798's groups unless global_defs names others") {
  const auto defaults = loaded(instance_with("")).global;
  CHECK(defaults.vrrp_mcast_group4 == address("224.0.0.18"));
  CHECK(defaults.vrrp_mcast_group6 == address("ff02::12"));
  CHECK(loaded(global_with("vrrp_mcast_group4 224.0.0.19")).global.vrrp_mcast_group4 == address("224.0.0.19"));
  CHECK(loaded(global_with("vrrp_mcast_group4 239.255.1.1")).global.vrrp_mcast_group4 == address("239.255.1.1"));
  CHECK(loaded(global_with("vrrp_mcast_group6 ff02::13")).global.vrrp_mcast_group6 == address("ff02::13"));
  // Link-local scope with the transient flag set is link-local too, as keepalived reads it.
  CHECK(loaded(global_with("vrrp_mcast_group6 ff12::13")).global.vrrp_mcast_group6 == address("ff12::13"));
  // The last line wins, as in keepalived.
  CHECK(loaded("global_defs {\n  vrrp_mcast_group4 224.0.0.19\n  vrrp_mcast_group4 224.0.0.20\n}\n")
            .global.vrrp_mcast_group4 == address("224.0.0.20"));
}

TEST_CASE("multicast groups: a global group of the wrong kind is an error at its word") {
  CHECK(errors_of(global_with("vrrp_mcast_group4 10.0.0.1")) ==
        "test.conf:2:21: error: vrrp_mcast_group4 must be an IPv4 multicast address (224.0.0.0/4), not "
        "'10.0.0.1'\n");
  CHECK(errors_of(global_with("vrrp_mcast_group4 ff02::12")) ==
        "test.conf:2:21: error: vrrp_mcast_group4 must be an IPv4 multicast address (224.0.0.0/4), not "
        "'ff02::12'\n");
  CHECK(errors_of(global_with("vrrp_mcast_group6 224.0.0.18")) ==
        "test.conf:2:21: error: vrrp_mcast_group6 must be a link-local IPv6 multicast address (scope 2, as "
        "ff02::12), not '224.0.0.18'\n");
  CHECK(errors_of(global_with("vrrp_mcast_group6 ff05::12")) ==
        "test.conf:2:21: error: vrrp_mcast_group6 must be a link-local IPv6 multicast address (scope 2, as "
        "ff02::12), not 'ff05::12'\n");
  CHECK(errors_of(global_with("vrrp_mcast_group6 fe80::1")).find("not 'fe80::1'") != std::string::npos);
  CHECK(errors_of(global_with("vrrp_mcast_group4 nope")) ==
        "test.conf:2:21: error: vrrp_mcast_group4: 'nope' is not an IP address\n");
  CHECK(errors_of(global_with("vrrp_mcast_group4 224.0.0.19/24")) ==
        "test.conf:2:21: error: vrrp_mcast_group4 takes no prefix length: '224.0.0.19/24'\n");
  CHECK(errors_of(global_with("vrrp_mcast_group4")) == "test.conf:2:3: error: 'vrrp_mcast_group4' needs a multicast address\n");
}

TEST_CASE("multicast groups: mcast_dst_ip overrides the group of one instance, of its family") {
  const auto config = loaded(global_with("vrrp_mcast_group4 224.0.0.19") + instance_with(""));
  const auto& vi = config.vrrp_instances[0];
  CHECK_FALSE(vi.mcast_dst_ip);
  CHECK(vi.multicast_group(config.global, AddressFamily::ipv4) == address("224.0.0.19"));
  CHECK(vi.multicast_group(config.global, AddressFamily::ipv6) == address("ff02::12"));

  const auto own = loaded(global_with("vrrp_mcast_group4 224.0.0.19") + instance_with("  mcast_dst_ip 224.0.0.20\n"));
  REQUIRE(own.vrrp_instances[0].mcast_dst_ip);
  CHECK(own.vrrp_instances[0].multicast_group(own.global, AddressFamily::ipv4) == address("224.0.0.20"));
  const auto six = loaded(instance_with("  mcast_dst_ip ff02::13\n", "fd00::1"));
  CHECK(six.vrrp_instances[0].multicast_group(six.global, AddressFamily::ipv6) == address("ff02::13"));
}

TEST_CASE("multicast groups: a wrong mcast_dst_ip is an error at its word") {
  CHECK(errors_of(instance_with("  mcast_dst_ip 10.1.1.1\n")) ==
        "test.conf:5:16: error: mcast_dst_ip must be an IPv4 multicast address (224.0.0.0/4), not '10.1.1.1'\n");
  CHECK(errors_of(instance_with("  mcast_dst_ip ff05::13\n", "fd00::1")) ==
        "test.conf:5:16: error: mcast_dst_ip must be a link-local IPv6 multicast address (scope 2, as "
        "ff02::12), not 'ff05::13'\n");
  CHECK(errors_of(instance_with("  mcast_dst_ip nope\n")) ==
        "test.conf:5:16: error: mcast_dst_ip: 'nope' is not an IP address\n");
  CHECK(errors_of(instance_with("  mcast_dst_ip\n")) ==
        "test.conf:5:3: error: 'mcast_dst_ip' needs a multicast address\n");
  CHECK(errors_of(instance_with("  mcast_dst_ip ff02::13\n")) ==
        "test.conf:5:3: error: mcast_dst_ip ff02::13 is IPv6 but the instance advertises IPv4\n");
  CHECK(errors_of(instance_with("  mcast_dst_ip 224.0.0.19\n", "fd00::1")) ==
        "test.conf:5:3: error: mcast_dst_ip 224.0.0.19 is IPv4 but the instance advertises IPv6\n");
  // keepalived refuses a multicast destination on a unicast instance too.
  CHECK(errors_of(instance_with("  mcast_dst_ip 224.0.0.19\n  unicast_peer {\n    198.18.0.9\n  }\n")) ==
        "test.conf:5:3: error: mcast_dst_ip 224.0.0.19 is for multicast adverts, but the instance sends to its "
        "unicast_peer\n");
}

TEST_CASE("multicast groups: --dump-config shows both global groups and the instance's own") {
  const auto json = to_json(loaded(global_with("vrrp_mcast_group6 ff02::13") +
                                   instance_with("  mcast_dst_ip 224.0.0.20\n")));
  CHECK(json["global_defs"]["vrrp_mcast_group4"] == "224.0.0.18");
  CHECK(json["global_defs"]["vrrp_mcast_group6"] == "ff02::13");
  CHECK(json["vrrp_instances"][0]["mcast_dst_ip"] == "224.0.0.20");
  CHECK(to_json(loaded(instance_with("")))["vrrp_instances"][0]["mcast_dst_ip"].is_null());
}
