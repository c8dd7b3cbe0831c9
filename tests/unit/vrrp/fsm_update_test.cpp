// In-place updates on reload (VrrpInstance::update, updatable_in_place): what RFC 5798 lets change
// in a running router changes without leaving the state, and mastership then moves by the RFC.
#include "vrrp/fsm.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>

#include "fake_lan.h"
#include "vrrp/router.h"
#include "vrrp_test_util.h"

using namespace xdplb::vrrp;
using namespace std::chrono_literals;
using xdplb::vrrp::test::FakeLan;
using xdplb::vrrp::test::ip;
using LanRouter = xdplb::vrrp::test::Router;

namespace {

InstanceParameters params(uint8_t priority, const char* primary) {
  InstanceParameters p;
  p.name = "VI_1";
  p.version = Version::v2;
  p.vrid = 51;
  p.priority = priority;
  p.advert_interval = 1s;
  p.primary_address = ip(primary);
  p.virtual_addresses = {ip("198.18.0.100")};
  return p;
}

void update(FakeLan& lan, LanRouter& r, InstanceParameters next) { lan.apply(r, r.vrrp.update(std::move(next), lan.now)); }

}  // namespace

TEST_CASE("update: a master whose priority changes stays master and advertises the new priority at once") {
  FakeLan lan;
  LanRouter& r = lan.add(params(150, "198.18.0.1"));
  lan.start(r);
  lan.run_for(5s);
  REQUIRE(r.state() == State::master);
  lan.run_for(300ms);
  const size_t changes = r.changes.size();
  update(lan, r, params(120, "198.18.0.1"));
  CHECK(r.state() == State::master);
  CHECK(r.changes.size() == changes);  // no transition
  REQUIRE_FALSE(r.sent.empty());
  CHECK(r.sent.back().first == lan.now);
  CHECK(r.sent.back().second.priority == 120);
  REQUIRE(r.priority_changes.size() == 1);
  CHECK(r.priority_changes.back().to == 120);
  lan.run_for(1s);
  CHECK(r.sent.back().second.priority == 120);
}

TEST_CASE("update: a master that drops below a preempting backup hands over by the RFC's rules") {
  FakeLan lan;
  LanRouter& a = lan.add(params(150, "198.18.0.1"));
  LanRouter& b = lan.add(params(100, "198.18.0.2"));
  lan.start(a);
  lan.start(b);
  lan.run_for(5s);
  REQUIRE(a.state() == State::master);
  REQUIRE(b.state() == State::backup);
  const TimePoint t = lan.now;
  update(lan, a, params(50, "198.18.0.1"));
  CHECK(a.state() == State::master);  // keeps sending, with the new priority
  lan.run_for(5s);
  CHECK(b.state() == State::master);  // ignored the lower priority, its Master_Down_Timer fired
  CHECK(a.state() == State::backup);
  CHECK(*b.entered(State::master) - t <= b.vrrp.master_down_interval() + 1s);
}

TEST_CASE("update: a backup raised above the master takes over with preemption, not with nopreempt") {
  for (const bool preempt : {true, false}) {
    CAPTURE(preempt);
    FakeLan lan;
    LanRouter& a = lan.add(params(150, "198.18.0.1"));
    auto bp = params(100, "198.18.0.2");
    bp.preempt = preempt;
    LanRouter& b = lan.add(bp);
    lan.start(a);
    lan.start(b);
    lan.run_for(5s);
    REQUIRE(a.state() == State::master);
    bp.priority = 200;
    update(lan, b, bp);
    CHECK(b.state() == State::backup);
    lan.run_for(6s);
    CHECK(b.state() == (preempt ? State::master : State::backup));
    CHECK(a.state() == (preempt ? State::backup : State::master));
  }
}

TEST_CASE("update: advert_int and the address list change in place and are advertised at once") {
  FakeLan lan;
  LanRouter& r = lan.add(params(150, "198.18.0.1"));
  lan.start(r);
  lan.run_for(5s);
  auto next = params(150, "198.18.0.1");
  next.advert_interval = 2s;
  next.virtual_addresses.push_back(ip("198.18.0.101"));
  update(lan, r, next);
  CHECK(r.state() == State::master);
  CHECK(r.sent.back().first == lan.now);
  CHECK(r.sent.back().second.advert_interval == Centiseconds(200));
  CHECK(r.sent.back().second.addresses.size() == 2);
  CHECK(r.timer(TimerKind::advertisement) == lan.now + 2s);
}

TEST_CASE("update: track weights change, tracked objects keep their health") {
  FakeLan lan;
  auto p = params(100, "198.18.0.1");
  p.tracked = {TrackedObject{{TrackedKind::script, "chk"}, -20, false, true}};
  LanRouter& r = lan.add(p);
  lan.start(r);
  lan.apply(r, r.vrrp.on_tracked_object({TrackedKind::script, "chk"}, false, lan.now));
  CHECK(r.vrrp.effective_priority() == 80);
  p.tracked[0].weight = -50;
  update(lan, r, p);
  CHECK(r.vrrp.effective_priority() == 50);  // still failed, now weighing -50
}

TEST_CASE("update: anything else is refused, naming the instance") {
  const auto running = params(100, "198.18.0.1");
  auto other_vrid = running;
  other_vrid.vrid = 52;
  auto other_auth = running;
  other_auth.auth_type = AuthType::simple_password;
  other_auth.auth_password = "secret";
  auto more_tracked = running;
  more_tracked.tracked = {TrackedObject{{TrackedKind::script, "chk"}, -20, false, true}};
  for (const auto& next : {other_vrid, other_auth, more_tracked}) {
    CHECK_FALSE(VrrpInstance::updatable_in_place(running, next));
    VrrpInstance instance(running);
    CHECK_THROWS_WITH_AS(instance.update(next, TimePoint{}), doctest::Contains("VRRP instance VI_1"),
                         std::invalid_argument);
  }
  auto bad_priority = running;
  bad_priority.advert_interval = 1500ms;  // v2 takes whole seconds: invalid, refused
  VrrpInstance instance(running);
  CHECK_THROWS_AS(instance.update(bad_priority, TimePoint{}), std::invalid_argument);
  CHECK(instance.parameters() == running);
}

TEST_CASE("updatable_in_place: VIPs may change in place, the interface or the routes may not") {
  InstanceSettings running;
  running.vrrp = params(100, "198.18.0.1");
  running.interface = "eth0";
  running.addresses = {AddressSpec{ip("198.18.0.100"), 32, "eth0", "", std::nullopt, ""}};
  auto next = running;
  next.vrrp.priority = 90;
  next.vrrp.virtual_addresses.push_back(ip("198.18.0.101"));
  next.addresses.push_back(AddressSpec{ip("198.18.0.101"), 32, "eth0", "", std::nullopt, ""});
  CHECK(updatable_in_place(running, next));
  auto other_interface = next;
  other_interface.interface = "eth1";
  CHECK_FALSE(updatable_in_place(running, other_interface));
  auto with_route = next;
  with_route.routes.push_back(RouteSpec{});
  CHECK_FALSE(updatable_in_place(running, with_route));
}
