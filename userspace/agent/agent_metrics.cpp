// The Agent's Prometheus metrics: VRRP state, traffic per VIP and backend, health, check latency.
#include "agent/agent.h"
#include "dataplane/reasons.h"

namespace xdplb::agent {

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

}  // namespace

std::vector<MetricFamily> Agent::metric_families() const {
  std::vector<MetricFamily> out;

  auto state = family("xdplb_vrrp_state", "VRRP state of an instance (1 for the current state).", MetricType::gauge);
  auto priority = family("xdplb_vrrp_priority", "Effective VRRP priority of an instance.", MetricType::gauge);
  auto transitions = family("xdplb_vrrp_transitions_total", "VRRP state transitions.", MetricType::counter);
  auto dropped = family("xdplb_vrrp_adverts_dropped_total", "Received VRRP adverts an instance dropped, by reason.",
                        MetricType::counter);
  if (vrrp_) {
    for (const auto& i : vrrp_->status()) {
      for (const auto s : {vrrp::State::initialize, vrrp::State::backup, vrrp::State::master, vrrp::State::fault})
        add(state, {{"instance", i.name}, {"state", std::string(vrrp::to_string(s, vrrp::StateSpelling::status))}},
            std::uint64_t{i.state == s});
      add(priority, {{"instance", i.name}}, std::int64_t{i.effective_priority});
      add(transitions, {{"instance", i.name}}, std::uint64_t{i.transitions});
      for (const auto& [reason, count] : i.adverts_dropped) add(dropped, {{"instance", i.name}, {"reason", reason}}, count);
    }
  }
  out.push_back(std::move(state));
  out.push_back(std::move(priority));
  out.push_back(std::move(transitions));
  out.push_back(std::move(dropped));

  auto vip_active = family("xdplb_vip_active", "1 when this node forwards the VIP's traffic.", MetricType::gauge);
  auto vip_packets = family("xdplb_vip_packets_total", "Packets forwarded for a VIP.", MetricType::counter);
  auto vip_bytes = family("xdplb_vip_bytes_total", "Bytes forwarded for a VIP.", MetricType::counter);
  auto vip_flows = family("xdplb_vip_new_flows_total", "New flows of a VIP.", MetricType::counter);
  auto be_packets = family("xdplb_backend_packets_total", "Packets sent to a backend.", MetricType::counter);
  auto be_bytes = family("xdplb_backend_bytes_total", "Bytes sent to a backend.", MetricType::counter);
  auto be_flows = family("xdplb_backend_new_flows_total", "New flows sent to a backend.", MetricType::counter);
  auto be_weight = family("xdplb_backend_weight", "Weight a backend has in the ring now.", MetricType::gauge);
  for (const auto& vip : dataplane_->status()) {
    const std::vector<MetricLabel> v{{"vip", vip.key}};
    add(vip_active, v, std::uint64_t{vip.active});
    add(vip_packets, v, vip.traffic.packets);
    add(vip_bytes, v, vip.traffic.bytes);
    add(vip_flows, v, vip.traffic.new_flows);
    for (const auto& b : vip.backends) {
      const std::vector<MetricLabel> l{{"vip", vip.key}, {"backend", dataplane::to_string(b.key)}};
      add(be_packets, l, b.traffic.packets);
      add(be_bytes, l, b.traffic.bytes);
      add(be_flows, l, b.traffic.new_flows);
      add(be_weight, l, std::uint64_t{b.weight});
    }
  }
  for (auto* f : {&vip_active, &vip_packets, &vip_bytes, &vip_flows, &be_packets, &be_bytes, &be_flows, &be_weight})
    out.push_back(std::move(*f));

  auto up = family("xdplb_real_server_up", "1 while the health checks vouch for a real server.", MetricType::gauge);
  auto checks = family("xdplb_check_runs_total", "Health checks run.", MetricType::counter);
  auto failures = family("xdplb_check_failures_total", "Health checks that failed.", MetricType::counter);
  auto latency = family("xdplb_check_latency_seconds", "Duration of the last health check.", MetricType::gauge);
  for (const auto& s : scheduler_->statuses()) {
    const std::vector<MetricLabel> l{{"virtual_server", s.virtual_server}, {"real_server", s.real_server}};
    add(up, l, std::uint64_t{s.up});
    add(checks, l, s.checks);
    add(failures, l, s.failures);
    add(latency, l, std::chrono::duration<double>(s.last_latency).count());
  }
  for (auto* f : {&up, &checks, &failures, &latency}) out.push_back(std::move(*f));

  auto verdict_packets = family("xdplb_verdict_packets_total", "Packets by data plane verdict reason.",
                                MetricType::counter);
  auto verdict_bytes = family("xdplb_verdict_bytes_total", "Bytes by data plane verdict reason.", MetricType::counter);
  const auto totals = dataplane_->verdicts();
  for (unsigned r = 0; r < totals.size(); ++r) {
    const std::vector<MetricLabel> l{{"reason", std::string(dataplane::reason_name(r))}};
    add(verdict_packets, l, totals[r].packets);
    add(verdict_bytes, l, totals[r].bytes);
  }
  out.push_back(std::move(verdict_packets));
  out.push_back(std::move(verdict_bytes));

  const auto flood = dataplane_->flood();
  auto flood_rate = family("xdplb_conntrack_flood_rate",
                           "New flows per second per CPU past which new flows are not recorded (0: always recorded).",
                           MetricType::gauge);
  add(flood_rate, {}, std::uint64_t{dataplane_->flood_rate()});
  auto untracked = family("xdplb_conntrack_untracked_packets_total",
                          "Packets of new flows the flood guard forwarded without recording them.",
                          MetricType::counter);
  add(untracked, {}, flood.untracked);
  auto flooded = family("xdplb_conntrack_flood_windows_total",
                        "One-second windows (per CPU) in which the flood guard stopped recording new flows.",
                        MetricType::counter);
  add(flooded, {}, flood.windows_flooded);
  for (auto* f : {&flood_rate, &untracked, &flooded}) out.push_back(std::move(*f));
  return out;
}

}  // namespace xdplb::agent
