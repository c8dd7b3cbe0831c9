// Conntrack time: a recorded flow carries the time of its last packet (abi.h), a packet of the flow
// moves it forward only when it is XDPLB_CT_TOUCH_MS or more behind, an ICMP error about the flow
// does not, and the walk that xdplbctl conns and the flow counts use reads it back as idle time.
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include <algorithm>
#include <optional>
#include <set>

#include <doctest/doctest.h>

#include "common/unique_fd.h"
#include "lb_fixture.h"

using namespace xdplb::test;
using xdplb::UniqueFd;

namespace {

constexpr std::uint16_t kClientPort = 41000;

struct OneFlow {
  LbFixture lb;
  UniqueFd conntrack;
  OneFlow() {
    lb.add_backends(2);
    lb.sync({vip("198.18.0.100", 80, {backend(backend_ip(1)), backend(backend_ip(2))})});
    conntrack = UniqueFd(bpf_obj_get((lb.dp().pin_dir() + "/xdplb_conntrack").c_str()));
    REQUIRE(conntrack.get() >= 0);
  }
  int send() { return LbFixture::backend_of(lb.run(client_frame("198.18.0.100", 80, kClientPort))); }
  // The one entry of the table (key and value), or nothing when it is empty.
  std::optional<std::pair<xdplb_flow, xdplb_ct_entry>> entry() {
    xdplb_flow key{};
    xdplb_ct_entry value{};
    if (bpf_map_get_next_key(conntrack.get(), nullptr, &key) != 0) return std::nullopt;
    REQUIRE(bpf_map_lookup_elem(conntrack.get(), &key, &value) == 0);
    xdplb_flow next{};
    CHECK_MESSAGE(bpf_map_get_next_key(conntrack.get(), &key, &next) != 0, "more than one entry");
    return std::pair{key, value};
  }
  // Sets the entry's last_seen `ms` into the past.
  void age(std::uint32_t ms) {
    auto e = entry();
    REQUIRE(e);
    e->second.last_seen = xdplb::dataplane::conntrack_clock_ms() - ms;
    REQUIRE(bpf_map_update_elem(conntrack.get(), &e->first, &e->second, BPF_EXIST) == 0);
  }
  std::int64_t behind_now_ms() {
    auto e = entry();
    REQUIRE(e);
    return static_cast<std::int32_t>(xdplb::dataplane::conntrack_clock_ms() - e->second.last_seen);
  }
};

}  // namespace

TEST_CASE("a new flow is recorded with the time of its first packet") {
  OneFlow f;
  REQUIRE(f.send() != 0);
  // The BPF side and userspace read the same coarse clock: within a tick (4 ms at HZ=250) plus the run.
  CHECK(f.behind_now_ms() >= -10);
  CHECK(f.behind_now_ms() <= 100);
}

TEST_CASE("a packet of the flow refreshes last_seen once it is a second behind, not sooner") {
  OneFlow f;
  const int chosen = f.send();
  REQUIRE(chosen != 0);

  f.age(XDPLB_CT_TOUCH_MS / 2);
  CHECK(f.send() == chosen);
  CHECK_MESSAGE(f.behind_now_ms() >= XDPLB_CT_TOUCH_MS / 2 - 10, "refreshed before XDPLB_CT_TOUCH_MS: a write per packet");

  f.age(5000);
  CHECK(f.send() == chosen);
  CHECK(f.behind_now_ms() <= 100);
}

TEST_CASE("an ICMP error about the flow follows it without refreshing last_seen") {
  OneFlow f;
  const int chosen = f.send();
  REQUIRE(chosen != 0);
  f.age(5000);

  // Fragmentation needed (3/4) from a router, quoting the backend's reply VIP:80 -> client.
  FrameSpec quoted;
  quoted.src_ip = "198.18.0.100";
  quoted.dst_ip = "198.18.1.1";
  quoted.sport = 80;
  quoted.dport = kClientPort;
  quoted.tcp_flags = 0x10;
  auto inner = build_frame(quoted);
  inner.erase(inner.begin(), inner.begin() + 14);
  inner.resize(std::min<std::size_t>(inner.size(), 64));
  std::vector<uint8_t> icmp(8 + inner.size(), 0);
  icmp[0] = 3;
  icmp[1] = 4;
  icmp[6] = 0x05;
  std::copy(inner.begin(), inner.end(), icmp.begin() + 8);
  FrameSpec outer;
  outer.src_mac = kClientMac;
  outer.dst_mac = kIfaceMac;
  outer.src_ip = "198.18.9.1";
  outer.dst_ip = "198.18.0.100";
  outer.proto = 1;
  outer.l4_override = icmp;

  CHECK(LbFixture::backend_of(f.lb.run(build_frame(outer))) == chosen);
  CHECK(f.behind_now_ms() >= 5000 - 10);
}

TEST_CASE("the walk reports the idle time and decodes the 5-tuple") {
  OneFlow f;
  REQUIRE(f.send() != 0);
  f.age(7000);
  int seen = 0;
  f.lb.dp().for_each_flow([&](const xdplb::dataplane::FlowEntry& flow, const auto&) {
    ++seen;
    CHECK(flow.protocol == 6);
    CHECK(flow.client.to_string() == "198.18.1.1");
    CHECK(flow.client_port == kClientPort);
    CHECK(flow.destination.to_string() == "198.18.0.100");
    CHECK(flow.destination_port == 80);
    CHECK(flow.idle.count() >= 7000);
    CHECK(flow.idle.count() < 7200);
  });
  CHECK(seen == 1);
  // Idle for 7 s is inside the active window: it counts as a flow of its backend.
  const auto counts = f.lb.dp().flows_per_backend();
  REQUIRE(counts.size() == 1);
  CHECK(counts.begin()->second == 1);

  f.age(std::chrono::duration_cast<std::chrono::milliseconds>(xdplb::dataplane::kActiveFlowWindow).count() + 1000);
  CHECK(f.lb.dp().flows_per_backend().empty());
}

TEST_CASE("the walk goes in batches, each entry once, and needs nothing of the data plane once made") {
  OneFlow f;
  REQUIRE(f.send() != 0);
  auto e = f.entry();
  REQUIRE(e);
  // 10,000 more flows of the same VIP and backend from other client ports.
  constexpr int kMore = 10000;
  for (int i = 0; i < kMore; ++i) {
    auto key = e->first;
    key.sport = htons(static_cast<std::uint16_t>(1000 + i));
    REQUIRE(bpf_map_update_elem(f.conntrack.get(), &key, &e->second, BPF_NOEXIST) == 0);
  }
  auto walk = f.lb.dp().walk_flows();
  std::set<std::uint16_t> ports;
  int steps = 0;
  std::uint64_t owned = 0;
  for (bool more = true; more; ++steps) {
    std::uint64_t in_step = 0;
    more = walk.step([&](const xdplb::dataplane::FlowEntry& flow, const auto* owner) {
      ++in_step;
      owned += owner != nullptr;
      CHECK(ports.insert(flow.client_port).second);
    });
    CHECK(in_step <= xdplb::dataplane::ConntrackWalk::kBatch);
  }
  CHECK(ports.size() == kMore + 1);
  CHECK(walk.visited() == kMore + 1);
  CHECK(owned == kMore + 1);
  CHECK(steps >= 3);
  CHECK_FALSE(walk.error());
  // Done is done.
  CHECK_FALSE(walk.step([](const auto&, const auto*) { FAIL("visited after the end"); }));
}

TEST_CASE("idle times are right up to 49 days; an entry touched during the walk is idle for no time") {
  const xdplb_flow key{};
  const std::uint32_t now = 5000;  // the clock wraps: a flow seen 30 days ago has last_seen "above" now
  const auto at = [&](std::uint32_t last_seen) {
    return xdplb::dataplane::decode_flow(key, xdplb_ct_entry{1, 1, last_seen, 0}, now).idle.count();
  };
  constexpr std::int64_t kDay = 24LL * 3600 * 1000;
  CHECK(at(now) == 0);
  CHECK(at(now - 7000) == 7000);
  CHECK(at(static_cast<std::uint32_t>(now - 30 * kDay)) == 30 * kDay);
  CHECK(at(static_cast<std::uint32_t>(now - 49 * kDay)) == 49 * kDay);
  // Touched by another CPU a moment after the walk read its clock.
  CHECK(at(now + 20) == 0);
}
