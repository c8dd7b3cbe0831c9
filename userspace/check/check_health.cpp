#include "check/check_health.h"

#include <algorithm>

namespace xdplb::check {

CheckHealth::CheckHealth(const SchedulingParams& params, Clock::time_point now, Clock::duration first_check_delay)
    : params_(params),
      up_(!params.alpha),
      next_check_at_(now + first_check_delay),
      last_transition_(now) {
  params_.rise = std::max(params_.rise, 1U);
}

CheckHealth::Change CheckHealth::record(const CheckOutcome& outcome, Clock::time_point now) {
  ++checks_;
  last_outcome_ = outcome;
  if (outcome.weight) dynamic_weight_ = outcome.weight;

  if (outcome.healthy) {
    failures_in_a_row_ = 0;
    ++successes_in_a_row_;
    next_check_at_ = now + params_.delay_loop;
    if (!up_ && successes_in_a_row_ >= params_.rise) {
      up_ = true;
      last_transition_ = now;
      return Change::came_up;
    }
    return Change::none;
  }

  ++failures_;
  successes_in_a_row_ = 0;
  if (!up_) {
    next_check_at_ = now + params_.delay_loop;
    return Change::none;
  }
  if (failures_in_a_row_ < params_.retry) {
    ++failures_in_a_row_;
    next_check_at_ = now + params_.delay_before_retry;
    return Change::none;
  }
  failures_in_a_row_ = 0;
  up_ = false;
  last_transition_ = now;
  next_check_at_ = now + params_.delay_loop;
  return Change::went_down;
}

}  // namespace xdplb::check
