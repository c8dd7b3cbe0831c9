#include "vrrp/transition_steps.h"

#include <doctest/doctest.h>

#include <algorithm>

using xdplb::vrrp::State;
using xdplb::vrrp::transition_steps;
using Step = xdplb::vrrp::TransitionStep;

namespace {

long position(const std::vector<Step>& steps, Step step) {
  const auto it = std::find(steps.begin(), steps.end(), step);
  REQUIRE_MESSAGE(it != steps.end(), "step missing");
  return it - steps.begin();
}

bool has(const std::vector<Step>& steps, Step step) {
  return std::find(steps.begin(), steps.end(), step) != steps.end();
}

}  // namespace

TEST_CASE("entering Master serves the VIPs in the data plane before the kernel owns their addresses") {
  for (const State from : {State::initialize, State::backup, State::fault}) {
    const auto steps = transition_steps(from, State::master, false);
    CHECK(position(steps, Step::update_data_plane) < position(steps, Step::take_addresses));
    CHECK(position(steps, Step::take_addresses) < position(steps, Step::notify));
    CHECK_FALSE(has(steps, Step::release_addresses));
  }
}

TEST_CASE("leaving Master removes the addresses before the data plane stops serving them") {
  for (const State to : {State::initialize, State::backup, State::fault}) {
    const auto steps = transition_steps(State::master, to, true);
    CHECK(position(steps, Step::release_addresses) < position(steps, Step::update_data_plane));
    CHECK(position(steps, Step::update_data_plane) < position(steps, Step::notify));
    CHECK_FALSE(has(steps, Step::take_addresses));
  }
}

TEST_CASE("a change between non-Master states touches no address") {
  const auto steps = transition_steps(State::backup, State::fault, true);
  CHECK(steps == std::vector<Step>{Step::update_data_plane, Step::notify});
  CHECK(transition_steps(State::initialize, State::backup, true) == steps);
  CHECK(transition_steps(State::fault, State::initialize, false) == steps);
}

TEST_CASE("entering Master with an address that connects a network updates the data plane again after it") {
  // The servers that network reaches resolve only once the address is on the interface.
  const auto steps = transition_steps(State::backup, State::master, true);
  CHECK(steps == std::vector<Step>{Step::update_data_plane, Step::take_addresses, Step::update_data_plane, Step::notify});
  CHECK(transition_steps(State::backup, State::master, false) ==
        std::vector<Step>{Step::update_data_plane, Step::take_addresses, Step::notify});
}
