// The word-valued keywords (every spelling, every message), the keywords the other files leave
// unchecked, and keepalived's keywords that xdplb accepts and ignores.
#include <doctest/doctest.h>

#include <sstream>

#include "config_test_util.h"

using namespace xdplb::config;
using namespace xdplb::config::test;

namespace {

std::string instance_with(std::string_view extra) {
  return "vrrp_instance VI_1 {\n" + std::string(minimal_instance_body) + std::string(extra) + "}\n";
}

// A virtual server that loads without a warning: its first 4 lines are a checked real server.
constexpr std::string_view checked_real_server =
    "  real_server 198.18.1.9 80 {\n    TCP_CHECK {\n    }\n  }\n";

std::string server_with(std::string_view extra) {
  return "virtual_server 198.18.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n" + std::string(checked_real_server) + std::string(extra) + "}\n";
}

Config loaded(const std::string& text) {
  const auto result = load_text(text);
  REQUIRE_MESSAGE(result.ok(), all_diagnostics(result));
  CHECK_MESSAGE(result.diagnostics.empty(), all_diagnostics(result));
  return *result.config;
}

}  // namespace

TEST_CASE("keywords: state and auth_type take every spelling in any letter case") {
  CHECK(loaded(instance_with("  state MASTER\n")).vrrp_instances[0].state == VrrpState::master);
  CHECK(loaded(instance_with("  state Master\n")).vrrp_instances[0].state == VrrpState::master);
  CHECK(loaded(instance_with("  state MASTER\n  state BACKUP\n")).vrrp_instances[0].state ==
        VrrpState::backup);
  CHECK(loaded(instance_with("  state master\n  state backup\n")).vrrp_instances[0].state ==
        VrrpState::backup);
  const auto auth = [](std::string_view type) {
    return loaded(instance_with("  authentication {\n    auth_type " + std::string(type) +
                                "\n    auth_pass x\n  }\n"))
        .vrrp_instances[0]
        .authentication.type;
  };
  CHECK(auth("PASS") == AuthType::pass);
  CHECK(auth("Pass") == AuthType::pass);
  // AH is read in any letter case, and refused: xdplb does not implement it (-t says so).
  for (const char* ah : {"AH", "ah"}) {
    const auto result = load_text(instance_with("  authentication {\n    auth_type " + std::string(ah) +
                                                "\n    auth_pass x\n  }\n"));
    CHECK(mentions(result, "auth_type AH (IPsec AH in VRRPv2, RFC 2338) is not implemented by xdplb"));
  }
}

TEST_CASE("keywords: xdp_mode and lb_algo take their words exactly as written") {
  const auto mode = [](std::string_view word) {
    return loaded("global_defs {\n  xdp_mode " + std::string(word) + "\n}\n").global.xdp_mode;
  };
  CHECK(mode("native") == XdpMode::native);
  CHECK(mode("generic") == XdpMode::generic);
  CHECK(mode("best") == XdpMode::best);
  auto result = load_text("global_defs {\n  xdp_mode Native\n}\n");
  CHECK(all_diagnostics(result) ==
        "test.conf:2:12: error: xdp_mode must be native, generic or best, not 'Native'\n");
  result = load_text(server_with("  lb_algo RR\n"));
  CHECK(all_diagnostics(result) ==
        "test.conf:9:11: error: lb_algo must be one of rr wrr lc wlc lblc lblcr sh dh sed nq mh, not 'RR'\n");
}

TEST_CASE("keywords: lb_kind, lvs_method and protocol take every spelling in any letter case") {
  const auto kind = [](std::string_view keyword, std::string_view word) {
    return loaded(server_with("  " + std::string(keyword) + " " + std::string(word) + "\n"))
        .virtual_servers[0]
        .lb_kind;
  };
  for (const char* keyword : {"lb_kind", "lvs_method"}) {
    CHECK(kind(keyword, "DR") == LbKind::dr);
    CHECK(kind(keyword, "dr") == LbKind::dr);
    CHECK(kind(keyword, "NAT") == LbKind::nat);
    CHECK(kind(keyword, "Nat") == LbKind::nat);
    CHECK(kind(keyword, "TUN") == LbKind::tun);
    CHECK(kind(keyword, "tun") == LbKind::tun);
  }
  CHECK(loaded(server_with("  protocol TCP\n")).virtual_servers[0].protocol == Protocol::tcp);
  CHECK(loaded(server_with("  protocol UDP\n  protocol tcp\n")).virtual_servers[0].protocol == Protocol::tcp);
  CHECK(loaded(server_with("  protocol Udp\n")).virtual_servers[0].protocol == Protocol::udp);
}

TEST_CASE("keywords: a DNS_CHECK type in any letter case is kept in keepalived's spelling") {
  for (const char* type : {"A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA"}) {
    std::string lower = type;
    for (auto& c : lower) c = static_cast<char>(c - 'A' + 'a');
    for (const std::string& written : {std::string(type), lower}) {
      const auto config = loaded(server_with("  real_server 198.18.1.1 53 {\n    DNS_CHECK {\n      type " +
                                             written + "\n    }\n  }\n"));
      CHECK(std::get<DnsCheck>(config.virtual_servers[0].real_servers.at(1).checkers.at(0)).type == type);
    }
  }
}

TEST_CASE("keywords: a wrong word names the allowed ones; a missing word says what is needed") {
  const auto result = load_text(
      "global_defs {\n  xdp_mode turbo\n  xdp_mode\n}\n" +
      instance_with("  state LEADER\n  state\n  authentication {\n    auth_type MD5\n    auth_type\n  }\n") +
      server_with("  lb_algo fifo\n  lvs_sched\n  lb_kind DSR\n  lvs_method FOO\n  lvs_method\n"
                  "  protocol ICMP\n  protocol\n  real_server 198.18.1.1 53 {\n    DNS_CHECK {\n"
                  "      type PTR\n      type\n    }\n  }\n"));
  CHECK(
      all_diagnostics(result) ==
      "test.conf:2:12: error: xdp_mode must be native, generic or best, not 'turbo'\n"
      "test.conf:3:3: error: 'xdp_mode' needs native, generic or best\n"
      "test.conf:11:9: error: state must be MASTER or BACKUP, not 'LEADER'\n"
      "test.conf:12:3: error: 'state' needs MASTER or BACKUP\n"
      "test.conf:14:15: error: auth_type must be PASS or AH, not 'MD5'\n"
      "test.conf:15:5: error: 'auth_type' needs PASS or AH\n"
      "test.conf:24:11: error: lb_algo must be one of rr wrr lc wlc lblc lblcr sh dh sed nq mh, not 'fifo'\n"
      "test.conf:25:3: error: 'lvs_sched' needs a scheduler\n"
      "test.conf:26:11: error: lb_kind must be DR, NAT or TUN, not 'DSR'\n"
      "test.conf:27:14: error: lb_kind must be DR, NAT or TUN, not 'FOO'\n"
      "test.conf:28:3: error: 'lvs_method' needs DR, NAT or TUN\n"
      "test.conf:29:12: error: protocol must be TCP, UDP or SCTP, not 'ICMP'\n"
      "test.conf:30:3: error: 'protocol' needs TCP, UDP or SCTP\n"
      "test.conf:33:12: error: DNS_CHECK type must be A, NS, CNAME, SOA, MX, TXT or AAAA, not 'PTR'\n"
      "test.conf:34:7: error: 'type' needs a record type\n");
}

TEST_CASE("keywords: preempt undoes nopreempt; mcast_src_ip is the one source address") {
  CHECK_FALSE(loaded(instance_with("  nopreempt\n  preempt\n")).vrrp_instances[0].nopreempt);
  CHECK(loaded(instance_with("  preempt\n  nopreempt\n")).vrrp_instances[0].nopreempt);
  const auto vi = loaded(instance_with("  mcast_src_ip 198.18.0.7\n")).vrrp_instances[0];
  CHECK(vi.unicast_src_ip->to_string() == "198.18.0.7");
  // The later of the two keywords wins, and an error names the keyword written.
  CHECK(loaded(instance_with("  mcast_src_ip 198.18.0.7\n  unicast_src_ip 198.18.0.8\n"))
            .vrrp_instances[0]
            .unicast_src_ip->to_string() == "198.18.0.8");
  const auto result = load_text(instance_with("  mcast_src_ip nowhere\n  mcast_src_ip\n"));
  CHECK(all_diagnostics(result) ==
        "test.conf:7:16: error: mcast_src_ip: 'nowhere' is not an IP address\n"
        "test.conf:8:3: error: 'mcast_src_ip' needs an address\n");
}

TEST_CASE("keywords: the VRRP and global FIFOs and their scripts; vrrp_strict") {
  const auto config = loaded(
      "global_defs {\n  notify_fifo /run/all.fifo\n  notify_fifo_script /bin/all\n"
      "  vrrp_notify_fifo /run/vrrp.fifo\n  vrrp_notify_fifo_script \"/bin/vrrp --x\" nobody nogroup\n"
      "  vrrp_strict\n}\n");
  CHECK(config.global.notify_fifo == "/run/all.fifo");
  CHECK(config.global.notify_fifo_script.command == "/bin/all");
  CHECK(config.global.vrrp_notify_fifo == "/run/vrrp.fifo");
  CHECK(config.global.vrrp_notify_fifo_script.command == "/bin/vrrp --x");
  CHECK(config.global.vrrp_notify_fifo_script.user == "nobody");
  CHECK(config.global.vrrp_notify_fifo_script.group == "nogroup");
  CHECK(config.global.vrrp_strict);
  CHECK(error_lines(load_text("global_defs {\n  vrrp_notify_fifo\n  vrrp_notify_fifo_script\n}\n")) ==
        std::vector<std::string>{"test.conf:2", "test.conf:3"});
}

TEST_CASE("keywords: quorum_down; a sorry_server without a port takes the virtual server's") {
  const auto config = loaded("virtual_server 198.18.0.1 8080 {\n  protocol TCP\n" + std::string(checked_real_server) +
                             "  quorum_down \"/bin/down now\" nobody\n  sorry_server 198.18.0.9\n}\n");
  const auto& vs = config.virtual_servers[0];
  CHECK(vs.quorum_down.command == "/bin/down now");
  CHECK(vs.quorum_down.user == "nobody");
  REQUIRE(vs.sorry_server);
  CHECK(vs.sorry_server->address.to_string() == "198.18.0.9");
  CHECK(vs.sorry_server->port == 8080);
}

namespace {

// keepalived's keywords that xdplb accepts with "not applicable to xdplb (REASON)", per block.
struct Ignored {
  std::string opening;  // the block's first lines: a complete block, so that only the keywords warn
  const char* reason;
  const char* keywords;  // separated by spaces
};

constexpr const char* ipvs = "IPVS only: xdplb has no IPVS";
constexpr const char* unimplemented = "keepalived option xdplb does not implement";

const std::string instance_opening = "vrrp_instance VI_1 {\n" + std::string(minimal_instance_body);
const std::string server_opening = "virtual_server 198.18.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind NAT\n" + std::string(checked_real_server);

const Ignored ignored[] = {
    {"global_defs {\n", ipvs,
     "lvs_id lvs_sync_daemon lvs_timeouts lvs_flush lvs_flush_onstop checker_process_name"},
    {"global_defs {\n", unimplemented,
     "vrrp_garp_interval vrrp_gna_interval vrrp_garp_master_refresh "
     "vrrp_garp_master_refresh_repeat vrrp_garp_lower_prio_delay vrrp_garp_lower_prio_repeat "
     "vrrp_lower_prio_no_advert vrrp_higher_prio_send_advert vrrp_skip_check_adv_addr vrrp_check_unicast_src "
     "vrrp_iptables vrrp_ipsets vrrp_priority checker_priority vrrp_no_swap checker_no_swap vrrp_rt_priority "
     "checker_rt_priority vrrp_cpu_affinity checker_cpu_affinity enable_snmp_vrrp enable_snmp_checker "
     "enable_snmp_rfc enable_snmp_rfcv2 enable_snmp_rfcv3 enable_snmp_keepalived snmp_socket enable_traps "
     "enable_dbus default_interface dynamic_interfaces max_auto_priority process_names vrrp_process_name "
     "net_namespace instance use_pid_dir linkbeat_use_polling umask vrrp_netlink_cmd_rcv_bufs "
     "vrrp_netlink_monitor_rcv_bufs lvs_netlink_cmd_rcv_bufs lvs_netlink_monitor_rcv_bufs smtp_helo_name "
     "no_email_faults startup_script shutdown_script vrrp_startup_delay vrrp_min_garp smtp_alert_checker"},
    {instance_opening, ipvs, "lvs_sync_daemon_interface"},
    {instance_opening, unimplemented,
     "track_process skip_check_adv_addr check_unicast_src "
     "unicast_ttl old_unicast_checksum garp_master_refresh_repeat garp_lower_prio_delay "
     "garp_lower_prio_repeat "
     "lower_prio_no_advert higher_prio_send_advert kernel_rx_buf_size debug promote_secondaries "
     "linkbeat_use_polling notify_master_rx_lower_pri notify_deleted unicast_fault_no_peer down_timer_adverts "
     "garp_extra_if track_src_ip use_ipvlan use_vmac_addr"},
    {server_opening, ipvs,
     "ops one_packet_ops laddr_group_name syn_proxy mh-port mh-fallback sh-port sh-fallback flag-1 flag-2 "
     "flag-3 ip_family"},
    {server_opening, "mail on a checker's transitions is not implemented by xdplb", "smtp_alert"},
};

}  // namespace

TEST_CASE("keywords: every keepalived keyword xdplb ignores still loads with a warning that says why") {
  for (const auto& block : ignored) {
    std::istringstream words(block.keywords);
    std::vector<std::string> keywords;
    std::string text = block.opening;
    for (std::string word; words >> word;) {
      keywords.push_back(word);
      text += "  " + word + " 1\n";
    }
    text += "}\n";
    LoadOptions strict = grammar_only();
    strict.strict = true;
    const auto result = load_text(text, strict);
    CHECK_MESSAGE(result.ok(), all_diagnostics(result));
    REQUIRE_MESSAGE(result.diagnostics.size() == keywords.size(), all_diagnostics(result));
    for (std::size_t i = 0; i < keywords.size(); ++i) {
      CHECK(result.diagnostics[i].severity == Severity::warning);
      CHECK(result.diagnostics[i].message ==
            "'" + keywords[i] + "' is not applicable to xdplb (" + block.reason + "); ignored");
    }
  }
}
