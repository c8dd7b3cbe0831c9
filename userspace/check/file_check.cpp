#include "check/file_check.h"

#include <asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/track_file.h"

namespace xdplb::check {

namespace {

// keepalived's IPVS_WEIGHT_MAX: the adjustment is kept to -65535..65534, and -65535 is down.
constexpr std::int64_t kWeightMax = 65535;

bool same_verdict(const CheckOutcome& a, const CheckOutcome& b) { return a.healthy == b.healthy && a.weight == b.weight; }

}  // namespace

CheckOutcome file_check_verdict(const FileCheckParams& params, int value) {
  const std::string what = "track_file " + params.track_file + " value " + std::to_string(value);
  if (params.weight == 0) {
    const bool down = (value != 0) != params.reverse;
    return CheckOutcome{!down, what, std::nullopt, {}};
  }
  const std::int64_t adjustment = std::clamp<std::int64_t>(
      std::int64_t{value} * params.weight * (params.reverse ? -1 : 1), -kWeightMax, kWeightMax - 1);
  if (adjustment == -kWeightMax) return CheckOutcome{false, what, std::nullopt, {}};
  const auto weight = std::clamp<std::int64_t>(std::int64_t{params.server_weight} + adjustment, 0, kWeightMax);
  return CheckOutcome{true, what + ": weight " + std::to_string(weight), static_cast<unsigned>(weight), {}};
}

FileCheck::FileCheck(asio::io_context& io, FileCheckParams params) : io_(io), params_(std::move(params)) {
  watch_ = std::make_unique<TrackFileWatch>(io_, params_.track_file, params_.path, [this](int value) { on_value(value); });
  if (const auto problem = watch_->start(); !problem.empty())
    spdlog::error("FILE_CHECK track_file {}: {}; the file is read once, not followed", params_.track_file, problem);
}

FileCheck::~FileCheck() = default;

void FileCheck::start(Clock::duration, Completion done) {
  auto verdict = file_check_verdict(params_, watch_->value());
  if (reported_ && same_verdict(*reported_, verdict)) {
    pending_ = std::move(done);  // answered when the file says something else
    return;
  }
  report(std::move(done), std::move(verdict));
}

void FileCheck::on_value(int value) {
  if (!pending_) return;
  auto verdict = file_check_verdict(params_, value);
  if (reported_ && same_verdict(*reported_, verdict)) return;
  report(std::exchange(pending_, nullptr), std::move(verdict));
}

void FileCheck::report(Completion done, CheckOutcome outcome) {
  reported_ = outcome;
  // Never from inside start(): the scheduler expects the completion later, on the loop.
  asio::post(io_, [done = std::move(done), outcome = std::move(outcome)]() mutable { done(std::move(outcome)); });
}

std::string FileCheck::describe() const { return "FILE_CHECK " + params_.track_file + " (" + params_.path + ")"; }

}  // namespace xdplb::check
