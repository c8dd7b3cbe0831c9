// The configured multicast group (keepalived's vrrp_mcast_group4/6, mcast_dst_ip): where adverts
// go, which destinations an instance takes, what is refused, and that a change is not applied in place.
#include <doctest/doctest.h>

#include "fake_lan.h"
#include "vrrp/fsm.h"
#include "vrrp/router.h"
#include "vrrp_test_util.h"

using namespace xdplb::vrrp;
using namespace std::chrono_literals;
using xdplb::vrrp::test::FakeLan;
using xdplb::vrrp::test::ip;
using LanRouter = xdplb::vrrp::test::Router;

namespace {

InstanceParameters params(uint8_t priority, const char* primary, std::optional<IpAddress> group) {
  InstanceParameters p;
  p.name = "VI_1";
  p.version = Version::v3;
  p.vrid = 51;
  p.priority = priority;
  p.advert_interval = 1s;
  p.primary_address = ip(primary);
  p.virtual_addresses = {ip(ip(primary).is_v6() ? "fd00::100" : "198.18.0.100")};
  p.multicast_group = group;
  return p;
}

Advertisement advert_of(const InstanceParameters& p, uint8_t priority) {
  Advertisement a;
  a.version = p.version;
  a.vrid = p.vrid;
  a.priority = priority;
  a.advert_interval = std::chrono::duration_cast<Centiseconds>(p.advert_interval);
  a.addresses = p.virtual_addresses;
  return a;
}

size_t discarded(const LanRouter& r, DiscardReason reason) {
  size_t n = 0;
  for (const auto& d : r.discarded) n += d.reason == reason;
  return n;
}

size_t masters(const std::vector<LanRouter*>& routers) {
  size_t n = 0;
  for (const LanRouter* r : routers) n += r->state() == State::master;
  return n;
}

}  // namespace

TEST_CASE("multicast group: adverts go to the configured group, RFC 5798's by default, unicast peers first") {
  CHECK(advert_destinations(params(100, "198.18.0.1", std::nullopt)) == std::vector{ip("224.0.0.18")});
  CHECK(advert_destinations(params(100, "fe80::1", std::nullopt)) == std::vector{ip("ff02::12")});
  CHECK(advert_destinations(params(100, "198.18.0.1", ip("224.0.0.19"))) == std::vector{ip("224.0.0.19")});
  CHECK(advert_destinations(params(100, "fe80::1", ip("ff02::13"))) == std::vector{ip("ff02::13")});
  auto unicast = params(100, "198.18.0.1", ip("224.0.0.19"));
  unicast.unicast_peers = {ip("198.18.0.2"), ip("198.18.0.3")};
  CHECK(advert_destinations(unicast) == unicast.unicast_peers);
  CHECK(multicast_group_of(params(100, "198.18.0.1", std::nullopt)) == ip("224.0.0.18"));
}

TEST_CASE("multicast group: an instance takes adverts sent to its group only") {
  FakeLan lan;
  const auto p = params(100, "198.18.0.1", ip("224.0.0.19"));
  LanRouter& r = lan.add(p);
  lan.start(r);
  lan.run_for(5s);
  REQUIRE(r.state() == State::master);
  lan.inject(r, advert_of(p, 200), ip("198.18.0.2"), ip("224.0.0.18"));  // RFC 5798's group: not ours
  lan.inject(r, advert_of(p, 200), ip("198.18.0.2"), ip("198.18.0.1"));  // unicast to us
  CHECK(r.state() == State::master);
  CHECK(discarded(r, DiscardReason::destination_not_vrrp_group) == 2);
  CHECK(r.discarded.front().detail == "from 198.18.0.2 priority 200: sent to 224.0.0.18, our group is 224.0.0.19");
  lan.inject(r, advert_of(p, 200), ip("198.18.0.2"), ip("224.0.0.19"));
  CHECK(r.state() == State::backup);
}

TEST_CASE("multicast group: IPv6 adverts to the configured group only") {
  FakeLan lan;
  const auto p = params(100, "fe80::1", ip("ff02::13"));
  LanRouter& r = lan.add(p);
  lan.start(r);
  lan.run_for(5s);
  REQUIRE(r.state() == State::master);
  lan.inject(r, advert_of(p, 200), ip("fe80::2"), ip("ff02::12"));
  CHECK(r.state() == State::master);
  CHECK(discarded(r, DiscardReason::destination_not_vrrp_group) == 1);
  lan.inject(r, advert_of(p, 200), ip("fe80::2"));
  CHECK(r.state() == State::backup);
}

TEST_CASE("multicast group: two routers on 224.0.0.19 elect one master; one on 224.0.0.18 beside them is alone") {
  FakeLan lan;
  LanRouter& high = lan.add(params(200, "198.18.0.1", ip("224.0.0.19")));
  LanRouter& low = lan.add(params(100, "198.18.0.2", ip("224.0.0.19")));
  // Same VRID, a higher priority still, on the default group: it must not win their election.
  LanRouter& other = lan.add(params(250, "198.18.0.3", std::nullopt));
  for (LanRouter* r : {&high, &low, &other}) lan.start(*r);
  lan.run_for(10s);
  CHECK(high.state() == State::master);
  CHECK(low.state() == State::backup);
  CHECK(other.state() == State::master);
  CHECK(masters({&high, &low}) == 1);
  CHECK(discarded(high, DiscardReason::destination_not_vrrp_group) > 0);
  CHECK(discarded(other, DiscardReason::destination_not_vrrp_group) > 0);
  // The master of the group goes: its backup takes over, still apart from the other group.
  lan.shutdown(high);
  lan.run_for(5s);
  CHECK(low.state() == State::master);
  CHECK(other.state() == State::master);
}

TEST_CASE("multicast group: a group of the other family, not multicast or not link-local is refused") {
  const auto rejects = [](InstanceParameters p, const char* message) {
    CHECK_THROWS_WITH_AS(VrrpInstance{std::move(p)}, message, std::invalid_argument);
  };
  rejects(params(100, "198.18.0.1", ip("ff02::12")),
          "VRRP instance VI_1: multicast group ff02::12 is not an IPv4 multicast address");
  rejects(params(100, "198.18.0.1", ip("198.18.0.9")),
          "VRRP instance VI_1: multicast group 198.18.0.9 is not an IPv4 multicast address");
  rejects(params(100, "fe80::1", ip("ff05::12")),
          "VRRP instance VI_1: multicast group ff05::12 is not a link-local IPv6 multicast address");
  rejects(params(100, "fe80::1", ip("224.0.0.18")),
          "VRRP instance VI_1: multicast group 224.0.0.18 is not a link-local IPv6 multicast address");
  CHECK_NOTHROW(VrrpInstance{params(100, "fe80::1", ip("ff12::13"))});
}

TEST_CASE("multicast group: a changed group is not applied in place (the instance restarts and rejoins)") {
  const auto running = params(100, "198.18.0.1", std::nullopt);
  CHECK(VrrpInstance::updatable_in_place(running, running));
  CHECK_FALSE(VrrpInstance::updatable_in_place(running, params(100, "198.18.0.1", ip("224.0.0.19"))));
  InstanceSettings before;
  before.vrrp = running;
  InstanceSettings after = before;
  after.vrrp.multicast_group = ip("224.0.0.19");
  CHECK_FALSE(updatable_in_place(before, after));
  after.vrrp.multicast_group.reset();
  after.vrrp.priority = 150;
  CHECK(updatable_in_place(before, after));
}
