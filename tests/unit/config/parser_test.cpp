#include <doctest/doctest.h>

#include "config/checker_timing.h"
#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

Config full() {
  const auto result = load_config(std::string(XDPLB_SOURCE_DIR) + "/conf/xdplb-full.conf", grammar_only());
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  return *result.config;
}

std::string instance_with(std::string_view extra) {
  return "vrrp_instance VI_1 {\n" + std::string(minimal_instance_body) + std::string(extra) + "}\n";
}

}  // namespace

TEST_CASE("parser: keepalived's defaults when a keyword is absent") {
  const auto result =
      load_text(instance_with("") +
                "virtual_server 198.18.0.1 80 {\n  real_server 198.18.1.1 {\n    TCP_CHECK {\n    }\n"
                "  }\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  const Config& config = *result.config;
  CHECK(config.global.vrrp_version == 2);
  CHECK(config.global.vrrp_garp_master_delay == seconds(5));
  CHECK(config.global.vrrp_garp_master_repeat == 5);
  CHECK(config.global.smtp_connect_timeout == seconds(30));
  const auto& vi = config.vrrp_instances.at(0);
  CHECK(vi.state == VrrpState::backup);
  CHECK(vi.priority == 100);
  CHECK(vi.advert_int == seconds(1));
  CHECK(vi.effective_version(config.global) == 2);
  CHECK_FALSE(vi.nopreempt);
  CHECK(vi.authentication.type == AuthType::none);
  const auto& vs = config.virtual_servers.at(0);
  CHECK(vs.delay_loop == seconds(60));
  CHECK(vs.lb_algo == LbAlgo::wlc);  // keepalived 2.2.7: "no scheduler set, setting default 'wlc'"
  CHECK(effective_lb_algo(vs.lb_algo) == LbAlgo::mh);
  CHECK(mentions(result, "virtual_server has no lb_algo: wlc"));
  CHECK(vs.lb_kind == LbKind::nat);
  CHECK(vs.protocol == Protocol::udp);  // keepalived 2.2.7: "no protocol set - defaulting to UDP"
  CHECK(mentions(result, "virtual_server has no protocol: UDP"));
  CHECK_FALSE(vs.persistence_timeout);
  CHECK(vs.quorum == 1);
  CHECK(vs.xdp_ring_size == 65537);
  const auto& rs = vs.real_servers.at(0);
  CHECK(rs.port == 80);  // inherited from the virtual server
  CHECK(rs.weight == 1);
  // Nothing written: keepalived's defaults, the warmup a random start within the delay_loop.
  const auto timing = effective_timing(vs, rs, rs.checkers.at(0));
  CHECK(timing.connect_timeout == seconds(5));
  CHECK(timing.retry == 1);
  CHECK(timing.delay_before_retry == seconds(1));
  CHECK(timing.warmup == seconds(60));
  CHECK_FALSE(timing.alpha);
}

TEST_CASE("parser: global_defs of xdplb-full.conf") {
  const Config config = full();
  const auto& g = config.global;
  CHECK(g.router_id == "xdplb-full");
  CHECK(g.notification_email == std::vector<std::string>{"ops@example.com", "oncall@example.com"});
  CHECK(g.notification_email_from == "xdplb@example.com");
  CHECK(g.smtp_server == "198.18.0.250");
  CHECK(g.smtp_port == 2525);
  CHECK(g.smtp_connect_timeout == seconds(20));
  CHECK(g.vrrp_garp_master_delay == seconds(3));
  CHECK(g.vrrp_garp_master_repeat == 2);
  CHECK(g.enable_script_security);
  CHECK(g.script_user == "nobody");
  CHECK(g.script_group == "nogroup");
  CHECK(g.xdp_interface == "eth0");
  CHECK(g.xdp_mode == XdpMode::best);
  CHECK(g.xdp_conntrack_size == 262144);
  CHECK(g.xdp_conntrack_flood_rate == 50000u);
}

TEST_CASE("parser: vrrp_script and vrrp_sync_group of xdplb-full.conf") {
  const Config config = full();
  REQUIRE(config.vrrp_scripts.size() == 2);
  const auto& s = config.vrrp_scripts[0];
  CHECK(s.script == "/usr/bin/pgrep -x nginx");
  CHECK(s.interval == seconds(2));
  CHECK(s.timeout == milliseconds(1500));
  CHECK(s.weight == -20);
  CHECK(s.rise == 2);
  CHECK(s.fall == 3);
  CHECK(s.user == "nobody");
  CHECK(s.group == "nogroup");
  CHECK(config.vrrp_scripts[1].weight == 10);
  CHECK(config.vrrp_scripts[1].weight_reverse);
  REQUIRE(config.sync_groups.size() == 1);
  const auto& g = config.sync_groups[0];
  REQUIRE(g.members.size() == 2);
  CHECK(g.members[0].name == "VI_1");
  CHECK(g.members[1].name == "VI_6");
  REQUIRE(g.track_scripts.size() == 1);
  CHECK(g.track_scripts[0].weight == -10);
  CHECK(g.notify.master.command == "/etc/xdplb/group.sh master");
  CHECK(g.notify.any.command == "/etc/xdplb/group-all.sh");
  CHECK(g.smtp_alert == true);
}

TEST_CASE("parser: vrrp_instance keywords of xdplb-full.conf") {
  const Config config = full();
  REQUIRE(config.vrrp_instances.size() == 2);
  const auto& vi = config.vrrp_instances[0];
  CHECK(vi.state == VrrpState::master);
  CHECK(vi.priority == 150);
  CHECK(vi.authentication.password == "s3cret");
  REQUIRE(vi.virtual_ipaddresses.size() == 2);
  CHECK(vi.virtual_ipaddresses[0].device == "eth0");
  CHECK(vi.virtual_ipaddresses[0].label == "eth0:vip");
  CHECK(vi.virtual_ipaddresses[1].broadcast->to_string() == "198.18.0.255");
  CHECK(vi.virtual_ipaddresses[1].scope == "global");
  REQUIRE(vi.virtual_ipaddresses_excluded.size() == 1);
  CHECK(vi.virtual_ipaddresses_excluded[0].address.to_string_with_prefix() == "fd00::100/64");
  REQUIRE(vi.virtual_routes.size() == 3);
  CHECK(vi.virtual_routes[0].destination.to_string_with_prefix() == "198.19.0.0/16");
  CHECK(vi.virtual_routes[0].via->to_string() == "198.18.0.1");
  CHECK(vi.virtual_routes[0].metric == 10u);
  CHECK(vi.virtual_routes[1].source->to_string() == "198.18.0.100");
  CHECK(vi.virtual_routes[1].table == 100u);
  CHECK(vi.virtual_routes[2].type == RouteType::blackhole);
  CHECK(vi.preempt_delay == seconds(10));
  CHECK(vi.unicast_src_ip->to_string() == "198.18.0.2");
  REQUIRE(vi.unicast_peers.size() == 1);
  CHECK(vi.garp_master_delay == seconds(2));
  CHECK(vi.garp_master_repeat == 3u);
  CHECK(vi.garp_master_refresh == seconds(60));
  REQUIRE(vi.track_interfaces.size() == 2);
  CHECK(vi.track_interfaces[0].weight == -30);
  CHECK_FALSE(vi.track_interfaces[1].weight);
  REQUIRE(vi.track_scripts.size() == 2);
  CHECK_FALSE(vi.track_scripts[0].weight);
  CHECK(vi.track_scripts[1].weight == 5);
  CHECK(vi.notify.master.command == "/etc/xdplb/notify.sh master");
  CHECK(vi.notify.backup.command == "/etc/xdplb/notify.sh backup");
  CHECK(vi.notify.fault.command == "/etc/xdplb/notify.sh fault");
  CHECK(vi.notify.stop.command == "/etc/xdplb/notify.sh stop");
  CHECK(vi.notify.any.command == "/etc/xdplb/notify-all.sh");
  CHECK(vi.smtp_alert == true);
  CHECK(vi.dont_track_primary);
  CHECK(vi.accept == true);

  const auto& v6 = config.vrrp_instances[1];
  CHECK(v6.version == 3);
  CHECK(v6.advert_int == milliseconds(500));
  CHECK(v6.nopreempt);
  CHECK(v6.native_ipv6);
  CHECK(v6.use_vmac);
  CHECK(v6.vmac_name == "vrrp6.52");
  CHECK(v6.vmac_xmit_base);
  CHECK_FALSE(v6.accept);  // no_accept is not enforced: the full reference does not write it
  CHECK_FALSE(v6.virtual_ipaddresses.at(0).address.is_ipv4());
}

TEST_CASE("parser: virtual_server, real_server and checkers of xdplb-full.conf") {
  const Config config = full();
  REQUIRE(config.virtual_servers.size() == 4);
  const auto& web = config.virtual_servers[0];
  CHECK(web.delay_loop == seconds(5));
  CHECK(web.lb_algo == LbAlgo::mh);
  CHECK(web.persistence_timeout == seconds(300));
  CHECK(web.persistence_granularity->to_string() == "255.255.255.0");
  CHECK(web.quorum == 2);
  CHECK(web.hysteresis == 1);
  CHECK(web.quorum_up.command == "/etc/xdplb/quorum.sh up");
  CHECK(web.sorry_server->address.to_string() == "198.18.0.200");
  CHECK(web.sorry_server->port == 80);
  CHECK(web.sorry_server_inhibit);
  CHECK((web.alpha && web.omega && web.ha_suspend && web.inhibit_on_failure));
  CHECK(web.virtualhost == "www.example.com");
  const auto& rs = web.real_servers.at(0);
  CHECK(rs.weight == 3);
  CHECK(rs.inhibit_on_failure == true);
  CHECK(rs.notify_up.command == "/etc/xdplb/rs.sh up 11");
  const auto& http = std::get<HttpGetCheck>(rs.checkers.at(0));
  REQUIRE(http.urls.size() == 2);
  REQUIRE(http.urls[0].status_codes.size() == 3);
  CHECK(http.urls[0].status_codes[2].first == 300);
  CHECK(http.urls[0].status_codes[2].last == 399);
  CHECK(http.urls[0].digest == "9b3a0c85a887a256d6939da88aabd8cd");
  CHECK(http.urls[0].virtualhost == "health.example.com");
  CHECK(http.urls[1].status_codes.empty());
  CHECK(http.connect_ip->to_string() == "198.18.0.11");
  CHECK(http.connect_port == 8080);
  CHECK(http.bindto->to_string() == "198.18.0.2");
  CHECK(http.bind_port == 40000);
  CHECK(http.connect_timeout == milliseconds(2500));
  CHECK(http.retry == 2);
  CHECK(http.delay_before_retry == milliseconds(500));
  CHECK(http.warmup == seconds(3));
  CHECK(http.delay_loop == seconds(4));
  const auto& ssl = std::get<HttpGetCheck>(web.real_servers.at(1).checkers.at(0));
  CHECK(ssl.tls);
  CHECK(ssl.retry == 3);
  CHECK(std::holds_alternative<TcpCheck>(web.real_servers.at(1).checkers.at(1)));

  const auto& dns = config.virtual_servers[1];
  CHECK(dns.protocol == Protocol::udp);
  CHECK(dns.lb_algo == LbAlgo::sh);
  CHECK(dns.real_servers.at(0).port == 5353);
  CHECK(std::get<DnsCheck>(dns.real_servers.at(0).checkers.at(0)).type == "AAAA");
  CHECK(std::get<DnsCheck>(dns.real_servers.at(0).checkers.at(0)).name == "example.com");
  CHECK(std::holds_alternative<PingCheck>(dns.real_servers.at(1).checkers.at(0)));

  const auto& grouped = config.virtual_servers[2];
  CHECK(grouped.kind == VirtualServerKind::group);
  CHECK(grouped.group == "web_vips");
  CHECK(grouped.lb_kind == LbKind::tun);
  const auto& misc = std::get<MiscCheck>(grouped.real_servers.at(0).checkers.at(0));
  CHECK(misc.misc_path == "/etc/xdplb/check_app.sh 198.18.0.31");
  CHECK(misc.misc_timeout == seconds(4));
  CHECK(misc.misc_dynamic);
  CHECK(misc.user == "nobody");
  CHECK(std::holds_alternative<PingCheck>(grouped.real_servers.at(1).checkers.at(0)));

  const auto& marked = config.virtual_servers[3];
  CHECK(marked.kind == VirtualServerKind::fwmark);
  CHECK(marked.fwmark == 9);
  CHECK(std::get<SmtpCheck>(marked.real_servers.at(0).checkers.at(0)).helo_name == "lb.example.com");

  REQUIRE(config.virtual_server_groups.size() == 1);
  const auto& group = config.virtual_server_groups[0];
  REQUIRE(group.entries.size() == 3);
  CHECK(group.entries[0].first.to_string() == "198.18.0.110");
  CHECK(group.entries[0].last.to_string() == "198.18.0.112");
  CHECK(group.entries[0].port == 443);
  CHECK(group.entries[1].last == group.entries[1].first);
  CHECK(group.entries[2].is_fwmark);
  CHECK(group.entries[2].fwmark == 7);
}

TEST_CASE("parser: unknown keywords warn with file:line, and are errors under --strict") {
  const std::string text = instance_with("  frobnicate 3\n");
  const auto relaxed = load_text(text);
  CHECK(relaxed.ok());
  CHECK(warning_lines(relaxed) == std::vector<std::string>{"test.conf:7"});
  CHECK(mentions(relaxed, "test.conf:7:3: warning: unknown keyword 'frobnicate' in vrrp_instance VI_1"));

  LoadOptions strict = grammar_only();
  strict.strict = true;
  const auto failed = load_text(text, strict);
  CHECK_FALSE(failed.ok());
  CHECK(error_lines(failed) == std::vector<std::string>{"test.conf:7"});
}

TEST_CASE("parser: an unknown block is skipped whole") {
  const auto result = load_text("mystery {\n  state FOO\n  virtual_router_id 999\n}\n" + instance_with(""));
  CHECK(result.ok());
  CHECK(warning_lines(result) == std::vector<std::string>{"test.conf:1"});
}

TEST_CASE("parser: lvs_notify_fifo and its script are read (the checkers' FIFO)") {
  const auto result = load_text(
      "global_defs {\n  lvs_notify_fifo /run/lvs.fifo\n  lvs_notify_fifo_script \"/bin/reader --x\"\n}\n");
  REQUIRE(result.ok());
  CHECK(result.config->global.lvs_notify_fifo == "/run/lvs.fifo");
  CHECK(result.config->global.lvs_notify_fifo_script.command == "/bin/reader --x");
  CHECK(warning_lines(result).empty());
  CHECK(error_lines(load_text("global_defs {\n  lvs_notify_fifo\n}\n")) == std::vector<std::string>{"test.conf:2"});
}

TEST_CASE("parser: keepalived keywords xdplb does not implement are accepted with a warning that says so") {
  const auto result = load_text(
      "global_defs {\n  lvs_id LVS1\n  enable_snmp_vrrp\n}\n"
      "virtual_server 198.18.0.1 80 {\n  syn_proxy\n  real_server 198.18.1.1 80 {\n    uthreshold 100\n"
      "    TCP_CHECK {\n      fwmark 3\n    }\n  }\n}\n");
  CHECK(result.ok());
  CHECK(warning_lines(result) ==
        std::vector<std::string>{"test.conf:2", "test.conf:3", "test.conf:5", "test.conf:5", "test.conf:5",
                                 "test.conf:6", "test.conf:8", "test.conf:10"});  // 5: no protocol, lb_algo, lb_kind
  CHECK(mentions(result, "test.conf:2:3: warning: 'lvs_id' is not applicable to xdplb (IPVS only"));
  CHECK(mentions(
      result, "'enable_snmp_vrrp' is not applicable to xdplb (keepalived option xdplb does not implement)"));

  // Not applicable is not unknown: --strict still accepts them.
  LoadOptions strict = grammar_only();
  strict.strict = true;
  CHECK(load_text("global_defs {\n  lvs_sync_daemon eth0 VI_1\n}\n", strict).ok());
}

TEST_CASE("parser: lb_algo values; connection-counting schedulers load with a warning naming mh") {
  for (const char* algo : {"rr", "wrr", "sh", "mh"}) {
    const auto result = load_text(std::string("virtual_server 198.18.0.1 80 {\n  lb_algo ") + algo +
                                  "\n  real_server 198.18.1.1 80\n}\n");
    REQUIRE(result.ok());
    CHECK(to_string(result.config->virtual_servers[0].lb_algo) == std::string(algo));
    CHECK(effective_lb_algo(result.config->virtual_servers[0].lb_algo) ==
          result.config->virtual_servers[0].lb_algo);
  }
  for (const char* algo : {"lc", "wlc", "lblc", "lblcr", "dh", "sed", "nq"}) {
    const auto result = load_text(std::string("virtual_server 198.18.0.1 80 {\n  lb_algo ") + algo +
                                  "\n  real_server 198.18.1.1 80\n}\n");
    REQUIRE(result.ok());
    CHECK(to_string(result.config->virtual_servers[0].lb_algo) == std::string(algo));
    CHECK(effective_lb_algo(result.config->virtual_servers[0].lb_algo) == LbAlgo::mh);
    CHECK(mentions(result, "test.conf:2:11: warning: lb_algo " + std::string(algo)));
    CHECK(mentions(result, "using mh (Maglev hashing) instead"));
  }
  const auto lvs_sched = load_text("virtual_server 198.18.0.1 80 {\n  lvs_sched sh\n  lvs_method TUN\n}\n");
  REQUIRE(lvs_sched.ok());
  CHECK(lvs_sched.config->virtual_servers[0].lb_algo == LbAlgo::sh);
  CHECK(lvs_sched.config->virtual_servers[0].lb_kind == LbKind::tun);
}

TEST_CASE("parser: persistence_timeout without a value means keepalived's 360 seconds") {
  const auto result = load_text("virtual_server 198.18.0.1 80 {\n  persistence_timeout\n}\n");
  REQUIRE(result.ok());
  CHECK(result.config->virtual_servers[0].persistence_timeout == seconds(360));
}

TEST_CASE("parser: auth_pass longer than 8 characters is truncated with a warning") {
  const auto result =
      load_text(instance_with("  authentication {\n    auth_type PASS\n    auth_pass 0123456789\n  }\n"));
  REQUIRE(result.ok());
  CHECK(result.config->vrrp_instances[0].authentication.password == "01234567");
  CHECK(warning_lines(result) == std::vector<std::string>{"test.conf:9"});
}

TEST_CASE("parser: state, auth_type, lb_kind and protocol are case-insensitive like keepalived") {
  const auto result = load_text(instance_with("  state master\n  authentication {\n    auth_type pass\n"
                                              "    auth_pass x\n  }\n") +
                                "virtual_server 198.18.0.1 80 {\n  lb_kind dr\n  protocol udp\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK(result.config->vrrp_instances[0].state == VrrpState::master);
  CHECK(result.config->vrrp_instances[0].authentication.type == AuthType::pass);
  CHECK(result.config->virtual_servers[0].lb_kind == LbKind::dr);
  CHECK(result.config->virtual_servers[0].protocol == Protocol::udp);
}

TEST_CASE("parser: bad values are errors at the value's column and keep the rest of the file") {
  const auto result =
      load_text(instance_with("  priority high\n  advert_int 1.0005\n  preempt_delay -1\n"
                              "  garp_master_repeat 256\n"));
  CHECK(mentions(result, "test.conf:7:12: error: priority must be an integer, not 'high'"));
  CHECK(mentions(result, "test.conf:8:14: error: advert_int 1.0005 is finer than a millisecond"));
  CHECK(mentions(result, "test.conf:9:17: error: preempt_delay must be a number of seconds, not '-1'"));
  CHECK(mentions(result, "test.conf:10:22: error: garp_master_repeat 256 is out of range (0-255)"));
  CHECK(error_lines(result).size() == 4);
}

TEST_CASE("parser: a keyword without its value, and block shape mistakes") {
  const auto result = load_text(instance_with("  interface\n  nopreempt {\n  }\n  virtual_routes 1\n"));
  CHECK(mentions(result, "test.conf:7:3: error: 'interface' needs an interface name"));
  CHECK(mentions(result, "test.conf:8:3: error: 'nopreempt' takes no { } block"));
  CHECK(mentions(result, "test.conf:10:3: error: 'virtual_routes' needs a { } block"));
}

TEST_CASE("parser: checker and url mistakes") {
  const auto result = load_text(
      "virtual_server 198.18.0.1 80 {\n"
      "  real_server 198.18.1.1 80 {\n"
      "    HTTP_GET {\n"
      "      url {\n"
      "        status_code 200-100 99\n"
      "        digest abc\n"
      "      }\n"
      "    }\n"
      "    MISC_CHECK {\n"
      "    }\n"
      "    DNS_CHECK {\n"
      "      type PTR\n"
      "    }\n"
      "  }\n"
      "}\n");
  CHECK(error_lines(result) == std::vector<std::string>{"test.conf:4", "test.conf:5", "test.conf:5",
                                                        "test.conf:6", "test.conf:9", "test.conf:12"});
  CHECK(mentions(result, "url has no path"));
  CHECK(mentions(result, "status_code range '200-100' ends before it starts"));
  CHECK(mentions(result, "status_code 99 is out of range (100-599)"));
  CHECK(mentions(result, "digest must be 32 hexadecimal digits"));
  CHECK(mentions(result, "MISC_CHECK has no misc_path"));
  CHECK(mentions(result, "DNS_CHECK type must be"));
}

TEST_CASE("parser: xdp_ring_size must be a prime in range; xdp_mode values") {
  auto result = load_text("virtual_server 198.18.0.1 80 {\n  xdp_ring_size 65536\n}\n");
  CHECK(mentions(result, "test.conf:2:17: error: xdp_ring_size must be a prime number"));
  result = load_text("virtual_server 198.18.0.1 80 {\n  xdp_ring_size 100\n}\n");
  CHECK(mentions(result, "test.conf:2:17: error: xdp_ring_size 100 is out of range"));
  result = load_text("global_defs {\n  xdp_mode turbo\n}\n");
  CHECK(mentions(result, "test.conf:2:12: error: xdp_mode must be native, generic or best, not 'turbo'"));
}

TEST_CASE("parser: xdp_conntrack_flood_rate is auto (the default), 0 or a rate; anything else is an error") {
  auto result = load_text("global_defs {\n  router_id A\n}\n");
  REQUIRE(result.ok());
  CHECK_FALSE(result.config->global.xdp_conntrack_flood_rate.has_value());
  result = load_text("global_defs {\n  xdp_conntrack_flood_rate 0\n}\n");
  REQUIRE(result.ok());
  CHECK(result.config->global.xdp_conntrack_flood_rate == 0u);
  result = load_text("global_defs {\n  xdp_conntrack_flood_rate 50000\n  xdp_conntrack_flood_rate auto\n}\n");
  REQUIRE(result.ok());
  CHECK_FALSE(result.config->global.xdp_conntrack_flood_rate.has_value());
  result = load_text("global_defs {\n  xdp_conntrack_flood_rate fast\n}\n");
  CHECK(error_lines(result) == std::vector<std::string>{"test.conf:2"});
  result = load_text("global_defs {\n  xdp_conntrack_flood_rate -5\n}\n");
  CHECK(error_lines(result) == std::vector<std::string>{"test.conf:2"});
  result = load_text("global_defs {\n  xdp_conntrack_flood_rate\n}\n");
  CHECK(error_lines(result) == std::vector<std::string>{"test.conf:2"});
}

TEST_CASE("parser: virtual_server header forms and their errors") {
  // No port: every port, made persistent as keepalived does.
  auto result = load_text("virtual_server 198.18.0.1 {\n  protocol TCP\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK(result.config->virtual_servers[0].port == 0);
  CHECK(result.config->virtual_servers[0].persistence_timeout == seconds(360));
  CHECK(mentions(result, "persistence_timeout 360 is set, as keepalived does"));
  result = load_text("virtual_server 198.18.0.1 {\n  protocol TCP\n  persistence_timeout 30\n}\n");
  CHECK_FALSE(mentions(result, "persistence_timeout 360"));
  result = load_text("virtual_server {\n}\n");
  CHECK(error_lines(result) == std::vector<std::string>{"test.conf:1"});
  result = load_text("virtual_server fwmark 0 {\n}\n");
  CHECK(mentions(result, "test.conf:1:23: error: fwmark 0 is out of range"));
  result = load_text("virtual_server [fd00::1] 80 {\n}\n");
  CHECK(error_lines(result) == std::vector<std::string>{"test.conf:1"});
  result = load_text(
      "virtual_server fd00::1 80 {\n  real_server fd00::2 8080 {\n    TCP_CHECK {\n    }\n  }\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK(result.config->virtual_servers[0].real_servers[0].port == 8080);
}

TEST_CASE("parser: keepalived's one-word virtual address flags are accepted with a warning, a route's onlink applied") {
  const auto result = load_text(
      "vrrp_instance A {\n  interface eth0\n  virtual_router_id 1\n  virtual_ipaddress {\n"
      "    198.18.0.1/24 dev eth0 no_track label eth0:1\n    198.18.0.2/24 nodad\n  }\n"
      "  virtual_routes {\n    198.19.0.0/16 via 198.18.0.254 onlink dev eth0\n  }\n}\n");
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK(warning_lines(result) == std::vector<std::string>{"test.conf:5", "test.conf:6"});
  const auto& vi = result.config->vrrp_instances.at(0);
  CHECK(vi.virtual_ipaddresses.at(0).label == "eth0:1");
  CHECK(vi.virtual_ipaddresses.at(0).device == "eth0");
  CHECK(vi.virtual_routes.at(0).device == "eth0");
  CHECK(vi.virtual_routes.at(0).via->to_string() == "198.18.0.254");
  CHECK(vi.virtual_routes.at(0).onlink);
}
