#include "control/agent_metrics.h"

#include <chrono>
#include <string>
#include <utility>

#include <xdplb/abi.h>

#ifndef XDPLB_VERSION
#error "XDPLB_VERSION is set by the build"
#endif

namespace xdplb::control {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

// Prometheus keeps every sample as a float64: a byte counter passes 2^53 (8 PiB) before it loses
// its last digits, whatever the exposition writes.
void add(MetricFamily& f, Labels labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  if (f.type == MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

template <typename Integer>
double number(Integer value) {
  return static_cast<double>(value);
}

double seconds_since_epoch(std::chrono::system_clock::time_point at) {
  return std::chrono::duration<double>(at.time_since_epoch()).count();
}

// The backend label: the sorry server is told apart from a real server at the same address.
std::string backend_label(const std::string& endpoint, bool sorry) { return (sorry ? "sorry " : "") + endpoint; }

void add_build(std::vector<MetricFamily>& out) {
  auto info = family("xdplb_build_info",
                     "Always 1: the agent's version and the layout of its pinned maps (XDPLB_ABI_VERSION).",
                     MetricType::Gauge);
  add(info, {{"version", XDPLB_VERSION}, {"abi_version", std::to_string(XDPLB_ABI_VERSION)}}, 1);
  out.push_back(std::move(info));
}

void add_vrrp(std::vector<MetricFamily>& out, const contract::Status& status) {
  auto state = family("xdplb_vrrp_state", "VRRP state of an instance (1 for the current state).", MetricType::Gauge);
  auto priority = family("xdplb_vrrp_priority", "Effective VRRP priority of an instance.", MetricType::Gauge);
  auto transitions = family("xdplb_vrrp_transitions_total", "VRRP state transitions.", MetricType::Counter);
  auto dropped = family("xdplb_vrrp_adverts_dropped_total", "Received VRRP adverts an instance dropped, by reason.",
                        MetricType::Counter);
  for (const auto& i : status.vrrp_instances) {
    for (const auto s : contract::kVrrpStates)
      add(state, {{"vrrp_instance", i.name}, {"state", std::string(contract::to_string(s))}}, i.state == s ? 1 : 0);
    add(priority, {{"vrrp_instance", i.name}}, i.effective_priority);
    add(transitions, {{"vrrp_instance", i.name}}, number(i.transitions));
    for (const auto& [reason, count] : i.adverts_dropped)
      add(dropped, {{"vrrp_instance", i.name}, {"reason", reason}}, number(count));
  }
  for (auto* f : {&state, &priority, &transitions, &dropped}) out.push_back(std::move(*f));
}

void add_traffic(std::vector<MetricFamily>& out, const contract::List& list, const contract::Stats& stats) {
  auto vip_active = family("xdplb_vip_active", "1 when this node forwards the VIP's traffic.", MetricType::Gauge);
  auto vip_packets = family("xdplb_vip_packets_total", "Packets forwarded for a VIP.", MetricType::Counter);
  auto vip_bytes = family("xdplb_vip_bytes_total", "Bytes forwarded for a VIP.", MetricType::Counter);
  auto vip_flows = family("xdplb_vip_new_flows_total", "New flows of a VIP.", MetricType::Counter);
  auto be_packets = family("xdplb_backend_packets_total", "Packets sent to a backend.", MetricType::Counter);
  auto be_bytes = family("xdplb_backend_bytes_total", "Bytes sent to a backend.", MetricType::Counter);
  auto be_flows = family("xdplb_backend_new_flows_total", "New flows sent to a backend.", MetricType::Counter);
  auto be_weight = family("xdplb_backend_weight", "Weight a backend has in the VIP's ring now.", MetricType::Gauge);
  auto be_up = family("xdplb_backend_up",
                      "1 while the health checks vouch for a real server of the VIP (real servers without checks "
                      "are up), 0 while they fail it.",
                      MetricType::Gauge);
  for (const auto& vip : list.virtual_servers) {
    add(vip_active, {{"vip", vip.vip}}, vip.active ? 1 : 0);
    for (const auto& b : vip.backends) {
      const Labels l{{"vip", vip.vip}, {"backend", backend_label(b.backend, b.sorry)}};
      if (b.in_dataplane) add(be_weight, l, b.weight);  // the traffic series exist for these only
      if (!b.sorry) add(be_up, l, b.health == contract::Health::up ? 1 : 0);
    }
  }
  for (const auto& vip : stats.virtual_servers) {
    const Labels v{{"vip", vip.vip}};
    add(vip_packets, v, number(vip.traffic.packets));
    add(vip_bytes, v, number(vip.traffic.bytes));
    add(vip_flows, v, number(vip.traffic.new_flows));
    for (const auto& b : vip.backends) {
      const Labels l{{"vip", vip.vip}, {"backend", backend_label(b.backend, b.sorry)}};
      add(be_packets, l, number(b.traffic.packets));
      add(be_bytes, l, number(b.traffic.bytes));
      add(be_flows, l, number(b.traffic.new_flows));
    }
  }
  for (auto* f : {&vip_active, &vip_packets, &vip_bytes, &vip_flows, &be_packets, &be_bytes, &be_flows, &be_weight,
                  &be_up})
    out.push_back(std::move(*f));
}

// The checkers run per virtual_server block; their series are repeated for each VIP of the block (a
// virtual_server_group has several), so that they join the traffic series on {vip, backend}.
void add_checks(std::vector<MetricFamily>& out, const MetricsSnapshot& s) {
  auto checks = family("xdplb_check_runs_total", "Health checks run.", MetricType::Counter);
  auto failures = family("xdplb_check_failures_total", "Health checks that failed.", MetricType::Counter);
  auto latency = family("xdplb_check_latency_seconds", "Duration of the last health check.", MetricType::Gauge);
  for (const auto& h : s.agent.health) {
    const auto vips = s.vips_of_virtual_server.find(h.virtual_server);
    if (vips == s.vips_of_virtual_server.end()) continue;  // a block the plan no longer has
    for (const auto& vip : vips->second) {
      const Labels l{{"vip", vip}, {"backend", h.real_server}};
      add(checks, l, number(h.checks));
      add(failures, l, number(h.failures));
      add(latency, l, h.last_latency_seconds);
    }
  }
  for (auto* f : {&checks, &failures, &latency}) out.push_back(std::move(*f));
}

void add_dataplane(std::vector<MetricFamily>& out, const MetricsSnapshot& s) {
  const auto& stats = s.agent.stats;
  auto verdict_packets =
      family("xdplb_verdict_packets_total", "Packets by data plane verdict reason.", MetricType::Counter);
  auto verdict_bytes = family("xdplb_verdict_bytes_total", "Bytes by data plane verdict reason.", MetricType::Counter);
  for (const auto& [reason, counters] : stats.verdicts) {
    add(verdict_packets, {{"reason", reason}}, number(counters.packets));
    add(verdict_bytes, {{"reason", reason}}, number(counters.bytes));
  }
  out.push_back(std::move(verdict_packets));
  out.push_back(std::move(verdict_bytes));

  auto entries = family("xdplb_conntrack_entries",
                        "Entries in the conntrack table (the kernel's element count of the map).", MetricType::Gauge);
  if (s.conntrack.entries) add(entries, {}, number(*s.conntrack.entries));
  auto limit = family("xdplb_conntrack_entries_limit",
                      "Size of the conntrack table (its max_entries; an LRU: the oldest entries give way when full).",
                      MetricType::Gauge);
  add(limit, {}, number(s.conntrack.limit));
  const contract::ConntrackGuard guard = stats.conntrack_guard.value_or(contract::ConntrackGuard{});
  auto flood_rate = family("xdplb_conntrack_flood_rate",
                           "New flows per second per CPU past which new flows are not recorded (0: always recorded).",
                           MetricType::Gauge);
  add(flood_rate, {}, number(guard.flood_rate));
  auto untracked = family("xdplb_conntrack_untracked_packets_total",
                          "Packets of new flows the flood guard forwarded without recording them.",
                          MetricType::Counter);
  add(untracked, {}, number(guard.untracked_packets));
  auto flooded = family("xdplb_conntrack_flood_windows_total",
                        "One-second windows (per CPU) in which the flood guard stopped recording new flows.",
                        MetricType::Counter);
  add(flooded, {}, number(guard.windows_flooded));
  for (auto* f : {&entries, &limit, &flood_rate, &untracked, &flooded}) out.push_back(std::move(*f));
}

// The names Prometheus and Alertmanager use for their own reloads.
void add_reload(std::vector<MetricFamily>& out, const MetricsSnapshot& s) {
  const bool applied = !s.last_reload || s.last_reload->applied;
  auto successful = family("xdplb_config_last_reload_successful",
                           "1 when the last reload was applied (or none was asked for), 0 when it was refused.",
                           MetricType::Gauge);
  add(successful, {}, applied ? 1 : 0);
  auto success_at = family("xdplb_config_last_reload_success_timestamp_seconds",
                           "When the running configuration was loaded: the start or the last reload applied.",
                           MetricType::Gauge);
  add(success_at, {}, number(s.agent.status.config_loaded_at.time_since_epoch().count()));
  auto attempt_at = family("xdplb_config_last_reload_timestamp_seconds",
                           "When the last reload was asked for, applied or refused (the start before any).",
                           MetricType::Gauge);
  add(attempt_at, {},
      s.last_reload ? seconds_since_epoch(s.last_reload->at)
                    : number(s.agent.status.config_loaded_at.time_since_epoch().count()));
  for (auto* f : {&successful, &success_at, &attempt_at}) out.push_back(std::move(*f));
}

}  // namespace

std::vector<MetricFamily> agent_metric_families(const MetricsSnapshot& s) {
  std::vector<MetricFamily> out;
  add_build(out);
  add_vrrp(out, s.agent.status);
  add_traffic(out, s.agent.list, s.agent.stats);
  add_checks(out, s);
  add_dataplane(out, s);
  add_reload(out, s);
  return out;
}

}  // namespace xdplb::control
