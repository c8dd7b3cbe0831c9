// xdplbctl's tables from typed agent answers (contract/answers.h).
#include <doctest/doctest.h>

#include <string>

#include "contract/answers_json.h"
#include "xdplbctl/format.h"
#include "xdplbctl/rates.h"

using namespace xdplb::ctl;
using namespace xdplb::contract;

namespace {

const Time kNow = *parse_rfc3339("2025-01-01T12:00:00Z");

ListedBackend backend(std::string name, std::uint32_t weight, std::uint32_t configured, Health health,
                      std::optional<std::uint64_t> flows, bool drained = false, bool sorry = false) {
  ListedBackend b{std::move(name), Forwarding::dr, weight, configured, health, drained, sorry, true, flows,
                  true, std::nullopt, std::nullopt};
  if (!sorry) b.health_since = kNow - std::chrono::seconds(65);
  return b;
}

List sample_list() {
  List l;
  l.version = "0.1.0";
  l.conntrack_size = 1048576;
  l.virtual_servers.push_back({"tcp/198.18.0.100:80", "mh", true, 0, 65537,
                               {backend("198.18.0.11:80", 1, 1, Health::up, 3),
                                backend("198.18.0.12:80", 0, 2, Health::up, 12, true),
                                backend("198.18.0.13:80", 0, 1, Health::down, std::nullopt)}});
  // Failed and out of the data plane, listed all the same.
  l.virtual_servers[0].backends[2].in_dataplane = false;
  l.virtual_servers[0].backends[2].health_since = kNow - std::chrono::seconds(3725);
  l.virtual_servers[0].backends[2].last_check_error = "connect: Connection refused";
  l.virtual_servers.push_back({"udp/[fd00::100]:53", "sh", false, 300, 65537,
                               {backend("[fd00::11]:53", 5, 5, Health::up, 0),
                                backend("[fd00::99]:53", 1, 1, Health::up, 0, false, true)}});
  return l;
}

Stats sample_stats() {
  Stats s;
  s.virtual_servers.push_back({"tcp/198.18.0.100:80",
                               {3000, 240000, 30},
                               {{"198.18.0.11:80", false, {1000, 80000, 10}}, {"198.18.0.12:80", false, {2000, 160000, 20}}}});
  s.verdicts = {{"fwd_tx", {3000, 240000}}, {"pass_not_vip", {7, 420}}};
  return s;
}

}  // namespace

TEST_CASE("list prints an ipvsadm -Ln style table with weight, health and tracked flows") {
  CHECK(format_list(sample_list(), kNow) ==
        "IP Virtual Server version xdplb 0.1.0 (size=1048576)\n"
        "Prot LocalAddress:Port Scheduler Flags\n"
        "  -> RemoteAddress:Port           Forward Weight Health   Flows  Since    Last check error\n"
        "TCP  198.18.0.100:80 mh\n"
        "  -> 198.18.0.11:80               Route   1      up       3      1m05s\n"
        "  -> 198.18.0.12:80               Route   0      drained  12     1m05s\n"
        "  -> 198.18.0.13:80               Route   0      down     -      1h02m05s connect: Connection refused\n"
        "UDP  [fd00::100]:53 sh persistent 300 standby\n"
        "  -> [fd00::11]:53                Route   5      up       0      1m05s\n"
        "  -> [fd00::99]:53                Route   1      sorry    0      -\n");
}

TEST_CASE("list tells a healthy server its virtual server does not use apart, and an old agent's VRID") {
  List l = sample_list();
  l.virtual_servers[0].backends[0].in_dataplane = false;
  l.virtual_servers[0].backends[0].weight = 0;
  CHECK(format_list(l, kNow).find("  -> 198.18.0.11:80               Route   0      unused   3      1m05s\n") !=
        std::string::npos);
  Status status;
  VrrpInstance old;
  old.name = "VI_1";
  status.vrrp_instances = {old};
  CHECK(format_status(status).find("VI_1           INIT   0     ") != std::string::npos);
}

TEST_CASE("list of an agent without virtual servers prints the headers only") {
  List empty;
  empty.version = "0.1.0";
  empty.conntrack_size = 4096;
  CHECK(format_list(empty, kNow) ==
        "IP Virtual Server version xdplb 0.1.0 (size=4096)\n"
        "Prot LocalAddress:Port Scheduler Flags\n"
        "  -> RemoteAddress:Port           Forward Weight Health   Flows  Since    Last check error\n");
}

TEST_CASE("stats prints per VIP and backend counters, then the verdicts") {
  CHECK(format_stats(sample_stats()) ==
        "Prot LocalAddress:Port   NewFlows  Packets   Bytes\n"
        "  -> RemoteAddress:Port\n"
        "TCP  198.18.0.100:80           30     3000  240000\n"
        "  -> 198.18.0.11:80            10     1000   80000\n"
        "  -> 198.18.0.12:80            20     2000  160000\n"
        "\n"
        "Verdict       Packets   Bytes\n"
        "fwd_tx           3000  240000\n"
        "pass_not_vip        7     420\n");
}

TEST_CASE("stats ends with the conntrack flood guard, and says when the counters were cleared") {
  Stats stats = sample_stats();
  stats.conntrack_guard = ConntrackGuard{52428, true, 2500000, 12};
  CHECK(format_stats(stats).ends_with(
      "pass_not_vip        7     420\n"
      "\n"
      "Conntrack flood guard: records up to 52428 new flows/s per CPU (auto); 2500000 packets forwarded "
      "untracked in 12 flooded second(s)\n"));
  stats.conntrack_guard->flood_rate_auto = false;
  CHECK(format_stats(stats).find("per CPU; ") != std::string::npos);
  stats.conntrack_guard->flood_rate = 0;
  CHECK(format_stats(stats).find("Conntrack flood guard: off;") != std::string::npos);
  stats.cleared_at = *parse_rfc3339("2025-01-02T03:04:05Z");
  CHECK(format_stats(stats).ends_with("Counting since 2025-01-02T03:04:05Z (statistics cleared)\n"));
}

TEST_CASE("a sorry server's counters are told apart from a real server's at the same address") {
  Stats stats = sample_stats();
  stats.virtual_servers[0].backends.push_back({"198.18.0.11:80", true, {5, 500, 1}});
  CHECK(format_stats(stats).find("  -> sorry 198.18.0.11:80         1        5     500\n") != std::string::npos);
}

TEST_CASE("the pinned-map fallback (no virtual servers) prints the verdicts only") {
  Stats maps;
  maps.source = StatsSource::maps;
  maps.verdicts["pass_non_ip"] = {1, 60};
  CHECK(format_stats(maps) == "Verdict      Packets  Bytes\npass_non_ip        1     60\n");
}

TEST_CASE("rates are deltas over the real interval and new entries and reset counters count from zero") {
  const Stats before = sample_stats();
  Stats after = sample_stats();
  after.virtual_servers[0].traffic = {5000, 400000, 34};
  after.virtual_servers[0].backends[0].traffic.packets = 2000;
  after.virtual_servers[0].backends[1].traffic.packets = 500;  // reset: the id was reused
  after.virtual_servers[0].backends.push_back({"198.18.0.13:80", false, {6, 600, 2}});
  after.verdicts["fwd_tx"] = {5000, 400000};
  after.verdicts["drop_no_backend"] = {4, 240};

  const Rates rates = compute_rates(before, after, 2.0);
  CHECK(rates.interval_seconds == 2.0);
  const auto& vip = rates.virtual_servers.at(0);
  CHECK(vip.vip == "tcp/198.18.0.100:80");
  CHECK(vip.rates.packets_per_second == 1000.0);
  CHECK(vip.rates.bytes_per_second == 80000.0);
  CHECK(vip.rates.new_flows_per_second == 2.0);
  CHECK(vip.backends.at(0).rates.packets_per_second == 500.0);
  CHECK(vip.backends.at(1).rates.packets_per_second == 250.0);
  CHECK(vip.backends.at(2).backend == "198.18.0.13:80");
  CHECK(vip.backends.at(2).rates.new_flows_per_second == 1.0);
  CHECK(rates.verdicts.at("fwd_tx").packets_per_second == 1000.0);
  CHECK(rates.verdicts.at("drop_no_backend").bytes_per_second == 120.0);

  CHECK(format_rates(rates) ==
        "Prot LocalAddress:Port   NewFlows/s  Packets/s  Bytes/s\n"
        "  -> RemoteAddress:Port\n"
        "TCP  198.18.0.100:80            2.0     1000.0  80000.0\n"
        "  -> 198.18.0.11:80             0.0      500.0      0.0\n"
        "  -> 198.18.0.12:80             0.0      250.0      0.0\n"
        "  -> 198.18.0.13:80             1.0        3.0    300.0\n"
        "\n"
        "Verdict          Packets/s  Bytes/s\n"
        "drop_no_backend        2.0    120.0\n"
        "fwd_tx              1000.0  80000.0\n"
        "pass_not_vip           0.0      0.0\n");
  const auto json = encode(rates);
  CHECK(json["source"] == "agent");
  CHECK(json["virtual_servers"][0]["backends"][2]["new_flows_per_second"] == 1.0);
  CHECK_THROWS_AS(compute_rates(before, after, 0.0), std::invalid_argument);
}

TEST_CASE("status prints the agent line, the data plane and one row per VRRP instance") {
  Status status;
  status.instance = "xdplb";
  status.version = "0.1.0";
  status.pid = 4242;
  status.uptime_seconds = 3725.4;
  status.config_file = "/etc/xdplb/xdplb.conf";
  status.config_loaded_at = *parse_rfc3339("2025-01-01T12:00:00Z");
  status.dataplane = {{{"eth0", "native"}}, "/sys/fs/bpf/xdplb/xdplb", 1, 2};
  VrrpInstance master;
  master.name = "VI_1";
  master.state = VrrpState::master;
  master.priority = master.effective_priority = 150;
  master.interface = "eth0";
  master.virtual_router_id = 51;
  master.vips = {"198.18.0.100/32", "fd00::100/128"};
  master.transitions = 1;
  master.last_transition = Transition{VrrpState::backup, VrrpState::master, {}, 12.5, "", std::nullopt};
  VrrpInstance fault;
  fault.name = "VI_2";
  fault.state = VrrpState::fault;
  fault.priority = 100;
  fault.effective_priority = 0;
  fault.interface = "eth1";
  fault.virtual_router_id = 52;
  status.vrrp_instances = {master, fault};
  CHECK(format_status(status) ==
        "xdplbd 0.1.0, instance xdplb, pid 4242, up 1h02m05s\n"
        "Configuration: /etc/xdplb/xdplb.conf, loaded 2025-01-01T12:00:00Z\n"
        "Data plane: attached to eth0 (native); 1 of 2 VIPs active\n"
        "VRRP instance  State   Prio     Interface  VRID  Last transition         VIPs\n"
        "VI_1           MASTER  150      eth0       51    BACKUP->MASTER 12s ago  198.18.0.100/32, "
        "fd00::100/128\n"
        "VI_2           FAULT   0 (100)  eth1       52    -\n");

  status.vrrp_instances.clear();
  status.dataplane.interfaces.clear();
  CHECK(format_status(status).ends_with("Data plane: not attached; 1 of 2 VIPs active\n"
                                        "No VRRP instance: virtual servers are served whenever the agent runs.\n"));
}

TEST_CASE("status lists the adverts each instance dropped, by reason, when there were any") {
  Status status;
  VrrpInstance one;
  one.name = "VI_1";
  one.adverts_dropped = {{"auth_password_mismatch", 1500}, {"vrid_mismatch", 0}, {"advert_interval_mismatch", 3}};
  VrrpInstance two;
  two.name = "VI_2";
  two.adverts_dropped = {{"vrid_mismatch", 0}};
  status.vrrp_instances = {one, two};
  const auto text = format_status(status);
  CHECK(text.find("Adverts dropped:\n  VI_1: advert_interval_mismatch 3, auth_password_mismatch 1500\n") !=
        std::string::npos);
  CHECK(text.find("VI_2:") == std::string::npos);
  status.vrrp_instances[0].adverts_dropped = {{"vrid_mismatch", 0}};
  CHECK(format_status(status).find("Adverts dropped") == std::string::npos);
}

TEST_CASE("reload, drain and undrain print one summary line and their changes") {
  CHECK(format_reload({"/etc/xdplb/xdplb.conf",
                       {"tcp/198.18.0.100:80: added real server 198.18.0.13:80"},
                       {"line 12: notify_up ignored"}}) ==
        "reloaded /etc/xdplb/xdplb.conf: 1 change\n"
        "  tcp/198.18.0.100:80: added real server 198.18.0.13:80\n"
        "  warning: line 12: notify_up ignored\n");
  CHECK(format_reload({"/etc/xdplb/xdplb.conf", {}, {}}) == "reloaded /etc/xdplb/xdplb.conf: no change\n");
  Drain drained{"198.18.0.11:80", {"tcp/198.18.0.100:80"}, true, std::nullopt, std::nullopt};
  CHECK(format_drain(drained, true) ==
        "drained 198.18.0.11:80 on tcp/198.18.0.100:80 (weight 0: established flows stay, new flows go "
        "elsewhere)\n");
  CHECK(format_drain(drained, false) == "undrained 198.18.0.11:80 on tcp/198.18.0.100:80 (configured weight restored)\n");
  drained.changed = false;
  CHECK(format_drain(drained, true) == "198.18.0.11:80 was already drained on tcp/198.18.0.100:80\n");
  CHECK(format_drain(drained, false) == "198.18.0.11:80 was not drained on tcp/198.18.0.100:80\n");
  // With the agent's count of what the server still carries (an undrain does not mention it).
  drained.active_flows = 0;
  CHECK(format_drain(drained, true) == "198.18.0.11:80 was already drained on tcp/198.18.0.100:80\nno active flows left\n");
  drained.active_flows = 1;
  CHECK(format_drain(drained, true).ends_with("\n1 active flow left\n"));
  CHECK(format_drain(drained, false) == "198.18.0.11:80 was not drained on tcp/198.18.0.100:80\n");
  // A change the agent could not write down holds until the agent stops: the operator is told.
  drained.changed = true;
  drained.persistence_error = "drains not kept across a restart: cannot write /var/lib/xdplb/x/drains.json: EROFS";
  CHECK(format_drain(drained, false).ends_with(
      "(configured weight restored)\nwarning: drains not kept across a restart: cannot write "
      "/var/lib/xdplb/x/drains.json: EROFS\n"));
}

TEST_CASE("VIP keys and durations are shown the way operators read them") {
  CHECK(split_vip_key("tcp/198.18.0.100:80").protocol == "TCP");
  CHECK(split_vip_key("udp/[fd00::100]:53").endpoint == "[fd00::100]:53");
  CHECK(split_vip_key("198.18.0.100:80").protocol.empty());
  CHECK(vip_column("ip/198.18.0.100:*") == "IP   198.18.0.100:*");
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(59.9) == "59s");
  CHECK(format_duration(61) == "1m01s");
  CHECK(format_duration(3 * 86400 + 4 * 3600 + 5) == "3d04h");
  CHECK(format_duration(-1) == "?");
}

TEST_CASE("verify prints OK, or one line per difference") {
  CHECK(format_verify({2, 6, {}}) == "OK: the data plane serves what the agent intends (2 VIPs, 6 backends)\n");
  const Verify two{1,
                   1,
                   {{"tcp/198.18.0.100:80", "no ring in xdplb_rings[0]: its new flows are dropped"},
                    {"xdplb_settings", "flood_rate is 0, 1000 wanted"}}};
  CHECK(format_verify(two) ==
        "2 differences between the intended state and the live maps (1 VIP, 1 backend):\n"
        "tcp/198.18.0.100:80  no ring in xdplb_rings[0]: its new flows are dropped\n"
        "xdplb_settings       flood_rate is 0, 1000 wanted\n");
}
