// keepalived's retry/rise/alpha rules and the virtual-server rules, driven with a fake clock.
#include <doctest/doctest.h>

#include "check/check_health.h"
#include "check/healthy_set.h"
#include "check/misc_check.h"
#include "check/server_health.h"

using namespace xdplb::check;

namespace {

const Clock::time_point kT0{std::chrono::hours(1000)};

CheckOutcome ok() { return {true, "ok", std::nullopt, 1ms}; }
CheckOutcome bad(std::string why = "refused") { return {false, std::move(why), std::nullopt, 1ms}; }

SchedulingParams params(unsigned retry = 2) {
  SchedulingParams p;
  p.delay_loop = 10s;
  p.delay_before_retry = 2s;
  p.retry = retry;
  return p;
}

}  // namespace

TEST_CASE("a server starts up and is checked first after its spread delay") {
  CheckHealth health(params(), kT0, 3s);
  CHECK(health.up());
  CHECK(health.next_check_at() == kT0 + 3s);
}

TEST_CASE("retry failures are retried after delay_before_retry - the next one declares the server down") {
  CheckHealth health(params(2), kT0, 0s);
  auto now = kT0;
  CHECK(health.record(bad(), now) == CheckHealth::Change::none);
  CHECK(health.next_check_at() == now + 2s);
  now += 2s;
  CHECK(health.record(bad(), now) == CheckHealth::Change::none);
  CHECK(health.up());
  CHECK(health.next_check_at() == now + 2s);
  now += 2s;
  CHECK(health.record(bad(), now) == CheckHealth::Change::went_down);
  CHECK_FALSE(health.up());
  CHECK(health.last_transition() == now);
  CHECK(health.next_check_at() == now + 10s);  // down: back to delay_loop
  CHECK(health.failures() == 3);
  CHECK(health.checks() == 3);
}

TEST_CASE("a success between failures resets the retry count") {
  CheckHealth health(params(1), kT0, 0s);
  CHECK(health.record(bad(), kT0) == CheckHealth::Change::none);
  CHECK(health.record(ok(), kT0 + 2s) == CheckHealth::Change::none);
  CHECK(health.next_check_at() == kT0 + 12s);
  CHECK(health.record(bad(), kT0 + 12s) == CheckHealth::Change::none);
  CHECK(health.up());
  CHECK(health.record(bad(), kT0 + 14s) == CheckHealth::Change::went_down);
}

TEST_CASE("retry 0 declares the server down on the first failure") {
  CheckHealth health(params(0), kT0, 0s);
  CHECK(health.record(bad(), kT0) == CheckHealth::Change::went_down);
}

TEST_CASE("one success brings a server back up - rise asks for more") {
  CheckHealth health(params(0), kT0, 0s);
  health.record(bad(), kT0);
  CHECK(health.record(ok(), kT0 + 10s) == CheckHealth::Change::came_up);

  auto p = params(0);
  p.rise = 3;
  CheckHealth rising(p, kT0, 0s);
  rising.record(bad(), kT0);
  CHECK(rising.record(ok(), kT0 + 10s) == CheckHealth::Change::none);
  CHECK(rising.record(ok(), kT0 + 20s) == CheckHealth::Change::none);
  CHECK_FALSE(rising.up());
  CHECK(rising.record(ok(), kT0 + 30s) == CheckHealth::Change::came_up);
}

TEST_CASE("a failure while rising starts the rise over") {
  auto p = params(0);
  p.rise = 2;
  CheckHealth health(p, kT0, 0s);
  health.record(bad(), kT0);
  health.record(ok(), kT0 + 10s);
  health.record(bad(), kT0 + 20s);
  CHECK(health.record(ok(), kT0 + 30s) == CheckHealth::Change::none);
  CHECK(health.record(ok(), kT0 + 40s) == CheckHealth::Change::came_up);
}

TEST_CASE("alpha starts a server down until a check succeeds") {
  auto p = params();
  p.alpha = true;
  CheckHealth health(p, kT0, 0s);
  CHECK_FALSE(health.up());
  CHECK(health.record(bad(), kT0) == CheckHealth::Change::none);
  CHECK(health.next_check_at() == kT0 + 10s);  // no retries for a server already down
  CHECK(health.record(ok(), kT0 + 10s) == CheckHealth::Change::came_up);
}

TEST_CASE("a real server is up only while all its checkers are - and events say why") {
  ServerHealth server("vs1", "rs1", kT0);
  auto tcp = server.add_checker(params(0), kT0, 0s);
  auto http = server.add_checker(params(0), kT0, 0s);
  CHECK(server.status().up);

  auto down = server.record(http, bad("HTTP status 500"), kT0 + 1s);
  REQUIRE(down);
  CHECK_FALSE(down->up);
  CHECK(down->virtual_server == "vs1");
  CHECK(down->real_server == "rs1");
  CHECK(down->reason == "HTTP status 500");
  CHECK_FALSE(server.record(tcp, bad(), kT0 + 2s));  // already down
  CHECK_FALSE(server.record(http, ok(), kT0 + 11s));  // tcp still down
  auto up = server.record(tcp, ok(), kT0 + 12s);
  REQUIRE(up);
  CHECK(up->up);
  CHECK(server.status().last_transition == kT0 + 12s);
  CHECK(server.status().checks == 4);
  CHECK(server.status().failures == 2);
  CHECK(server.status().last_latency == 1ms);
}

TEST_CASE("a misc_dynamic weight change of a server that stays up is published") {
  ServerHealth server("vs1", "rs1", kT0);
  auto misc = server.add_checker(params(), kT0, 0s);
  auto changed = server.record(misc, misc_outcome_for_exit_status(12, true), kT0);
  REQUIRE(changed);
  CHECK(changed->up);
  REQUIRE(changed->weight);
  CHECK(*changed->weight == 10);
  // Exit 0 keeps the weight the script set last: nothing to publish.
  CHECK_FALSE(server.record(misc, misc_outcome_for_exit_status(0, true), kT0 + 10s));
  CHECK(server.status().weight == 10U);
}

TEST_CASE("misc exit codes follow keepalived's misc_dynamic rule") {
  CHECK(misc_outcome_for_exit_status(0, false).healthy);
  CHECK_FALSE(misc_outcome_for_exit_status(1, false).healthy);
  CHECK_FALSE(misc_outcome_for_exit_status(7, false).healthy);
  CHECK_FALSE(misc_outcome_for_exit_status(7, false).weight);
  CHECK(misc_outcome_for_exit_status(0, true).healthy);
  CHECK_FALSE(misc_outcome_for_exit_status(0, true).weight);
  CHECK_FALSE(misc_outcome_for_exit_status(1, true).healthy);
  CHECK(misc_outcome_for_exit_status(2, true).weight == 0U);
  CHECK(misc_outcome_for_exit_status(255, true).weight == 253U);
}

namespace {

VirtualServerRules three_servers() {
  VirtualServerRules vs;
  vs.name = "198.18.0.10:80";
  vs.quorum = 4;
  vs.hysteresis = 1;
  vs.notify_quorum_up = "/bin/quorum up";
  vs.notify_quorum_down = "/bin/quorum down";
  vs.real_servers = {{"a", 2, false, "/bin/up a", "/bin/down a", true, std::nullopt},
                     {"b", 2, true, "", "", true, std::nullopt},
                     {"c", 2, false, "", "", true, std::nullopt}};
  return vs;
}

HealthEvent event(std::string rs, bool up, std::optional<unsigned> weight = std::nullopt) {
  return {"198.18.0.10:80", std::move(rs), up, "test", weight, kT0};
}

}  // namespace

TEST_CASE("down servers leave the set - or stay at weight 0 with inhibit_on_failure") {
  HealthySet set;
  set.add_virtual_server(three_servers());
  const auto& state = set.state("198.18.0.10:80");
  CHECK(state.in_service);
  CHECK(state.live_weight == 6);

  auto actions = set.apply(event("a", false));
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].kind == NotifyAction::Kind::real_server_down);
  CHECK(actions[0].command == "/bin/down a");
  actions = set.apply(event("b", false));  // no notify_down of its own; quorum goes with it
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].kind == NotifyAction::Kind::quorum_down);
  CHECK(state.backends == std::vector<Backend>{{"b", 0, false, 1}, {"c", 2, false, 2}});
  // What the checks say, whatever the ring holds (the notify FIFOs follow this).
  CHECK_FALSE(set.real_server_up("198.18.0.10:80", "a"));
  CHECK(set.real_server_up("198.18.0.10:80", "c"));
  CHECK_THROWS_AS(set.real_server_up("198.18.0.10:80", "nobody"), std::out_of_range);
  CHECK_THROWS_AS(set.real_server_up("nowhere", "a"), std::out_of_range);
}

TEST_CASE("quorum with hysteresis withdraws the VIP and brings it back without flapping") {
  HealthySet set;
  set.add_virtual_server(three_servers());
  const auto& state = set.state("198.18.0.10:80");
  set.apply(event("a", false));  // live 4: still >= quorum - hysteresis = 3
  CHECK(state.quorum_up);
  auto actions = set.apply(event("b", false));  // live 2 < 3: lost
  CHECK_FALSE(state.quorum_up);
  CHECK_FALSE(state.in_service);
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].kind == NotifyAction::Kind::quorum_down);
  actions = set.apply(event("b", true));  // live 4 < quorum + hysteresis = 5: not yet
  CHECK(actions.empty());
  CHECK_FALSE(state.in_service);
  actions = set.apply(event("a", true));  // live 6: gained
  REQUIRE(actions.size() == 2);
  CHECK(actions[0].kind == NotifyAction::Kind::real_server_up);
  CHECK(actions[1].kind == NotifyAction::Kind::quorum_up);
  CHECK(state.in_service);
}

TEST_CASE("dynamic weights count towards quorum") {
  HealthySet set;
  set.add_virtual_server(three_servers());
  const auto& state = set.state("198.18.0.10:80");
  set.apply(event("a", true, 0));
  set.apply(event("b", true, 0));
  CHECK(state.live_weight == 2);
  CHECK_FALSE(state.quorum_up);
  set.apply(event("a", true, 10));
  CHECK(state.quorum_up);
  CHECK(state.backends.front() == Backend{"a", 10, false});
}

TEST_CASE("the sorry server takes new flows when nothing is healthy") {
  VirtualServerRules vs;
  vs.name = "vs";
  vs.sorry_server = SorryServerRules{"sorry", 1};
  vs.real_servers = {{"a", 3, false, "", "", true, std::nullopt}, {"b", 1, true, "", "", true, std::nullopt}};
  HealthySet set;
  set.add_virtual_server(vs);
  HealthEvent down{"vs", "a", false, "x", std::nullopt, kT0};
  set.apply(down);
  down.real_server = "b";
  set.apply(down);
  const auto& state = set.state("vs");
  CHECK(state.in_service);
  CHECK_FALSE(state.quorum_up);
  CHECK(state.backends == std::vector<Backend>{{"b", 0, false, 1}, {"sorry", 1, true}});
  HealthEvent up{"vs", "a", true, "x", std::nullopt, kT0};
  set.apply(up);
  CHECK(state.backends == std::vector<Backend>{{"a", 3, false, 0}, {"b", 0, false, 1}});
}

TEST_CASE("alpha servers start outside the set and quorum starts lost - silently") {
  VirtualServerRules vs;
  vs.name = "vs";
  vs.notify_quorum_down = "/bin/q";
  vs.real_servers = {{"a", 1, false, "", "", false, std::nullopt}};
  HealthySet set;
  set.add_virtual_server(vs);
  CHECK_FALSE(set.state("vs").in_service);
  CHECK(set.state("vs").backends.empty());
}

TEST_CASE("omega runs the down notifiers at shutdown") {
  auto rules = three_servers();
  HealthySet without;
  without.add_virtual_server(rules);
  CHECK(without.shutdown().empty());

  rules.omega = true;
  HealthySet with;
  with.add_virtual_server(rules);
  auto actions = with.shutdown();
  REQUIRE(actions.size() == 2);
  CHECK(actions[0].command == "/bin/down a");
  CHECK(actions[1].kind == NotifyAction::Kind::quorum_down);
}

TEST_CASE("bad wiring is refused with a clear error") {
  HealthySet set;
  set.add_virtual_server(three_servers());
  CHECK_THROWS_AS(set.add_virtual_server(three_servers()), std::invalid_argument);
  auto twice = three_servers();
  twice.name = "other";
  twice.real_servers.push_back(twice.real_servers.front());
  CHECK_THROWS_AS(set.add_virtual_server(twice), std::invalid_argument);
  CHECK_THROWS_AS(set.apply(event("nobody", true)), std::out_of_range);
  CHECK_THROWS_AS(set.apply(HealthEvent{"nowhere", "a", true, "", std::nullopt, kT0}), std::out_of_range);
}
