// Runs every checker on the agent's event loop at the times its CheckHealth plans, feeds the
// outcomes back and publishes HealthEvents. One timer per checker, no threads.
//
// The agent gives it the whole set of planned checks (set_checks) at start and on every reload: a
// real server planned exactly as it runs keeps its checkers, their timers and their counters, so a
// reload never delays or resets a check it did not change. New checkers are built a batch per loop
// turn, so a reload that changes ten thousand of them does not hold the loop (VRRP adverts).
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "check/checker.h"
#include "check/planned_check.h"
#include "check/server_health.h"

namespace xdplb::check {

class Scheduler {
 public:
  using EventHandler = std::function<void(const HealthEvent&)>;
  // How late a check started against its plan; for metrics and the scale benchmark.
  using LatenessObserver = std::function<void(Clock::duration)>;
  // Builds a planned checker; make_checker unless a test gives its own.
  using CheckerFactory = std::function<std::unique_ptr<Checker>(const PlannedCheck&)>;
  // Checkers built per loop turn while set_checks' new ones are pending (about 10 µs each).
  static constexpr std::size_t kBuildsPerTurn = 500;

  explicit Scheduler(asio::io_context& io, std::uint32_t seed = std::random_device{}(), CheckerFactory factory = {});
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  ~Scheduler();

  // The checks to run from now on, one entry per real server of a virtual server:
  //  - planned exactly as now (same checks, same order): it keeps running as it is;
  //  - planned differently: new checkers that start in the state the server had (up: it takes
  //    `retry` failures to go down; down: a success to come up);
  //  - new: as its plans say (alpha starts it down);
  //  - no longer listed: its checkers stop (a check in flight finishes, its outcome is dropped).
  // New checkers are built kBuildsPerTurn per loop turn; until then the server keeps its state.
  // A plan that fails to build (see validate()) is logged and left out.
  void set_checks(std::vector<PlannedServer> servers);

  // One checker built by the caller (tests, benchmarks): added to the real server's checkers. A
  // server with such checkers never counts as planned the same by set_checks.
  void add_check(const std::string& virtual_server, const std::string& real_server,
                 std::unique_ptr<Checker> checker, const SchedulingParams& params);

  void on_event(EventHandler handler) { on_event_ = std::move(handler); }
  void on_lateness(LatenessObserver observer) { on_lateness_ = std::move(observer); }

  void start();
  // Cancels pending timers; checks in flight finish but their outcome is dropped.
  void stop();

  std::optional<ServerStatus> status(const std::string& virtual_server, const std::string& real_server) const;
  std::vector<ServerStatus> statuses() const;
  // Checkers planned by set_checks and not built yet (0 once the loop has caught up).
  std::size_t pending_builds() const { return to_build_.size(); }
  std::size_t checker_count() const;

 private:
  struct Slot;
  struct Server {
    std::shared_ptr<ServerHealth> health;
    std::optional<std::vector<PlannedCheck>> plans;  // unset once add_check gave one of its checkers
    std::vector<std::shared_ptr<Slot>> slots;
  };
  using ServerKey = std::pair<std::string, std::string>;

  Server make_server(const PlannedServer& planned, std::optional<bool> known_up, Clock::time_point now);
  void build_some();
  void schedule(const std::shared_ptr<Slot>& slot);
  void run_check(const std::shared_ptr<Slot>& slot);
  void on_outcome(const std::shared_ptr<Slot>& slot, const CheckOutcome& outcome);
  Clock::duration first_check_delay(const SchedulingParams& params);
  void drop(Server& server);

  asio::io_context& io_;
  std::mt19937 random_;
  CheckerFactory factory_;
  std::map<ServerKey, Server> servers_;
  std::deque<std::weak_ptr<Slot>> to_build_;
  bool build_posted_ = false;
  EventHandler on_event_;
  LatenessObserver on_lateness_;
  bool running_ = false;
  // Callbacks from timers and checks hold a weak copy: they do nothing once the scheduler is gone
  // or stopped (each also holds its slot weakly: nothing once the slot is dropped).
  std::shared_ptr<Scheduler*> alive_;
};

}  // namespace xdplb::check
