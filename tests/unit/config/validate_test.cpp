// One test per validation rule, each asserting the exact FILE:LINE reported.
#include <doctest/doctest.h>

#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("validate: virtual_router_id must be 1-255 and present") {
  auto result = load_text("vrrp_instance A {\n  interface eth0\n  virtual_router_id 0\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:3"});
  result = load_text("vrrp_instance A {\n  interface eth0\n  virtual_router_id 256\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:3"});
  result = load_text("\nvrrp_instance A {\n  interface eth0\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:2"});
  CHECK(mentions(result, "vrrp_instance A has no virtual_router_id"));
}

TEST_CASE("validate: an instance needs an interface") {
  const auto result =
      load_text("vrrp_instance A {\n  virtual_router_id 5\n  virtual_ipaddress {\n    198.18.0.1\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:1"});
  CHECK(mentions(result, "has no interface"));
}

TEST_CASE("validate: priority 1-255; 255 only for the address owner (state MASTER, preempting)") {
  auto result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) + "  priority 0\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:7"});
  result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) + "  priority 256\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:7"});
  result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) +
                     "  state BACKUP\n  priority 255\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:8"});
  CHECK(mentions(result, "priority 255 is reserved for the address owner"));
  result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) +
                     "  state MASTER\n  priority 255\n  nopreempt\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:9"});
  result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) +
                     "  state MASTER\n  priority 255\n}\n");
  CHECK_MESSAGE(result.ok(), all_diagnostics(result));
}

TEST_CASE("validate: advert_int is whole seconds 1-255 for VRRPv2") {
  auto result =
      load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) + "  advert_int 0.5\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:7"});
  CHECK(mentions(result, "for VRRP version 2"));
  result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) + "  advert_int 256\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:7"});
  result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) + "  advert_int 255\n}\n");
  CHECK(result.ok());
}

TEST_CASE("validate: advert_int is 0.01-40.95 in hundredths for VRRPv3 (version keyword or global)") {
  auto result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) +
                          "  advert_int 0.25\n  version 3\n}\n");
  CHECK_MESSAGE(result.ok(), all_diagnostics(result));
  result = load_text("global_defs {\n  vrrp_version 3\n}\nvrrp_instance A {\n" +
                     std::string(minimal_instance_body) + "  advert_int 41\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:10"});
  CHECK(mentions(result, "for VRRP version 3"));
  result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) +
                     "  version 3\n  advert_int 0.015\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:8"});
  result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) + "  version 4\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:7"});
}

TEST_CASE("validate: addresses and prefix lengths") {
  auto result = load_text(
      "vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n"
      "    198.18.0.1/33\n    198.18.0.300\n    224.0.0.18\n    198.18.0.2/24 brd x\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:5", "test.conf:6", "test.conf:7", "test.conf:8"});
  CHECK(mentions(result, "prefix length /33 is out of range for IPv4 (0-32)"));
  CHECK(mentions(result, "'198.18.0.300' is not an IP address"));
  CHECK(mentions(result, "virtual address 224.0.0.18 is a multicast address"));
  result = load_text(
      "vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n  version 3\n"
      "  virtual_ipaddress {\n    fd00::1/129\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:6"});
  CHECK(mentions(result, "out of range for IPv6 (0-128)"));
  result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) +
                     "  unicast_src_ip 198.18.0.1/24\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:7"});
  CHECK(mentions(result, "unicast_src_ip takes no prefix length"));
}

TEST_CASE("validate: VRRPv2 carries IPv4 only; one family per instance") {
  auto result = load_text(
      "vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n"
      "    198.18.0.1\n    fd00::1\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:6"});
  CHECK(mentions(result, "VRRP version 2 carries IPv4 addresses only"));
  result = load_text(
      "vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n  version 3\n"
      "  virtual_ipaddress {\n    fd00::1\n    198.18.0.1\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:7"});
  CHECK(mentions(result, "is IPv4 but vrrp_instance A is IPv6"));
  result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) +
                     "  unicast_peer {\n    fd00::9\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:7"});
}

TEST_CASE("validate: ports are 1-65535, or 0 for a virtual_server of every port, as keepalived takes it") {
  auto result = load_text("virtual_server 198.18.0.1 65536 {\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:1"});
  // keepalived 2.2.7: "zero port only valid for persistent services - setting"; a real server's
  // port 0 is the port the packet came to, as if none were written.
  result = load_text("virtual_server 198.18.0.1 0 {\n  lb_algo rr\n  protocol TCP\n  real_server 198.18.1.1 0 {\n"
                     "    TCP_CHECK {\n      connect_port 80\n    }\n  }\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK(result.config->virtual_servers[0].port == 0);
  CHECK(result.config->virtual_servers[0].persistence_timeout.has_value());
  CHECK(result.config->virtual_servers[0].real_servers[0].port == 0);
  CHECK(mentions(result, "persistence_timeout 360 is set, as keepalived does"));
  result = load_text("virtual_server 198.18.0.1 80 {\n  real_server 198.18.1.1 65536 {\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:2"});
  result = load_text(
      "virtual_server 198.18.0.1 80 {\n  real_server 198.18.1.1 80 {\n    TCP_CHECK {\n"
      "      connect_port 70000\n    }\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:4"});
  result = load_text("virtual_server 198.18.0.1 80 {\n  sorry_server 198.18.0.9 http\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:2"});
}

TEST_CASE("validate: lb_kind and lb_algo values") {
  auto result = load_text("virtual_server 198.18.0.1 80 {\n  delay_loop 6\n  lb_kind FULLNAT\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:3"});
  CHECK(mentions(result, "lb_kind must be DR, NAT or TUN, not 'FULLNAT'"));
  result = load_text("virtual_server 198.18.0.1 80 {\n  lb_algo fastest\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:2"});
  CHECK(mentions(result, "lb_algo must be one of rr wrr lc wlc lblc lblcr sh dh sed nq mh, not 'fastest'"));
  result = load_text("virtual_server 198.18.0.1 80 {\n  protocol ICMP\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:2"});
  CHECK(mentions(result, "protocol must be TCP, UDP or SCTP, not 'ICMP'"));
  // SCTP is keepalived's too: it loads, and the agent says it does not serve it (service_plan).
  result = load_text("virtual_server 198.18.0.1 80 {\n  protocol SCTP\n}\n");
  CHECK(result.ok());
}

TEST_CASE("validate: state values") {
  const auto result =
      load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) + "  state PRIMARY\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:7"});
  CHECK(mentions(result, "test.conf:7:9: error: state must be MASTER or BACKUP, not 'PRIMARY'"));
}

TEST_CASE("validate: two instances with one VRID and family on one interface") {
  const std::string first =
      "vrrp_instance A {\n  interface eth0\n  virtual_router_id 51\n"
      "  virtual_ipaddress {\n    198.18.0.1\n  }\n}\n";
  auto result = load_text(first +
                          "vrrp_instance B {\n  interface eth0\n  virtual_router_id 51\n"
                          "  virtual_ipaddress {\n    198.18.0.2\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:10"});
  CHECK(mentions(result,
                 "virtual_router_id 51 on eth0 (IPv4) is already used by vrrp_instance A at test.conf:1"));
  // The same VRID on another interface, or for the other family, is another router.
  result = load_text(first +
                     "vrrp_instance B {\n  interface eth1\n  virtual_router_id 51\n"
                     "  virtual_ipaddress {\n    198.18.0.2\n  }\n}\n"
                     "vrrp_instance C {\n  interface eth0\n  virtual_router_id 51\n  version 3\n"
                     "  virtual_ipaddress {\n    fd00::2\n  }\n}\n");
  CHECK_MESSAGE(result.ok(), all_diagnostics(result));
}

TEST_CASE("validate: track_script naming no vrrp_script") {
  auto result = load_text("vrrp_script chk {\n  script /bin/true\n}\nvrrp_instance A {\n" +
                          std::string(minimal_instance_body) +
                          "  track_script {\n    chk\n    chk_typo weight -5\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:12"});
  CHECK(mentions(result, "test.conf:12:5: error: track_script 'chk_typo' names no vrrp_script"));
  result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) +
                     "}\n"
                     "vrrp_sync_group G {\n  group {\n    A\n  }\n  track_script {\n    nothing\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:13"});
}

TEST_CASE("validate: a sync-group member naming nothing, or already in another group") {
  const std::string instances = "vrrp_instance A {\n" + std::string(minimal_instance_body) + "}\n";
  auto result = load_text(instances + "vrrp_sync_group G {\n  group {\n    A\n    B\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:11"});
  CHECK(mentions(result, "vrrp_sync_group G member 'B' names no vrrp_instance"));
  result = load_text(instances +
                     "vrrp_sync_group G {\n  group {\n    A\n  }\n}\n"
                     "vrrp_sync_group H {\n  group {\n    A\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:15"});
  CHECK(mentions(result, "already in vrrp_sync_group G"));
}

TEST_CASE("validate: unbalanced braces are reported where the unclosed block opened") {
  const auto result = load_text(
      "global_defs {\n"
      "  router_id A\n"
      "}\n"
      "virtual_server 198.18.0.1 80 {\n"
      "  real_server 198.18.1.1 80 {\n"
      "    TCP_CHECK {\n"
      "    }\n"
      "  }\n");
  CHECK(error_lines(result) == Lines{"test.conf:4"});
}

TEST_CASE("validate: PASS authentication needs a password; vrrp_strict forbids authentication and unicast") {
  auto result = load_text("vrrp_instance A {\n" + std::string(minimal_instance_body) +
                          "  authentication {\n    auth_type PASS\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:8"});
  result =
      load_text("global_defs {\n  vrrp_strict\n}\nvrrp_instance A {\n" + std::string(minimal_instance_body) +
                "  authentication {\n    auth_type AH\n  }\n  unicast_peer {\n    198.18.0.3\n  }\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:10", "test.conf:13"});
}

TEST_CASE("validate: duplicate names, services and real servers") {
  const std::string instance = "vrrp_instance A {\n" + std::string(minimal_instance_body) + "}\n";
  auto result = load_text(instance + "vrrp_instance A {\n  interface eth1\n  virtual_router_id 9\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:8"});
  result = load_text(
      "virtual_server 198.18.0.1 80 {\n  protocol TCP\n  real_server 198.18.1.1 80\n  real_server 198.18.1.1 80\n}\n"
      "virtual_server 198.18.0.1 80 {\n  protocol TCP\n}\n"
      "virtual_server 198.18.0.1 80 {\n  protocol UDP\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:4", "test.conf:6"});
  CHECK(mentions(result, "virtual_server 198.18.0.1:80/TCP is already defined at test.conf:1"));
}

TEST_CASE("validate: a virtual_server group that names no virtual_server_group") {
  const auto result =
      load_text("virtual_server_group web {\n  198.18.0.1 80\n}\nvirtual_server group webs {\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:4"});
}

TEST_CASE("validate: real server family must match the virtual server's unless TUN") {
  auto result = load_text("virtual_server 198.18.0.1 80 {\n  lb_kind DR\n  real_server fd00::1 80\n}\n");
  CHECK(error_lines(result) == Lines{"test.conf:3"});
  result = load_text(
      "virtual_server 198.18.0.1 80 {\n  lb_kind TUN\n  real_server fd00::1 80 {\n"
      "    TCP_CHECK {\n    }\n  }\n}\n");
  CHECK_MESSAGE(result.ok(), all_diagnostics(result));
}

TEST_CASE("validate: warnings that do not stop loading") {
  const auto result = load_text(
      "vrrp_script unused {\n  script /bin/true\n}\n"
      "vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n  state MASTER\n  nopreempt\n}\n"
      "virtual_server 198.18.0.1 80 {\n  lb_kind DR\n  real_server 198.18.1.1 8080\n}\n"
      "virtual_server 198.18.0.1 81 {\n}\n");
  CHECK_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK(warning_lines(result) ==
        Lines{"test.conf:1", "test.conf:4", "test.conf:8", "test.conf:10", "test.conf:10", "test.conf:12",
              "test.conf:12", "test.conf:14", "test.conf:14", "test.conf:14", "test.conf:14"});
  // 10: no protocol, lb_algo; 12: the port DR does not use, no checker; 14: no protocol, lb_algo, lb_kind,
  // real_server
  CHECK(mentions(result, "vrrp_script unused is not tracked"));
  CHECK(mentions(result, "has no virtual_ipaddress"));
  CHECK(mentions(result, "nopreempt only works with state BACKUP"));
  CHECK(mentions(result, "DR forwarding keeps the destination port 80"));
  CHECK(mentions(result, "has no health checker"));
  CHECK(mentions(result, "has no real_server"));
}

TEST_CASE("validate: every diagnostic reads FILE:LINE:COL: error|warning: WHAT") {
  const Diagnostic error{Severity::error, "/etc/xdplb/xdplb.conf", 12, 5,
                         "virtual_router_id 300 is out of range"};
  CHECK(format_diagnostic(error) ==
        "/etc/xdplb/xdplb.conf:12:5: error: virtual_router_id 300 is out of range");
  const Diagnostic warning{Severity::warning, "a.conf", 1, 1, "unknown keyword"};
  CHECK(format_diagnostic(warning) == "a.conf:1:1: warning: unknown keyword");
}

TEST_CASE("validate: diagnostics come out in file order, line by line") {
  const auto result = load_text(
      "vrrp_instance A {\n  interface eth0\n  virtual_router_id 51\n  priority 255\n"
      "  lb_algo x\n}\n");
  REQUIRE(result.diagnostics.size() == 3);
  CHECK(result.diagnostics[0].line == 1);  // no virtual_ipaddress (warning, found last)
  CHECK(result.diagnostics[1].line == 4);
  CHECK(result.diagnostics[2].line == 5);
}
