// The multicast group each planned instance sends to and listens on: global_defs
// vrrp_mcast_group4/6 by the instance's family, mcast_dst_ip over it, nothing for unicast.
#include <doctest/doctest.h>

#include "agent/vrrp_plan.h"
#include "config/load.h"

using namespace xdplb;

namespace {

config::Config load(const std::string& text) {
  config::LoadOptions options;
  options.check_host = false;
  auto r = config::load_config_text(text, "test.conf", options);
  for (const auto& d : r.diagnostics) MESSAGE(config::format_diagnostic(d));
  REQUIRE(r.ok());
  return *r.config;
}

agent::VrrpHostFacts host_with_eth0() {
  agent::VrrpHostFacts host;
  host.primary_address = [](const std::string& interface, bool ipv6) -> std::optional<asio::ip::address> {
    if (interface != "eth0") return std::nullopt;
    return asio::ip::make_address(ipv6 ? "fe80::1" : "198.18.0.1");
  };
  return host;
}

std::string instance(const char* name, int vrid, const char* vip, const char* extra = "") {
  return std::string("vrrp_instance ") + name + " {\n  interface eth0\n  version 3\n  virtual_router_id " +
         std::to_string(vrid) + "\n" + extra + "  virtual_ipaddress {\n    " + vip + "\n  }\n}\n";
}

std::optional<asio::ip::address> group_of(const vrrp::RouterSettings& settings, const std::string& name) {
  for (const auto& s : settings.instances)
    if (s.vrrp.name == name) return s.vrrp.multicast_group;
  FAIL("no instance " << name);
  return std::nullopt;
}

}  // namespace

TEST_CASE("vrrp plan: RFC 5798's groups by default") {
  const auto settings = agent::plan_vrrp(
      load(instance("V4", 1, "198.18.0.100/24") + instance("V6", 2, "fd00::100/64")), host_with_eth0());
  CHECK(group_of(settings, "V4") == asio::ip::make_address("224.0.0.18"));
  CHECK(group_of(settings, "V6") == asio::ip::make_address("ff02::12"));
}

TEST_CASE("vrrp plan: the global groups by family, mcast_dst_ip over them, none for unicast") {
  const auto settings = agent::plan_vrrp(
      load("global_defs {\n  vrrp_mcast_group4 224.0.0.19\n  vrrp_mcast_group6 ff02::13\n}\n" +
           instance("V4", 1, "198.18.0.100/24") + instance("V6", 2, "fd00::100/64") +
           instance("OWN", 3, "198.18.0.101/24", "  mcast_dst_ip 239.1.2.3\n") +
           instance("UNI", 4, "198.18.0.102/24", "  unicast_peer {\n    198.18.0.2\n  }\n")),
      host_with_eth0());
  CHECK(group_of(settings, "V4") == asio::ip::make_address("224.0.0.19"));
  CHECK(group_of(settings, "V6") == asio::ip::make_address("ff02::13"));
  CHECK(group_of(settings, "OWN") == asio::ip::make_address("239.1.2.3"));
  CHECK_FALSE(group_of(settings, "UNI"));
}

TEST_CASE("vrrp plan: an instance without addresses takes its family from mcast_dst_ip") {
  // VRRPv2 only: keepalived (and xdplb) refuse a version 3 instance without virtual addresses.
  const auto settings = agent::plan_vrrp(
      load("vrrp_instance V4 {\n  interface eth0\n  virtual_router_id 5\n  mcast_dst_ip 224.0.0.19\n}\n"),
      host_with_eth0());
  REQUIRE(settings.instances.size() == 1);
  CHECK(settings.instances[0].vrrp.primary_address == asio::ip::make_address("198.18.0.1"));
  CHECK(settings.instances[0].vrrp.multicast_group == asio::ip::make_address("224.0.0.19"));
}
