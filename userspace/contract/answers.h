// The operator contract: the typed answers of the control socket (docs/control.md). The agent
// produces them, the control socket sends them as JSON (answers_json.h), xdplbctl decodes them with
// the same code: one definition, so the two sides cannot drift. Plain values only; nothing here
// knows the agent, the data plane or VRRP.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xdplb::contract {

// Times travel as RFC 3339 UTC strings with whole seconds.
using Time = std::chrono::sys_seconds;

enum class VrrpState { init, backup, master, fault };
// "INIT", "BACKUP", "MASTER", "FAULT": the wire and the operator see the same word.
std::string_view to_string(VrrpState state);
inline constexpr VrrpState kVrrpStates[] = {VrrpState::init, VrrpState::backup, VrrpState::master,
                                            VrrpState::fault};

// ---- status ----

struct Transition {
  VrrpState from = VrrpState::init;
  VrrpState to = VrrpState::init;
  Time at{};
  double seconds_ago = 0;
  std::string reason;  // "master down timer expired", "priority 0 received", ...
  // How long attaching and programming the maps took for this transition; unset while it has not
  // been synced yet.
  std::optional<double> duration_ms;
  bool operator==(const Transition&) const = default;
};

struct VrrpInstance {
  std::string name;
  VrrpState state = VrrpState::init;
  int priority = 0;            // configured
  int effective_priority = 0;  // after tracking weights
  std::string interface;
  // Unset in answers of agents older than the contract (they did not send it).
  std::optional<unsigned> virtual_router_id;
  std::vector<std::string> vips;  // "198.18.0.100/32"
  std::uint64_t transitions = 0;
  std::optional<Transition> last_transition;  // none before the first
  // Received adverts dropped, by reason: every reason, zeros too.
  std::map<std::string, std::uint64_t> adverts_dropped;
  bool operator==(const VrrpInstance&) const = default;
};

struct Attachment {
  std::string interface;
  std::string mode;  // "native", "generic", ...
  bool operator==(const Attachment&) const = default;
};

struct DataplaneStatus {
  std::vector<Attachment> interfaces;
  std::string pin_dir;
  std::uint64_t vips_active = 0;
  std::uint64_t vips_total = 0;
  bool operator==(const DataplaneStatus&) const = default;
};

struct Status {
  std::string instance;
  std::string version;
  std::int64_t pid = 0;
  double uptime_seconds = 0;
  std::string config_file;
  Time config_loaded_at{};
  DataplaneStatus dataplane;
  std::vector<VrrpInstance> vrrp_instances;  // empty: virtual servers run whenever the agent runs
  bool operator==(const Status&) const = default;
};

// ---- list ----

enum class Forwarding { dr, nat, tun };
std::string_view to_string(Forwarding forwarding);  // "dr", "nat", "tun"
inline constexpr Forwarding kForwardings[] = {Forwarding::dr, Forwarding::nat, Forwarding::tun};

enum class Health { up, down };
std::string_view to_string(Health health);  // "up", "down"
inline constexpr Health kHealths[] = {Health::up, Health::down};

struct ListedBackend {
  std::string backend;  // "198.18.0.11:80", "[fd00::11]:80"
  Forwarding forward = Forwarding::dr;
  std::uint32_t weight = 0;             // in the data plane now
  std::uint32_t configured_weight = 0;  // the configuration's
  Health health = Health::up;
  bool drained = false;
  bool sorry = false;  // the virtual server's sorry server
  bool resolved = false;
  std::optional<std::uint64_t> flows;  // unset: not counted
  // False for a real server the data plane does not hold now (failed, without inhibit_on_failure):
  // listed all the same, at weight 0.
  bool in_dataplane = true;
  std::optional<Time> health_since;             // when the checkers last changed their verdict
  std::optional<std::string> last_check_error;  // why the last check failed; unset when it passed
  bool operator==(const ListedBackend&) const = default;
};

struct ListedVirtualServer {
  std::string vip;        // "tcp/198.18.0.100:80"
  std::string algorithm;  // "mh", "sh", "wrr"
  bool active = false;
  std::uint32_t persistence_timeout = 0;
  std::uint32_t ring_size = 0;
  std::vector<ListedBackend> backends;
  bool operator==(const ListedVirtualServer&) const = default;
};

struct List {
  std::string version;
  std::uint64_t conntrack_size = 0;
  // The backends' `flows` count conntrack entries seen within this many seconds (conns' "active");
  // unset from older agents, whose flows counted every entry.
  std::optional<std::uint64_t> flow_window_seconds;
  std::vector<ListedVirtualServer> virtual_servers;
  bool operator==(const List&) const = default;
};

// ---- stats ----

struct Traffic {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t new_flows = 0;
  bool operator==(const Traffic&) const = default;
};

struct BackendTraffic {
  std::string backend;
  bool sorry = false;
  Traffic traffic;
  bool operator==(const BackendTraffic&) const = default;
};

struct VirtualServerTraffic {
  std::string vip;
  Traffic traffic;
  std::vector<BackendTraffic> backends;
  bool operator==(const VirtualServerTraffic&) const = default;
};

struct VerdictCounters {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  bool operator==(const VerdictCounters&) const = default;
};

struct ConntrackGuard {
  std::uint64_t flood_rate = 0;  // new flows per second per CPU; 0: off
  bool flood_rate_auto = false;
  std::uint64_t untracked_packets = 0;
  std::uint64_t windows_flooded = 0;
  bool operator==(const ConntrackGuard&) const = default;
};

// Who produced a stats answer: the agent, or xdplbctl from the pinned maps when no agent runs.
enum class StatsSource { agent, maps };
std::string_view to_string(StatsSource source);  // "agent", "maps"
inline constexpr StatsSource kStatsSources[] = {StatsSource::agent, StatsSource::maps};

struct Stats {
  std::vector<VirtualServerTraffic> virtual_servers;
  std::map<std::string, VerdictCounters> verdicts;  // by the data plane's reason name
  std::optional<ConntrackGuard> conntrack_guard;   // unset from the pinned maps
  std::optional<Time> cleared_at;                  // the last STATS_CLEAR
  std::optional<StatsSource> source;               // set by xdplbctl, never by the agent
  bool operator==(const Stats&) const = default;
};

// ---- health (the checkers' view of each real server: the metrics' source, no socket command) ----

struct RealServerHealth {
  std::string virtual_server;  // the checkers' name of the virtual_server block
  std::string real_server;     // "198.18.0.11:80"
  Health health = Health::up;
  std::uint64_t checks = 0;
  std::uint64_t failures = 0;
  double last_latency_seconds = 0;
  bool operator==(const RealServerHealth&) const = default;
};

// ---- reload, drain, verify ----

struct Reload {
  std::string config_file;
  std::vector<std::string> changes;
  std::vector<std::string> warnings;
  bool operator==(const Reload&) const = default;
};

struct DrainRequest {
  std::string backend;
  std::optional<std::string> vip;  // every VIP of the backend when unset
  bool operator==(const DrainRequest&) const = default;
};

struct Drain {
  std::string backend;
  std::vector<std::string> vips;  // where the command applied
  bool changed = false;
  // Active flows (conns' sense) the real server still has in those VIPs; unset from older agents.
  std::optional<std::uint64_t> active_flows;
  // Why the change will not survive an agent restart (the state file could not be written); unset
  // when it is kept, or from older agents.
  std::optional<std::string> persistence_error;
  bool operator==(const Drain&) const = default;
};

// ---- conns (the conntrack table, like ipvsadm -Lnc) ----

// active: its backend serves it and it was seen within active_window_seconds; idle: seen before
// that (its entry stays until the table reuses it); stale: its backend left or its id went to another
// server since, so its next packet chooses afresh.
enum class FlowState { active, idle, stale };
std::string_view to_string(FlowState state);  // "active", "idle", "stale"
inline constexpr FlowState kFlowStates[] = {FlowState::active, FlowState::idle, FlowState::stale};

struct ConnsRequest {
  std::optional<std::string> vip;      // "tcp/198.18.0.100:80" or "198.18.0.100:80"; unset: every VIP
  std::optional<std::string> backend;  // "198.18.0.11:80"; unset: every backend
  std::uint64_t limit = 1000;          // most entries answered; 0: as many as the agent sends (100,000)
  bool operator==(const ConnsRequest&) const = default;
};

struct Conn {
  std::string protocol;  // "tcp", "udp"
  std::string client;    // "198.18.0.50:40312", "[fd00::50]:40312"
  std::string vip;       // the VIP's key when its backend is known ("tcp/198.18.0.100:80"), else
                         // where the client sent to, in the same form
  std::optional<std::string> backend;  // unset when stale
  bool sorry = false;                  // pinned to the sorry server
  double idle_seconds = 0;             // since the last packet, within a second
  FlowState state = FlowState::active;
  bool operator==(const Conn&) const = default;
};

struct Conns {
  std::uint64_t conntrack_size = 0;  // capacity of the table
  std::uint64_t entries = 0;         // entries walked (every flow in the table)
  std::uint64_t matched = 0;         // of which the request's filter took; conns holds the first `limit`
  std::uint64_t active_window_seconds = 0;
  std::vector<Conn> conns;  // most recently seen first
  bool operator==(const Conns&) const = default;
};

struct Discrepancy {
  std::string subject;
  std::string problem;
  bool operator==(const Discrepancy&) const = default;
};

struct Verify {
  std::uint64_t vips = 0;
  std::uint64_t backends = 0;
  std::vector<Discrepancy> discrepancies;  // empty: the maps serve what the agent intends
  bool operator==(const Verify&) const = default;
};

}  // namespace xdplb::contract
