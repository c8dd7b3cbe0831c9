// keepalived's dump signals (docs/control.md): SIGUSR1's state dump, SIGUSR2's stats dump and the
// JSON signal's dump, written from the agent's snapshots in the contract's JSON. Each file is
// replaced whole, so a reader never sees half a dump.
#pragma once

#include <filesystem>

namespace xdplb::agent {
class Agent;
}

namespace xdplb::control {

// A header line, then status and list as indented JSON.
void write_state_dump(const agent::Agent& agent, const std::filesystem::path& path);
// A header line, then stats (counted from the last STATS_CLEAR).
void write_stats_dump(const agent::Agent& agent, const std::filesystem::path& path);
// {"instance", "version", "written_at", "status", "list", "stats"}.
void write_json_dump(const agent::Agent& agent, const std::filesystem::path& path);

}  // namespace xdplb::control
