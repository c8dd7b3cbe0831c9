#include "check/server_health.h"

#include <algorithm>

namespace xdplb::check {

ServerHealth::ServerHealth(std::string virtual_server, std::string real_server, Clock::time_point now) {
  status_.virtual_server = std::move(virtual_server);
  status_.real_server = std::move(real_server);
  status_.last_transition = now;
}

std::size_t ServerHealth::add_checker(const SchedulingParams& params, Clock::time_point now,
                                      Clock::duration first_check_delay) {
  checkers_.emplace_back(params, now, first_check_delay);
  bool was_up = status_.up;
  status_.up = all_up();
  if (was_up != status_.up) status_.last_transition = now;
  if (!status_.up) status_.reason = "alpha: down until a check succeeds";
  return checkers_.size() - 1;
}

bool ServerHealth::all_up() const {
  return std::all_of(checkers_.begin(), checkers_.end(), [](const CheckHealth& c) { return c.up(); });
}

std::optional<unsigned> ServerHealth::current_weight() const {
  std::optional<unsigned> weight;
  for (const auto& c : checkers_) {
    if (c.dynamic_weight()) weight = c.dynamic_weight();
  }
  return weight;
}

std::optional<HealthEvent> ServerHealth::record(std::size_t index, const CheckOutcome& outcome, Clock::time_point now) {
  auto& checker = checkers_.at(index);
  checker.record(outcome, now);

  ++status_.checks;
  if (!outcome.healthy) ++status_.failures;
  status_.last_check_healthy = outcome.healthy;
  status_.reason = outcome.reason;
  status_.last_latency = outcome.latency;

  bool was_up = status_.up;
  auto old_weight = status_.weight;
  status_.up = all_up();
  status_.weight = current_weight();
  if (was_up == status_.up && (!status_.up || old_weight == status_.weight)) return std::nullopt;

  if (was_up != status_.up) status_.last_transition = now;
  HealthEvent event{status_.virtual_server, status_.real_server, status_.up, outcome.reason, status_.weight, now};
  return event;
}

}  // namespace xdplb::check
