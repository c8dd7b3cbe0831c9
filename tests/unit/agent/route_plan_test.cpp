// From keepalived's routes, rules and static addresses to the kernel's numbers the vrrp library
// sends: 'or' and nexthops become paths with their own gateways, types, scopes and metrics the
// RTN_* / RT_SCOPE_* / RTAX_* values, rules their FR_ACT_* action.
#include <doctest/doctest.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "agent/route_plan.h"
#include "agent/static_network.h"
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

vrrp::RouteSpec static_route(const std::string& line) {
  const auto config = load("static_routes {\n  " + line + "\n}\n");
  REQUIRE(config.static_routes.size() == 1);
  return agent::route_spec(config.static_routes[0], "");
}

vrrp::RuleSpec static_rule(const std::string& line) {
  const auto config = load("static_rules {\n  " + line + "\n}\n");
  REQUIRE(config.static_rules.size() == 1);
  return agent::rule_spec(config.static_rules[0]);
}

std::string text(const std::optional<asio::ip::address>& a) { return a ? a->to_string() : "(none)"; }

}  // namespace

TEST_CASE("route plan: 'via A or B dev X' is two paths through X, the first one A") {
  const auto spec = static_route("198.19.0.0/24 via 198.18.0.1 or 198.18.0.2 dev eth0 onlink");
  CHECK_FALSE(spec.via);
  CHECK(spec.device.empty());
  REQUIRE(spec.nexthops.size() == 2);
  CHECK(text(spec.nexthops[0].via) == "198.18.0.1");
  CHECK(text(spec.nexthops[1].via) == "198.18.0.2");
  CHECK(spec.nexthops[0].device == "eth0");
  CHECK(spec.nexthops[1].device == "eth0");
  CHECK(spec.nexthops[1].onlink);
}

TEST_CASE("route plan: every nexthop keeps its own gateway, device and weight") {
  const auto spec =
      static_route("198.19.1.0/24 nexthop via 198.18.0.3 dev eth1 weight 5 nexthop via 198.18.0.4 onlink");
  CHECK_FALSE(spec.via);
  REQUIRE(spec.nexthops.size() == 2);
  CHECK(text(spec.nexthops[0].via) == "198.18.0.3");
  CHECK(spec.nexthops[0].device == "eth1");
  CHECK(spec.nexthops[0].weight == 5);
  CHECK(text(spec.nexthops[1].via) == "198.18.0.4");
  CHECK(spec.nexthops[1].weight == 1);
  CHECK(spec.nexthops[1].onlink);
}

TEST_CASE("route plan: a single path, types, scope, protocol, metrics and their locks") {
  auto spec = static_route("198.19.2.0/24 via 198.18.0.1 dev eth0 table 7 metric 9 protocol bird tos 4 mtu lock 1400 "
                           "advmss 1300 scope 200 append");
  CHECK(text(spec.via) == "198.18.0.1");
  CHECK(spec.device == "eth0");
  CHECK(spec.type == RTN_UNICAST);
  CHECK(spec.table == 7u);
  CHECK(spec.metric == 9u);
  CHECK(spec.protocol == RTPROT_BIRD);
  CHECK(spec.tos == 4);
  CHECK(spec.scope == 200);
  CHECK(spec.metrics.at(RTAX_MTU) == 1400u);
  CHECK(spec.metrics.at(RTAX_ADVMSS) == 1300u);
  CHECK(spec.locked_metrics == 1u << RTAX_MTU);
  CHECK(spec.append);
  CHECK(static_route("blackhole 198.19.3.0/24").type == RTN_BLACKHOLE);
  CHECK(static_route("unreachable 198.19.3.0/24").type == RTN_UNREACHABLE);
  CHECK(static_route("prohibit 198.19.3.0/24").type == RTN_PROHIBIT);
  CHECK(static_route("throw 198.19.3.0/24").type == RTN_THROW);
  CHECK(static_route("local 198.19.3.1 dev eth0").type == RTN_LOCAL);
  CHECK(static_route("198.19.3.0/24 dev eth0").protocol == RTPROT_STATIC);
  CHECK_FALSE(static_route("198.19.3.0/24 dev eth0").scope);  // ip-route(8)'s default, chosen when sent
}

TEST_CASE("route plan: a virtual route without gateway or device goes on the instance's interface") {
  const auto config = load(
      "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n    198.18.0.1\n  }\n"
      "  virtual_routes {\n    198.19.4.0/24\n    198.19.5.0/24 via 198.18.0.9\n    blackhole 198.19.6.0/24\n  }\n}\n");
  const auto& routes = config.vrrp_instances.at(0).virtual_routes;
  CHECK(agent::route_spec(routes[0], "eth0").device == "eth0");
  CHECK(agent::route_spec(routes[1], "eth0").device.empty());
  CHECK(agent::route_spec(routes[2], "eth0").device.empty());
}

TEST_CASE("rule plan: actions, selectors and what libnl has no setter for") {
  auto spec = static_rule("not from 198.18.0.0/24 to 198.19.0.0/16 table 100 priority 10 iif eth0 fwmark 3/7 "
                          "ipproto udp sport 1-2 dport 3 uidrange 5-6 suppress_prefixlength 0");
  CHECK_FALSE(spec.ipv6);
  CHECK(spec.invert);
  REQUIRE(spec.from);
  CHECK(spec.from->address.to_string() == "198.18.0.0");
  CHECK(spec.from->prefix_length == 24);
  CHECK(spec.to->prefix_length == 16);
  CHECK(spec.action == FR_ACT_TO_TBL);
  CHECK(spec.table == 100u);
  CHECK(spec.priority == 10u);
  CHECK(spec.iif == "eth0");
  CHECK(spec.fwmark == 3u);
  CHECK(spec.fwmask == 7u);
  CHECK(spec.ipproto == 17);
  CHECK(spec.sport == std::pair<uint16_t, uint16_t>{1, 2});
  CHECK(spec.dport == std::pair<uint16_t, uint16_t>{3, 3});
  CHECK(spec.uidrange == std::pair<uint32_t, uint32_t>{5, 6});
  CHECK(spec.suppress_prefixlength == 0u);
  CHECK(static_rule("from all goto 30 priority 1").action == FR_ACT_GOTO);
  CHECK(static_rule("from all goto 30 priority 1").goto_target == 30u);
  CHECK(static_rule("from all blackhole priority 1").action == FR_ACT_BLACKHOLE);
  CHECK(static_rule("from all unreachable priority 1").action == FR_ACT_UNREACHABLE);
  CHECK(static_rule("from all prohibit priority 1").action == FR_ACT_PROHIBIT);
  CHECK(static_rule("from all nop priority 1").action == FR_ACT_NOP);
  CHECK(static_rule("from all l3mdev priority 1").l3mdev);
  CHECK(static_rule("inet6 table 5 priority 1").ipv6);
}

TEST_CASE("static network plan: static_ipaddress, static_routes and static_rules, in file order") {
  const auto plan = agent::plan_static_network(
      load("static_ipaddress {\n  198.18.5.1/32 dev eth0\n  fd00:5::1/128 dev eth1 scope link\n}\n"
           "static_routes {\n  198.19.0.0/24 dev eth0\n}\nstatic_rules {\n  from 198.18.5.0/24 table 9 priority 3\n}\n"));
  REQUIRE(plan.addresses.size() == 2);
  CHECK(plan.addresses[0].device == "eth0");
  CHECK(plan.addresses[1].scope == "link");
  REQUIRE(plan.routes.size() == 1);
  CHECK(plan.routes[0].device == "eth0");
  REQUIRE(plan.rules.size() == 1);
  CHECK(plan.rules[0].table == 9u);
  CHECK(agent::plan_static_network(load("")).empty());
}
