// Backend choice in the XDP program: Maglev spread, conntrack stickiness, backend removal, drain,
// affinity, source hash, rotation, sorry server and the empty VIP.
#include <bpf/bpf.h>
#include <unistd.h>
#include <linux/bpf.h>

#include <map>

#include <doctest/doctest.h>

#include "lb_fixture.h"

using namespace xdplb::test;
using xdplb::dataplane::Algorithm;
using xdplb::dataplane::BackendSpec;

namespace {

std::vector<BackendSpec> backends(int n, uint32_t weight = 1) {
  std::vector<BackendSpec> out;
  for (int i = 1; i <= n; ++i) out.push_back(backend(backend_ip(i), 80, weight));
  return out;
}

// Backend chosen for each of `flows` client ports, 1-based.
std::map<uint16_t, int> spread(LbFixture& lb, int flows, uint16_t first_port = 20000, int client = 1) {
  std::map<uint16_t, int> chosen;
  for (int i = 0; i < flows; ++i) {
    const auto port = static_cast<uint16_t>(first_port + i);
    chosen[port] = LbFixture::backend_of(lb.run(client_frame("198.18.0.100", 80, port, client)));
  }
  return chosen;
}

std::map<int, int> histogram(const std::map<uint16_t, int>& chosen) {
  std::map<int, int> h;
  for (const auto& [port, b] : chosen) ++h[b];
  return h;
}

}  // namespace

TEST_CASE("Maglev spreads new flows over every backend and keeps each flow on its backend") {
  LbFixture lb;
  lb.add_backends(3);
  lb.sync({vip("198.18.0.100", 80, backends(3))});
  const auto first = spread(lb, 3000);
  const auto h = histogram(first);
  REQUIRE(h.size() == 3);
  for (const auto& [backend_n, n] : h) {
    const int b = backend_n;  // a copy: clang 14 cannot capture structured bindings
    CAPTURE(b);
    CHECK(b >= 1);
    CHECK(n > 800);  // 1000 expected each
    CHECK(n < 1200);
  }
  CHECK(spread(lb, 3000) == first);
  const auto status = lb.dp().status();
  CHECK(status[0].traffic.new_flows == 3000);
  CHECK(status[0].traffic.packets == 6000);
}

TEST_CASE("removing a backend moves only its own flows; re-adding it does not move the others") {
  LbFixture lb;
  lb.add_backends(3);
  lb.sync({vip("198.18.0.100", 80, backends(3))});
  const auto before = spread(lb, 2000);

  auto two = backends(3);
  two.erase(two.begin() + 1);  // backend 2 leaves
  lb.sync({vip("198.18.0.100", 80, two)});
  const auto after = spread(lb, 2000);
  for (const auto& [client_port, b] : before) {
    const uint16_t port = client_port;  // a copy: clang 14 cannot capture structured bindings
    CAPTURE(port);
    if (b == 2)
      CHECK((after.at(port) == 1 || after.at(port) == 3));
    else
      CHECK(after.at(port) == b);
  }
  lb.sync({vip("198.18.0.100", 80, backends(3))});
  // Conntrack keeps established flows where they are, also those that moved away from backend 2.
  CHECK(spread(lb, 2000) == after);
  // New flows use backend 2 again.
  CHECK(histogram(spread(lb, 600, 50000)).count(2) == 1);
}

TEST_CASE("a drained backend (weight 0) keeps its established flows and gets no new ones") {
  LbFixture lb;
  lb.add_backends(2);
  lb.sync({vip("198.18.0.100", 80, backends(2))});
  const auto before = spread(lb, 400);
  auto drained = backends(2);
  drained[0].weight = 0;
  lb.sync({vip("198.18.0.100", 80, drained)});
  CHECK(spread(lb, 400) == before);
  const auto fresh = histogram(spread(lb, 400, 30000));
  CHECK(fresh.count(1) == 0);
  CHECK(fresh.at(2) == 400);
}

TEST_CASE("weights shape the share of new flows") {
  LbFixture lb;
  lb.add_backends(2);
  auto weighted = backends(2);
  weighted[0].weight = 3;
  lb.sync({vip("198.18.0.100", 80, weighted)});
  const auto h = histogram(spread(lb, 4000));
  const double ratio = static_cast<double>(h.at(1)) / h.at(2);
  CHECK(ratio > 2.6);
  CHECK(ratio < 3.4);
}

TEST_CASE("persistence_timeout keeps a client on one backend across its connections") {
  LbFixture lb;
  lb.add_backends(4);
  auto v = vip("198.18.0.100", 80, backends(4));
  v.persistence_timeout = 50;
  lb.sync({v});
  for (int client = 1; client <= 20; ++client) {
    CAPTURE(client);
    CHECK(histogram(spread(lb, 30, 20000, client)).size() == 1);
  }
  // Without persistence the same client's connections spread.
  v.persistence_timeout = 0;
  LbFixture plain;
  plain.add_backends(4);
  plain.sync({v});
  CHECK(histogram(spread(plain, 30, 20000, 1)).size() > 1);
}

TEST_CASE("sh hashes the client address only") {
  LbFixture lb;
  lb.add_backends(4);
  auto v = vip("198.18.0.100", 80, backends(4));
  v.algorithm = Algorithm::source_hash;
  lb.sync({v});
  std::map<int, int> per_client_backend;
  for (int client = 1; client <= 40; ++client) {
    const auto h = histogram(spread(lb, 10, 20000, client));
    CHECK(h.size() == 1);
    per_client_backend[h.begin()->first]++;
  }
  CHECK(per_client_backend.size() > 1);
}

namespace {

// rr over `n` equal backends with a ring of `ring_size` slots: `rounds` x n new flows must go round the
// backends in one fixed order, each backend exactly `rounds` times.
void check_rotation(int n, uint32_t ring_size, int rounds) {
  LbFixture lb;
  lb.add_backends(n);
  auto v = vip("198.18.0.100", 80, backends(n));
  v.algorithm = Algorithm::rotation;
  v.ring_size = ring_size;
  lb.sync({v});
  const auto chosen = spread(lb, n * rounds);
  std::vector<int> order;
  for (const auto& [port, b] : chosen) order.push_back(b);
  for (size_t i = static_cast<size_t>(n); i < order.size(); ++i) CHECK(order[i] == order[i - static_cast<size_t>(n)]);
  const auto h = histogram(chosen);
  CHECK(h.size() == static_cast<size_t>(n));
  for (const auto& [b, count] : h) CHECK(count == rounds);
}

}  // namespace

TEST_CASE("rr rotates new flows over the backends in order") { check_rotation(3, 3 * 100, 100); }

// Rings store four 16-bit slots per map element: a ring of 7 ends inside its second element.
TEST_CASE("rr over a ring whose size is not a multiple of four reads every slot, the last element's too") {
  check_rotation(7, 7, 10);
}

// VIPs over the same pool share one ring build; each must still hold its own backend ids, which the
// per-backend counters show (every VIP's backends are the same servers, so MACs cannot tell).
TEST_CASE("VIPs over the same pool each forward with their own backend ids") {
  LbFixture lb;
  lb.add_backends(3);
  lb.sync({vip("198.18.0.100", 80, backends(3)), vip("198.18.0.101", 80, backends(3)),
           vip("198.18.0.102", 80, backends(3))});
  for (uint16_t port = 20000; port < 20300; ++port) REQUIRE(LbFixture::backend_of(lb.run(client_frame("198.18.0.101", 80, port))) >= 1);
  for (const auto& v : lb.dp().status()) {
    std::uint64_t packets = 0;
    for (const auto& b : v.backends) packets += b.traffic.packets;
    CAPTURE(v.key);
    CHECK(packets == (v.key == "tcp/198.18.0.101:80" ? 300u : 0u));
    CHECK(v.traffic.packets == packets);
  }
}

TEST_CASE("no healthy backend: drop and count, or the sorry server when there is one") {
  LbFixture lb;
  lb.add_backends(3);
  lb.sync({vip("198.18.0.100", 80, {})});
  const auto in = client_frame("198.18.0.100", 80, 40000);
  CHECK(lb.run(in).verdict == XDP_DROP);
  CHECK(lb.verdict(XDPLB_R_DROP_NO_BACKEND).packets == 1);

  auto v = vip("198.18.0.100", 80, {});
  v.sorry_server = backend(backend_ip(3));
  lb.sync({v});
  const auto out = lb.run(in);
  CHECK(out.verdict == XDP_TX);
  CHECK(LbFixture::backend_of(out) == 3);
  CHECK(lb.verdict(XDPLB_R_FWD_SORRY).packets == 1);

  // Real servers back: new flows go to them; the flow on the sorry server stays there.
  v.backends = backends(2);
  lb.sync({v});
  CHECK(LbFixture::backend_of(lb.run(in)) == 3);
  const auto h = histogram(spread(lb, 200));
  CHECK(h.count(3) == 0);
}

TEST_CASE("a backend whose MAC is unknown stays out of the ring until it resolves") {
  LbFixture lb;
  lb.add_backends(1);
  auto v = vip("198.18.0.100", 80, {backend(backend_ip(1)), backend(backend_ip(2))});
  lb.sync({v});
  CHECK(histogram(spread(lb, 300)).size() == 1);
  lb.hops().add(backend_ip(2), backend_mac(2), 1);
  const auto report = lb.dp().sync({v});
  CHECK(report.unresolved.empty());
  CHECK(histogram(spread(lb, 300, 30000)).count(2) == 1);
}

TEST_CASE("sync writes only what changed") {
  LbFixture lb;
  lb.add_backends(3);
  const auto v = vip("198.18.0.100", 80, backends(3));
  auto first = lb.dp().sync({v});
  CHECK(first.rings_swapped == 1);
  auto again = lb.dp().sync({v});
  CHECK(again.map_writes == 0);
  CHECK(again.rings_swapped == 0);
  auto reweighted = v;
  reweighted.backends[0].weight = 2;
  auto changed = lb.dp().sync({reweighted});
  CHECK(changed.rings_swapped == 1);
  CHECK(changed.map_writes == 1);
  auto removed = lb.dp().sync({});
  CHECK(removed.map_writes == 2 + 3);
  CHECK(lb.dp().status().empty());
}

TEST_CASE("bad specs are refused with a reason and change nothing") {
  LbFixture lb;
  lb.add_backends(1);
  auto v = vip("198.18.0.100", 80, {backend(backend_ip(1))});
  v.ring_size = 1000;  // not prime
  const auto report = lb.dp().sync({v});
  REQUIRE(report.refused.size() == 1);
  CHECK(report.refused[0].find("ring size 1000") != std::string::npos);
  CHECK(lb.dp().status().empty());
  const auto twice = lb.dp().sync({vip("198.18.0.100", 80, {}), vip("198.18.0.100", 80, {})});
  CHECK(twice.refused.size() == 1);
}

TEST_CASE("a SYN is chosen afresh; the segments after it follow conntrack") {
  LbFixture lb;
  lb.add_backends(3);
  lb.sync({vip("198.18.0.100", 80, backends(3))});
  auto syn_to = [&](uint16_t port) {
    auto frame = client_frame("198.18.0.100", 80, port);
    frame[14 + 20 + 13] = 0x02;  // SYN
    return LbFixture::backend_of(lb.run(frame));
  };
  const auto first = spread(lb, 600);  // established flows (ACK segments)
  // Backend 2 leaves the ring but stays in service: established segments stay with it ...
  auto drained = backends(3);
  drained[1].weight = 0;
  lb.sync({vip("198.18.0.100", 80, drained)});
  CHECK(spread(lb, 600) == first);
  // ... while a SYN of the same 5-tuple is a new connection and never lands on it.
  for (const auto& [port, b] : first) CHECK(syn_to(port) != 2);
  CHECK(lb.dp().status()[0].traffic.new_flows == 1200);
}

// bpftool prints a ring decoded only if the loader gave it the program's BTF; libbpf drops the inner
// map template after load, so the ids are taken before.
TEST_CASE("ring maps carry the program's BTF (four 16-bit slots per 8-byte element)") {
  LbFixture lb;
  lb.add_backends(2);
  lb.sync({vip("198.18.0.100", 80, backends(2))});
  const std::uint32_t slot = lb.dp().status().front().id;
  std::uint32_t inner_id = 0;
  REQUIRE(bpf_map_lookup_elem(lb.dp().program().maps().rings, &slot, &inner_id) == 0);
  const int fd = bpf_map_get_fd_by_id(inner_id);
  REQUIRE(fd >= 0);
  bpf_map_info info{};
  std::uint32_t len = sizeof(info);
  REQUIRE(bpf_obj_get_info_by_fd(fd, &info, &len) == 0);
  close(fd);
  CHECK(info.btf_id != 0);
  CHECK(info.btf_value_type_id != 0);
  CHECK(info.value_size == 8);
  CHECK(info.max_entries == XDPLB_RING_ENTRIES(65537));
}
