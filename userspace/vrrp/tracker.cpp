#include "vrrp/tracker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/process.h"

namespace xdplb::vrrp {

RiseFall::RiseFall(unsigned rise, unsigned fall, bool initially_healthy)
    : rise_(std::max(rise, 1U)), fall_(std::max(fall, 1U)), healthy_(initially_healthy) {}

std::optional<bool> RiseFall::record(bool success) {
  if (success == healthy_) {
    streak_ = 0;
    return std::nullopt;
  }
  ++streak_;
  if (streak_ < (healthy_ ? fall_ : rise_)) return std::nullopt;
  healthy_ = success;
  streak_ = 0;
  return healthy_;
}

ScriptTracker::ScriptTracker(asio::io_context& io, ScriptSettings settings, Handler on_change)
    : io_(io),
      settings_(std::move(settings)),
      on_change_(std::move(on_change)),
      state_(settings_.rise, settings_.fall),
      timer_(io) {}

ScriptTracker::~ScriptTracker() {
  *alive_ = false;
  stop();
}

void ScriptTracker::start() {
  if (!stopped_) return;
  stopped_ = false;
  run_once();
}

void ScriptTracker::stop() {
  stopped_ = true;
  timer_.cancel();
  if (running_ && running_->running()) running_->terminate();
  running_.reset();
}

void ScriptTracker::run_once() {
  if (stopped_) return;
  ProcessOptions options;
  options.argv = settings_.argv;
  options.uid = settings_.uid;
  options.gid = settings_.gid;
  options.timeout = settings_.timeout;
  const auto started = std::chrono::steady_clock::now();
  running_ = ChildProcess::spawn(io_, std::move(options), [this, alive = alive_, started](const ProcessResult& r) {
    if (!*alive || stopped_) return;
    running_.reset();
    const bool success = r.succeeded();
    if (!success) spdlog::debug("VRRP_Script({}) {}", settings_.name, r.describe());
    if (const auto changed = state_.record(success)) {
      spdlog::info("VRRP_Script({}) {}", settings_.name, *changed ? "succeeded" : "failed: " + r.describe());
      on_change_(settings_.name, *changed);
    }
    // The next run is due one interval after this one started, as keepalived schedules it.
    const auto elapsed = std::chrono::steady_clock::now() - started;
    if (stopped_) return;
    timer_.expires_after(std::max<std::chrono::steady_clock::duration>(settings_.interval - elapsed,
                                                                        std::chrono::milliseconds(0)));
    timer_.async_wait([this](const std::error_code& ec) {
      if (!ec) run_once();
    });
  });
}

}  // namespace xdplb::vrrp
