// State-machine rules with a fake clock. Expected times are worked out from RFC 3768 / 5798:
//   v2, priority 100: Skew_Time = (256-100)/256 s = 609375 us; Master_Down_Interval = 3 s + skew
//   v2, priority 200: Skew_Time = 56/256 s = 218750 us
//   v3, 0.1 s, priority 100: Skew_Time = 156 * 100000 us / 256 = 60937 us; MDI = 360937 us
#include "vrrp/fsm.h"

#include <doctest/doctest.h>

#include "fake_lan.h"
#include "vrrp_test_util.h"

using namespace xdplb::vrrp;
using namespace std::chrono_literals;
using xdplb::vrrp::test::FakeLan;
using xdplb::vrrp::test::ip;
using xdplb::vrrp::test::Router;

namespace {

InstanceParameters v2_params(uint8_t priority, const char* primary = "198.18.0.1") {
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

InstanceParameters v3_params(uint8_t priority, const char* primary, std::chrono::milliseconds interval) {
  InstanceParameters p = v2_params(priority, primary);
  p.version = Version::v3;
  p.advert_interval = interval;
  if (ip(primary).is_v6()) p.virtual_addresses = {ip("fd00::100")};
  return p;
}

Advertisement advert_for(const InstanceParameters& p, uint8_t priority) {
  Advertisement a;
  a.version = p.version;
  a.vrid = p.vrid;
  a.priority = priority;
  a.advert_interval = std::chrono::duration_cast<Centiseconds>(p.advert_interval);
  a.auth_type = p.auth_type;
  if (p.auth_type == AuthType::simple_password) a.auth_data = make_password(p.auth_password);
  a.addresses = p.virtual_addresses;
  return a;
}

// Starts a lone router and lets it become Master.
Router& lone_master(FakeLan& lan, InstanceParameters p) {
  Router& r = lan.add(std::move(p));
  lan.start(r);
  lan.run_for(5s);
  REQUIRE(r.state() == State::master);
  return r;
}

const StateChange& last_change(const Router& r) {
  REQUIRE_FALSE(r.changes.empty());
  return r.changes.back().second;
}

}  // namespace

TEST_CASE("backup with no master becomes master after Master_Down_Interval") {
  FakeLan lan;
  Router& r = lan.add(v2_params(100));
  const TimePoint t0 = lan.now;
  lan.start(r);
  CHECK(r.state() == State::backup);
  CHECK(last_change(r).reason == TransitionReason::startup);
  CHECK(r.vrrp.master_down_interval() == 3609375us);
  CHECK(r.timer(TimerKind::master_down) == t0 + 3609375us);

  lan.run_until(t0 + 3609374us);
  CHECK(r.state() == State::backup);
  CHECK(r.sent.empty());
  lan.run_for(1us);
  CHECK(r.state() == State::master);
  CHECK(last_change(r).from == State::backup);
  CHECK(last_change(r).reason == TransitionReason::master_down_timer);
  REQUIRE(r.sent.size() == 1);
  CHECK(r.sent[0].second == advert_for(v2_params(100), 100));
  CHECK_FALSE(r.timer(TimerKind::master_down));

  // Then one advert per Advertisement_Interval, on the dot.
  lan.run_for(3s);
  REQUIRE(r.sent.size() == 4);
  for (size_t i = 1; i < r.sent.size(); ++i) CHECK(r.sent[i].first - r.sent[i - 1].first == 1s);
}

TEST_CASE("the address owner (priority 255) becomes master at once") {
  FakeLan lan;
  Router& r = lan.add(v2_params(255));
  lan.start(r);
  CHECK(r.state() == State::master);
  CHECK(last_change(r).from == State::initialize);
  CHECK(last_change(r).reason == TransitionReason::address_owner);
  REQUIRE(r.sent.size() == 1);
  CHECK(r.sent[0].second.priority == 255);
  CHECK(r.timer(TimerKind::advertisement) == lan.now + 1s);
}

TEST_CASE("two routers elect the higher priority; the other never takes the addresses") {
  FakeLan lan;
  Router& a = lan.add(v2_params(100, "198.18.0.1"));
  Router& b = lan.add(v2_params(200, "198.18.0.2"));
  lan.start(a);
  lan.start(b);
  lan.run_for(30s);
  CHECK(b.state() == State::master);
  CHECK(a.state() == State::backup);
  CHECK_FALSE(a.entered(State::master));
  CHECK(a.vrrp.current_master() == ip("198.18.0.2"));
  CHECK(a.discarded.empty());
  CHECK(b.discarded.empty());
}

TEST_CASE("graceful shutdown of the master: priority 0, backup takes over after Skew_Time") {
  FakeLan lan;
  Router& a = lan.add(v2_params(100, "198.18.0.1"));
  Router& b = lan.add(v2_params(200, "198.18.0.2"));
  lan.start(a);
  lan.start(b);
  lan.run_for(10s);
  REQUIRE(b.state() == State::master);

  const TimePoint stop = lan.now;
  lan.shutdown(b);
  CHECK(b.sent.back().second.priority == 0);
  CHECK(b.state() == State::initialize);
  CHECK(last_change(b).reason == TransitionReason::shutdown);
  CHECK_FALSE(b.timer(TimerKind::advertisement));
  CHECK_FALSE(b.timer(TimerKind::master_down));
  CHECK(a.timer(TimerKind::master_down) == stop + 609375us);

  lan.run_until(stop + 609374us);
  CHECK(a.state() == State::backup);
  lan.run_for(1us);
  CHECK(a.state() == State::master);
  CHECK(a.entered(State::master) == stop + 609375us);
}

TEST_CASE("shutdown of a backup sends nothing; a stopped instance ignores adverts") {
  FakeLan lan;
  Router& r = lan.add(v2_params(100));
  lan.start(r);
  lan.shutdown(r);
  CHECK(r.sent.empty());
  CHECK(r.state() == State::initialize);
  CHECK_FALSE(r.timer(TimerKind::master_down));
  lan.inject(r, advert_for(v2_params(100), 200), ip("198.18.0.2"));
  REQUIRE(r.discarded.size() == 1);
  CHECK(r.discarded[0].reason == DiscardReason::not_running);
  lan.shutdown(r);  // twice is harmless
  CHECK(r.changes.size() == 2);
}

TEST_CASE("a crashed master (silent) is replaced after Master_Down_Interval") {
  FakeLan lan;
  Router& a = lan.add(v2_params(100, "198.18.0.1"));
  Router& b = lan.add(v2_params(200, "198.18.0.2"));
  lan.start(a);
  lan.start(b);
  lan.run_for(10s);
  const TimePoint last_advert = b.sent.back().first;
  b.connected = false;
  lan.run_for(10s);
  CHECK(a.state() == State::master);
  CHECK(a.entered(State::master) == last_advert + 3609375us);
}

TEST_CASE("higher priority advert makes the master step down") {
  FakeLan lan;
  const auto p = v2_params(100);
  Router& r = lone_master(lan, p);
  lan.inject(r, advert_for(p, 200), ip("198.18.0.2"));
  CHECK(r.state() == State::backup);
  CHECK(last_change(r).reason == TransitionReason::higher_priority_master);
  CHECK_FALSE(r.timer(TimerKind::advertisement));
  CHECK(r.timer(TimerKind::master_down) == lan.now + 3609375us);
  CHECK(r.sent.back().second.priority == 100);  // no resignation when someone better is master
}

TEST_CASE("equal priority: the higher primary address wins") {
  FakeLan lan;
  const auto p = v2_params(100, "198.18.0.5");
  Router& r = lone_master(lan, p);

  const size_t sent_before = r.sent.size();
  lan.inject(r, advert_for(p, 100), ip("198.18.0.3"));
  CHECK(r.state() == State::master);
  REQUIRE(r.sent.size() == sent_before + 1);  // asserts itself at once
  CHECK(r.sent.back().first == lan.now);

  lan.inject(r, advert_for(p, 100), ip("198.18.0.9"));
  CHECK(r.state() == State::backup);
}

TEST_CASE("equal priority over IPv6 compares the addresses as unsigned 128-bit numbers") {
  FakeLan lan;
  const auto p = v3_params(100, "fe80::5", 1000ms);
  Router& r = lone_master(lan, p);
  lan.inject(r, advert_for(p, 100), ip("fe80::4"));
  CHECK(r.state() == State::master);
  lan.inject(r, advert_for(p, 100), ip("fe80::1:0"));
  CHECK(r.state() == State::backup);
}

TEST_CASE("a master that hears a lower priority advertises at once (RFC 9568)") {
  FakeLan lan;
  const auto p = v2_params(150);
  Router& r = lone_master(lan, p);
  lan.run_for(400ms);
  const size_t sent_before = r.sent.size();
  lan.inject(r, advert_for(p, 100), ip("198.18.0.2"));
  CHECK(r.state() == State::master);
  REQUIRE(r.sent.size() == sent_before + 1);
  CHECK(r.sent.back().first == lan.now);
  CHECK(r.sent.back().second.priority == 150);
  CHECK(r.timer(TimerKind::advertisement) == lan.now + 1s);
  CHECK(r.warnings.size() == 1);
}

TEST_CASE("a master that hears priority 0 advertises at once") {
  FakeLan lan;
  const auto p = v2_params(100);
  Router& r = lone_master(lan, p);
  const size_t sent_before = r.sent.size();
  lan.inject(r, advert_for(p, 0), ip("198.18.0.2"));
  CHECK(r.state() == State::master);
  CHECK(r.sent.size() == sent_before + 1);
  CHECK(r.timer(TimerKind::advertisement) == lan.now + 1s);
}

TEST_CASE("priority-0 advert: the backup takes over after Skew_Time") {
  FakeLan lan;
  const auto p = v2_params(100);
  Router& r = lan.add(p);
  lan.start(r);
  lan.inject(r, advert_for(p, 200), ip("198.18.0.2"));
  lan.run_for(2s);
  const TimePoint resign = lan.now;
  lan.inject(r, advert_for(p, 0), ip("198.18.0.2"));
  CHECK(r.timer(TimerKind::master_down) == resign + 609375us);
  lan.run_for(2s);
  CHECK(r.entered(State::master) == resign + 609375us);
}

TEST_CASE("preemption: a higher-priority backup ignores a lower master and takes over") {
  FakeLan lan;
  Router& low = lan.add(v2_params(100, "198.18.0.1"));
  lan.start(low);
  lan.run_for(10s);
  REQUIRE(low.state() == State::master);

  Router& high = lan.add(v2_params(200, "198.18.0.2"));
  const TimePoint started = lan.now;
  lan.start(high);
  lan.run_for(10s);
  CHECK(high.state() == State::master);
  CHECK(low.state() == State::backup);
  // The lower adverts did not reset its Master_Down_Timer.
  CHECK(high.entered(State::master) == started + 3218750us);
  REQUIRE_FALSE(high.discarded.empty());
  CHECK(high.discarded[0].reason == DiscardReason::lower_priority_preempting);
}

TEST_CASE("nopreempt: a higher-priority backup leaves a working master alone") {
  FakeLan lan;
  Router& low = lan.add(v2_params(100, "198.18.0.1"));
  lan.start(low);
  lan.run_for(10s);
  auto p = v2_params(200, "198.18.0.2");
  p.preempt = false;
  Router& high = lan.add(p);
  lan.start(high);
  lan.run_for(60s);
  CHECK(low.state() == State::master);
  CHECK(high.state() == State::backup);
  CHECK(high.vrrp.current_master() == ip("198.18.0.1"));

  // ...but it still takes over when the master goes.
  lan.shutdown(low);
  lan.run_for(1s);
  CHECK(high.state() == State::master);
}

TEST_CASE("preempt_delay: preemption waits the delay after the lower master is first heard") {
  FakeLan lan;
  Router& low = lan.add(v2_params(100, "198.18.0.1"));
  lan.start(low);
  lan.run_for(10s);
  auto p = v2_params(200, "198.18.0.2");
  p.preempt_delay = 5s;
  Router& high = lan.add(p);
  lan.start(high);
  lan.run_for(1s);
  // The first lower advert heard after the start opens the delay.
  const TimePoint first_heard = low.sent.back().first;
  REQUIRE(first_heard > high.changes.front().first);

  lan.run_until(first_heard + 4900ms);
  CHECK(high.state() == State::backup);
  CHECK(low.state() == State::master);
  lan.run_for(10s);
  CHECK(high.state() == State::master);
  // Adverts before the deadline were accepted; the one at the deadline was not, so the
  // takeover comes one Master_Down_Interval after the last accepted one (deadline - 1 s).
  CHECK(high.entered(State::master) == first_heard + 4s + 3218750us);
}

TEST_CASE("preempt_delay is cancelled by an advert of equal or higher priority") {
  FakeLan lan;
  auto p = v2_params(200, "198.18.0.2");
  p.preempt_delay = 5s;
  Router& r = lan.add(p);
  lan.start(r);
  const TimePoint t0 = lan.now;
  for (int i = 0; i < 20; ++i) {
    // A lower master for 3 s, then a higher one for a moment, then the lower one again.
    const uint8_t priority = (i == 3) ? 250 : 100;
    lan.run_until(t0 + std::chrono::seconds(i));
    lan.inject(r, advert_for(p, priority), ip("198.18.0.1"));
  }
  // The delay restarted at t0+4s, so lower adverts until t0+8s were accepted and the last
  // accepted one (t0+8s) is followed by the takeover one Master_Down_Interval later.
  lan.run_for(5s);
  CHECK(r.entered(State::master) == t0 + 8s + 3218750us);
}

TEST_CASE("VRRPv3 with 0.1 s adverts") {
  FakeLan lan;
  Router& r = lan.add(v3_params(100, "198.18.0.1", 100ms));
  const TimePoint t0 = lan.now;
  lan.start(r);
  CHECK(r.vrrp.skew_time() == 60937us);
  CHECK(r.vrrp.master_down_interval() == 360937us);
  lan.run_for(1s);
  CHECK(r.entered(State::master) == t0 + 360937us);
  REQUIRE(r.sent.size() == 7);  // at 0.36, 0.46, ... 0.96 s
  CHECK(r.sent[0].second.advert_interval == Centiseconds(10));
  CHECK(r.sent[1].first - r.sent[0].first == 100ms);
}

TEST_CASE("VRRPv3 backup learns the master's advert interval") {
  FakeLan lan;
  const auto p = v3_params(100, "198.18.0.1", 1000ms);
  Router& r = lan.add(p);
  lan.start(r);
  CHECK(r.vrrp.master_adver_interval() == 1s);
  auto fast = advert_for(p, 200);
  fast.advert_interval = Centiseconds(10);
  lan.inject(r, fast, ip("198.18.0.2"));
  CHECK(r.vrrp.master_adver_interval() == 100ms);
  CHECK(r.vrrp.master_down_interval() == 360937us);
  const TimePoint heard = lan.now;
  lan.run_for(1s);
  CHECK(r.entered(State::master) == heard + 360937us);
  // As master it advertises at its own interval again.
  CHECK(r.sent.back().second.advert_interval == Centiseconds(100));
}

TEST_CASE("VRRPv3 master stepping down learns the new master's interval") {
  FakeLan lan;
  const auto p = v3_params(100, "198.18.0.1", 1000ms);
  Router& r = lone_master(lan, p);
  auto better = advert_for(p, 200);
  better.advert_interval = Centiseconds(50);
  lan.inject(r, better, ip("198.18.0.2"));
  CHECK(r.state() == State::backup);
  CHECK(r.vrrp.master_adver_interval() == 500ms);
  CHECK(r.timer(TimerKind::master_down) == lan.now + 1500ms + 156 * 500000us / 256);
}

TEST_CASE("VRRPv2 ignores an advert with a different interval") {
  FakeLan lan;
  const auto p = v2_params(100);
  Router& r = lan.add(p);
  lan.start(r);
  const auto deadline = r.timer(TimerKind::master_down);
  auto slow = advert_for(p, 200);
  slow.advert_interval = std::chrono::seconds(2);
  lan.inject(r, slow, ip("198.18.0.2"));
  REQUIRE(r.discarded.size() == 1);
  CHECK(r.discarded[0].reason == DiscardReason::advert_interval_mismatch);
  CHECK(r.discarded[0].detail == "from 198.18.0.2 priority 200: advert interval 2 s, ours 1 s");
  CHECK(r.timer(TimerKind::master_down) == deadline);
}

TEST_CASE("own adverts are ignored") {
  FakeLan lan;
  const auto p = v2_params(100);
  Router& r = lone_master(lan, p);
  lan.inject(r, advert_for(p, 100), p.primary_address);
  REQUIRE(r.discarded.size() == 1);
  CHECK(r.discarded[0].reason == DiscardReason::own_advert);
  CHECK(r.state() == State::master);
}

TEST_CASE("unicast mode: adverts only from listed peers") {
  FakeLan lan;
  auto p = v2_params(100);
  p.unicast_peers = {ip("198.18.0.2"), ip("198.18.0.3")};
  Router& r = lan.add(p);
  lan.start(r);
  const auto deadline = r.timer(TimerKind::master_down);
  lan.inject(r, advert_for(p, 200), ip("198.18.0.9"));
  REQUIRE(r.discarded.size() == 1);
  CHECK(r.discarded[0].reason == DiscardReason::not_a_unicast_peer);
  CHECK(r.timer(TimerKind::master_down) == deadline);
  lan.inject(r, advert_for(p, 200), ip("198.18.0.3"));
  CHECK(r.discarded.size() == 1);
  CHECK(r.vrrp.current_master() == ip("198.18.0.3"));
}

TEST_CASE("authentication: type and password must match") {
  FakeLan lan;
  auto p = v2_params(100);
  p.auth_type = AuthType::simple_password;
  p.auth_password = "secret";
  Router& r = lan.add(p);
  lan.start(r);
  const auto deadline = r.timer(TimerKind::master_down);

  auto none = advert_for(p, 200);
  none.auth_type = AuthType::none;
  none.auth_data = {};
  lan.inject(r, none, ip("198.18.0.2"));
  auto wrong = advert_for(p, 200);
  wrong.auth_data = make_password("secreT");
  lan.inject(r, wrong, ip("198.18.0.2"));
  REQUIRE(r.discarded.size() == 2);
  CHECK(r.discarded[0].reason == DiscardReason::auth_type_mismatch);
  CHECK(r.discarded[1].reason == DiscardReason::auth_password_mismatch);
  CHECK(r.timer(TimerKind::master_down) == deadline);

  lan.inject(r, advert_for(p, 200), ip("198.18.0.2"));
  CHECK(r.discarded.size() == 2);
  CHECK(r.vrrp.current_master() == ip("198.18.0.2"));
  // Our own adverts carry the password.
  lan.run_for(5s);
  lan.shutdown(r);
  CHECK(r.sent.back().second.auth_data == make_password("secret"));
}

TEST_CASE("adverts of another VRID, version or family are ignored") {
  FakeLan lan;
  const auto p = v3_params(100, "198.18.0.1", 1000ms);
  Router& r = lan.add(p);
  lan.start(r);
  const auto deadline = r.timer(TimerKind::master_down);

  auto other_vrid = advert_for(p, 200);
  other_vrid.vrid = 52;
  lan.inject(r, other_vrid, ip("198.18.0.2"));
  lan.inject(r, advert_for(v2_params(200), 200), ip("198.18.0.2"));
  auto v6 = advert_for(v3_params(200, "fe80::2", 1000ms), 200);
  lan.inject(r, v6, ip("fe80::2"));
  REQUIRE(r.discarded.size() == 3);
  CHECK(r.discarded[0].reason == DiscardReason::vrid_mismatch);
  CHECK(r.discarded[1].reason == DiscardReason::version_mismatch);
  CHECK(r.discarded[2].reason == DiscardReason::family_mismatch);
  CHECK(r.timer(TimerKind::master_down) == deadline);
}

TEST_CASE("address list mismatch: dropped from a non-owner, accepted with a warning from the owner") {
  FakeLan lan;
  const auto p = v2_params(100);
  Router& r = lan.add(p);
  lan.start(r);
  const auto deadline = r.timer(TimerKind::master_down);

  auto other_list = advert_for(p, 200);
  other_list.addresses = {ip("198.18.0.101")};
  lan.inject(r, other_list, ip("198.18.0.2"));
  auto more = advert_for(p, 200);
  more.addresses.push_back(ip("198.18.0.101"));
  lan.inject(r, more, ip("198.18.0.2"));
  REQUIRE(r.discarded.size() == 2);
  CHECK(r.discarded[0].reason == DiscardReason::address_list_mismatch);
  CHECK(r.discarded[1].reason == DiscardReason::address_list_mismatch);
  CHECK(r.timer(TimerKind::master_down) == deadline);

  auto owner = other_list;
  owner.priority = 255;
  lan.inject(r, owner, ip("198.18.0.2"));
  CHECK(r.discarded.size() == 2);
  CHECK(r.warnings.size() == 1);
  CHECK(r.vrrp.current_master() == ip("198.18.0.2"));

  // Order does not matter.
  auto q = v2_params(100);
  q.virtual_addresses = {ip("198.18.0.100"), ip("198.18.0.101")};
  Router& s = lan.add(q);
  lan.start(s);
  auto reordered = advert_for(q, 200);
  reordered.addresses = {ip("198.18.0.101"), ip("198.18.0.100")};
  lan.inject(s, reordered, ip("198.18.0.2"));
  CHECK(s.discarded.empty());
}

TEST_CASE("state MASTER: takes over after one interval, still yields to a higher priority") {
  SUBCASE("nobody else") {
    FakeLan lan;
    auto p = v2_params(100);
    p.initial_state = InitialState::master;
    Router& r = lan.add(p);
    const TimePoint t0 = lan.now;
    lan.start(r);
    CHECK(r.state() == State::backup);
    lan.run_for(2s);
    CHECK(r.entered(State::master) == t0 + 1s + 3906us);
  }
  SUBCASE("a higher priority master is heard first") {
    FakeLan lan;
    auto p = v2_params(100);
    p.initial_state = InitialState::master;
    Router& r = lan.add(p);
    lan.start(r);
    lan.run_for(500ms);
    lan.inject(r, advert_for(p, 200), ip("198.18.0.2"));
    lan.run_for(1s);
    CHECK(r.state() == State::backup);
  }
  SUBCASE("two routers with state MASTER still end with one master") {
    FakeLan lan;
    auto pa = v2_params(100, "198.18.0.1");
    pa.initial_state = InitialState::master;
    auto pb = v2_params(200, "198.18.0.2");
    pb.initial_state = InitialState::master;
    Router& a = lan.add(pa);
    Router& b = lan.add(pb);
    lan.start(a);
    lan.start(b);
    lan.run_for(10s);
    CHECK(a.state() == State::backup);
    CHECK(b.state() == State::master);
  }
}

TEST_CASE("fault: interface down makes the master resign, recovery returns to backup") {
  FakeLan lan;
  const auto p = v2_params(100);
  Router& r = lone_master(lan, p);
  lan.apply(r, r.vrrp.on_interface_state(false, lan.now));
  CHECK(r.state() == State::fault);
  CHECK(r.sent.back().second.priority == 0);
  CHECK(last_change(r).reason == TransitionReason::fault);
  CHECK_FALSE(r.timer(TimerKind::advertisement));
  CHECK_FALSE(r.timer(TimerKind::master_down));

  const size_t sent = r.sent.size();
  lan.run_for(10s);
  CHECK(r.sent.size() == sent);
  lan.inject(r, advert_for(p, 200), ip("198.18.0.2"));
  CHECK(r.discarded.back().reason == DiscardReason::not_running);

  const TimePoint up = lan.now;
  lan.apply(r, r.vrrp.on_interface_state(true, lan.now));
  CHECK(r.state() == State::backup);
  CHECK(r.timer(TimerKind::master_down) == up + 3609375us);
  lan.run_for(4s);
  CHECK(r.state() == State::master);
}

TEST_CASE("fault: a failed weight-0 tracked object; a backup faults silently") {
  FakeLan lan;
  auto p = v2_params(100);
  p.tracked = {{{TrackedKind::script, "chk"}, 0, false, true}};
  Router& r = lan.add(p);
  lan.start(r);
  lan.apply(r, r.vrrp.on_tracked_object({TrackedKind::script, "chk"}, false, lan.now));
  CHECK(r.state() == State::fault);
  CHECK(r.sent.empty());
  CHECK(r.vrrp.faulted());
  lan.apply(r, r.vrrp.on_tracked_object({TrackedKind::script, "chk"}, true, lan.now));
  CHECK(r.state() == State::backup);
  CHECK_THROWS_WITH_AS(r.vrrp.on_tracked_object({TrackedKind::script, "nope"}, true, lan.now),
                       "VRRP instance VI_1: no tracked object named script:nope", std::invalid_argument);
}

TEST_CASE("fault before start: the instance starts in Fault") {
  FakeLan lan;
  Router& r = lan.add(v2_params(255));
  lan.apply(r, r.vrrp.on_interface_state(false, lan.now));
  CHECK(r.changes.empty());
  lan.start(r);
  CHECK(r.state() == State::fault);
  CHECK(r.sent.empty());
  lan.apply(r, r.vrrp.on_interface_state(true, lan.now));
  CHECK(r.state() == State::master);  // the owner goes straight back to master
}

TEST_CASE("tracking weights move the master to the better router") {
  FakeLan lan;
  auto pa = v2_params(100, "198.18.0.1");
  pa.tracked = {{{TrackedKind::script, "haproxy"}, -60, false, true}};
  Router& a = lan.add(pa);
  Router& b = lan.add(v2_params(90, "198.18.0.2"));
  lan.start(a);
  lan.start(b);
  lan.run_for(10s);
  REQUIRE(a.state() == State::master);

  const TimePoint failed = lan.now;
  lan.apply(a, a.vrrp.on_tracked_object({TrackedKind::script, "haproxy"}, false, lan.now));
  REQUIRE(a.priority_changes.size() == 1);
  CHECK(a.priority_changes[0].from == 100);
  CHECK(a.priority_changes[0].to == 40);
  CHECK(a.state() == State::master);
  lan.run_for(10s);
  CHECK(a.sent.back().second.priority == 40);
  CHECK(b.state() == State::master);
  CHECK(a.state() == State::backup);
  CHECK(*b.entered(State::master) - failed <= 1s + 3s + 648437us);  // next advert + b's MDI

  // Healthy again: a preempts back.
  lan.apply(a, a.vrrp.on_tracked_object({TrackedKind::script, "haproxy"}, true, lan.now));
  lan.run_for(10s);
  CHECK(a.state() == State::master);
  CHECK(b.state() == State::backup);
}

TEST_CASE("a priority change moves a backup's running Master_Down_Timer by the skew difference") {
  FakeLan lan;
  auto p = v2_params(100);
  p.tracked = {{{TrackedKind::script, "bonus"}, 50, false, false}};
  Router& r = lan.add(p);
  lan.start(r);
  const TimePoint before = *r.timer(TimerKind::master_down);
  lan.apply(r, r.vrrp.on_tracked_object({TrackedKind::script, "bonus"}, true, lan.now));
  CHECK(r.vrrp.effective_priority() == 150);
  // skew 106/256 s = 414062 us instead of 609375 us
  CHECK(*r.timer(TimerKind::master_down) == before - 195313us);
}

TEST_CASE("timers: cancelled, duplicate and early expiries are harmless") {
  FakeLan lan;
  Router& r = lan.add(v2_params(100));
  CHECK(r.vrrp.on_timer_expired(TimerKind::master_down, lan.now).empty());  // not started
  lan.start(r);
  const TimePoint deadline = *r.timer(TimerKind::master_down);
  const auto early = r.vrrp.on_timer_expired(TimerKind::master_down, deadline - 1ms);
  REQUIRE(early.size() == 1);
  CHECK(std::get<ArmTimer>(early[0]).deadline == deadline);
  CHECK(r.vrrp.on_timer_expired(TimerKind::advertisement, deadline).empty());  // never armed
  lan.run_until(deadline);
  CHECK(r.state() == State::master);
  CHECK(r.vrrp.on_timer_expired(TimerKind::master_down, deadline).empty());  // fired already
  CHECK(r.vrrp.start(lan.now).empty());                                      // starting twice is harmless
}

TEST_CASE("an advert timer that fires late keeps the cadence without bursts") {
  FakeLan lan;
  Router& r = lone_master(lan, v2_params(100));
  const TimePoint deadline = *r.timer(TimerKind::advertisement);
  const auto on_time = r.vrrp.on_timer_expired(TimerKind::advertisement, deadline + 10ms);
  CHECK(std::get<ArmTimer>(on_time.back()).deadline == deadline + 1s);
  const auto stalled = r.vrrp.on_timer_expired(TimerKind::advertisement, deadline + 5s);
  CHECK(std::get<ArmTimer>(stalled.back()).deadline == deadline + 6s);
}

TEST_CASE("instance parameters are validated") {
  const auto rejects = [](InstanceParameters p, const char* message) {
    CHECK_THROWS_WITH_AS(VrrpInstance{std::move(p)}, message, std::invalid_argument);
  };
  auto p = v2_params(100);
  p.vrid = 0;
  rejects(p, "VRRP instance VI_1: virtual_router_id must be 1..255");
  p = v2_params(0);
  rejects(p, "VRRP instance VI_1: priority must be 1..255 (0 is reserved for resignation)");
  p = v2_params(100);
  p.primary_address = IpAddress();
  rejects(p, "VRRP instance VI_1: no primary (source) address");
  p = v3_params(100, "fe80::1", 1000ms);
  p.version = Version::v2;
  rejects(p, "VRRP instance VI_1: VRRPv2 (RFC 3768) is IPv4 only; use version 3 for IPv6");
  p = v2_params(100);
  p.advert_interval = 500ms;
  rejects(p, "VRRP instance VI_1: VRRPv2 advert_int must be a whole number of seconds from 1 to 255");
  p = v3_params(100, "198.18.0.1", 5ms);
  rejects(p, "VRRP instance VI_1: VRRPv3 advert_int must be a multiple of 0.01 s from 0.01 to 40.95 s");
  p = v3_params(100, "198.18.0.1", 40960ms);
  rejects(p, "VRRP instance VI_1: VRRPv3 advert_int must be a multiple of 0.01 s from 0.01 to 40.95 s");
  p = v2_params(100);
  p.preempt_delay = 1001s;
  rejects(p, "VRRP instance VI_1: preempt_delay must be 0..1000 seconds");
  p = v3_params(100, "198.18.0.1", 1000ms);
  p.auth_type = AuthType::simple_password;
  p.auth_password = "x";
  rejects(p, "VRRP instance VI_1: VRRPv3 has no authentication");
  p = v2_params(100);
  p.auth_type = AuthType::simple_password;
  p.auth_password = "123456789";
  rejects(p, "VRRP instance VI_1: VRRP PASS password is 9 bytes; at most 8 fit in an advert");
  p = v2_params(100);
  p.auth_type = AuthType::ip_ah;
  rejects(p, "VRRP instance VI_1: AH authentication is not supported");
  p = v2_params(100);
  p.virtual_addresses.push_back(ip("fd00::1"));
  rejects(p, "VRRP instance VI_1: virtual address fd00::1 is not of the family of 198.18.0.1");
  p = v2_params(100);
  p.unicast_peers = {ip("fd00::2")};
  rejects(p, "VRRP instance VI_1: unicast peer fd00::2 is not of the family of 198.18.0.1");
  p = v2_params(100);
  p.tracked = {{{TrackedKind::script, "a"}, 300, false, true}};
  rejects(p, "VRRP instance VI_1: tracked object script:a: weight 300 is outside -254..254");
}

TEST_CASE("sync group: members follow the group to master, backup and fault") {
  FakeLan lan;
  Router& r = lan.add(v2_params(100));
  lan.start(r);

  lan.apply(r, r.vrrp.on_sync_group(State::master, lan.now));
  CHECK(r.state() == State::master);
  CHECK(last_change(r).reason == TransitionReason::sync_group);
  CHECK(r.sent.back().second.priority == 100);
  CHECK_FALSE(r.timer(TimerKind::master_down));

  const size_t sent = r.sent.size();
  lan.apply(r, r.vrrp.on_sync_group(State::backup, lan.now));
  CHECK(r.state() == State::backup);
  CHECK(r.sent.size() == sent);  // no resignation: the group's master is elsewhere
  CHECK(r.timer(TimerKind::master_down) == lan.now + 3609375us);
  CHECK_FALSE(r.timer(TimerKind::advertisement));

  lan.apply(r, r.vrrp.on_sync_group(State::master, lan.now));
  lan.apply(r, r.vrrp.on_sync_group(State::fault, lan.now));
  CHECK(r.state() == State::fault);
  CHECK(r.sent.back().second.priority == 0);  // a master resigns when the group faults
  CHECK(r.vrrp.faulted());
  lan.run_for(10s);
  CHECK(r.state() == State::fault);

  lan.apply(r, r.vrrp.on_sync_group(State::backup, lan.now));
  CHECK(r.state() == State::backup);
  CHECK_FALSE(r.vrrp.faulted());
}

TEST_CASE("sync group: a member with a fault of its own stays in Fault when the group recovers") {
  FakeLan lan;
  Router& r = lan.add(v2_params(100));
  lan.start(r);
  lan.apply(r, r.vrrp.on_sync_group(State::fault, lan.now));
  lan.apply(r, r.vrrp.on_interface_state(false, lan.now));
  lan.apply(r, r.vrrp.on_sync_group(State::master, lan.now));
  CHECK(r.state() == State::fault);
  lan.apply(r, r.vrrp.on_interface_state(true, lan.now));
  CHECK(r.state() == State::backup);
  // Repeated or irrelevant group states change nothing.
  const size_t changes = r.changes.size();
  lan.apply(r, r.vrrp.on_sync_group(State::backup, lan.now));
  lan.apply(r, r.vrrp.on_sync_group(State::initialize, lan.now));
  CHECK(r.changes.size() == changes);
}
