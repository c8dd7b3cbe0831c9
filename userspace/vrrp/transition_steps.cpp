#include "vrrp/transition_steps.h"

namespace xdplb::vrrp {

std::vector<TransitionStep> transition_steps(State from, State to, bool adds_connected_network) {
  std::vector<TransitionStep> steps;
  if (to == State::master) {
    steps.push_back(TransitionStep::update_data_plane);
    steps.push_back(TransitionStep::take_addresses);
    if (adds_connected_network) steps.push_back(TransitionStep::update_data_plane);
  } else if (from == State::master) {
    steps.push_back(TransitionStep::release_addresses);
    steps.push_back(TransitionStep::update_data_plane);
  } else {
    steps.push_back(TransitionStep::update_data_plane);
  }
  steps.push_back(TransitionStep::notify);
  return steps;
}

}  // namespace xdplb::vrrp
