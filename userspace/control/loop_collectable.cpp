#include "control/loop_collectable.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <utility>

#include <asio/post.hpp>
#include <spdlog/spdlog.h>

namespace xdplb::control {

struct LoopCollectable::State {
  explicit State(LoopCollectable::Collector fn) : collect(std::move(fn)) {}
  LoopCollectable::Collector collect;  // only ever called on the loop
  std::mutex mutex;
  std::condition_variable done;
  bool stopped = false;
};

namespace {

// One scrape's hand-over from the loop to the thread that waits for it.
struct Request {
  std::optional<std::vector<prometheus::MetricFamily>> families;
  bool finished = false;
};

}  // namespace

LoopCollectable::LoopCollectable(asio::io_context& io, Collector collect, std::chrono::milliseconds patience)
    : io_(io), state_(std::make_shared<State>(std::move(collect))), patience_(patience) {}

LoopCollectable::~LoopCollectable() { stop(); }

std::vector<prometheus::MetricFamily> LoopCollectable::Collect() const {
  auto request = std::make_shared<Request>();
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopped) return {};
  }
  asio::post(io_, [state = state_, request] {
    {
      std::lock_guard lock(state->mutex);
      if (state->stopped) return;  // what `collect` reads may be going away
    }
    std::optional<std::vector<prometheus::MetricFamily>> families;
    const auto t0 = std::chrono::steady_clock::now();
    try {
      families = state->collect();
    } catch (const std::exception& e) {
      spdlog::error("metrics: cannot collect the agent's metrics: {}", e.what());
    }
    // What a scrape costs the loop (the text is written on civetweb's thread).
    spdlog::debug("metrics: collected on the loop in {} us",
                  std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
    std::lock_guard lock(state->mutex);
    request->families = std::move(families);
    request->finished = true;
    state->done.notify_all();
  });
  std::unique_lock lock(state_->mutex);
  if (!state_->done.wait_for(lock, patience_, [&] { return request->finished || state_->stopped; })) {
    spdlog::warn("metrics: the agent's loop did not answer a scrape within {} ms", patience_.count());
    return {};
  }
  if (!request->finished || !request->families) return {};
  return std::move(*request->families);
}

void LoopCollectable::stop() {
  std::lock_guard lock(state_->mutex);
  state_->stopped = true;
  state_->done.notify_all();
}

}  // namespace xdplb::control
