// What one scrape of the agent shows, taken on the agent's loop (control/loop_collectable.h): the
// agent's snapshot and what the metrics add to it. Plain values; agent_metrics.h turns them into
// metric families.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "dataplane/map_elem_count.h"

namespace xdplb::control {

struct ConntrackUse {
  std::optional<std::uint64_t> entries;  // unset where the kernel cannot count them (before Linux 6.6)
  std::uint64_t limit = 0;               // the table's max_entries
};

struct MetricsSnapshot {
  // Without the flow count (a walk of the whole conntrack table); counters from the start, since
  // Prometheus counters only grow.
  agent::Agent::Snapshot agent;
  // The VIPs ("tcp/198.18.0.100:80") of each virtual_server block, by the checkers' name of the block:
  // the health series carry the VIP and backend labels of the traffic series (a virtual_server_group
  // has several VIPs).
  std::map<std::string, std::vector<std::string>> vips_of_virtual_server;
  // The last reload (SIGHUP, xdplbctl reload); unset before the first.
  std::optional<agent::Agent::ReloadOutcome> last_reload;
  ConntrackUse conntrack;
};

// Takes snapshots of one agent. Loads, once, the iterator that counts the conntrack table's entries
// (dataplane/map_elem_count.h); where that cannot load, the reason is logged once and the entries
// are left out of every snapshot.
class MetricsSnapshotSource {
 public:
  explicit MetricsSnapshotSource(agent::Agent& agent);
  // On the agent's loop only.
  MetricsSnapshot take() const;

 private:
  agent::Agent& agent_;
  std::unique_ptr<dataplane::MapElementCount> conntrack_count_;
  std::uint64_t conntrack_limit_ = 0;
};

}  // namespace xdplb::control
