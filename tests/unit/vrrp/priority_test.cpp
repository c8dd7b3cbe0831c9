#include "vrrp/priority.h"

#include <doctest/doctest.h>

#include <stdexcept>

using xdplb::vrrp::PriorityCalculator;
using xdplb::vrrp::TrackedObject;

TEST_CASE("no tracking: effective priority is the base priority") {
  CHECK(PriorityCalculator(100).effective() == 100);
  CHECK(PriorityCalculator(1).effective() == 1);
  CHECK_FALSE(PriorityCalculator(100).faulted());
}

TEST_CASE("positive weight adds while healthy, negative weight adds while failed") {
  PriorityCalculator p(100, {{"script:up", 10, false, true}, {"script:down", -30, false, true}});
  CHECK(p.effective() == 110);
  CHECK(p.set_healthy("script:down", false));
  CHECK(p.effective() == 80);
  CHECK(p.set_healthy("script:up", false));
  CHECK(p.effective() == 70);
  CHECK_FALSE(p.set_healthy("script:up", false));  // no change, says so
  CHECK(p.set_healthy("script:down", true));
  CHECK(p.effective() == 100);
  CHECK_FALSE(p.faulted());
}

TEST_CASE("reverse negates a weighted object's adjustment") {
  PriorityCalculator p(100, {{"plus", 10, true, true}, {"minus", -20, true, false}});
  CHECK(p.effective() == 100 - 10 + 20);
  p.set_healthy("plus", false);
  p.set_healthy("minus", true);
  CHECK(p.effective() == 100);
}

TEST_CASE("weight 0 failure is a fault, and reverse makes success the fault") {
  PriorityCalculator p(100, {{"interface:eth1", 0, false, true}, {"script:maint", 0, true, false}});
  CHECK_FALSE(p.faulted());
  CHECK(p.set_healthy("interface:eth1", false));
  CHECK(p.faulted());
  CHECK(p.fault_causes() == std::vector<std::string>{"interface:eth1"});
  CHECK(p.effective() == 100);  // a fault is not a priority
  p.set_healthy("script:maint", true);
  CHECK(p.fault_causes() == std::vector<std::string>{"interface:eth1", "script:maint"});
  p.set_healthy("interface:eth1", true);
  p.set_healthy("script:maint", false);
  CHECK_FALSE(p.faulted());
}

TEST_CASE("effective priority is clamped to 1..254") {
  PriorityCalculator low(50, {{"a", -254, false, false}});
  CHECK(low.effective() == 1);
  PriorityCalculator high(250, {{"a", 254, false, true}});
  CHECK(high.effective() == 254);
  PriorityCalculator at_edge(200, {{"a", 54, false, true}});
  CHECK(at_edge.effective() == 254);
}

TEST_CASE("the address owner keeps 255 whatever its weights, but still faults") {
  PriorityCalculator p(255, {{"a", -100, false, false}, {"b", 0, false, true}});
  CHECK(p.effective() == 255);
  p.set_healthy("b", false);
  CHECK(p.faulted());
  CHECK(p.effective() == 255);
}

TEST_CASE("bad tracking input is refused with a clear error") {
  CHECK_THROWS_WITH_AS(PriorityCalculator(0), "priority 0 is reserved for resignation; use 1..255",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(PriorityCalculator(100, {{"a", 255, false, true}}),
                       "tracked object a: weight 255 is outside -254..254", std::invalid_argument);
  CHECK_THROWS_AS(PriorityCalculator(100, {{"a", -255, false, true}}), std::invalid_argument);
  CHECK_THROWS_WITH_AS(PriorityCalculator(100, {{"a", 1, false, true}, {"a", 2, false, true}}),
                       "tracked object a is listed twice", std::invalid_argument);
  PriorityCalculator p(100, {{"a", 1, false, true}});
  CHECK_THROWS_WITH_AS(p.set_healthy("b", false), "no tracked object named b", std::invalid_argument);
  CHECK(p.effective() == 101);  // the bad call changed nothing
}
