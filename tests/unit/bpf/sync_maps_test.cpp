// What a sync of the data plane does to the maps, apart from the packets: the writes it makes, the
// specs it refuses, and the BTF of the ring maps it creates.
#include <bpf/bpf.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "lb_fixture.h"

using namespace xdplb::test;
using xdplb::dataplane::BackendSpec;

namespace {

std::vector<BackendSpec> backends(int n) {
  std::vector<BackendSpec> out;
  for (int i = 1; i <= n; ++i) out.push_back(backend(backend_ip(i)));
  return out;
}

}  // namespace

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
