#include "vrrp/priority.h"

#include <doctest/doctest.h>

#include <stdexcept>

using xdplb::vrrp::PriorityCalculator;
using xdplb::vrrp::TrackedId;
using xdplb::vrrp::TrackedKind;
using xdplb::vrrp::TrackedObject;

namespace {

TrackedId script(const char* name) { return {TrackedKind::script, name}; }
TrackedId interface(const char* name) { return {TrackedKind::interface, name}; }

}  // namespace

TEST_CASE("a tracked object is its kind and its name, spelled kind:name") {
  CHECK(interface("eth1") == interface("eth1"));
  CHECK(interface("eth1") != script("eth1"));  // same name, other kind: another object
  CHECK(interface("eth1") != interface("eth2"));
  CHECK(interface("zzz") < script("aaa"));  // by kind first, then by name
  CHECK(script("a") < script("b"));
  CHECK(to_string(interface("eth1")) == "interface:eth1");
  CHECK(to_string(script("chk_haproxy")) == "script:chk_haproxy");
}

TEST_CASE("an interface and a script of the same name are two tracked objects") {
  PriorityCalculator p(100, {{interface("chk"), -10, false, true}, {script("chk"), -20, false, true}});
  CHECK(p.set_healthy(script("chk"), false));
  CHECK(p.effective() == 80);
  CHECK(p.set_healthy(interface("chk"), false));
  CHECK(p.effective() == 70);
}

TEST_CASE("no tracking: effective priority is the base priority") {
  CHECK(PriorityCalculator(100).effective() == 100);
  CHECK(PriorityCalculator(1).effective() == 1);
  CHECK_FALSE(PriorityCalculator(100).faulted());
}

TEST_CASE("positive weight adds while healthy, negative weight adds while failed") {
  PriorityCalculator p(100, {{script("up"), 10, false, true}, {script("down"), -30, false, true}});
  CHECK(p.effective() == 110);
  CHECK(p.set_healthy(script("down"), false));
  CHECK(p.effective() == 80);
  CHECK(p.set_healthy(script("up"), false));
  CHECK(p.effective() == 70);
  CHECK_FALSE(p.set_healthy(script("up"), false));  // no change, says so
  CHECK(p.set_healthy(script("down"), true));
  CHECK(p.effective() == 100);
  CHECK_FALSE(p.faulted());
}

TEST_CASE("reverse negates a weighted object's adjustment") {
  PriorityCalculator p(100, {{script("plus"), 10, true, true}, {script("minus"), -20, true, false}});
  CHECK(p.effective() == 100 - 10 + 20);
  p.set_healthy(script("plus"), false);
  p.set_healthy(script("minus"), true);
  CHECK(p.effective() == 100);
}

TEST_CASE("weight 0 failure is a fault, and reverse makes success the fault") {
  PriorityCalculator p(100, {{interface("eth1"), 0, false, true}, {script("maint"), 0, true, false}});
  CHECK_FALSE(p.faulted());
  CHECK(p.set_healthy(interface("eth1"), false));
  CHECK(p.faulted());
  CHECK(p.fault_causes() == std::vector<TrackedId>{interface("eth1")});
  CHECK(p.effective() == 100);  // a fault is not a priority
  p.set_healthy(script("maint"), true);
  CHECK(p.fault_causes() == std::vector<TrackedId>{interface("eth1"), script("maint")});
  p.set_healthy(interface("eth1"), true);
  p.set_healthy(script("maint"), false);
  CHECK_FALSE(p.faulted());
}

TEST_CASE("effective priority is clamped to 1..254") {
  PriorityCalculator low(50, {{script("a"), -254, false, false}});
  CHECK(low.effective() == 1);
  PriorityCalculator high(250, {{script("a"), 254, false, true}});
  CHECK(high.effective() == 254);
  PriorityCalculator at_edge(200, {{script("a"), 54, false, true}});
  CHECK(at_edge.effective() == 254);
}

TEST_CASE("the address owner keeps 255 whatever its weights, but still faults") {
  PriorityCalculator p(255, {{script("a"), -100, false, false}, {script("b"), 0, false, true}});
  CHECK(p.effective() == 255);
  p.set_healthy(script("b"), false);
  CHECK(p.faulted());
  CHECK(p.effective() == 255);
}

TEST_CASE("bad tracking input is refused with a clear error") {
  CHECK_THROWS_WITH_AS(PriorityCalculator(0), "priority 0 is reserved for resignation; use 1..255",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(PriorityCalculator(100, {{script("a"), 255, false, true}}),
                       "tracked object script:a: weight 255 is outside -254..254", std::invalid_argument);
  CHECK_THROWS_AS(PriorityCalculator(100, {{script("a"), -255, false, true}}), std::invalid_argument);
  CHECK_THROWS_WITH_AS(PriorityCalculator(100, {{script("a"), 1, false, true}, {script("a"), 2, false, true}}),
                       "tracked object script:a is listed twice", std::invalid_argument);
  PriorityCalculator p(100, {{script("a"), 1, false, true}});
  CHECK_THROWS_WITH_AS(p.set_healthy(script("b"), false), "no tracked object named script:b",
                       std::invalid_argument);
  CHECK(p.effective() == 101);  // the bad call changed nothing
}

TEST_CASE("track_file: value x weight moves the priority, below -253 is Fault, weight 0 faults on non-zero") {
  const TrackedId file{TrackedKind::file, "tf"};
  PriorityCalculator weighted(100, {TrackedObject{file, 10, false, true, 0}});
  CHECK(weighted.effective() == 100);
  CHECK(weighted.set_value(file, 3));
  CHECK(weighted.effective() == 130);
  weighted.set_value(file, -5);
  CHECK(weighted.effective() == 50);
  CHECK_FALSE(weighted.faulted());
  weighted.set_value(file, -26);  // -260: below -253
  CHECK(weighted.faulted());
  weighted.set_value(file, 100);  // 1000, kept to 253, then the 1..254 range
  CHECK(weighted.effective() == 254);

  PriorityCalculator reversed(100, {TrackedObject{file, 10, true, true, 0}});
  reversed.set_value(file, 2);
  CHECK(reversed.effective() == 80);

  PriorityCalculator unweighted(100, {TrackedObject{file, 0, false, true, 0}});
  CHECK_FALSE(unweighted.faulted());
  unweighted.set_value(file, -1);
  CHECK(unweighted.faulted());
  CHECK(unweighted.effective() == 100);
  PriorityCalculator unweighted_reverse(100, {TrackedObject{file, 0, true, true, 0}});
  CHECK(unweighted_reverse.faulted());
  unweighted_reverse.set_value(file, 1);
  CHECK_FALSE(unweighted_reverse.faulted());
}
