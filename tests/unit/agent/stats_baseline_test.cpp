// keepalived's STATS_CLEAR over the `stats` answer: counters count from the clear; a counter that
// restarted below its baseline is shown as it is.
#include <doctest/doctest.h>

#include "agent/stats_baseline.h"

using xdplb::agent::StatsBaseline;
using xdplb::contract::Stats;

namespace {

Stats stats(std::uint64_t vip_packets, std::uint64_t backend_packets, std::uint64_t verdict_packets) {
  Stats s;
  s.virtual_servers.push_back(
      {"tcp/198.18.0.100:80",
       {vip_packets, vip_packets * 100, vip_packets / 10},
       {{"198.18.0.11:80", false, {backend_packets, backend_packets * 100, backend_packets / 10}},
        {"198.18.0.11:80", true, {backend_packets * 2, 0, 0}}}});  // the sorry server at the same address
  s.verdicts["fwd_tx"] = {verdict_packets, verdict_packets * 100};
  s.conntrack_guard = xdplb::contract::ConntrackGuard{52428, true, 7, 2};
  return s;
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
  const auto& vip = shown.virtual_servers.at(0);
  CHECK(vip.traffic.packets == 500);
  CHECK(vip.traffic.bytes == 50000);
  CHECK(vip.traffic.new_flows == 50);
  CHECK(vip.backends.at(0).traffic.packets == 200);
  CHECK(vip.backends.at(1).traffic.packets == 400);  // the sorry server against its own baseline
  CHECK(shown.verdicts.at("fwd_tx").bytes == 60000);
  CHECK(shown.conntrack_guard->untracked_packets == 0);
  CHECK(shown.conntrack_guard->flood_rate == 52428);
}

TEST_CASE("a counter below its baseline started again and a new VIP has no baseline") {
  StatsBaseline baseline;
  baseline.clear(stats(1000, 400, 1200));
  auto now = stats(30, 10, 1300);  // the VIP was removed and added back by a reload
  now.virtual_servers.push_back({"tcp/198.18.0.101:80", {9, 900, 1}, {}});
  const auto shown = baseline.since_clear(now);
  CHECK(shown.virtual_servers.at(0).traffic.packets == 30);
  CHECK(shown.virtual_servers.at(0).backends.at(0).traffic.packets == 10);
  CHECK(shown.virtual_servers.at(1).traffic.packets == 9);
  CHECK(shown.verdicts.at("fwd_tx").packets == 100);
}
