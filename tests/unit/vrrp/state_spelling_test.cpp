// One vrrp::State, spelled by purpose: keepalived calls Initialize INIT where it shows a state and
// STOP where it notifies one.
#include <doctest/doctest.h>

#include "vrrp/fsm.h"

using xdplb::vrrp::State;
using xdplb::vrrp::StateSpelling;
using xdplb::vrrp::to_string;

TEST_CASE("state spelling: status (logs, xdplbctl status, metrics) says INIT BACKUP MASTER FAULT") {
  CHECK(to_string(State::initialize, StateSpelling::status) == "INIT");
  CHECK(to_string(State::backup, StateSpelling::status) == "BACKUP");
  CHECK(to_string(State::master, StateSpelling::status) == "MASTER");
  CHECK(to_string(State::fault, StateSpelling::status) == "FAULT");
}

TEST_CASE("state spelling: notify (scripts, FIFO lines, SMTP alerts) says STOP for Initialize") {
  CHECK(to_string(State::initialize, StateSpelling::notify) == "STOP");
  CHECK(to_string(State::backup, StateSpelling::notify) == "BACKUP");
  CHECK(to_string(State::master, StateSpelling::notify) == "MASTER");
  CHECK(to_string(State::fault, StateSpelling::notify) == "FAULT");
}
