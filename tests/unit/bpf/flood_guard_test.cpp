// The conntrack flood guard: past xdp_conntrack_flood_rate new flows in a second on one CPU, new flows
// are forwarded by the ring without being recorded; established flows are untouched.
#include <sched.h>

#include <map>
#include <numeric>

#include <doctest/doctest.h>

#include "lb_fixture.h"

using namespace xdplb::test;

namespace {

constexpr uint8_t kUdp = 17;

// The guard counts per CPU and BPF_PROG_TEST_RUN runs on the caller's CPU: keep every run on one.
struct PinnedToOneCpu {
  cpu_set_t before{};
  PinnedToOneCpu() {
    REQUIRE(sched_getaffinity(0, sizeof(before), &before) == 0);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    REQUIRE(sched_setaffinity(0, sizeof(one), &one) == 0);
  }
  ~PinnedToOneCpu() { sched_setaffinity(0, sizeof(before), &before); }
};

std::uint64_t tracked_flows(LbFixture& lb) {
  const auto flows = lb.dp().flows_per_backend();
  return std::accumulate(flows.begin(), flows.end(), std::uint64_t{0},
                         [](std::uint64_t sum, const auto& entry) { return sum + entry.second; });
}

// Backend (1-based) chosen for UDP flows from client ports first..first+n-1.
std::map<uint16_t, int> send_flows(LbFixture& lb, int n, uint16_t first) {
  std::map<uint16_t, int> chosen;
  for (int i = 0; i < n; ++i) {
    const auto port = static_cast<uint16_t>(first + i);
    chosen[port] = LbFixture::backend_of(lb.run(client_frame("198.18.0.100", 53, port, 1, kUdp)));
  }
  return chosen;
}

// A UDP VIP over three backends with the flood guard at `rate`, every run on one CPU.
struct GuardedLb {
  PinnedToOneCpu pin;
  LbFixture lb;
  explicit GuardedLb(std::uint32_t rate) {
    lb.add_backends(3);
    lb.sync({vip("198.18.0.100", 53,
                 {backend(backend_ip(1), 53), backend(backend_ip(2), 53), backend(backend_ip(3), 53)}, kUdp)});
    lb.dp().set_flood_rate(rate);
  }
};

}  // namespace

TEST_CASE("flood guard: past the rate, new flows are forwarded by the ring but not recorded") {
  GuardedLb guarded(100);
  LbFixture& lb = guarded.lb;

  const auto chosen = send_flows(lb, 300, 30000);
  for (const auto& [client_port, b] : chosen) {
    const uint16_t port = client_port;  // copies: clang 14 cannot capture structured bindings
    const int backend_n = b;
    CAPTURE(port);
    CHECK(backend_n >= 1);
  }
  CHECK(lb.verdict(XDPLB_R_FWD_TX).packets == 300);
  CHECK(tracked_flows(lb) == 100);
  const auto flood = lb.dp().flood();
  CHECK(flood.untracked == 200);
  CHECK(flood.windows_flooded == 1);

  // The untracked flows went where the ring sends them: the same backend the guard-free path picks,
  // and each is recorded on its next packet once the guard lets it.
  lb.dp().set_flood_rate(0);
  CHECK(send_flows(lb, 300, 30000) == chosen);
  CHECK(tracked_flows(lb) == 300);
  CHECK(lb.dp().flood().untracked == 200);
}

TEST_CASE("flood guard: established flows keep their backend through a flood and a ring change") {
  GuardedLb guarded(50);
  LbFixture& lb = guarded.lb;
  const auto established = send_flows(lb, 50, 40000);
  REQUIRE(tracked_flows(lb) == 50);

  send_flows(lb, 500, 50000);  // the flood: none of it is recorded, nothing established is evicted
  CHECK(tracked_flows(lb) == 50);
  CHECK(lb.dp().flood().untracked == 500);

  // A fourth backend changes the ring; the established flows stay where conntrack pinned them.
  lb.add_backends(4);
  lb.sync({vip("198.18.0.100", 53,
               {backend(backend_ip(1), 53), backend(backend_ip(2), 53), backend(backend_ip(3), 53),
                backend(backend_ip(4), 53)},
               kUdp)});
  CHECK(send_flows(lb, 50, 40000) == established);
}

TEST_CASE("flood guard: a rate lowered mid-window acts at once and counts that window as flooded") {
  GuardedLb guarded(100);
  LbFixture& lb = guarded.lb;
  send_flows(lb, 80, 30000);  // under the rate: all recorded, no flooded window
  CHECK(lb.dp().flood().windows_flooded == 0);
  lb.dp().set_flood_rate(50);  // the window already holds 80 misses
  send_flows(lb, 10, 31000);
  CHECK(tracked_flows(lb) == 80);
  CHECK(lb.dp().flood().untracked == 10);
  CHECK(lb.dp().flood().windows_flooded == 1);
}

TEST_CASE("flood guard off (rate 0) records every new flow") {
  GuardedLb guarded(0);
  LbFixture& lb = guarded.lb;
  send_flows(lb, 400, 30000);
  CHECK(tracked_flows(lb) == 400);
  CHECK(lb.dp().flood().untracked == 0);
  CHECK(lb.dp().flood().windows_flooded == 0);
}
