// The log rate limit of the VRRP runtime, with a fake clock.
#include "vrrp/log_limiter.h"

#include <doctest/doctest.h>

#include <stdexcept>

using xdplb::vrrp::LogLimiter;
using namespace std::chrono_literals;

TEST_CASE("log limiter: the first event is logged, repeats within the interval are counted") {
  LogLimiter limiter(10s);
  const auto t0 = LogLimiter::Clock::time_point(1h);
  CHECK(limiter.admit("auth", t0) == 0u);
  for (int i = 1; i <= 34999; ++i) CHECK_FALSE(limiter.admit("auth", t0 + i * 100us).has_value());
  CHECK(limiter.next_flush() == t0 + 10s);
  CHECK(limiter.flush(t0 + 9s).empty());
  // One line per interval, carrying the count of the lines it replaces.
  CHECK(limiter.admit("auth", t0 + 10s) == 34999u);
  CHECK_FALSE(limiter.admit("auth", t0 + 11s).has_value());
}

TEST_CASE("log limiter: keys are limited independently") {
  LogLimiter limiter(10s);
  const auto t0 = LogLimiter::Clock::time_point(1h);
  CHECK(limiter.admit("VI_1 auth", t0) == 0u);
  CHECK(limiter.admit("VI_1 address list", t0) == 0u);
  CHECK(limiter.admit("VI_2 auth", t0) == 0u);
  CHECK_FALSE(limiter.admit("VI_1 auth", t0 + 1s).has_value());
  CHECK(limiter.next_flush() == t0 + 10s);
}

TEST_CASE("log limiter: flush reports held-back counts once the interval is over, then forgets") {
  LogLimiter limiter(10s);
  const auto t0 = LogLimiter::Clock::time_point(1h);
  limiter.admit("auth", t0);
  limiter.admit("auth", t0 + 1s);
  limiter.admit("auth", t0 + 2s);
  limiter.admit("quiet", t0);  // nothing held back: no summary due
  const auto due = limiter.flush(t0 + 10s);
  REQUIRE(due.size() == 1);
  CHECK(due[0].key == "auth");
  CHECK(due[0].count == 2);
  CHECK(limiter.flush(t0 + 30s).empty());
  CHECK_FALSE(limiter.next_flush().has_value());
  CHECK(limiter.admit("auth", t0 + 31s) == 0u);  // a new flood is reported at once
}

TEST_CASE("log limiter: an interval that is not positive is refused") {
  CHECK_THROWS_AS(LogLimiter(0s), std::invalid_argument);
}
