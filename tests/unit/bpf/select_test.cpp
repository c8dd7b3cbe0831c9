// Backend choice in the XDP program: Maglev spread, conntrack stickiness, backend removal, drain,
// affinity, source hash, rotation, sorry server and the empty VIP.
#include <doctest/doctest.h>

#include "frame_table.h"

using namespace xdplb::test;
using xdplb::dataplane::Algorithm;
using xdplb::dataplane::BackendSpec;
using xdplb::dataplane::VipSpec;

namespace {

constexpr const char* kVip = "198.18.0.100";
constexpr const char* kVipKey = "tcp/198.18.0.100:80";

std::vector<BackendSpec> backends(int n, uint32_t weight = 1) {
  std::vector<BackendSpec> out;
  for (int i = 1; i <= n; ++i) out.push_back(backend(backend_ip(i), 80, weight));
  return out;
}

VipSpec web(std::vector<BackendSpec> over) { return vip(kVip, 80, std::move(over)); }

// Setup: the one VIP tcp/198.18.0.100:80 as `change` makes it, over backends 1..n.
Setup serve_web(std::string name, int n, void (*change)(VipSpec&) = nullptr) {
  auto v = web(backends(n));
  if (change) change(v);
  return serve(std::move(name), {v});
}

// Frames of `count` flows of client 1 to the VIP, source ports from `first_port` on.
Frames to_vip(int count, uint16_t first_port) { return flows(kVip, 80, count, first_port); }

// Frames of `per_client` flows from each of clients 1..clients, client after client.
Frames flows_of_clients(int clients, int per_client) {
  Frames all;
  for (int c = 1; c <= clients; ++c) {
    const auto some = flows(kVip, 80, per_client, 20000, c);
    all.insert(all.end(), some.begin(), some.end());
  }
  return all;
}

std::vector<VipMove> counted(std::uint64_t packets, std::uint64_t new_flows) {
  return {{.vip = kVipKey, .packets = packets, .new_flows = new_flows}};
}

FrameStory rotation_story(std::string description, int n, uint32_t ring_size, int rounds) {
  auto v = web(backends(n));
  v.algorithm = Algorithm::rotation;
  v.ring_size = ring_size;
  const std::string name = "rr VIP over backends 1-" + std::to_string(n) + ", ring of " + std::to_string(ring_size);
  return {std::move(description),
          {forwarded(std::to_string(n * rounds) + " new flows", to_vip(n * rounds, 20000))
               .after(serve(name, {v}))
               .checking(rotation(n, rounds))}};
}

FrameTable select_table() {
  const Setup three = serve_web("VIP over backends 1-3", 3);
  const Setup two = serve_web("VIP over backends 1-2", 2);
  const Setup four = serve_web("VIP over backends 1-4", 4);
  const Setup four_persistent = serve_web("VIP over backends 1-4, persistence_timeout 50", 4,
                                          [](VipSpec& v) { v.persistence_timeout = 50; });
  const Setup four_sh = serve_web("sh VIP over backends 1-4", 4, [](VipSpec& v) { v.algorithm = Algorithm::source_hash; });
  const Setup two_weighted_3_1 = serve_web("VIP over backends 1-2, weights 3 and 1", 2, [](VipSpec& v) {
    v.backends[0].weight = 3;
  });
  const Setup without_2 = serve("backend 2 leaves", {web({backend(backend_ip(1)), backend(backend_ip(3))})});
  const Setup drained_1 = serve_web("backend 1 drained (weight 0)", 2, [](VipSpec& v) { v.backends[0].weight = 0; });
  const Setup drained_2 = serve_web("backend 2 out of the ring (weight 0), still in service", 3,
                                    [](VipSpec& v) { v.backends[1].weight = 0; });

  auto sorry = web({});
  sorry.sorry_server = backend(backend_ip(3));
  auto sorry_and_two = sorry;
  sorry_and_two.backends = backends(2);
  const Setup empty = serve("VIP with no backend", {web({})});
  const Setup with_sorry = serve("VIP with no backend, sorry server backend 3", {sorry});
  const Setup servers_back = serve("real servers 1-2 back beside the sorry server", {sorry_and_two});

  const auto one_and_two = web({backend(backend_ip(1)), backend(backend_ip(2))});
  const Setup two_unknown = {"VIP over backends 1-2, backend 2's MAC unknown", [one_and_two](Lab& lab) {
                               lab.lb().hops().remove(backend_ip(2));
                               lab.lb().hops().remove(backend_ip(2, true));
                               lab.lb().sync({one_and_two});
                             }};
  const Setup two_resolves = {"backend 2's MAC resolves", [one_and_two](Lab& lab) {
                                lab.lb().hops().add(backend_ip(2), backend_mac(2), 1);
                                CHECK(lab.lb().dp().sync({one_and_two}).unresolved.empty());
                              }};

  const Frames established = {client_frame(kVip, 80, 40000)};
  return {
      {"Maglev spreads new flows over every backend and keeps each flow on its backend",
       {
           forwarded("3000 new flows", to_vip(3000, 20000))
               .after(three)
               .checking(spread_evenly(3, 801, 1199))
               .remembered_as("first")
               .moving(counted(3000, 3000)),
           forwarded("the same flows again", to_vip(3000, 20000)).checking(as_remembered("first")).moving(counted(3000, 0)),
       }},
      {"removing a backend moves only its own flows; re-adding it does not move the others",
       {
           forwarded("2000 flows", to_vip(2000, 20000)).after(three).remembered_as("before"),
           forwarded("the same flows", to_vip(2000, 20000))
               .after(without_2)
               .checking(as_remembered_but("before", 2, {1, 3}))
               .remembered_as("after"),
           // Conntrack keeps established flows where they are, also those that moved away from backend 2.
           forwarded("the same flows once backend 2 is back", to_vip(2000, 20000)).after(three).checking(as_remembered("after")),
           forwarded("600 new flows", to_vip(600, 50000)).checking(includes_backend(2)),
       }},
      {"a drained backend (weight 0) keeps its established flows and gets no new ones",
       {
           forwarded("400 flows", to_vip(400, 20000)).after(two).remembered_as("before"),
           forwarded("the same flows", to_vip(400, 20000)).after(drained_1).checking(as_remembered("before")),
           forwarded("400 new flows", to_vip(400, 30000)).checking(only_backend(2)),
       }},
      {"weights shape the share of new flows",
       {forwarded("4000 new flows", to_vip(4000, 20000)).after(two_weighted_3_1).checking(share_ratio(1, 2, 2.6, 3.4))}},
      {"persistence_timeout keeps a client on one backend across its connections",
       {forwarded("30 connections from each of clients 1-20", flows_of_clients(20, 30))
            .after(four_persistent)
            .checking(one_backend_per_group(30, false))}},
      // The same client's connections spread without persistence.
      {"without persistence_timeout a client's connections spread",
       {forwarded("30 connections from client 1", to_vip(30, 20000)).after(four).checking(several_backends())}},
      {"sh hashes the client address only",
       {forwarded("10 connections from each of clients 1-40", flows_of_clients(40, 10))
            .after(four_sh)
            .checking(one_backend_per_group(10, true))}},
      rotation_story("rr rotates new flows over the backends in order", 3, 3 * 100, 100),
      // Rings store four 16-bit slots per map element: a ring of 7 ends inside its second element.
      rotation_story("rr over a ring whose size is not a multiple of four reads every slot, the last element's too",
                     7, 7, 10),
      // VIPs over the same pool share one ring build; each must still hold its own backend ids, which
      // the per-backend counters show (every VIP's backends are the same servers, so MACs cannot tell).
      {"VIPs over the same pool each forward with their own backend ids",
       {forwarded("300 flows to the second VIP", flows("198.18.0.101", 80, 300, 20000))
            .after(serve("VIPs 198.18.0.100-102:80 over backends 1-3",
                         {web(backends(3)), vip("198.18.0.101", 80, backends(3)), vip("198.18.0.102", 80, backends(3))}))
            .moving({{.vip = "tcp/198.18.0.101:80", .packets = 300, .per_backend = true}})}},
      {"no healthy backend: drop and count, or the sorry server when there is one",
       {
           {.description = "a segment to the empty VIP",
            .setup = empty,
            .in = established,
            .verdict = XDP_DROP,
            .out = unchecked(),
            .reason = XDPLB_R_DROP_NO_BACKEND},
           forwarded("the same with a sorry server", established, 3, XDPLB_R_FWD_SORRY).after(with_sorry),
           // Real servers back: new flows go to them; the flow on the sorry server stays there (its
           // conntrack entry chose it, so it counts as forwarded, no longer as sorry).
           forwarded("the flow on the sorry server", established, 3).after(servers_back),
           forwarded("200 new flows", to_vip(200, 20000)).checking(never_backend(3)),
       }},
      {"a backend whose MAC is unknown stays out of the ring until it resolves",
       {
           forwarded("300 flows", to_vip(300, 20000)).after(two_unknown).checking(only_backend(1)),
           forwarded("300 new flows", to_vip(300, 30000)).after(two_resolves).checking(includes_backend(2)),
       }},
      {"a SYN is chosen afresh; the segments after it follow conntrack",
       {
           forwarded("600 established flows (ACK segments)", to_vip(600, 20000))
               .after(three)
               .remembered_as("first")
               .moving(counted(600, 600)),
           // Backend 2 leaves the ring but stays in service: established segments stay with it ...
           forwarded("the same segments", to_vip(600, 20000))
               .after(drained_2)
               .checking(as_remembered("first"))
               .moving(counted(600, 0)),
           // ... while a SYN of the same 5-tuple is a new connection and never lands on it.
           forwarded("a SYN of each of those 5-tuples", as_syn(to_vip(600, 20000)))
               .checking(never_backend(2))
               .moving(counted(600, 600)),
       }},
  };
}

}  // namespace

TEST_CASE("select: backend choice table") { run_frame_table(select_table()); }
