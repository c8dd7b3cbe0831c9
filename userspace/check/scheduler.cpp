#include "check/scheduler.h"

#include <spdlog/spdlog.h>

namespace xdplb::check {

struct Scheduler::Slot {
  Slot(asio::io_context& io, ServerHealth& server_health, std::size_t index, std::unique_ptr<Checker> c)
      : server(server_health), checker_index(index), checker(std::move(c)), timer(io) {}
  ServerHealth& server;
  std::size_t checker_index;
  std::unique_ptr<Checker> checker;
  asio::steady_timer timer;
  bool in_flight = false;
};

Scheduler::Scheduler(asio::io_context& io, std::uint32_t seed)
    : io_(io), random_(seed), alive_(std::make_shared<Scheduler*>(this)) {}

Scheduler::~Scheduler() { stop(); }

Clock::duration Scheduler::first_check_delay(const SchedulingParams& params) {
  auto window = params.warmup.value_or(params.delay_loop);
  if (window <= Clock::duration::zero()) return Clock::duration::zero();
  std::uniform_int_distribution<Clock::rep> pick(0, window.count() - 1);
  return Clock::duration(pick(random_));
}

void Scheduler::add_check(const std::string& virtual_server, const std::string& real_server,
                          std::unique_ptr<Checker> checker, const SchedulingParams& params) {
  auto now = Clock::now();
  auto& server = servers_[{virtual_server, real_server}];
  if (!server) server = std::make_unique<ServerHealth>(virtual_server, real_server, now);
  auto index = server->add_checker(params, now, first_check_delay(params));
  slots_.push_back(std::make_unique<Slot>(io_, *server, index, std::move(checker)));
  if (running_) schedule(*slots_.back());
}

void Scheduler::start() {
  if (running_) return;
  running_ = true;
  spdlog::info("health checks starting: {} checker(s) for {} real server(s)", slots_.size(), servers_.size());
  for (auto& slot : slots_) schedule(*slot);
}

void Scheduler::stop() {
  running_ = false;
  for (auto& slot : slots_) slot->timer.cancel();
  alive_ = std::make_shared<Scheduler*>(this);  // orphan every pending callback
}

void Scheduler::schedule(Slot& slot) {
  slot.timer.expires_at(slot.server.checker(slot.checker_index).next_check_at());
  slot.timer.async_wait([alive = std::weak_ptr<Scheduler*>(alive_), &slot](const std::error_code& ec) {
    auto self = alive.lock();
    if (ec || !self) return;
    (*self)->run_check(slot);
  });
}

void Scheduler::run_check(Slot& slot) {
  auto now = Clock::now();
  const auto& health = slot.server.checker(slot.checker_index);
  if (on_lateness_) on_lateness_(now - health.next_check_at());
  slot.in_flight = true;
  spdlog::debug("{} / {}: running {}", slot.server.status().virtual_server, slot.server.status().real_server,
                slot.checker->describe());
  slot.checker->start(health.params().connect_timeout,
                      [alive = std::weak_ptr<Scheduler*>(alive_), &slot](CheckOutcome outcome) {
                        auto self = alive.lock();
                        if (!self) return;
                        (*self)->on_outcome(slot, outcome);
                      });
}

void Scheduler::on_outcome(Slot& slot, const CheckOutcome& outcome) {
  slot.in_flight = false;
  auto event = slot.server.record(slot.checker_index, outcome, Clock::now());
  const auto& status = slot.server.status();
  if (!outcome.healthy) {
    spdlog::debug("{} / {}: {} failed: {}", status.virtual_server, status.real_server, slot.checker->describe(),
                  outcome.reason);
  }
  if (event) {
    if (event->up) {
      spdlog::info("{} / {}: real server UP{} ({})", event->virtual_server, event->real_server,
                   event->weight ? " weight " + std::to_string(*event->weight) : std::string(), event->reason);
    } else {
      spdlog::info("{} / {}: real server DOWN ({})", event->virtual_server, event->real_server, event->reason);
    }
    std::weak_ptr<Scheduler*> alive = alive_;
    if (on_event_) on_event_(*event);
    if (alive.expired()) return;  // the handler stopped or destroyed us
  }
  if (running_) schedule(slot);
}

std::optional<ServerStatus> Scheduler::status(const std::string& virtual_server, const std::string& real_server) const {
  auto it = servers_.find({virtual_server, real_server});
  if (it == servers_.end()) return std::nullopt;
  return it->second->status();
}

std::vector<ServerStatus> Scheduler::statuses() const {
  std::vector<ServerStatus> all;
  all.reserve(servers_.size());
  for (const auto& [key, server] : servers_) all.push_back(server->status());
  return all;
}

}  // namespace xdplb::check
