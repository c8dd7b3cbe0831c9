// keepalived's rules for one checker of one real server, as a pure class fed with outcomes and the
// time: no I/O, no timers, so every rule is a unit test with a fake clock.
//
//  - A server starts up, or down with `alpha`; its first check is at start + first_check_delay
//    (the scheduler spreads these over warmup/delay_loop so 1,000 servers are not probed at once).
//  - While up, a failed check is retried after delay_before_retry; `retry` failures in a row are
//    tolerated, the next one declares the server down (retry 0: the first failure does).
//  - While down, `rise` successes in a row bring it up (keepalived: 1).
//  - Otherwise the next check is delay_loop after this one.
#pragma once

#include <cstdint>
#include <optional>

#include "check/types.h"

namespace xdplb::check {

class CheckHealth {
 public:
  enum class Change { none, came_up, went_down };

  CheckHealth(const SchedulingParams& params, Clock::time_point now, Clock::duration first_check_delay);

  // Takes the verdict of a check that finished at `now` and plans the next one.
  Change record(const CheckOutcome& outcome, Clock::time_point now);

  bool up() const { return up_; }
  Clock::time_point next_check_at() const { return next_check_at_; }
  Clock::time_point last_transition() const { return last_transition_; }
  const std::optional<CheckOutcome>& last_outcome() const { return last_outcome_; }
  // Weight last asked for by a misc_dynamic script; it stays until a script asks for another.
  std::optional<unsigned> dynamic_weight() const { return dynamic_weight_; }
  unsigned failures_in_a_row() const { return failures_in_a_row_; }
  std::uint64_t checks() const { return checks_; }
  std::uint64_t failures() const { return failures_; }
  const SchedulingParams& params() const { return params_; }

 private:
  SchedulingParams params_;
  bool up_;
  Clock::time_point next_check_at_;
  Clock::time_point last_transition_;
  std::optional<CheckOutcome> last_outcome_;
  std::optional<unsigned> dynamic_weight_;
  unsigned failures_in_a_row_ = 0;
  unsigned successes_in_a_row_ = 0;
  std::uint64_t checks_ = 0;
  std::uint64_t failures_ = 0;
};

}  // namespace xdplb::check
