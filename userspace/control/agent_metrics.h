// The agent's Prometheus metrics (docs/control.md, Metrics): VRRP state, traffic per VIP and
// backend, health, check latency, verdicts and the flood guard, from the agent's snapshots. Pure:
// the same snapshots give the same families, so every series is a unit test.
#pragma once

#include <vector>

#include "contract/answers.h"
#include "control/metrics_format.h"

namespace xdplb::agent {
class Agent;
}

namespace xdplb::control {

struct AgentSnapshots {
  contract::Status status;
  contract::List list;    // flows need not be counted
  contract::Stats stats;  // counted from the start: Prometheus counters only grow
  std::vector<contract::RealServerHealth> health;
};

// What one scrape shows of a running agent.
AgentSnapshots snapshots_for_metrics(const agent::Agent& agent);

std::vector<MetricFamily> agent_metric_families(const AgentSnapshots& snapshots);

}  // namespace xdplb::control
