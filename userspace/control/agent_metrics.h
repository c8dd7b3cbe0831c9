// The agent's Prometheus metrics (docs/control.md, Metrics): VRRP state, traffic per VIP and
// backend, health, check latency, verdicts and the flood guard, from the agent's snapshots. Pure:
// the same snapshots give the same families, so every series is a unit test.
#pragma once

#include <vector>

#include "agent/agent.h"
#include "control/metrics_format.h"

namespace xdplb::control {

// What one scrape shows of a running agent: its snapshot without the flow count (a walk of the
// whole conntrack table), counters from the start (Prometheus counters only grow).
agent::Agent::Snapshot snapshot_for_metrics(const agent::Agent& agent);

std::vector<MetricFamily> agent_metric_families(const agent::Agent::Snapshot& snapshot);

}  // namespace xdplb::control
