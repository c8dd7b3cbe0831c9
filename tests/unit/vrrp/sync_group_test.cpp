// vrrp_sync_group: which moves are propagated to the other members, and which are not.
#include <doctest/doctest.h>

#include "vrrp/sync_group.h"

using namespace xdplb::vrrp;

TEST_CASE("sync group: a member's own transition moves the others and the group") {
  SyncGroup group("G1", {"VI_1", "VI_2"});
  auto move = group.member_changed("VI_1", {State::initialize, State::backup, TransitionReason::startup});
  REQUIRE(move);
  CHECK(move->target == State::backup);
  CHECK(move->group_changed);
  move = group.member_changed("VI_2", {State::backup, State::backup, TransitionReason::startup});
  REQUIRE(move);
  CHECK_FALSE(move->group_changed);  // already Backup: no second group notify
  move = group.member_changed("VI_1", {State::backup, State::master, TransitionReason::master_down_timer});
  REQUIRE(move);
  CHECK(move->target == State::master);
  CHECK(group.state() == State::master);
  move = group.member_changed("VI_2", {State::master, State::fault, TransitionReason::fault});
  REQUIRE(move);
  CHECK(move->target == State::fault);
}

TEST_CASE("sync group: moves the group caused, shutdown and strangers are not propagated") {
  SyncGroup group("G1", {"VI_1", "VI_2"});
  CHECK_FALSE(group.member_changed("VI_2", {State::backup, State::master, TransitionReason::sync_group}));
  CHECK_FALSE(group.member_changed("VI_1", {State::master, State::initialize, TransitionReason::shutdown}));
  CHECK_FALSE(group.member_changed("VI_9", {State::backup, State::master, TransitionReason::master_down_timer}));
  CHECK(group.state() == State::initialize);
}
