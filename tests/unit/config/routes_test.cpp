// virtual_routes / static_routes, virtual_rules / static_rules and static_ipaddress in keepalived
// 2.2.7's forms (checked against `keepalived -t`), and every form xdplb refuses, each with its error.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/dump_json.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

LoadResult load_block(std::string_view block, std::string_view line) {
  return load_text(std::string(block) + " {\n  " + std::string(line) + "\n}\n");
}

// The one static route of `line`, which must load without an error.
VirtualRoute route_of(std::string_view line) {
  const auto result = load_block("static_routes", line);
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  REQUIRE_MESSAGE(result.config->static_routes.size() == 1, all_diagnostics(result));
  return result.config->static_routes[0];
}

VirtualRule rule_of(std::string_view line) {
  const auto result = load_block("static_rules", line);
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  REQUIRE_MESSAGE(result.config->static_rules.size() == 1, all_diagnostics(result));
  return result.config->static_rules[0];
}

// `line` is refused with an error that says `message` at the last `at` of the line.
void refused(std::string_view block, std::string_view line, std::string_view message, std::string_view at) {
  const auto result = load_block(block, line);
  CHECK_MESSAGE(!result.ok(), line);
  REQUIRE(line.rfind(at) != std::string_view::npos);
  const std::string where = "test.conf:2:" + std::to_string(3 + line.rfind(at)) + ": error: ";
  CHECK_MESSAGE(mentions(result, where + std::string(message)), line << "\n" << all_diagnostics(result));
}

std::string address(const std::optional<IpAddress>& a) { return a ? a->to_string_with_prefix() : "(none)"; }

}  // namespace

TEST_CASE("routes: DEST via GW dev IF metric N table N, the plain form") {
  const auto r = route_of("198.19.1.0/24 via 198.18.0.254 dev eth0 metric 10 table 100");
  CHECK(r.type == RouteType::unicast);
  CHECK(r.destination.to_string_with_prefix() == "198.19.1.0/24");
  CHECK(address(r.via) == "198.18.0.254");
  CHECK(r.device == "eth0");
  CHECK(r.metric == 10u);
  CHECK(r.table == 100u);
  CHECK_FALSE(r.or_via);
  CHECK(r.nexthops.empty());
}

TEST_CASE("routes: 'src X to DEST', 'src X DEST' and 'to DEST'") {
  auto r = route_of("src 198.18.0.1 to 198.19.2.0/24 via 198.18.0.254");
  CHECK(address(r.source) == "198.18.0.1");
  CHECK(r.destination.to_string_with_prefix() == "198.19.2.0/24");
  r = route_of("src 198.18.0.1 198.19.3.0/24 dev eth0");
  CHECK(address(r.source) == "198.18.0.1");
  CHECK(r.destination.to_string_with_prefix() == "198.19.3.0/24");
  r = route_of("to 198.19.4.0/24 dev eth0 src 198.18.0.2");
  CHECK(r.destination.to_string_with_prefix() == "198.19.4.0/24");
  CHECK(address(r.source) == "198.18.0.2");
  r = route_of("198.19.5.1 dev eth0");
  CHECK(r.destination.prefix_length == 32);
}

TEST_CASE("routes: default, default6 and 'default inet6' destinations") {
  auto r = route_of("default via 198.18.0.254 table 100");
  CHECK(r.destination.to_string_with_prefix() == "0.0.0.0/0");
  r = route_of("default6 via fd00::1 table 100");
  CHECK(r.destination.to_string_with_prefix() == "::/0");
  r = route_of("default inet6 via fd00::1 dev eth0");
  CHECK(r.destination.to_string_with_prefix() == "::/0");
  CHECK(address(r.via) == "fd00::1");
  // keepalived: the gateway's family decides a `default` that no inet6 did.
  r = route_of("default via fd00::1 dev eth0");
  CHECK(r.destination.to_string_with_prefix() == "::/0");
  r = route_of("default table 5 nexthop via fd00::2 nexthop via fd00::3");
  CHECK(r.destination.to_string_with_prefix() == "::/0");
  r = route_of("0.0.0.0/0 gw 198.18.0.1 table 100");
  CHECK(r.destination.to_string_with_prefix() == "0.0.0.0/0");
  CHECK(address(r.via) == "198.18.0.1");
}

TEST_CASE("routes: the route types blackhole, unreachable, prohibit, throw, local, broadcast, anycast, multicast") {
  CHECK(route_of("blackhole 198.19.5.0/24").type == RouteType::blackhole);
  CHECK(route_of("unreachable 198.19.6.0/24").type == RouteType::unreachable);
  CHECK(route_of("prohibit 198.19.7.0/24").type == RouteType::prohibit);
  CHECK(route_of("throw 198.19.8.0/24 table 100").type == RouteType::throw_);
  CHECK(route_of("local 198.19.20.1 dev eth0").type == RouteType::local);
  CHECK(route_of("broadcast 198.19.25.255 dev eth0").type == RouteType::broadcast);
  CHECK(route_of("anycast 198.19.26.0 dev eth0").type == RouteType::anycast);
  CHECK(route_of("multicast 224.1.1.0/24 dev eth0").type == RouteType::multicast);
  CHECK(route_of("blackhole fd00:5::/64").ipv6());
}

TEST_CASE("routes: multipath 'nexthop via A dev X weight N onlink nexthop ...'") {
  const auto r = route_of(
      "198.19.9.0/24 table 100 nexthop via 198.18.0.253 dev eth0 weight 2 onlink nexthop via 198.18.0.252 "
      "dev eth1 weight 256 nexthop dev eth2");
  CHECK(r.table == 100u);
  REQUIRE(r.nexthops.size() == 3);
  CHECK(address(r.nexthops[0].via) == "198.18.0.253");
  CHECK(r.nexthops[0].device == "eth0");
  CHECK(r.nexthops[0].weight == 2);
  CHECK(r.nexthops[0].onlink);
  CHECK(address(r.nexthops[1].via) == "198.18.0.252");
  CHECK(r.nexthops[1].weight == 256);
  CHECK_FALSE(r.nexthops[1].onlink);
  CHECK_FALSE(r.nexthops[2].via);
  CHECK(r.nexthops[2].device == "eth2");
  CHECK_FALSE(r.via);
}

TEST_CASE("routes: keepalived's deprecated 'via A or B' is a second gateway, not the first one replaced") {
  const auto r = route_of("198.19.17.0/24 via 198.18.0.254 or 198.18.0.253 dev eth0");
  CHECK(address(r.via) == "198.18.0.254");
  CHECK(address(r.or_via) == "198.18.0.253");
  CHECK(r.device == "eth0");
  const std::string line = "198.19.17.0/24 via 198.18.0.254 or 198.18.0.253 or 198.18.0.252";
  const auto twice = load_block("static_routes", line);
  REQUIRE(twice.ok());
  CHECK(mentions(twice, "test.conf:2:" + std::to_string(3 + line.rfind("or")) + ": warning: a second 'or' is ignored"));
  CHECK(address(twice.config->static_routes.at(0).or_via) == "198.18.0.253");
}

TEST_CASE("routes: scope, table, protocol, tos, realms, metric's synonyms, append, onlink, no_track") {
  auto r = route_of("198.19.10.0/24 via 198.18.0.254 dev eth0 scope link table local protocol bird tos 0x04 "
                    "realms 2/3 priority 12 onlink no_track append");
  CHECK(r.scope == 253);
  CHECK(r.table == 255u);
  CHECK(r.protocol == 12);
  CHECK(r.tos == 4);
  CHECK(r.realms == (2u << 16 | 3u));
  CHECK(r.metric == 12u);
  CHECK(r.onlink);
  CHECK(r.no_track);
  CHECK(r.append);
  r = route_of("198.19.11.0/24 dev eth0 scope 200 table main protocol 200 preference 7");
  CHECK(r.scope == 200);
  CHECK(r.table == 254u);
  CHECK(r.protocol == 200);
  CHECK(r.metric == 7u);
  CHECK(route_of("198.19.12.0/24 dev eth0 table default scope host").table == 253u);
  CHECK(route_of("198.19.12.0/24 dev eth0 table default scope host").scope == 254);
  CHECK(route_of("198.19.12.0/24 dev eth0 scope nowhere").scope == 255);
  CHECK(route_of("198.19.12.0/24 dev eth0 table 4294967295").table == 4294967295u);
}

TEST_CASE("routes: the metrics mtu [lock] N, advmss, hoplimit, ..., quickack, features ecn") {
  const auto r = route_of(
      "198.19.18.0/24 dev eth0 mtu lock 1400 advmss 101 hoplimit 100 rtt 102 rttvar 103 reordering 104 window 105 "
      "cwnd 106 ssthresh lock 107 rto_min 108 initcwnd 109 initrwnd 110 quickack 1 fastopen_no_cookie 1 "
      "features ecn");
  CHECK(r.metrics.at(RouteMetric::mtu) == RouteMetricValue{1400, true});
  CHECK(r.metrics.at(RouteMetric::advmss) == RouteMetricValue{101, false});
  CHECK(r.metrics.at(RouteMetric::ssthresh) == RouteMetricValue{107, true});
  CHECK(r.metrics.at(RouteMetric::initrwnd).value == 110);
  CHECK(r.metrics.at(RouteMetric::quickack).value == 1);
  CHECK(r.metrics.at(RouteMetric::features).value == 1);
  CHECK(r.metrics.size() == 15);
}

TEST_CASE("routes: IPv6 routes, 'inet6' after an IPv6 destination, 'via inet6 ADDR'") {
  auto r = route_of("fd00:1::/64 via fd00::1 dev eth0 inet6 metric 5");
  CHECK(r.ipv6());
  CHECK(address(r.via) == "fd00::1");
  r = route_of("fd00:2::/64 via fd00::1 dev eth0 pref high expires 10");
  CHECK(r.pref == RoutePreference::high);
  CHECK(r.expires == 10u);
  CHECK(route_of("fd00:2::/64 dev eth0 pref low").pref == RoutePreference::low);
  r = route_of("fd00:7::/64 via inet6 fd00::1 dev eth0");
  CHECK(address(r.via) == "fd00::1");
  r = route_of("198.19.0.0/24 via inet 198.18.0.1 dev eth0");
  CHECK(address(r.via) == "198.18.0.1");
}

TEST_CASE("routes: virtual_routes in a vrrp_instance take the same forms") {
  const auto result = load_text("vrrp_instance VI_1 {\n" + std::string(minimal_instance_body) +
                                "  virtual_routes {\n    198.19.0.0/16 via 198.18.0.1 or 198.18.0.2\n"
                                "    unreachable 198.19.1.0/24\n  }\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  const auto& routes = result.config->vrrp_instances.at(0).virtual_routes;
  REQUIRE(routes.size() == 2);
  CHECK(address(routes[0].or_via) == "198.18.0.2");
  CHECK(routes[1].type == RouteType::unreachable);
}

TEST_CASE("routes: a line without a destination, or with a bad one, is an error at the word") {
  refused("static_routes", "src 198.18.0.1 dev eth0",
          "a route needs a destination (ADDRESS[/PREFIX], default or default6), not 'dev'", "dev");
  refused("static_routes", "198.19.300.0/24 dev eth0", "a route needs a destination", "198.19.300.0/24");
  refused("static_routes", "blackhole", "a route needs a destination", "blackhole");
  refused("static_routes", "inet6 ::/0 via fd00::1 dev eth0", "a route needs a destination", "inet6");
}

TEST_CASE("routes: IPv4 and IPv6 do not mix in a route") {
  refused("static_routes", "198.19.15.0/24 via fd00::1",
          "route gateway fd00::1 is not of the route's family (IPv4): a route cannot mix IPv4 and IPv6", "fd00::1");
  refused("static_routes", "198.19.17.0/24 dev eth0 src fd00::1", "route source fd00::1 is not of the route's family",
          "fd00::1");
  refused("static_routes", "198.19.25.0/24 nexthop via 198.18.0.253 nexthop via fd00::1",
          "nexthop gateway fd00::1 is not of the route's family", "fd00::1");
  refused("static_routes", "198.19.1.0/24 dev eth0 inet6", "'inet6' given for an IPv4 route", "inet6");
  refused("static_routes", "src fd00::5 default dev eth0 table 5", "route source fd00::5 is not of the route's family",
          "fd00::5");
  refused("static_routes", "198.19.0.0/24 via inet6 fd00::1 dev eth0", "route gateway fd00::1 is not of the route's family",
          "fd00::1");
}

TEST_CASE("routes: pref and expires are for IPv6 routes, as keepalived says") {
  refused("static_routes", "198.19.0.0/24 dev eth0 pref low", "'pref' is for IPv6 routes only", "pref");
  refused("static_routes", "198.19.0.0/24 dev eth0 expires 10", "'expires' is for IPv6 routes only", "expires");
  refused("static_routes", "fd00:2::/64 dev eth0 pref highest", "pref must be low, medium or high, not 'highest'",
          "highest");
  refused("static_routes", "fd00:2::/64 dev eth0 expires soon", "expires must be a number, not 'soon'", "soon");
}

TEST_CASE("routes: an unknown option is an error naming it") {
  refused("static_routes", "198.19.16.0/24 dev eth0 bogus 3", "unknown route option 'bogus'", "bogus");
  refused("static_routes", "198.19.16.0/24 dev eth0 type unicast", "unknown route option 'type'", "type");
}

TEST_CASE("routes: what keepalived takes and libnl-route-3 cannot send is refused, naming the keyword") {
  refused("static_routes", "198.19.19.0/24 dev eth0 congctl cubic",
          "route option 'congctl' is not implemented by xdplb: the congestion control metric is a string", "congctl");
  refused("static_routes", "198.19.21.0/24 encap mpls 100 via 198.18.0.254 dev eth0",
          "route option 'encap' is not implemented by xdplb", "encap");
  refused("static_routes", "198.19.23.0/24 dev eth0 vrf blue", "route option 'vrf' is not implemented by xdplb", "vrf");
  refused("static_routes", "198.19.27.0/24 via 198.18.0.254 track_group G1",
          "route option 'track_group' is not implemented by xdplb", "track_group");
  refused("static_routes", "198.19.20.0/24 dev eth0 ttl-propagate enabled",
          "route option 'ttl-propagate' is not implemented by xdplb", "ttl-propagate");
  refused("static_routes", "nat 198.19.27.0/24 via 198.18.0.1", "route type 'nat' is not supported", "nat");
  refused("static_routes", "198.19.9.0/24 nexthop via 198.18.0.253 encap mpls 5",
          "nexthop option 'encap' is not implemented by xdplb", "encap");
}

TEST_CASE("routes: nexthop mistakes") {
  refused("static_routes", "198.19.12.0/24 via 198.18.0.254 dev eth0 nexthop via 198.18.0.253",
          "'nexthop' cannot follow the route's own via, dev or onlink", "nexthop");
  refused("static_routes", "198.19.12.0/24 nexthop via 198.18.0.253 metric 5", "unknown nexthop option 'metric'", "metric");
  refused("static_routes", "198.19.10.0/24 nexthop via 198.18.0.253 weight 0",
          "nexthop weight 0 is out of range (1-256)", "0");
  refused("static_routes", "198.19.10.0/24 nexthop via 198.18.0.253 weight 257",
          "nexthop weight 257 is out of range (1-256)", "257");
  refused("static_routes", "198.19.10.0/24 nexthop weight 2", "a nexthop needs 'via' or 'dev'", "nexthop");
  refused("static_routes", "blackhole 198.19.10.0/24 nexthop dev eth0", "a blackhole route takes no nexthop", "blackhole");
}

TEST_CASE("routes: bad values are errors at the value") {
  refused("static_routes", "198.19.5.0/24 via 198.18.0.254 dev eth0 table foo",
          "table 'foo': xdplb knows the tables main, local and default by name, any other by number", "foo");
  refused("static_routes", "198.19.6.0/24 dev eth0 metric -1", "route metric must be a number, not '-1'", "-1");
  refused("static_routes", "198.19.18.0/24 dev eth0 tos 300", "route tos 300 is out of range (0-255)", "300");
  refused("static_routes", "198.19.22.0/24 dev eth0 quickack 2", "quickack 2 is out of range (0-1)", "2");
  refused("static_routes", "198.19.23.0/24 dev eth0 features foo",
          "route feature 'foo' is not supported (only ecn)", "foo");
  refused("static_routes", "198.19.23.0/24 dev eth0 scope galaxy", "scope must be a number, not 'galaxy'", "galaxy");
  refused("static_routes", "198.19.23.0/24 dev eth0 protocol nonsense", "protocol must be a number, not 'nonsense'",
          "nonsense");
  refused("static_routes", "198.19.23.0/24 via", "'via' needs a gateway address", "via");
  refused("static_routes", "198.19.23.0/24 or 198.18.0.1", "'or' needs a 'via' gateway before it", "or");
  refused("static_routes", "198.19.23.0/24 via 198.18.0.1/24", "route gateway takes no prefix length", "198.18.0.1/24");
}

TEST_CASE("rules: from/to with table|lookup and priority|preference") {
  auto r = rule_of("from 198.18.1.0/24 table 100 priority 100");
  CHECK(address(r.from) == "198.18.1.0/24");
  CHECK_FALSE(r.to);
  CHECK(r.action == RuleAction::table);
  CHECK(r.table == 100u);
  CHECK(r.preference == 100u);
  CHECK_FALSE(r.preference_assigned);
  r = rule_of("to 198.18.2.0/24 lookup main preference 101");
  CHECK(address(r.to) == "198.18.2.0/24");
  CHECK(r.table == 254u);
  CHECK(r.preference == 101u);
  r = rule_of("from all table 100 priority 103");
  CHECK_FALSE(r.from);
  CHECK(r.family == AddressFamily::ipv4);
}

TEST_CASE("rules: the selectors iif, oif, fwmark[/mask], tos, realms, protocol, ipproto, ports, uidrange") {
  const auto r = rule_of(
      "from 198.18.3.0/24 to 198.18.4.0/24 table 100 priority 102 iif eth0 oif eth1 fwmark 5/0xff tos 0x10 "
      "realms 1/2 protocol 12 ipproto tcp sport 10-20 dport 30-40 uidrange 100-200 suppress_prefixlength 0 "
      "suppress_ifgroup 3 no_track");
  CHECK(r.iif == "eth0");
  CHECK(r.oif == "eth1");
  CHECK(r.fwmark == 5u);
  CHECK(r.fwmask == 0xffu);
  CHECK(r.tos == 0x10);
  CHECK(r.realms == (1u << 16 | 2u));
  CHECK(r.protocol == 12);
  CHECK(r.ipproto == 6);
  CHECK(r.sport == PortRange{10, 20});
  CHECK(r.dport == PortRange{30, 40});
  CHECK(r.uidrange == UidRange{100, 200});
  CHECK(r.suppress_prefixlength == 0u);
  CHECK(r.suppress_ifgroup == 3u);
  CHECK(r.no_track);
  CHECK(rule_of("from 198.18.23.0/24 table 100 fwmark 0x10 dsfield 4 priority 1").fwmark == 0x10u);
  CHECK_FALSE(rule_of("from 198.18.23.0/24 table 100 fwmark 0x10 priority 1").fwmask);
  // ip-rule(8) takes one port; keepalived 2.2.7 wants a range: xdplb takes both.
  CHECK(rule_of("from 198.18.40.0/24 table 100 sport 10 priority 1").sport == PortRange{10, 10});
  CHECK(rule_of("from 198.18.1.0/24 table 100 ipproto 17 priority 1").ipproto == 17);
}

TEST_CASE("rules: the actions goto, nop, blackhole, unreachable, prohibit, l3mdev") {
  auto r = rule_of("from 198.18.5.0/24 goto 200 priority 104");
  CHECK(r.action == RuleAction::goto_);
  CHECK(r.goto_target == 200u);
  CHECK(rule_of("from 198.18.6.0/24 blackhole priority 105").action == RuleAction::blackhole);
  CHECK(rule_of("from 198.18.7.0/24 unreachable priority 106").action == RuleAction::unreachable);
  CHECK(rule_of("from 198.18.8.0/24 prohibit priority 107").action == RuleAction::prohibit);
  CHECK(rule_of("from 198.18.44.0/24 nop priority 107").action == RuleAction::nop);
  r = rule_of("from 198.18.41.0/24 l3mdev priority 108");
  CHECK(r.l3mdev);
  CHECK(r.action == RuleAction::table);
}

TEST_CASE("rules: 'not', IPv6 rules and 'inet6' for a rule without addresses") {
  CHECK(rule_of("not from 198.18.17.0/24 table 100 priority 118").invert);
  CHECK(rule_of("from fd00::/64 table 100 priority 116").family == AddressFamily::ipv6);
  CHECK(rule_of("inet6 table 100 priority 115").family == AddressFamily::ipv6);
  CHECK(rule_of("to all table 100 priority 127").family == AddressFamily::ipv4);
  CHECK_FALSE(rule_of("to default table 5 priority 4").to);  // keepalived takes `default` for all
}

TEST_CASE("rules: a rule without a priority gets keepalived's 16384, 16383, ... in file order, with a warning") {
  const auto result = load_text("static_rules {\n  from 198.18.1.0/24 table 1\n  to 198.18.2.0/24 table 1 priority 5\n}\n"
                                "vrrp_instance VI_1 {\n" + std::string(minimal_instance_body) +
                                "  virtual_rules {\n    from 198.18.3.0/24 table 2\n  }\n}\n"
                                "static_rules {\n  from 198.18.4.0/24 table 1\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  const auto& config = *result.config;
  REQUIRE(config.static_rules.size() == 3);
  CHECK(config.static_rules[0].preference == 16384u);
  CHECK(config.static_rules[1].preference == 5u);
  CHECK(config.vrrp_instances.at(0).virtual_rules.at(0).preference == 16383u);
  CHECK(config.static_rules[2].preference == 16382u);
  CHECK(mentions(result, "test.conf:2:3: warning: rule has no priority: xdplb gives it 16384"));
  CHECK(mentions(result, "test.conf:12:5: warning: rule has no priority: xdplb gives it 16383"));
}

TEST_CASE("rules: one action only, and an action is needed") {
  refused("static_rules", "from 198.18.30.0/24 table 100 goto 100 priority 131",
          "a rule takes one action (table, goto, nop, blackhole, prohibit, unreachable or l3mdev), not 'table' and "
          "'goto'",
          "goto");
  refused("static_rules", "from 198.18.33.0/24 table 100 l3mdev priority 134", "a rule takes one action", "l3mdev");
  const auto none = load_block("static_rules", "from 198.18.43.0/24 priority 5");
  CHECK(none.ok());
  CHECK(none.config->static_rules.empty());
  CHECK(mentions(none, "test.conf:2:3: warning: a rule without an action"));
}

TEST_CASE("rules: bad values and families are errors at the word") {
  refused("static_rules", "from 198.18.47.0/24 table 0 priority 1", "table 0 is out of range (1-4294967295)", "0 ");
  refused("static_rules", "from 198.18.49.0/24 table 100 tos 300", "rule tos 300 is out of range (0-255)", "300");
  refused("static_rules", "from 198.18.29.0/24 table 100 sport 70000", "sport 70000 is out of range (0-65535)", "70000");
  refused("static_rules", "from 198.18.29.0/24 table 100 dport 20-10", "dport 20-10 ends before it starts", "20-10");
  refused("static_rules", "from 198.18.42.0/24 table 100 uidrange x-200", "uidrange must be a number, not 'x'", "x-200");
  refused("static_rules", "from 198.18.29.0/24 table 100 goto", "'goto' needs a value", "goto");
  refused("static_rules", "to fd00::/64 from 198.18.0.0/24 table 5", "a rule cannot mix IPv4 and IPv6", "to");
  refused("static_rules", "from 198.18.31.0/24 table 100 inet6", "'inet6' given for an IPv4 rule", "inet6");
}

TEST_CASE("rules: what xdplb refuses, naming the keyword") {
  refused("static_rules", "from 198.18.21.0/24 nat 198.18.0.1", "rule action 'nat' is not supported", "nat");
  refused("static_rules", "from 198.18.2.0/24 table 1 track_group G1",
          "rule option 'track_group' is not implemented by xdplb", "track_group");
  // keepalived 2.2.7 has no "pref" (ip-rule(8)'s abbreviation): neither has xdplb.
  refused("static_rules", "from 198.18.2.0/24 table 1 pref 3", "unknown rule option 'pref'", "pref");
  refused("static_rules", "from 198.18.19.0/24 table 100 tun_id 3", "unknown rule option 'tun_id'", "tun_id");
  refused("static_rules", "198.18.25.0/24 table 100", "unknown rule option '198.18.25.0/24'", "198.18.25.0/24");
}

TEST_CASE("rules: a rule with an address that does not parse is left out with a warning, as keepalived does") {
  const auto result = load_block("static_rules", "to 192.168.100./24 table 1");
  CHECK(result.ok());
  CHECK(result.config->static_rules.empty());
  CHECK(mentions(result, "test.conf:2:6: warning: rule 'to' address:"));
}

TEST_CASE("static_ipaddress: virtual_ipaddress's form, with dev required") {
  const auto bad = load_text("static_ipaddress {\n  198.18.0.17 label eth0:1\n}\n");
  CHECK_FALSE(bad.ok());
  CHECK(mentions(bad, "test.conf:2:3: error: a static_ipaddress needs 'dev IFNAME'"));
  const auto result = load_text("static_ipaddress {\n  198.18.0.16/24 dev eth0 scope link\n  fd00::16/64 dev eth1\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  REQUIRE(result.config->static_ipaddresses.size() == 2);
  CHECK(result.config->static_ipaddresses[0].scope == "link");
  CHECK(result.config->static_ipaddresses[1].device == "eth1");
}

TEST_CASE("routes: --dump-config shows static_* and virtual_* under keepalived's names") {
  const auto result = load_text(
      "static_ipaddress {\n  198.18.0.16/24 dev eth0\n}\n"
      "static_routes {\n  198.19.0.0/24 via 198.18.0.1 or 198.18.0.2 dev eth0 mtu lock 1400\n"
      "  198.19.1.0/24 nexthop via 198.18.0.3 weight 2\n}\n"
      "static_rules {\n  from 198.18.0.0/24 table 100 priority 10 fwmark 3/7\n}\n"
      "vrrp_instance VI_1 {\n" + std::string(minimal_instance_body) +
      "  virtual_rules {\n    to 198.19.0.0/16 goto 20 priority 11\n  }\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  const auto json = to_json(*result.config);
  CHECK(json["static_ipaddress"][0]["address"] == "198.18.0.16/24");
  CHECK(json["static_routes"][0]["or"] == "198.18.0.2");
  CHECK(json["static_routes"][0]["metrics"]["mtu"]["lock"] == true);
  CHECK(json["static_routes"][1]["nexthop"][0]["weight"] == 2);
  CHECK(json["static_rules"][0]["table"] == 100);
  CHECK(json["static_rules"][0]["fwmask"] == 7);
  CHECK(json["vrrp_instances"][0]["virtual_rules"][0]["goto"] == 20);
  CHECK(json["vrrp_instances"][0]["virtual_rules"][0]["action"] == "goto");
}

TEST_CASE("routes: keepalived's samples of routes, rules and static_ipaddress load (warnings where xdplb differs)") {
  for (const char* name : {"keepalived.conf.vrrp.routes", "keepalived.conf.vrrp.rules",
                           "keepalived.conf.vrrp.static_ipaddress"}) {
    const std::string path = std::string("/usr/share/doc/keepalived/samples/") + name;
    if (!std::ifstream(path)) {
      MESSAGE("keepalived's samples are not installed: " << path);
      continue;
    }
    const auto result = load_config(path, grammar_only());
    CHECK_MESSAGE(result.ok(), path << "\n" << all_diagnostics(result));
  }
}


TEST_CASE("routes: xdplb-full.conf's static_* and virtual_rules") {
  const auto result = load_config(std::string(XDPLB_SOURCE_DIR) + "/conf/xdplb-full.conf", grammar_only());
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  const Config& config = *result.config;
  REQUIRE(config.static_ipaddresses.size() == 1);
  CHECK(config.static_ipaddresses[0].scope == "host");
  REQUIRE(config.static_routes.size() == 2);
  CHECK(config.static_routes[1].nexthops.size() == 2);
  REQUIRE(config.static_rules.size() == 1);
  CHECK(config.static_rules[0].preference == 200u);
  const auto& rules = config.vrrp_instances.at(0).virtual_rules;
  REQUIRE(rules.size() == 2);
  CHECK(rules[1].action == RuleAction::goto_);
  CHECK(rules[1].fwmark == 7u);
}
