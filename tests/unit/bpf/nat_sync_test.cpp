// The NAT reverse table as Dataplane::sync writes it and verify checks it, across changes and restarts.
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include <doctest/doctest.h>

#include "dataplane/live_maps.h"
#include "lb_fixture.h"

using namespace xdplb::test;
using xdplb::dataplane::ForwardMethod;
using xdplb::dataplane::VipSpec;

namespace {

xdplb::dataplane::BackendSpec nat(int n, uint16_t port) {
  auto b = backend(backend_ip(n), port);
  b.forward = ForwardMethod::nat;
  return b;
}

constexpr std::string_view kNotAttached = "NAT real servers are reached through it but the program is not attached";

// What verify finds, but that the fixture attaches the program nowhere (checked on its own below).
std::vector<std::string> problems(LbFixture& lb, const std::vector<VipSpec>& desired) {
  std::vector<std::string> out;
  for (const auto& d : lb.dp().verify(desired))
    if (d.problem.find(kNotAttached) != 0) out.push_back(d.subject + ": " + d.problem);
  for (const auto& p : out) MESSAGE("verify: " << p);
  return out;
}

bool mentions(const std::vector<std::string>& list, const std::string& what) {
  for (const auto& p : list)
    if (p.find(what) != std::string::npos) return true;
  return false;
}

std::size_t live_entries(LbFixture& lb) {
  return xdplb::dataplane::read_live_nat_reverse(lb.dp().program().maps().nat_reverse).size();
}

xdplb_settings live_settings(LbFixture& lb) {
  return *xdplb::dataplane::read_live_settings(lb.dp().program().maps().settings);
}

// Flags of every in-service backend record at the address of lab backend n.
std::vector<std::uint8_t> record_flags(LbFixture& lb, int n) {
  std::vector<std::uint8_t> out;
  for (const auto& rec : xdplb::dataplane::read_live_backends(lb.dp().program().maps().backends))
    if ((rec.flags & XDPLB_BACKEND_F_IN_SERVICE) &&
        xdplb::dataplane::address_from(rec.addr, rec.family).to_string() == backend_ip(n))
      out.push_back(rec.flags);
  return out;
}

}  // namespace

TEST_CASE("NAT sync: the reverse table follows added and removed VIPs and servers, verify checks it") {
  LbFixture lb;
  lb.add_backends(3);
  const std::vector<VipSpec> one = {vip("198.18.0.100", 80, {nat(1, 8080), nat(2, 8080)}),
                                    vip("198.18.0.102", 80, {backend(backend_ip(3))})};
  lb.sync(one);
  CHECK(live_entries(lb) == 2);  // the DR VIP's server has none
  CHECK(live_settings(lb).nat_reverse == 2);
  CHECK(live_settings(lb).nat_port_any == 0);
  CHECK(problems(lb, one).empty());
  CHECK(lb.dp().nat_interfaces() == std::set<int>{1});
  CHECK(lb.dp().nat_interfaces_unattached() == std::set<int>{1});  // the fixture attaches nowhere
  // ... which verify says: those servers' replies are not translated.
  const auto unattached = lb.dp().verify(one);
  REQUIRE(unattached.size() == 1);
  CHECK(unattached[0].subject == "lo");
  CHECK(unattached[0].problem.find(kNotAttached) == 0);

  // Backend 1 now behind a second VIP: ambiguous, its records of both VIPs record flows.
  const std::vector<VipSpec> two = {one[0], one[1], vip("198.18.0.101", 0, {nat(1, 8080), nat(3, 0)})};
  lb.sync(two);
  CHECK(live_entries(lb) == 3);
  CHECK(live_settings(lb).nat_port_any == 1);
  const auto flags = record_flags(lb, 1);
  REQUIRE(flags.size() == 2);
  for (const auto f : flags) CHECK((f & XDPLB_BACKEND_F_NAT_AMBIGUOUS) != 0);
  CHECK(record_flags(lb, 2) == std::vector<std::uint8_t>{XDPLB_BACKEND_F_IN_SERVICE});
  CHECK(problems(lb, two).empty());

  SUBCASE("verify names an entry deleted or added behind the data plane's back") {
    const int fd = lb.dp().program().maps().nat_reverse;
    const auto live = xdplb::dataplane::read_live_nat_reverse(fd);
    REQUIRE(bpf_map_delete_elem(fd, &live[0].first) == 0);
    xdplb_nat_key stray = live[0].first;
    stray.port = htons(9999);
    REQUIRE(bpf_map_update_elem(fd, &stray, &live[0].second, BPF_ANY) == 0);
    const auto found = problems(lb, two);
    CHECK(mentions(found, "not in xdplb_nat_reverse"));
    CHECK(mentions(found, ":9999: in xdplb_nat_reverse but not wanted"));
  }
  SUBCASE("removing the second VIP makes backend 1 unambiguous again, and removes the port-0 entry") {
    lb.sync(one);
    CHECK(live_entries(lb) == 2);
    CHECK(live_settings(lb).nat_port_any == 0);
    CHECK(record_flags(lb, 1) == std::vector<std::uint8_t>{XDPLB_BACKEND_F_IN_SERVICE});
    CHECK(problems(lb, one).empty());
  }
  SUBCASE("a restart adopts the table and the next sync removes what is stale") {
    const std::string instance = lb.instance();
    lb.stop_keeping_pins();
    LbFixture again(instance);
    again.add_backends(3);
    CHECK(live_entries(again) == 3);
    const std::vector<VipSpec> fewer = {vip("198.18.0.100", 80, {nat(2, 8080)})};
    again.sync(fewer);
    CHECK(live_entries(again) == 1);
    CHECK(live_settings(again).nat_reverse == 1);
    CHECK(problems(again, fewer).empty());
  }
  SUBCASE("no NAT VIP left: the table is empty and the program skips the lookup") {
    lb.sync({one[1]});
    CHECK(live_entries(lb) == 0);
    CHECK(live_settings(lb).nat_reverse == 0);
    CHECK(problems(lb, {one[1]}).empty());
  }
}
