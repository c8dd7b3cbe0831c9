// Virtual-server rules on top of the real servers' health, as keepalived applies them. Pure: fed
// with HealthEvents, it keeps for each virtual server the backends to program (with effective
// weights) and whether its VIP is in service, and returns the notify scripts to run.
//
//  - quorum / hysteresis: the live weight (sum of the weights of the servers that are up) must
//    reach quorum + hysteresis to gain quorum and falls below quorum - hysteresis (or to 0) to lose
//    it. Without quorum the VIP is withdrawn, unless a sorry_server takes over.
//  - inhibit_on_failure: a down server stays with weight 0 (its flows stay, no new ones) instead of
//    being removed.
//  - sorry_server: the only backend taking new flows while quorum is lost.
//  - notify_up / notify_down per real server, notify_quorum_up / notify_quorum_down per virtual
//    server; with omega, shutdown() runs the down notifiers of whatever is still up.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "check/server_health.h"

namespace xdplb::check {

struct RealServerRules {
  std::string name;  // as in HealthEvent::real_server
  unsigned weight = 1;
  bool inhibit_on_failure = false;
  std::string notify_up;
  std::string notify_down;
  bool initially_up = true;  // false with alpha
  std::optional<unsigned> initial_weight;  // a misc_dynamic weight the checks reported before a reload
};

struct SorryServerRules {
  std::string name;
  unsigned weight = 1;
};

struct VirtualServerRules {
  std::string name;  // as in HealthEvent::virtual_server
  unsigned quorum = 1;
  unsigned hysteresis = 0;
  std::string notify_quorum_up;
  std::string notify_quorum_down;
  std::optional<SorryServerRules> sorry_server;
  bool omega = false;
  std::vector<RealServerRules> real_servers;
};

struct Backend {
  std::string name;
  unsigned weight = 0;  // 0: keeps its established flows, gets no new ones
  bool sorry = false;
  std::size_t index = 0;  // its place in VirtualServerRules::real_servers (0 for the sorry server)

  bool operator==(const Backend&) const = default;
};

struct VirtualServerState {
  std::string name;
  bool quorum_up = false;
  bool in_service = false;  // the VIP takes traffic (quorum, or the sorry server)
  unsigned live_weight = 0;
  std::vector<Backend> backends;
};

struct NotifyAction {
  enum class Kind { real_server_up, real_server_down, quorum_up, quorum_down };
  Kind kind;
  std::string virtual_server;
  std::string real_server;  // empty for quorum notifications
  std::string command;      // the script string as configured
};

class HealthySet {
 public:
  // Throws std::invalid_argument for a duplicate virtual or real server name.
  void add_virtual_server(VirtualServerRules rules);

  // Throws std::out_of_range for a server that was never added (a wiring bug, not bad input).
  std::vector<NotifyAction> apply(const HealthEvent& event);

  const VirtualServerState& state(const std::string& virtual_server) const;
  // Whether the checks vouch for the real server now. Throws std::out_of_range for an unknown one.
  bool real_server_up(const std::string& virtual_server, const std::string& real_server) const;
  std::vector<VirtualServerState> states() const;

  // The agent is exiting: with omega, notify_down for every server still up and notify_quorum_down
  // where quorum is held; nothing otherwise.
  std::vector<NotifyAction> shutdown() const;

 private:
  struct RealServer {
    RealServerRules rules;
    bool up;
    std::optional<unsigned> dynamic_weight;
    unsigned weight() const { return dynamic_weight.value_or(rules.weight); }
  };
  struct VirtualServer {
    VirtualServerRules rules;
    std::vector<RealServer> real_servers;
    VirtualServerState state;
  };

  static void recompute(VirtualServer& vs, std::vector<NotifyAction>* actions);

  std::map<std::string, VirtualServer> virtual_servers_;
};

}  // namespace xdplb::check
