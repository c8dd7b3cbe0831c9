// The operator contract's wire form: every answer survives encode -> decode unchanged, and a
// decoder names the first field that is missing or mistyped.
#include <doctest/doctest.h>

#include "contract/answers_json.h"

using namespace xdplb::contract;
using Json = nlohmann::json;

namespace {

Status sample_status() {
  Status s;
  s.instance = "lb1";
  s.version = "0.1.0";
  s.pid = 4242;
  s.uptime_seconds = 3725.5;
  s.config_file = "/etc/xdplb/xdplb.conf";
  s.config_loaded_at = *parse_rfc3339("2025-01-01T12:00:00Z");
  s.dataplane = {{{"eth0", "native"}, {"eth1", "generic"}}, "/sys/fs/bpf/xdplb/lb1", 1, 2};
  VrrpInstance master;
  master.name = "VI_1";
  master.state = VrrpState::master;
  master.priority = 150;
  master.effective_priority = 140;
  master.interface = "eth0";
  master.virtual_router_id = 51;
  master.vips = {"198.18.0.100/32", "fd00::100/128"};
  master.transitions = 3;
  master.last_transition =
      Transition{VrrpState::backup, VrrpState::master, *parse_rfc3339("2025-01-01T12:00:05Z"), 12.5,
                 "master down timer expired", 3.25};
  master.adverts_dropped = {{"auth_password_mismatch", 35000}, {"vrid_mismatch", 0}};
  VrrpInstance fresh;
  fresh.name = "VI_2";
  fresh.state = VrrpState::init;
  fresh.interface = "eth1";
  fresh.virtual_router_id = 52;
  s.vrrp_instances = {master, fresh};
  return s;
}

List sample_list() {
  List l;
  l.version = "0.1.0";
  l.conntrack_size = 1048576;
  ListedVirtualServer v;
  v.vip = "tcp/198.18.0.100:80";
  v.algorithm = "mh";
  v.active = true;
  v.persistence_timeout = 50;
  v.ring_size = 65537;
  v.backends.push_back({"198.18.0.11:80", Forwarding::dr, 1, 1, Health::up, false, false, true, 3, true, std::nullopt, std::nullopt});
  v.backends.push_back({"198.18.0.12:80", Forwarding::dr, 0, 2, Health::down, true, false, false, std::nullopt,
                        false, *parse_rfc3339("2025-01-01T11:00:00Z"), "connect: Connection refused"});
  v.backends.push_back({"198.18.0.99:80", Forwarding::dr, 1, 1, Health::up, false, true, true, 0, true, std::nullopt, std::nullopt});
  l.virtual_servers = {v};
  return l;
}

Stats sample_stats() {
  Stats s;
  s.virtual_servers.push_back({"udp/[fd00::100]:53",
                               {3000, 18446744073709551615ull, 30},
                               {{"[fd00::11]:53", false, {1000, 80000, 10}}, {"[fd00::99]:53", true, {1, 2, 3}}}});
  s.verdicts = {{"fwd_tx", {3000, 240000}}, {"pass_not_vip", {7, 420}}};
  s.conntrack_guard = ConntrackGuard{52428, true, 5, 1};
  s.cleared_at = *parse_rfc3339("2025-01-02T00:00:00Z");
  return s;
}

}  // namespace

TEST_CASE("every answer survives encode then decode unchanged") {
  CHECK(decode_status(encode(sample_status())) == sample_status());
  CHECK(decode_list(encode(sample_list())) == sample_list());
  CHECK(decode_stats(encode(sample_stats())) == sample_stats());
  Stats from_maps;
  from_maps.source = StatsSource::maps;
  from_maps.verdicts["pass_non_ip"] = {1, 60};
  CHECK(decode_stats(encode(from_maps)) == from_maps);
  const Reload reload{"/etc/xdplb/xdplb.conf", {"tcp/198.18.0.100:80: added real server 198.18.0.13:80"}, {"w"}};
  CHECK(decode_reload(encode(reload)) == reload);
  const Drain drain{"198.18.0.11:80", {"tcp/198.18.0.100:80", "udp/198.18.0.100:53"}, true, 3, std::nullopt};
  CHECK(decode_drain(encode(drain)) == drain);
  const Drain not_kept{"198.18.0.11:80", {"tcp/198.18.0.100:80"}, true, 0,
                       "drains not kept across a restart: cannot write /var/lib/xdplb/x/drains.json: Read-only file system"};
  CHECK(decode_drain(encode(not_kept)) == not_kept);
  const Drain from_older_agent{"198.18.0.11:80", {"tcp/198.18.0.100:80"}, false, std::nullopt, std::nullopt};
  CHECK(decode_drain(encode(from_older_agent)) == from_older_agent);
  Conns conns;
  conns.conntrack_size = 1048576;
  conns.entries = 3;
  conns.matched = 2;
  conns.active_window_seconds = 60;
  conns.conns = {{"tcp", "198.18.0.50:40312", "tcp/198.18.0.100:80", "198.18.0.11:80", false, 0.5, FlowState::active},
                 {"udp", "[fd00::50]:5353", "[fd00::100]:53", std::nullopt, false, 75, FlowState::stale}};
  CHECK(decode_conns(encode(conns)) == conns);
  const ConnsRequest request{"tcp/198.18.0.100:80", "198.18.0.11:80", 0};
  CHECK(decode_conns_request(encode(request)) == request);
  CHECK(decode_conns_request(Json::object()) == ConnsRequest{});
  const Verify verify{2, 6, {{"tcp/198.18.0.100:80", "no ring in xdplb_rings[0]: its new flows are dropped"}}};
  CHECK(decode_verify(encode(verify)) == verify);
}

TEST_CASE("counters stay exact past 2^53 and states travel as the operator's words") {
  const Json stats = encode(sample_stats());
  CHECK(stats["virtual_servers"][0]["bytes"].get<std::uint64_t>() == 18446744073709551615ull);
  const Json status = encode(sample_status());
  CHECK(status["vrrp_instances"][0]["state"] == "MASTER");
  CHECK(status["vrrp_instances"][1]["state"] == "INIT");
  CHECK(status["vrrp_instances"][0]["last_transition"]["from"] == "BACKUP");
  CHECK(status["vrrp_instances"][1]["last_transition"].is_null());
  CHECK(status["config_loaded_at"] == "2025-01-01T12:00:00Z");
  CHECK(encode(sample_list())["virtual_servers"][0]["backends"][1]["flows"].is_null());
}

TEST_CASE("a decoder names the first field that is missing or mistyped") {
  Json status = encode(sample_status());
  status["vrrp_instances"][0]["last_transition"].erase("from");
  CHECK_THROWS_WITH_AS(decode_status(status), "status.vrrp_instances[0].last_transition.from is missing",
                       ContractError);
  status = encode(sample_status());
  status["vrrp_instances"][1]["state"] = "STOP";
  CHECK_THROWS_WITH_AS(decode_status(status),
                       "status.vrrp_instances[1].state is \"STOP\", not one of INIT, BACKUP, MASTER, FAULT",
                       ContractError);
  status = encode(sample_status());
  status["config_loaded_at"] = "yesterday";
  CHECK_THROWS_WITH_AS(decode_status(status),
                       "status.config_loaded_at is not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SSZ)", ContractError);

  Json list = encode(sample_list());
  list["virtual_servers"][0]["backends"][1]["weight"] = -1;
  CHECK_THROWS_WITH_AS(decode_list(list), "list.virtual_servers[0].backends[1].weight is not a non-negative integer",
                       ContractError);
  list["virtual_servers"][0]["backends"][1]["weight"] = 4294967296ull;
  CHECK_THROWS_WITH_AS(decode_list(list), "list.virtual_servers[0].backends[1].weight is out of range", ContractError);
  CHECK_THROWS_WITH_AS(decode_list(Json::array()), "list is not an object", ContractError);

  Json stats = encode(sample_stats());
  stats["conntrack_guard"]["flood_rate_auto"] = "yes";
  CHECK_THROWS_WITH_AS(decode_stats(stats), "stats.conntrack_guard.flood_rate_auto is not a boolean", ContractError);
  CHECK_THROWS_WITH_AS(decode_stats(Json{{"virtual_servers", Json::array()}}), "stats.verdicts is missing",
                       ContractError);
  Json bad_conns = encode(Conns{1, 1, 1, 60, {{"tcp", "c", "v", std::nullopt, false, 1, FlowState::idle}}});
  bad_conns["conns"][0]["state"] = "ESTABLISHED";
  CHECK_THROWS_WITH_AS(decode_conns(bad_conns), "conns.conns[0].state is \"ESTABLISHED\", not one of active, idle, stale",
                       ContractError);
  CHECK_THROWS_WITH_AS(decode_conns_request(Json{{"limit", -5}}), "request.limit is not a non-negative integer",
                       ContractError);
  CHECK_THROWS_WITH_AS(decode_verify(Json{{"vips", 1}, {"backends", 1}, {"discrepancies", {{{"subject", "x"}}}}}),
                       "verify.discrepancies[0].problem is missing", ContractError);
  CHECK_THROWS_WITH_AS(decode_reload(Json{{"config_file", "f"}, {"changes", {1}}, {"warnings", Json::array()}}),
                       "reload.changes[0] is not a string", ContractError);
}

TEST_CASE("unknown keys are ignored, so answers may grow") {
  Json list = encode(sample_list());
  list["virtual_servers"][0]["backends"][0]["weight_history"] = Json::array();
  list["future"] = true;
  CHECK(decode_list(list) == sample_list());
}

TEST_CASE("times are RFC 3339 UTC with whole seconds, nothing else") {
  CHECK(to_rfc3339(*parse_rfc3339("2024-02-29T23:59:59Z")) == "2024-02-29T23:59:59Z");
  CHECK_FALSE(parse_rfc3339("2023-02-29T00:00:00Z"));
  CHECK_FALSE(parse_rfc3339("2025-01-01 12:00:00Z"));
  CHECK_FALSE(parse_rfc3339("2025-01-01T12:00:00+01:00"));
  CHECK_FALSE(parse_rfc3339("2025-01-01T24:00:00Z"));
  CHECK_FALSE(parse_rfc3339("2025-01-01T12:00:0xZ"));
}

TEST_CASE("a drain request's fields") {
  CHECK(decode_drain_request({{"command", "drain"}, {"backend", "198.18.0.11:80"}}) ==
        DrainRequest{"198.18.0.11:80", std::nullopt});
  CHECK(decode_drain_request({{"command", "drain"}, {"backend", "198.18.0.11:80"}, {"vip", "tcp/198.18.0.100:80"}}) ==
        DrainRequest{"198.18.0.11:80", "tcp/198.18.0.100:80"});
  CHECK_THROWS_WITH_AS(decode_drain_request({{"command", "drain"}}), "request.backend is missing", ContractError);
}
