// Receive-side hardening of the state machine: a flood of forged adverts must not be amplified
// (a Master answers at once at most once per advert interval), and the RFC 5798 / keepalived
// source and destination rules drop what a multicast instance must not take.
#include "vrrp/fsm.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "fake_lan.h"
#include "vrrp_test_util.h"

using namespace xdplb::vrrp;
using namespace std::chrono_literals;
using xdplb::vrrp::test::FakeLan;
using xdplb::vrrp::test::ip;
using xdplb::vrrp::test::Router;

namespace {

InstanceParameters params(uint8_t priority, const char* primary, Version version = Version::v2) {
  InstanceParameters p;
  p.name = "VI_1";
  p.version = version;
  p.vrid = 51;
  p.priority = priority;
  p.advert_interval = 1s;
  p.primary_address = ip(primary);
  p.virtual_addresses = {ip(ip(primary).is_v6() ? "fd00::100" : "198.18.0.100")};
  return p;
}

Advertisement advert(const InstanceParameters& p, uint8_t priority) {
  Advertisement a;
  a.version = p.version;
  a.vrid = p.vrid;
  a.priority = priority;
  a.advert_interval = std::chrono::duration_cast<Centiseconds>(p.advert_interval);
  a.addresses = p.virtual_addresses;
  return a;
}

Router& lone_master(FakeLan& lan, InstanceParameters p) {
  Router& r = lan.add(std::move(p));
  lan.start(r);
  lan.run_for(5s);
  REQUIRE(r.state() == State::master);
  return r;
}

size_t sent_between(const Router& r, TimePoint from, TimePoint to) {
  return static_cast<size_t>(std::count_if(r.sent.begin(), r.sent.end(),
                                           [&](const auto& s) { return s.first >= from && s.first < to; }));
}

size_t discarded(const Router& r, DiscardReason reason) {
  return static_cast<size_t>(
      std::count_if(r.discarded.begin(), r.discarded.end(), [&](const auto& d) { return d.reason == reason; }));
}

}  // namespace

TEST_CASE("a burst of 1000 lower-priority adverts gets one immediate answer per advert interval") {
  FakeLan lan;
  const auto p = params(150, "198.18.0.1");
  Router& r = lone_master(lan, p);
  lan.run_for(300ms);  // between two of its own adverts
  const TimePoint flood_start = lan.now;
  const size_t before = r.sent.size();
  for (int i = 0; i < 1000; ++i) lan.inject(r, advert(p, 100), ip("198.18.0.66"));
  CHECK(r.state() == State::master);
  CHECK(r.sent.size() == before + 1);  // the first is answered, the other 999 are not
  CHECK(r.sent.back().first == flood_start);
  CHECK(r.warnings.size() >= 1000);  // each still reported, for the rate-limited log
  CHECK(r.warnings.back().kind == WarningKind::lower_priority_master);

  // The flood goes on for 5 s, 200 forged adverts every 10 ms: its Adver_Timer keeps the cadence
  // and every interval holds at most one answer besides the regular advert.
  for (int step = 0; step < 500; ++step) {
    lan.run_for(10ms);
    for (int i = 0; i < 2; ++i) lan.inject(r, advert(p, 100), ip("198.18.0.66"));
  }
  for (TimePoint t = flood_start; t + 1s <= lan.now; t += 1s) CHECK(sent_between(r, t, t + 1s) <= 2);
  CHECK(r.sent.size() - before <= 2 * 5 + 1);
  CHECK(r.state() == State::master);
}

TEST_CASE("a flood of priority-0 adverts is answered at most once per advert interval") {
  FakeLan lan;
  const auto p = params(100, "198.18.0.1");
  Router& r = lone_master(lan, p);
  const size_t before = r.sent.size();
  for (int i = 0; i < 1000; ++i) lan.inject(r, advert(p, 0), ip("198.18.0.66"));
  CHECK(r.sent.size() == before + 1);
  lan.run_for(1s);  // one regular advert
  lan.inject(r, advert(p, 0), ip("198.18.0.66"));
  CHECK(r.sent.size() == before + 3);  // an interval later the answer comes again
  CHECK(r.state() == State::master);
}

TEST_CASE("a multicast instance drops adverts sent to a unicast address, as keepalived does") {
  FakeLan lan;
  const auto p = params(100, "198.18.0.1");
  Router& r = lone_master(lan, p);
  lan.inject(r, advert(p, 200), ip("198.18.0.2"), ip("198.18.0.1"));
  CHECK(r.state() == State::master);
  CHECK(discarded(r, DiscardReason::destination_not_vrrp_group) == 1);
  lan.inject(r, advert(p, 200), ip("198.18.0.2"));  // the same advert to 224.0.0.18 wins
  CHECK(r.state() == State::backup);
}

TEST_CASE("a unicast instance takes adverts addressed to it from its peers") {
  FakeLan lan;
  auto p = params(100, "198.18.0.1");
  p.unicast_peers = {ip("198.18.0.2")};
  Router& r = lone_master(lan, p);
  lan.inject(r, advert(p, 200), ip("198.18.0.2"), ip("198.18.0.1"));
  CHECK(r.state() == State::backup);
}

TEST_CASE("IPv6: a multicast instance drops adverts whose source is not link-local (RFC 5798 5.1.2.1)") {
  FakeLan lan;
  const auto p = params(100, "fe80::1", Version::v3);
  Router& r = lone_master(lan, p);
  lan.inject(r, advert(p, 200), ip("fd00::2"));
  CHECK(r.state() == State::master);
  CHECK(discarded(r, DiscardReason::source_not_link_local) == 1);
  CHECK(metric_name(DiscardReason::source_not_link_local) == "source_not_link_local");
  lan.inject(r, advert(p, 200), ip("fe80::2"));
  CHECK(r.state() == State::backup);
}

TEST_CASE("IPv6: a unicast instance may use global addresses, as keepalived's unicast_peer allows") {
  FakeLan lan;
  auto p = params(100, "fd00::1", Version::v3);
  p.unicast_peers = {ip("fd00::2")};
  Router& r = lone_master(lan, p);
  lan.inject(r, advert(p, 200), ip("fd00::2"), ip("fd00::1"));
  CHECK(r.state() == State::backup);
  CHECK(discarded(r, DiscardReason::source_not_link_local) == 0);
}
