// keepalived's STATS_CLEAR over the `stats` answer: counters count from the clear; a counter that
// restarted below its baseline is shown as it is.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "agent/stats_baseline.h"

using Json = nlohmann::json;
using xdplb::agent::StatsBaseline;

namespace {

Json stats(std::uint64_t vip_packets, std::uint64_t backend_packets, std::uint64_t verdict_packets) {
  return {{"virtual_servers",
           {{{"vip", "tcp/198.18.0.100:80"}, {"packets", vip_packets}, {"bytes", vip_packets * 100},
             {"new_flows", vip_packets / 10},
             {"backends", {{{"backend", "198.18.0.11:80"}, {"packets", backend_packets},
                            {"bytes", backend_packets * 100}, {"new_flows", backend_packets / 10}}}}}}},
          {"verdicts", {{"fwd_tx", {{"packets", verdict_packets}, {"bytes", verdict_packets * 100}}}}},
          {"conntrack_guard",
           {{"flood_rate", 52428}, {"flood_rate_auto", true}, {"untracked_packets", 7}, {"windows_flooded", 2}}}};
}

}  // namespace

TEST_CASE("before any clear the counters are shown as they are") {
  StatsBaseline baseline;
  CHECK_FALSE(baseline.cleared());
  CHECK(baseline.since_clear(stats(1000, 400, 1200)) == stats(1000, 400, 1200));
}

TEST_CASE("after a clear every counter counts from it, settings stay") {
  StatsBaseline baseline;
  baseline.clear(stats(1000, 400, 1200));
  CHECK(baseline.cleared());
  const auto shown = baseline.since_clear(stats(1500, 600, 1800));
  const auto& vip = shown["virtual_servers"][0];
  CHECK(vip["packets"] == 500);
  CHECK(vip["bytes"] == 50000);
  CHECK(vip["new_flows"] == 50);
  CHECK(vip["backends"][0]["packets"] == 200);
  CHECK(shown["verdicts"]["fwd_tx"]["bytes"] == 60000);
  CHECK(shown["conntrack_guard"]["untracked_packets"] == 0);
  CHECK(shown["conntrack_guard"]["flood_rate"] == 52428);
}

TEST_CASE("a counter below its baseline started again and a new VIP has no baseline") {
  StatsBaseline baseline;
  baseline.clear(stats(1000, 400, 1200));
  auto now = stats(30, 10, 1300);  // the VIP was removed and added back by a reload
  now["virtual_servers"].push_back({{"vip", "tcp/198.18.0.101:80"}, {"packets", 9}, {"bytes", 900},
                                    {"new_flows", 1}, {"backends", Json::array()}});
  const auto shown = baseline.since_clear(now);
  CHECK(shown["virtual_servers"][0]["packets"] == 30);
  CHECK(shown["virtual_servers"][0]["backends"][0]["packets"] == 10);
  CHECK(shown["virtual_servers"][1]["packets"] == 9);
  CHECK(shown["verdicts"]["fwd_tx"]["packets"] == 100);
}
