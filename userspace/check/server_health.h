// The health of one real server of one virtual server: up only while every one of its checkers is
// up (keepalived's rule). Pure: fed with outcomes and the time, it returns the events to publish.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "check/check_health.h"

namespace xdplb::check {

// One entry of the result stream: (virtual_server, real_server, up|down, reason). Also sent when a
// misc_dynamic script changes the weight of a server that stays up.
struct HealthEvent {
  std::string virtual_server;
  std::string real_server;
  bool up = false;
  std::string reason;
  std::optional<unsigned> weight;  // set by misc_dynamic; unset means the configured weight
  Clock::time_point at;
};

// What xdplbctl and the metrics read about a real server.
struct ServerStatus {
  std::string virtual_server;
  std::string real_server;
  bool up = true;
  std::optional<bool> last_check_healthy;  // unset until the first check finished
  std::string reason;                      // of the last check that finished
  std::optional<unsigned> weight;
  Clock::time_point last_transition;
  std::uint64_t checks = 0;
  std::uint64_t failures = 0;
  Clock::duration last_latency{};
};

class ServerHealth {
 public:
  ServerHealth(std::string virtual_server, std::string real_server, Clock::time_point now);

  // Returns the checker's index for record() and checker().
  std::size_t add_checker(const SchedulingParams& params, Clock::time_point now, Clock::duration first_check_delay);

  std::optional<HealthEvent> record(std::size_t checker, const CheckOutcome& outcome, Clock::time_point now);

  const CheckHealth& checker(std::size_t index) const { return checkers_.at(index); }
  std::size_t checker_count() const { return checkers_.size(); }
  const ServerStatus& status() const { return status_; }

 private:
  bool all_up() const;
  std::optional<unsigned> current_weight() const;

  std::vector<CheckHealth> checkers_;
  ServerStatus status_;
};

}  // namespace xdplb::check
