// xdplbctl's tables from canned agent answers (the schemas of docs/control.md).
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "xdplbctl/format.h"

using namespace xdplb::ctl;
using Json = nlohmann::json;

namespace {

const Json kList = Json::parse(R"({
  "version": "0.1.0",
  "conntrack_size": 1048576,
  "virtual_servers": [
    {"vip": "tcp/198.18.0.100:80", "algorithm": "mh", "active": true, "persistence_timeout": 0,
     "backends": [
       {"backend": "198.18.0.11:80", "forward": "dr", "weight": 1, "configured_weight": 1,
        "health": "up", "drained": false, "sorry": false, "flows": 3},
       {"backend": "198.18.0.12:80", "forward": "dr", "weight": 0, "configured_weight": 2,
        "health": "up", "drained": true, "sorry": false, "flows": 12},
       {"backend": "198.18.0.13:80", "forward": "dr", "weight": 0, "configured_weight": 1,
        "health": "down", "drained": false, "sorry": false, "flows": null}
     ]},
    {"vip": "udp/[fd00::100]:53", "algorithm": "sh", "active": false, "persistence_timeout": 300,
     "backends": [
       {"backend": "[fd00::11]:53", "weight": 5, "health": "up", "flows": 0},
       {"backend": "[fd00::99]:53", "weight": 1, "health": "up", "sorry": true, "flows": 0}
     ]}
  ]
})");

const Json kStats = Json::parse(R"({
  "virtual_servers": [
    {"vip": "tcp/198.18.0.100:80", "packets": 3000, "bytes": 240000, "new_flows": 30,
     "backends": [
       {"backend": "198.18.0.11:80", "packets": 1000, "bytes": 80000, "new_flows": 10},
       {"backend": "198.18.0.12:80", "packets": 2000, "bytes": 160000, "new_flows": 20}
     ]}
  ],
  "verdicts": {"fwd_tx": {"packets": 3000, "bytes": 240000}, "pass_not_vip": {"packets": 7, "bytes": 420}}
})");

}  // namespace

TEST_CASE("list prints an ipvsadm -Ln style table with weight, health and tracked flows") {
  CHECK(format_list(kList) ==
        "IP Virtual Server version xdplb 0.1.0 (size=1048576)\n"
        "Prot LocalAddress:Port Scheduler Flags\n"
        "  -> RemoteAddress:Port           Forward Weight Health   Flows\n"
        "TCP  198.18.0.100:80 mh\n"
        "  -> 198.18.0.11:80               Route   1      up       3\n"
        "  -> 198.18.0.12:80               Route   0      drained  12\n"
        "  -> 198.18.0.13:80               Route   0      down     -\n"
        "UDP  [fd00::100]:53 sh persistent 300 standby\n"
        "  -> [fd00::11]:53                Route   5      up       0\n"
        "  -> [fd00::99]:53                Route   1      sorry    0\n");
}

TEST_CASE("list of an agent without virtual servers prints the headers only") {
  CHECK(format_list(Json{{"version", "0.1.0"}, {"virtual_servers", Json::array()}}) ==
        "IP Virtual Server version xdplb 0.1.0\n"
        "Prot LocalAddress:Port Scheduler Flags\n"
        "  -> RemoteAddress:Port           Forward Weight Health   Flows\n");
}

TEST_CASE("a missing or mistyped field is named, not printed as garbage") {
  Json broken = kList;
  broken["virtual_servers"][0]["backends"][1].erase("weight");
  CHECK_THROWS_WITH_AS(format_list(broken),
                       "agent answer: list.virtual_servers[0].backends[1].weight is missing", ResponseError);
  broken = kList;
  broken["virtual_servers"][1]["backends"][0]["weight"] = -1;
  CHECK_THROWS_WITH_AS(
      format_list(broken),
      "agent answer: list.virtual_servers[1].backends[0].weight is not a non-negative integer",
      ResponseError);
  CHECK_THROWS_WITH_AS(format_list(Json::array()), "agent answer: list is not an object", ResponseError);
  CHECK_THROWS_WITH_AS(format_stats(Json{{"virtual_servers", Json::array()}}),
                       "agent answer: stats.verdicts is missing", ResponseError);
  CHECK_THROWS_AS(format_status(Json{{"instance", "x"}, {"vrrp_instances", {{{"name", "VI_1"}}}}}),
                  ResponseError);
}

TEST_CASE("stats prints per VIP and backend counters, then the verdicts") {
  CHECK(format_stats(kStats) ==
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

TEST_CASE("stats ends with the conntrack flood guard when the agent sends it") {
  Json stats = kStats;
  stats["conntrack_guard"] = {
      {"flood_rate", 52428}, {"flood_rate_auto", true}, {"untracked_packets", 2500000}, {"windows_flooded", 12}};
  CHECK(format_stats(stats).ends_with(
      "pass_not_vip        7     420\n"
      "\n"
      "Conntrack flood guard: records up to 52428 new flows/s per CPU (auto); 2500000 packets forwarded "
      "untracked in 12 flooded second(s)\n"));
  stats["conntrack_guard"]["flood_rate_auto"] = false;
  CHECK(format_stats(stats).find("per CPU; ") != std::string::npos);
  stats["conntrack_guard"]["flood_rate"] = 0;
  CHECK(format_stats(stats).find("Conntrack flood guard: off;") != std::string::npos);
  stats["conntrack_guard"] = {{"flood_rate", "fast"}};
  CHECK_THROWS_AS(format_stats(stats), ResponseError);
  stats["conntrack_guard"] = {{"flood_rate", 1}, {"flood_rate_auto", "yes"}, {"untracked_packets", 0}, {"windows_flooded", 0}};
  CHECK_THROWS_AS(format_stats(stats), ResponseError);
}

TEST_CASE("the pinned-map fallback (no virtual servers) prints the verdicts only") {
  const Json maps = {{"source", "maps"},
                     {"virtual_servers", Json::array()},
                     {"verdicts", {{"pass_non_ip", {{"packets", 1}, {"bytes", 60}}}}}};
  CHECK(format_stats(maps) == "Verdict      Packets  Bytes\npass_non_ip        1     60\n");
}

TEST_CASE("rates are deltas over the real interval and new entries and reset counters count from zero") {
  Json after = kStats;
  after["virtual_servers"][0]["packets"] = 5000;
  after["virtual_servers"][0]["bytes"] = 400000;
  after["virtual_servers"][0]["new_flows"] = 34;
  after["virtual_servers"][0]["backends"][0]["packets"] = 2000;
  after["virtual_servers"][0]["backends"][1]["packets"] = 500;  // reset: the id was reused
  after["virtual_servers"][0]["backends"].push_back(
      {{"backend", "198.18.0.13:80"}, {"packets", 6}, {"bytes", 600}, {"new_flows", 2}});
  after["verdicts"]["fwd_tx"] = {{"packets", 5000}, {"bytes", 400000}};
  after["verdicts"]["drop_no_backend"] = {{"packets", 4}, {"bytes", 240}};

  const Json rates = compute_rates(kStats, after, 2.0);
  CHECK(rates["interval_seconds"] == 2.0);
  const Json& vip = rates["virtual_servers"][0];
  CHECK(vip["vip"] == "tcp/198.18.0.100:80");
  CHECK(vip["packets_per_second"] == 1000.0);
  CHECK(vip["bytes_per_second"] == 80000.0);
  CHECK(vip["new_flows_per_second"] == 2.0);
  CHECK(vip["backends"][0]["packets_per_second"] == 500.0);
  CHECK(vip["backends"][1]["packets_per_second"] == 250.0);
  CHECK(vip["backends"][2]["backend"] == "198.18.0.13:80");
  CHECK(vip["backends"][2]["new_flows_per_second"] == 1.0);
  CHECK(rates["verdicts"]["fwd_tx"]["packets_per_second"] == 1000.0);
  CHECK(rates["verdicts"]["drop_no_backend"]["bytes_per_second"] == 120.0);

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
  CHECK_THROWS_AS(compute_rates(kStats, after, 0.0), std::invalid_argument);
}

TEST_CASE("status prints the agent line, the data plane and one row per VRRP instance") {
  const Json status = Json::parse(R"({
    "instance": "xdplb", "version": "0.1.0", "pid": 4242, "uptime_seconds": 3725.4,
    "config_file": "/etc/xdplb/xdplb.conf", "config_loaded_at": "2025-01-01T12:00:00Z",
    "dataplane": {"interfaces": [{"name": "eth0", "mode": "native"}], "vips_active": 1, "vips_total": 2},
    "vrrp_instances": [
      {"name": "VI_1", "state": "MASTER", "priority": 150, "effective_priority": 150, "interface": "eth0",
       "virtual_router_id": 51, "vips": ["198.18.0.100/32", "fd00::100/128"],
       "last_transition": {"from": "BACKUP", "to": "MASTER", "seconds_ago": 12.5}},
      {"name": "VI_2", "state": "FAULT", "priority": 100, "effective_priority": 0, "interface": "eth1",
       "virtual_router_id": 52, "vips": [], "last_transition": null}
    ]})");
  CHECK(format_status(status) ==
        "xdplbd 0.1.0, instance xdplb, pid 4242, up 1h02m05s\n"
        "Configuration: /etc/xdplb/xdplb.conf, loaded 2025-01-01T12:00:00Z\n"
        "Data plane: attached to eth0 (native); 1 of 2 VIPs active\n"
        "VRRP instance  State   Prio     Interface  VRID  Last transition         VIPs\n"
        "VI_1           MASTER  150      eth0       51    BACKUP->MASTER 12s ago  198.18.0.100/32, "
        "fd00::100/128\n"
        "VI_2           FAULT   0 (100)  eth1       52    -\n");
  CHECK(format_status(Json{{"instance", "lb2"}, {"vrrp_instances", Json::array()}}) ==
        "xdplbd, instance lb2\nNo VRRP instance: virtual servers are served whenever the agent runs.\n");
}

TEST_CASE("status lists the adverts each instance dropped, by reason, when there were any") {
  Json status = Json::parse(R"({
    "instance": "xdplb",
    "vrrp_instances": [
      {"name": "VI_1", "state": "MASTER", "priority": 150, "vips": [],
       "adverts_dropped": {"auth_password_mismatch": 1500, "vrid_mismatch": 0, "advert_interval_mismatch": 3}},
      {"name": "VI_2", "state": "BACKUP", "priority": 100, "vips": [], "adverts_dropped": {"vrid_mismatch": 0}}
    ]})");
  const auto text = format_status(status);
  CHECK(text.find("Adverts dropped:\n  VI_1: advert_interval_mismatch 3, auth_password_mismatch 1500\n") !=
        std::string::npos);
  CHECK(text.find("VI_2:") == std::string::npos);
  status["vrrp_instances"][0]["adverts_dropped"] = Json::object({{"vrid_mismatch", 0}});
  CHECK(format_status(status).find("Adverts dropped") == std::string::npos);
  status["vrrp_instances"][0]["adverts_dropped"] = Json::object({{"vrid_mismatch", "many"}});
  CHECK_THROWS_AS(format_status(status), ResponseError);
}

TEST_CASE("reload, drain and undrain print one summary line and their changes") {
  CHECK(format_reload({{"config_file", "/etc/xdplb/xdplb.conf"},
                       {"changes", {"tcp/198.18.0.100:80: added real server 198.18.0.13:80"}},
                       {"warnings", {"line 12: notify_up ignored"}}}) ==
        "reloaded /etc/xdplb/xdplb.conf: 1 change\n"
        "  tcp/198.18.0.100:80: added real server 198.18.0.13:80\n"
        "  warning: line 12: notify_up ignored\n");
  CHECK(format_reload({{"config_file", "/etc/xdplb/xdplb.conf"}, {"changes", Json::array()}}) ==
        "reloaded /etc/xdplb/xdplb.conf: no change\n");
  const Json drained = {{"backend", "198.18.0.11:80"}, {"vips", {"tcp/198.18.0.100:80"}}, {"changed", true}};
  CHECK(format_drain(drained, true) ==
        "drained 198.18.0.11:80 on tcp/198.18.0.100:80 (weight 0: established flows stay, new flows go "
        "elsewhere)\n");
  CHECK(format_drain(drained, false) ==
        "undrained 198.18.0.11:80 on tcp/198.18.0.100:80 (configured weight restored)\n");
  Json unchanged = drained;
  unchanged["changed"] = false;
  CHECK(format_drain(unchanged, true) == "198.18.0.11:80 was already drained on tcp/198.18.0.100:80\n");
  CHECK(format_drain(unchanged, false) == "198.18.0.11:80 was not drained on tcp/198.18.0.100:80\n");
}

TEST_CASE("VIP keys and durations are shown the way operators read them") {
  CHECK(split_vip_key("tcp/198.18.0.100:80").protocol == "TCP");
  CHECK(split_vip_key("udp/[fd00::100]:53").endpoint == "[fd00::100]:53");
  CHECK(split_vip_key("198.18.0.100:80").protocol.empty());
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(59.9) == "59s");
  CHECK(format_duration(61) == "1m01s");
  CHECK(format_duration(3 * 86400 + 4 * 3600 + 5) == "3d04h");
  CHECK(format_duration(-1) == "?");
}

TEST_CASE("verify prints OK, or one line per difference; a malformed answer is refused") {
  const Json clean = {{"vips", 2}, {"backends", 6}, {"discrepancies", Json::array()}};
  CHECK(verify_is_clean(clean));
  CHECK(format_verify(clean) == "OK: the data plane serves what the agent intends (2 VIPs, 6 backends)\n");
  const Json one = {{"vips", 1},
                    {"backends", 1},
                    {"discrepancies",
                     {{{"subject", "tcp/198.18.0.100:80"}, {"problem", "no ring in xdplb_rings[0]: its new flows are dropped"}},
                      {{"subject", "xdplb_settings"}, {"problem", "flood_rate is 0, 1000 wanted"}}}}};
  CHECK_FALSE(verify_is_clean(one));
  CHECK(format_verify(one) ==
        "2 differences between the intended state and the live maps (1 VIP, 1 backend):\n"
        "tcp/198.18.0.100:80  no ring in xdplb_rings[0]: its new flows are dropped\n"
        "xdplb_settings       flood_rate is 0, 1000 wanted\n");
  CHECK_THROWS_WITH_AS(format_verify(Json{{"vips", 1}, {"backends", 1}}), "agent answer: verify.discrepancies is missing",
                       ResponseError);
  CHECK_THROWS_WITH_AS(format_verify(Json{{"vips", 1}, {"backends", 1}, {"discrepancies", {{{"subject", "x"}}}}}),
                       "agent answer: verify.discrepancies[0].problem is missing", ResponseError);
}
