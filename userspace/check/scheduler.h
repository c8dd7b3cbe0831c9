// Runs every checker on the agent's event loop at the times its CheckHealth plans, feeds the
// outcomes back and publishes HealthEvents. One timer per checker, no threads.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "check/checker.h"
#include "check/server_health.h"

namespace xdplb::check {

class Scheduler {
 public:
  using EventHandler = std::function<void(const HealthEvent&)>;
  // How late a check started against its plan; for metrics and the scale benchmark.
  using LatenessObserver = std::function<void(Clock::duration)>;

  explicit Scheduler(asio::io_context& io, std::uint32_t seed = std::random_device{}());
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;
  ~Scheduler();

  // A real server may have several checkers; it is up while all of them are. Checks added after
  // start() begin within their own warmup window.
  void add_check(const std::string& virtual_server, const std::string& real_server,
                 std::unique_ptr<Checker> checker, const SchedulingParams& params);

  void on_event(EventHandler handler) { on_event_ = std::move(handler); }
  void on_lateness(LatenessObserver observer) { on_lateness_ = std::move(observer); }

  void start();
  // Cancels pending timers; checks in flight finish but their outcome is dropped.
  void stop();

  std::optional<ServerStatus> status(const std::string& virtual_server, const std::string& real_server) const;
  std::vector<ServerStatus> statuses() const;

 private:
  struct Slot;
  void schedule(Slot& slot);
  void run_check(Slot& slot);
  void on_outcome(Slot& slot, const CheckOutcome& outcome);
  Clock::duration first_check_delay(const SchedulingParams& params);

  asio::io_context& io_;
  std::mt19937 random_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<ServerHealth>> servers_;
  std::vector<std::unique_ptr<Slot>> slots_;
  EventHandler on_event_;
  LatenessObserver on_lateness_;
  bool running_ = false;
  // Callbacks from timers and checks hold a weak copy: they do nothing once the scheduler is gone.
  std::shared_ptr<Scheduler*> alive_;
};

}  // namespace xdplb::check
