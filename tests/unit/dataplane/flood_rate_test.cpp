// The flood guard's default rate follows the table: every CPU's share turns over once in 10 s.
#include <doctest/doctest.h>

#include "dataplane/dataplane.h"

using xdplb::dataplane::auto_flood_rate;

TEST_CASE("auto flood rate: each CPU's share of the conntrack table per turnover period") {
  CHECK(auto_flood_rate(1u << 20, 2) == 52428);
  CHECK(auto_flood_rate(1u << 20, 32) == 3276);
  CHECK(auto_flood_rate(8u << 20, 16) == 52428);
  // Never below a floor, whatever the table or the CPU count (and no division by zero).
  CHECK(auto_flood_rate(1024, 64) == 1000);
  CHECK(auto_flood_rate(1u << 20, 0) == 104857);
}
