// The agent's Prometheus metric families (docs/control.md, Metrics): build, VRRP state, traffic per
// VIP and backend, health and checks with the same VIP and backend labels, verdicts, the conntrack
// table and its flood guard, the last reload. Pure: the same snapshot gives the same families, so
// every series is a unit test.
#pragma once

#include <vector>

#include <prometheus/metric_family.h>

#include "control/metrics_snapshot.h"

namespace xdplb::control {

std::vector<prometheus::MetricFamily> agent_metric_families(const MetricsSnapshot& snapshot);

}  // namespace xdplb::control
