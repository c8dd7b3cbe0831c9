#include "contract/answers.h"

namespace xdplb::contract {

std::string_view to_string(VrrpState state) {
  switch (state) {
    case VrrpState::init: return "INIT";
    case VrrpState::backup: return "BACKUP";
    case VrrpState::master: return "MASTER";
    case VrrpState::fault: return "FAULT";
  }
  return "?";
}


std::string_view to_string(Forwarding forwarding) {
  switch (forwarding) {
    case Forwarding::dr: return "dr";
    case Forwarding::nat: return "nat";
    case Forwarding::tun: return "tun";
  }
  return "?";
}

std::string_view to_string(Health health) { return health == Health::up ? "up" : "down"; }

std::string_view to_string(FlowState state) {
  switch (state) {
    case FlowState::active: return "active";
    case FlowState::idle: return "idle";
    case FlowState::stale: return "stale";
  }
  return "?";
}

std::string_view to_string(StatsSource source) { return source == StatsSource::agent ? "agent" : "maps"; }

}  // namespace xdplb::contract
