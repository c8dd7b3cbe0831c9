#include "control/agent_metrics.h"

#include <string>


namespace xdplb::control {

namespace {

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void add(MetricFamily& f, std::vector<MetricLabel> labels, MetricValue value) {
  f.samples.push_back(MetricSample{std::move(labels), value, {}});
}

// The backend label: the sorry server is told apart from a real server at the same address.
std::string backend_label(const std::string& endpoint, bool sorry) { return (sorry ? "sorry " : "") + endpoint; }

void add_vrrp(std::vector<MetricFamily>& out, const contract::Status& status) {
  auto state = family("xdplb_vrrp_state", "VRRP state of an instance (1 for the current state).", MetricType::gauge);
  auto priority = family("xdplb_vrrp_priority", "Effective VRRP priority of an instance.", MetricType::gauge);
  auto transitions = family("xdplb_vrrp_transitions_total", "VRRP state transitions.", MetricType::counter);
  auto dropped = family("xdplb_vrrp_adverts_dropped_total", "Received VRRP adverts an instance dropped, by reason.",
                        MetricType::counter);
  for (const auto& i : status.vrrp_instances) {
    for (const auto s : contract::kVrrpStates)
      add(state, {{"instance", i.name}, {"state", std::string(contract::to_string(s))}}, std::uint64_t{i.state == s});
    add(priority, {{"instance", i.name}}, std::int64_t{i.effective_priority});
    add(transitions, {{"instance", i.name}}, i.transitions);
    for (const auto& [reason, count] : i.adverts_dropped) add(dropped, {{"instance", i.name}, {"reason", reason}}, count);
  }
  for (auto* f : {&state, &priority, &transitions, &dropped}) out.push_back(std::move(*f));
}

void add_traffic(std::vector<MetricFamily>& out, const contract::List& list, const contract::Stats& stats) {
  auto vip_active = family("xdplb_vip_active", "1 when this node forwards the VIP's traffic.", MetricType::gauge);
  auto vip_packets = family("xdplb_vip_packets_total", "Packets forwarded for a VIP.", MetricType::counter);
  auto vip_bytes = family("xdplb_vip_bytes_total", "Bytes forwarded for a VIP.", MetricType::counter);
  auto vip_flows = family("xdplb_vip_new_flows_total", "New flows of a VIP.", MetricType::counter);
  auto be_packets = family("xdplb_backend_packets_total", "Packets sent to a backend.", MetricType::counter);
  auto be_bytes = family("xdplb_backend_bytes_total", "Bytes sent to a backend.", MetricType::counter);
  auto be_flows = family("xdplb_backend_new_flows_total", "New flows sent to a backend.", MetricType::counter);
  auto be_weight = family("xdplb_backend_weight", "Weight a backend has in the ring now.", MetricType::gauge);
  for (const auto& vip : list.virtual_servers) {
    add(vip_active, {{"vip", vip.vip}}, std::uint64_t{vip.active});
    for (const auto& b : vip.backends)
      if (b.in_dataplane)  // the traffic series exist for these only
        add(be_weight, {{"vip", vip.vip}, {"backend", backend_label(b.backend, b.sorry)}}, std::uint64_t{b.weight});
  }
  for (const auto& vip : stats.virtual_servers) {
    const std::vector<MetricLabel> v{{"vip", vip.vip}};
    add(vip_packets, v, vip.traffic.packets);
    add(vip_bytes, v, vip.traffic.bytes);
    add(vip_flows, v, vip.traffic.new_flows);
    for (const auto& b : vip.backends) {
      const std::vector<MetricLabel> l{{"vip", vip.vip}, {"backend", backend_label(b.backend, b.sorry)}};
      add(be_packets, l, b.traffic.packets);
      add(be_bytes, l, b.traffic.bytes);
      add(be_flows, l, b.traffic.new_flows);
    }
  }
  for (auto* f : {&vip_active, &vip_packets, &vip_bytes, &vip_flows, &be_packets, &be_bytes, &be_flows, &be_weight})
    out.push_back(std::move(*f));
}

void add_health(std::vector<MetricFamily>& out, const std::vector<contract::RealServerHealth>& health) {
  auto up = family("xdplb_real_server_up", "1 while the health checks vouch for a real server.", MetricType::gauge);
  auto checks = family("xdplb_check_runs_total", "Health checks run.", MetricType::counter);
  auto failures = family("xdplb_check_failures_total", "Health checks that failed.", MetricType::counter);
  auto latency = family("xdplb_check_latency_seconds", "Duration of the last health check.", MetricType::gauge);
  for (const auto& s : health) {
    const std::vector<MetricLabel> l{{"virtual_server", s.virtual_server}, {"real_server", s.real_server}};
    add(up, l, std::uint64_t{s.health == contract::Health::up});
    add(checks, l, s.checks);
    add(failures, l, s.failures);
    add(latency, l, s.last_latency_seconds);
  }
  for (auto* f : {&up, &checks, &failures, &latency}) out.push_back(std::move(*f));
}

void add_dataplane(std::vector<MetricFamily>& out, const contract::Stats& stats) {
  auto verdict_packets = family("xdplb_verdict_packets_total", "Packets by data plane verdict reason.",
                                MetricType::counter);
  auto verdict_bytes = family("xdplb_verdict_bytes_total", "Bytes by data plane verdict reason.", MetricType::counter);
  for (const auto& [reason, counters] : stats.verdicts) {
    add(verdict_packets, {{"reason", reason}}, counters.packets);
    add(verdict_bytes, {{"reason", reason}}, counters.bytes);
  }
  out.push_back(std::move(verdict_packets));
  out.push_back(std::move(verdict_bytes));

  const contract::ConntrackGuard guard = stats.conntrack_guard.value_or(contract::ConntrackGuard{});
  auto flood_rate = family("xdplb_conntrack_flood_rate",
                           "New flows per second per CPU past which new flows are not recorded (0: always recorded).",
                           MetricType::gauge);
  add(flood_rate, {}, guard.flood_rate);
  auto untracked = family("xdplb_conntrack_untracked_packets_total",
                          "Packets of new flows the flood guard forwarded without recording them.",
                          MetricType::counter);
  add(untracked, {}, guard.untracked_packets);
  auto flooded = family("xdplb_conntrack_flood_windows_total",
                        "One-second windows (per CPU) in which the flood guard stopped recording new flows.",
                        MetricType::counter);
  add(flooded, {}, guard.windows_flooded);
  for (auto* f : {&flood_rate, &untracked, &flooded}) out.push_back(std::move(*f));
}

}  // namespace

agent::Agent::Snapshot snapshot_for_metrics(const agent::Agent& agent) {
  return agent.snapshot(agent::Agent::FlowCounting::skip, agent::Agent::Counting::since_start);
}

std::vector<MetricFamily> agent_metric_families(const agent::Agent::Snapshot& s) {
  std::vector<MetricFamily> out;
  add_vrrp(out, s.status);
  add_traffic(out, s.list, s.stats);
  add_health(out, s.health);
  add_dataplane(out, s.stats);
  return out;
}

}  // namespace xdplb::control
