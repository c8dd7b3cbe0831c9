// MISC_CHECK: run a script; exit 0 means healthy. With misc_dynamic, keepalived's weight rule:
// 0 healthy (weight unchanged), 1 failed, 2..255 healthy with weight = status - 2. A script still
// running after misc_timeout is killed (its whole process group) and counts as a failure.
#pragma once

#include <sys/types.h>

#include <asio/io_context.hpp>
#include <optional>
#include <string>

#include "check/checker.h"

namespace xdplb::check {

struct MiscCheckParams {
  std::string misc_path;                   // the script and its arguments, split shell-like
  std::optional<Clock::duration> misc_timeout;  // unset: the scheduler's delay_loop, as keepalived
  bool misc_dynamic = false;
  std::optional<uid_t> uid;                // script_user
  std::optional<gid_t> gid;
  bool operator==(const MiscCheckParams&) const = default;
};

// The verdict keepalived gives to an exit status (exposed for unit tests).
CheckOutcome misc_outcome_for_exit_status(int status, bool misc_dynamic);

class MiscCheck final : public Checker {
 public:
  // Throws std::invalid_argument when misc_path cannot be split (e.g. unbalanced quotes).
  MiscCheck(asio::io_context& io, MiscCheckParams params, Clock::duration delay_loop);
  // The constructor's checks alone, for planning before the loop builds the checker.
  static void validate(const MiscCheckParams& params, Clock::duration delay_loop);
  void start(Clock::duration connect_timeout, Completion done) override;
  std::string describe() const override;

 private:
  asio::io_context& io_;
  MiscCheckParams params_;
  std::vector<std::string> argv_;
  Clock::duration timeout_;
};

}  // namespace xdplb::check
