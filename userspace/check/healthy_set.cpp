#include "check/healthy_set.h"

#include <spdlog/spdlog.h>

#include <set>
#include <stdexcept>

namespace xdplb::check {

void HealthySet::add_virtual_server(VirtualServerRules rules) {
  if (virtual_servers_.count(rules.name) != 0) {
    throw std::invalid_argument("virtual server " + rules.name + " is defined twice");
  }
  VirtualServer vs;
  std::set<std::string> names;
  for (const auto& rs : rules.real_servers) {
    if (!names.insert(rs.name).second) {
      throw std::invalid_argument("virtual server " + rules.name + ": real server " + rs.name + " is defined twice");
    }
    vs.real_servers.push_back(RealServer{rs, rs.initially_up, rs.initial_weight});
  }
  vs.state.name = rules.name;
  vs.rules = std::move(rules);
  // keepalived starts with quorum assumed and settles it silently from the initial states.
  vs.state.quorum_up = true;
  recompute(vs, nullptr);
  virtual_servers_.emplace(vs.rules.name, std::move(vs));
}

std::vector<NotifyAction> HealthySet::apply(const HealthEvent& event) {
  auto& vs = virtual_servers_.at(event.virtual_server);
  RealServer* target = nullptr;
  for (auto& rs : vs.real_servers) {
    if (rs.rules.name == event.real_server) target = &rs;
  }
  if (target == nullptr) {
    throw std::out_of_range("virtual server " + event.virtual_server + " has no real server " + event.real_server);
  }
  std::vector<NotifyAction> actions;
  if (event.weight) target->dynamic_weight = event.weight;
  if (target->up != event.up) {
    target->up = event.up;
    const auto& command = event.up ? target->rules.notify_up : target->rules.notify_down;
    if (!command.empty()) {
      actions.push_back({event.up ? NotifyAction::Kind::real_server_up : NotifyAction::Kind::real_server_down,
                         vs.rules.name, target->rules.name, command});
    }
  }
  recompute(vs, &actions);
  return actions;
}

void HealthySet::recompute(VirtualServer& vs, std::vector<NotifyAction>* actions) {
  auto& state = vs.state;
  state.live_weight = 0;
  for (const auto& rs : vs.real_servers) {
    if (rs.up) state.live_weight += rs.weight();
  }

  // Hysteresis moves the threshold away from the current state, so small wobbles do not flap.
  long quorum = vs.rules.quorum;
  long hysteresis = vs.rules.hysteresis;
  long live = state.live_weight;
  bool was_up = state.quorum_up;
  if (state.quorum_up && (live == 0 || live < quorum - hysteresis)) {
    state.quorum_up = false;
  } else if (!state.quorum_up && live > 0 && live >= quorum + hysteresis) {
    state.quorum_up = true;
  }
  if (actions != nullptr && was_up != state.quorum_up) {
    spdlog::info("virtual server {}: quorum {} (live weight {}, quorum {}, hysteresis {})", vs.rules.name,
                 state.quorum_up ? "gained" : "lost", live, quorum, hysteresis);
    const auto& command = state.quorum_up ? vs.rules.notify_quorum_up : vs.rules.notify_quorum_down;
    if (!command.empty()) {
      actions->push_back({state.quorum_up ? NotifyAction::Kind::quorum_up : NotifyAction::Kind::quorum_down,
                          vs.rules.name, "", command});
    }
  }

  state.backends.clear();
  bool sorry_serving = !state.quorum_up && vs.rules.sorry_server.has_value();
  for (std::size_t i = 0; i < vs.real_servers.size(); ++i) {
    const auto& rs = vs.real_servers[i];
    if (rs.up) {
      // Below quorum the sorry server takes every new flow; live servers keep the ones they have.
      state.backends.push_back({rs.rules.name, sorry_serving ? 0U : rs.weight(), false, i});
    } else if (rs.rules.inhibit_on_failure) {
      state.backends.push_back({rs.rules.name, 0U, false, i});
    }
  }
  if (sorry_serving) state.backends.push_back({vs.rules.sorry_server->name, vs.rules.sorry_server->weight, true});
  state.in_service = state.quorum_up || sorry_serving;
}

const VirtualServerState& HealthySet::state(const std::string& virtual_server) const {
  return virtual_servers_.at(virtual_server).state;
}

bool HealthySet::real_server_up(const std::string& virtual_server, const std::string& real_server) const {
  for (const auto& rs : virtual_servers_.at(virtual_server).real_servers)
    if (rs.rules.name == real_server) return rs.up;
  throw std::out_of_range("virtual server " + virtual_server + " has no real server " + real_server);
}

std::vector<VirtualServerState> HealthySet::states() const {
  std::vector<VirtualServerState> all;
  for (const auto& [name, vs] : virtual_servers_) all.push_back(vs.state);
  return all;
}

std::vector<NotifyAction> HealthySet::shutdown() const {
  std::vector<NotifyAction> actions;
  for (const auto& [name, vs] : virtual_servers_) {
    if (!vs.rules.omega) continue;
    for (const auto& rs : vs.real_servers) {
      if (rs.up && !rs.rules.notify_down.empty()) {
        actions.push_back({NotifyAction::Kind::real_server_down, name, rs.rules.name, rs.rules.notify_down});
      }
    }
    if (vs.state.quorum_up && !vs.rules.notify_quorum_down.empty()) {
      actions.push_back({NotifyAction::Kind::quorum_down, name, "", vs.rules.notify_quorum_down});
    }
  }
  return actions;
}

}  // namespace xdplb::check
