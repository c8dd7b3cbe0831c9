#include "agent/stats_baseline.h"

#include <cstdint>

namespace xdplb::agent {
namespace {

void subtract(std::uint64_t& now, std::uint64_t base) {
  if (now >= base) now -= base;
}

void subtract(contract::Traffic& now, const contract::Traffic& base) {
  subtract(now.packets, base.packets);
  subtract(now.bytes, base.bytes);
  subtract(now.new_flows, base.new_flows);
}

}  // namespace

contract::Stats StatsBaseline::since_clear(contract::Stats stats) const {
  if (!baseline_) return stats;
  for (auto& vip : stats.virtual_servers) {
    const contract::VirtualServerTraffic* base_vip = nullptr;
    for (const auto& b : baseline_->virtual_servers)
      if (b.vip == vip.vip) base_vip = &b;
    if (!base_vip) continue;
    subtract(vip.traffic, base_vip->traffic);
    for (auto& backend : vip.backends)
      for (const auto& base : base_vip->backends)
        if (base.backend == backend.backend && base.sorry == backend.sorry) subtract(backend.traffic, base.traffic);
  }
  for (auto& [reason, counters] : stats.verdicts) {
    const auto base = baseline_->verdicts.find(reason);
    if (base == baseline_->verdicts.end()) continue;
    subtract(counters.packets, base->second.packets);
    subtract(counters.bytes, base->second.bytes);
  }
  if (stats.conntrack_guard && baseline_->conntrack_guard) {
    subtract(stats.conntrack_guard->untracked_packets, baseline_->conntrack_guard->untracked_packets);
    subtract(stats.conntrack_guard->windows_flooded, baseline_->conntrack_guard->windows_flooded);
  }
  return stats;
}

}  // namespace xdplb::agent
