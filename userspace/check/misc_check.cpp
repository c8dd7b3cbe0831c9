#include "check/misc_check.h"

#include <chrono>

#include "common/process.h"

namespace xdplb::check {

CheckOutcome misc_outcome_for_exit_status(int status, bool misc_dynamic) {
  CheckOutcome outcome;
  outcome.healthy = status == 0 || (misc_dynamic && status >= 2 && status <= 255);
  if (misc_dynamic && status >= 2 && status <= 255) outcome.weight = static_cast<unsigned>(status - 2);
  outcome.reason = "exited with status " + std::to_string(status);
  if (outcome.weight) outcome.reason += " (weight " + std::to_string(*outcome.weight) + ")";
  return outcome;
}

namespace {

std::vector<std::string> split_misc_path(const std::string& misc_path) {
  try {
    return split_command_line(misc_path);
  } catch (const CommandLineError& error) {
    throw std::invalid_argument(std::string("MISC_CHECK misc_path: ") + error.what());
  }
}

}  // namespace

void MiscCheck::validate(const MiscCheckParams& params, Clock::duration delay_loop) {
  split_misc_path(params.misc_path);
  if (params.misc_timeout.value_or(delay_loop) <= Clock::duration::zero())
    throw std::invalid_argument("MISC_CHECK misc_timeout must be positive");
}

MiscCheck::MiscCheck(asio::io_context& io, MiscCheckParams params, Clock::duration delay_loop)
    : io_(io), params_(std::move(params)), timeout_(params_.misc_timeout.value_or(delay_loop)) {
  validate(params_, delay_loop);
  argv_ = split_misc_path(params_.misc_path);
}

void MiscCheck::start(Clock::duration, Completion done) {
  ProcessOptions options;
  options.argv = argv_;
  options.uid = params_.uid;
  options.gid = params_.gid;
  options.timeout = std::chrono::ceil<std::chrono::milliseconds>(timeout_);
  auto started = Clock::now();
  ChildProcess::spawn(io_, std::move(options),
                      [done = std::move(done), started, dynamic = params_.misc_dynamic,
                       script = params_.misc_path](const ProcessResult& result) {
                        CheckOutcome outcome;
                        if (result.status == ProcessResult::Status::exited) {
                          outcome = misc_outcome_for_exit_status(result.exit_code, dynamic);
                        } else {
                          outcome.healthy = false;
                          outcome.reason = result.describe();
                        }
                        outcome.reason = "MISC_CHECK '" + script + "' " + outcome.reason;
                        outcome.latency = Clock::now() - started;
                        done(std::move(outcome));
                      });
}

std::string MiscCheck::describe() const { return "MISC_CHECK " + params_.misc_path; }

}  // namespace xdplb::check
