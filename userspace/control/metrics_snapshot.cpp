#include "control/metrics_snapshot.h"

#include <spdlog/spdlog.h>

namespace xdplb::control {

MetricsSnapshotSource::MetricsSnapshotSource(agent::Agent& agent)
    : agent_(agent),
      conntrack_count_(std::make_unique<dataplane::MapElementCount>(agent.dataplane().conntrack_map_fd())),
      conntrack_limit_(agent.dataplane().conntrack_size()) {
  if (!conntrack_count_->available())
    spdlog::warn("metrics: xdplb_conntrack_entries is left out: {}", conntrack_count_->unavailable_reason());
  else if (conntrack_count_->capacity() != 0)
    conntrack_limit_ = conntrack_count_->capacity();  // the live map's, which may be an adopted pin's
}

MetricsSnapshot MetricsSnapshotSource::take() const {
  MetricsSnapshot out;
  out.agent = agent_.snapshot(agent::Agent::FlowCounting::skip, agent::Agent::Counting::since_start);
  for (const auto& service : agent_.plan().services)
    for (const auto& vip : service.vips) out.vips_of_virtual_server[service.name].push_back(vip.key());
  out.last_reload = agent_.last_reload();
  out.conntrack = {conntrack_count_->count(), conntrack_limit_};
  return out;
}

}  // namespace xdplb::control
