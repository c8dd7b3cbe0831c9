// vrrp_script's rise/fall hysteresis, and a real script run on the loop.
#include <doctest/doctest.h>

#include <asio/io_context.hpp>

#include "vrrp/tracker.h"

using namespace xdplb::vrrp;

TEST_CASE("tracker: fall failures in a row to fail, rise successes to recover") {
  RiseFall state(2, 3);
  CHECK(state.healthy());
  CHECK_FALSE(state.record(false));
  CHECK_FALSE(state.record(false));
  CHECK_FALSE(state.record(true));  // the streak is broken
  CHECK_FALSE(state.record(false));
  CHECK_FALSE(state.record(false));
  CHECK(state.record(false) == std::optional<bool>(false));
  CHECK_FALSE(state.healthy());
  CHECK_FALSE(state.record(true));
  CHECK(state.record(true) == std::optional<bool>(true));
}

TEST_CASE("tracker: rise and fall of 0 behave as 1; init_fail starts failed") {
  RiseFall state(0, 0, false);
  CHECK(state.record(true) == std::optional<bool>(true));
  CHECK(state.record(false) == std::optional<bool>(false));
}

TEST_CASE("tracker: a failing script is reported after fall runs") {
  asio::io_context io;
  ScriptSettings settings;
  settings.name = "chk";
  settings.argv = {"/bin/false"};
  settings.interval = std::chrono::milliseconds(20);
  settings.timeout = std::chrono::milliseconds(2000);
  settings.fall = 2;
  std::vector<bool> changes;
  ScriptTracker tracker(io, settings, [&](const std::string& name, bool healthy) {
    CHECK(name == "chk");
    changes.push_back(healthy);
    tracker.stop();
  });
  tracker.start();
  io.run_for(std::chrono::seconds(5));
  CHECK(changes == std::vector<bool>{false});
  CHECK_FALSE(tracker.healthy());
}

TEST_CASE("tracker: a script that hangs is killed at its timeout and counts as a failure") {
  asio::io_context io;
  ScriptSettings settings;
  settings.name = "slow";
  settings.argv = {"/bin/sleep", "10"};
  settings.interval = std::chrono::milliseconds(50);
  settings.timeout = std::chrono::milliseconds(100);
  bool failed = false;
  const auto t0 = std::chrono::steady_clock::now();
  ScriptTracker tracker(io, settings, [&](const std::string&, bool healthy) {
    failed = !healthy;
    tracker.stop();
  });
  tracker.start();
  io.run_for(std::chrono::seconds(5));
  CHECK(failed);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
}
