// The interface every health checker implements. A check is started by the scheduler and reports
// once, asynchronously, on the loop it was built with. One check runs at a time per checker.
#pragma once

#include <functional>
#include <string>

#include "check/types.h"

namespace xdplb::check {

class Checker {
 public:
  using Completion = std::function<void(CheckOutcome)>;

  virtual ~Checker() = default;

  // Starts one check; `done` runs exactly once, later, on the loop (never from inside start()).
  // The check keeps its own state alive, so the checker may be destroyed while it runs.
  virtual void start(Clock::duration connect_timeout, Completion done) = 0;

  // "TCP_CHECK 198.18.0.5:80", for logs and xdplbctl.
  virtual std::string describe() const = 0;
};

}  // namespace xdplb::check
