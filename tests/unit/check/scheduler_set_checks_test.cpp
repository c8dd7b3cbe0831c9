// Scheduler::set_checks, what a reload relies on: unchanged real servers keep running as they are,
// changed ones start anew in the state they had, removed ones stop, and new checkers are built a
// batch per loop turn.
#include <doctest/doctest.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <memory>
#include <vector>

#include "check/scheduler.h"

using namespace xdplb::check;
using namespace std::chrono_literals;

namespace {

// Answers every check with the verdict its shared switch holds, on the next loop turn; or keeps the
// completion to answer later when `hold` is set.
struct Verdicts {
  bool healthy = true;
  bool hold = false;
  std::vector<Checker::Completion> held;
  int built = 0;
  int started = 0;
};

class ScriptedChecker final : public Checker {
 public:
  ScriptedChecker(asio::io_context& io, std::shared_ptr<Verdicts> verdicts) : io_(io), verdicts_(std::move(verdicts)) {}
  void start(Clock::duration, Completion done) override {
    ++verdicts_->started;
    if (verdicts_->hold) {
      verdicts_->held.push_back(std::move(done));
      return;
    }
    asio::post(io_, [done = std::move(done), healthy = verdicts_->healthy] {
      done(CheckOutcome{healthy, healthy ? "ok" : "refused", std::nullopt, 1ms});
    });
  }
  std::string describe() const override { return "SCRIPTED"; }

 private:
  asio::io_context& io_;
  std::shared_ptr<Verdicts> verdicts_;
};

PlannedCheck tcp_plan(std::uint16_t port, Clock::duration connect_timeout = 1s) {
  PlannedCheck plan{TcpCheckParams{{asio::ip::make_address("198.18.1.1"), port, std::nullopt, 0}}, {}};
  plan.scheduling.delay_loop = 5ms;
  plan.scheduling.warmup = 1ms;
  plan.scheduling.connect_timeout = connect_timeout;
  plan.scheduling.delay_before_retry = 1ms;
  plan.scheduling.retry = 0;  // the first failure takes it down
  return plan;
}

PlannedServer server(const std::string& rs, std::vector<PlannedCheck> checks) {
  return PlannedServer{"vs", rs, std::move(checks)};
}

struct Rig {
  asio::io_context io;
  std::shared_ptr<Verdicts> verdicts = std::make_shared<Verdicts>();
  std::vector<HealthEvent> events;
  Scheduler scheduler{io, 1, [this](const PlannedCheck&) {
                        ++verdicts->built;
                        return std::make_unique<ScriptedChecker>(io, verdicts);
                      }};
  Rig() {
    scheduler.on_event([this](const HealthEvent& e) { events.push_back(e); });
  }
  // Runs the loop until `done` or 2 s.
  template <class Predicate>
  bool run_until(Predicate done) {
    const auto deadline = Clock::now() + 2s;
    while (!done() && Clock::now() < deadline) {
      io.restart();
      io.run_for(2ms);
    }
    return done();
  }
};

}  // namespace

TEST_CASE("set_checks: a real server planned as before keeps its checkers and counters") {
  Rig rig;
  rig.scheduler.set_checks({server("a", {tcp_plan(80)}), server("b", {tcp_plan(81), tcp_plan(82)})});
  rig.scheduler.start();
  REQUIRE(rig.run_until([&] { return rig.scheduler.status("vs", "a")->checks >= 3; }));
  CHECK(rig.verdicts->built == 3);
  const auto checks_before = rig.scheduler.status("vs", "a")->checks;

  // The same plans again, in another order: nothing is rebuilt, the counters go on.
  rig.scheduler.set_checks({server("b", {tcp_plan(81), tcp_plan(82)}), server("a", {tcp_plan(80)})});
  CHECK(rig.verdicts->built == 3);
  CHECK(rig.scheduler.status("vs", "a")->checks >= checks_before);
  REQUIRE(rig.run_until([&] { return rig.scheduler.status("vs", "a")->checks >= checks_before + 2; }));
  CHECK(rig.verdicts->built == 3);
  CHECK(rig.events.empty());  // up all along: no event
}

TEST_CASE("set_checks: a changed plan starts anew in the state the server had") {
  Rig rig;
  rig.verdicts->healthy = false;
  rig.scheduler.set_checks({server("a", {tcp_plan(80)}), server("b", {tcp_plan(81)})});
  rig.scheduler.start();
  REQUIRE(rig.run_until([&] { return !rig.scheduler.status("vs", "a")->up && !rig.scheduler.status("vs", "b")->up; }));

  // a's connect_timeout changes; b gets a second checker. Both were down: they stay down, without
  // an event, until a check succeeds.
  rig.events.clear();
  rig.scheduler.set_checks({server("a", {tcp_plan(80, 2s)}), server("b", {tcp_plan(81), tcp_plan(82)})});
  CHECK(rig.verdicts->built == 2 + 3);
  CHECK_FALSE(rig.scheduler.status("vs", "a")->up);
  CHECK_FALSE(rig.scheduler.status("vs", "b")->up);
  CHECK(rig.scheduler.status("vs", "a")->checks == 0);  // new checkers, new counters
  rig.verdicts->healthy = true;
  REQUIRE(rig.run_until([&] { return rig.scheduler.status("vs", "a")->up && rig.scheduler.status("vs", "b")->up; }));
  CHECK(rig.events.size() == 2);
  for (const auto& e : rig.events) CHECK(e.up);
}

TEST_CASE("set_checks: a changed plan of an up server keeps it up until the new checkers fail") {
  Rig rig;
  rig.scheduler.set_checks({server("a", {tcp_plan(80)})});
  rig.scheduler.start();
  REQUIRE(rig.run_until([&] { return rig.scheduler.status("vs", "a")->checks >= 1; }));
  rig.verdicts->healthy = false;
  auto alpha = tcp_plan(80, 3s);
  alpha.scheduling.alpha = true;  // alpha would start it down: the known state wins
  rig.scheduler.set_checks({server("a", {alpha})});
  CHECK(rig.scheduler.status("vs", "a")->up);
  REQUIRE(rig.run_until([&] { return !rig.scheduler.status("vs", "a")->up; }));
  REQUIRE(rig.events.size() == 1);
  CHECK_FALSE(rig.events.front().up);
}

TEST_CASE("set_checks: a removed server stops, and the outcome of its check in flight is dropped") {
  Rig rig;
  rig.verdicts->hold = true;
  rig.scheduler.set_checks({server("a", {tcp_plan(80)}), server("b", {tcp_plan(81)})});
  rig.scheduler.start();
  REQUIRE(rig.run_until([&] { return rig.verdicts->held.size() == 2; }));
  rig.scheduler.set_checks({server("b", {tcp_plan(81)})});
  CHECK_FALSE(rig.scheduler.status("vs", "a"));
  CHECK(rig.scheduler.statuses().size() == 1);
  // Both checks fail late: only b's counts.
  for (auto& done : rig.verdicts->held) done(CheckOutcome{false, "refused", std::nullopt, 1ms});
  rig.verdicts->held.clear();
  CHECK(rig.events.size() == 1);
  CHECK(rig.events.front().real_server == "b");
  CHECK(rig.scheduler.checker_count() == 1);
}

TEST_CASE("set_checks: new checkers are built a batch per loop turn") {
  Rig rig;
  const std::size_t n = Scheduler::kBuildsPerTurn * 2 + 7;
  std::vector<PlannedServer> servers;
  for (std::size_t i = 0; i < n; ++i) servers.push_back(server("rs" + std::to_string(i), {tcp_plan(80)}));
  rig.verdicts->hold = true;  // no check finishes
  rig.scheduler.set_checks(servers);  // not started yet: the builds are the only work on the loop
  // Every server has its state at once; the first batch is built at once, the rest later.
  CHECK(rig.scheduler.statuses().size() == n);
  CHECK(rig.verdicts->built == static_cast<int>(Scheduler::kBuildsPerTurn));
  CHECK(rig.scheduler.pending_builds() == n - Scheduler::kBuildsPerTurn);
  rig.io.restart();
  rig.io.poll_one();
  CHECK(rig.verdicts->built == static_cast<int>(2 * Scheduler::kBuildsPerTurn));
  REQUIRE(rig.run_until([&] { return rig.scheduler.pending_builds() == 0; }));
  CHECK(rig.verdicts->built == static_cast<int>(n));
  rig.scheduler.start();
  REQUIRE(rig.run_until([&] { return rig.verdicts->held.size() == n; }));

  // Replaced before its turn: a pending checker is never built.
  std::vector<PlannedServer> changed;
  for (std::size_t i = 0; i < n; ++i) changed.push_back(server("rs" + std::to_string(i), {tcp_plan(81)}));
  rig.scheduler.set_checks(changed);
  rig.scheduler.set_checks(servers);
  REQUIRE(rig.run_until([&] { return rig.scheduler.pending_builds() == 0; }));
  CHECK(rig.verdicts->built == static_cast<int>(n + Scheduler::kBuildsPerTurn + n));
}

TEST_CASE("set_checks: a plan that fails validation is left out, the server's other checkers run") {
  Rig rig;
  PlannedCheck http{HttpCheckParams{}, tcp_plan(80).scheduling};  // no url: no server could pass
  rig.scheduler.set_checks({server("a", {http, tcp_plan(80)})});
  CHECK(rig.verdicts->built == 1);
  CHECK(rig.scheduler.checker_count() == 1);
  // Planned the same again: not retried, not logged again.
  rig.scheduler.set_checks({server("a", {http, tcp_plan(80)})});
  CHECK(rig.verdicts->built == 1);
}
