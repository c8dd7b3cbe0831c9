#include "check/scheduler.h"

#include <asio/post.hpp>
#include <spdlog/spdlog.h>

namespace xdplb::check {

struct Scheduler::Slot {
  Slot(asio::io_context& io, std::shared_ptr<ServerHealth> health, std::size_t index)
      : owner(std::move(health)), server(*owner), checker_index(index), timer(io) {}
  std::shared_ptr<ServerHealth> owner;  // shared: a callback that holds the slot keeps it valid
  ServerHealth& server;
  std::size_t checker_index;
  std::optional<PlannedCheck> plan;  // what to build; unset for a checker given by add_check
  std::unique_ptr<Checker> checker;  // null until built
  asio::steady_timer timer;
  bool dropped = false;  // its server was removed or replaced: no more checks, no outcome counts
};

Scheduler::Scheduler(asio::io_context& io, std::uint32_t seed, CheckerFactory factory)
    : io_(io),
      random_(seed),
      factory_(factory ? std::move(factory)
                       : CheckerFactory([&io](const PlannedCheck& plan) { return make_checker(io, plan); })),
      alive_(std::make_shared<Scheduler*>(this)) {}

Scheduler::~Scheduler() { stop(); }

Clock::duration Scheduler::first_check_delay(const SchedulingParams& params) {
  auto window = params.warmup.value_or(params.delay_loop);
  if (window <= Clock::duration::zero()) return Clock::duration::zero();
  std::uniform_int_distribution<Clock::rep> pick(0, window.count() - 1);
  return Clock::duration(pick(random_));
}

Scheduler::Server Scheduler::make_server(const PlannedServer& planned, std::optional<bool> known_up,
                                         Clock::time_point now) {
  Server server;
  server.health = std::make_shared<ServerHealth>(planned.virtual_server, planned.real_server, now);
  server.plans.emplace();
  for (const auto& plan : planned.checks) {
    try {
      validate(plan);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: checker not started: {}", planned.virtual_server, planned.real_server, e.what());
      continue;
    }
    auto params = plan.scheduling;
    // A server known down starts down and needs a success; one known up needs failures.
    if (known_up) params.alpha = !*known_up;
    const auto index = server.health->add_checker(params, now, first_check_delay(params));
    auto slot = std::make_shared<Slot>(io_, server.health, index);
    slot->plan = plan;
    to_build_.push_back(slot);
    server.slots.push_back(std::move(slot));
  }
  // Compared with the plans as given, so that a plan that failed validation fails the same way
  // (and is logged once) until it changes.
  server.plans = planned.checks;
  return server;
}

void Scheduler::drop(Server& server) {
  for (auto& slot : server.slots) {
    slot->dropped = true;
    slot->timer.cancel();
  }
  server.slots.clear();  // callbacks hold them weakly: nothing happens once they are gone
}

void Scheduler::set_checks(std::vector<PlannedServer> servers) {
  const auto now = Clock::now();
  std::size_t kept = 0, replaced = 0, added = 0;
  std::map<ServerKey, Server> next;
  for (const auto& planned : servers) {
    ServerKey key{planned.virtual_server, planned.real_server};
    if (next.count(key)) {
      spdlog::warn("{} {}: planned twice; the first plan counts", key.first, key.second);
      continue;
    }
    std::optional<bool> known_up;
    if (auto it = servers_.find(key); it != servers_.end()) {
      if (it->second.plans && *it->second.plans == planned.checks) {
        next.emplace(key, std::move(it->second));
        servers_.erase(it);
        ++kept;
        continue;
      }
      known_up = it->second.health->status().up;
      drop(it->second);
      servers_.erase(it);
      ++replaced;
    } else {
      ++added;
    }
    next.emplace(std::move(key), make_server(planned, known_up, now));
  }
  const std::size_t removed = servers_.size();
  for (auto& [key, server] : servers_) drop(server);
  servers_ = std::move(next);
  spdlog::info("health checks: {} real server(s) kept as they run, {} changed, {} added, {} removed; {} checker(s) "
               "to build",
               kept, replaced, added, removed, to_build_.size());
  build_some();
}

void Scheduler::build_some() {
  build_posted_ = false;
  std::size_t built = 0;
  while (!to_build_.empty() && built < kBuildsPerTurn) {
    auto slot = to_build_.front().lock();
    to_build_.pop_front();
    if (!slot || slot->dropped) continue;  // its server was dropped or replaced before its turn
    ++built;
    try {
      slot->checker = factory_(*slot->plan);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: checker not started: {}", slot->server.status().virtual_server,
                    slot->server.status().real_server, e.what());
      continue;
    }
    if (running_) schedule(slot);
  }
  if (to_build_.empty() || build_posted_) return;
  build_posted_ = true;
  asio::post(io_, [alive = std::weak_ptr<Scheduler*>(alive_)] {
    if (auto self = alive.lock()) (*self)->build_some();
  });
}

void Scheduler::add_check(const std::string& virtual_server, const std::string& real_server,
                          std::unique_ptr<Checker> checker, const SchedulingParams& params) {
  auto now = Clock::now();
  auto& server = servers_[{virtual_server, real_server}];
  if (!server.health) server.health = std::make_shared<ServerHealth>(virtual_server, real_server, now);
  server.plans.reset();
  auto index = server.health->add_checker(params, now, first_check_delay(params));
  auto slot = std::make_shared<Slot>(io_, server.health, index);
  slot->checker = std::move(checker);
  server.slots.push_back(slot);
  if (running_) schedule(slot);
}

std::size_t Scheduler::checker_count() const {
  std::size_t n = 0;
  for (const auto& [key, server] : servers_) n += server.slots.size();
  return n;
}

void Scheduler::start() {
  if (running_) return;
  running_ = true;
  spdlog::info("health checks starting: {} checker(s) for {} real server(s)", checker_count(), servers_.size());
  for (auto& [key, server] : servers_)
    for (auto& slot : server.slots)
      if (slot->checker) schedule(slot);
  if (!to_build_.empty()) build_some();
}

void Scheduler::stop() {
  running_ = false;
  for (auto& [key, server] : servers_)
    for (auto& slot : server.slots) slot->timer.cancel();
  alive_ = std::make_shared<Scheduler*>(this);  // orphan every pending callback
  build_posted_ = false;                         // a posted build was orphaned with them
}

void Scheduler::schedule(const std::shared_ptr<Slot>& slot) {
  slot->timer.expires_at(slot->server.checker(slot->checker_index).next_check_at());
  slot->timer.async_wait([alive = std::weak_ptr<Scheduler*>(alive_), weak = std::weak_ptr<Slot>(slot)](
                             const std::error_code& ec) {
    auto self = alive.lock();
    auto held = weak.lock();
    if (ec || !self || !held || held->dropped) return;
    (*self)->run_check(held);
  });
}

void Scheduler::run_check(const std::shared_ptr<Slot>& slot) {
  auto now = Clock::now();
  const auto& health = slot->server.checker(slot->checker_index);
  if (on_lateness_) on_lateness_(now - health.next_check_at());
  spdlog::debug("{} / {}: running {}", slot->server.status().virtual_server, slot->server.status().real_server,
                slot->checker->describe());
  slot->checker->start(health.params().connect_timeout, [alive = std::weak_ptr<Scheduler*>(alive_),
                                                          weak = std::weak_ptr<Slot>(slot)](CheckOutcome outcome) {
    auto self = alive.lock();
    auto held = weak.lock();
    if (!self || !held || held->dropped) return;
    (*self)->on_outcome(held, outcome);
  });
}

void Scheduler::on_outcome(const std::shared_ptr<Slot>& slot, const CheckOutcome& outcome) {
  auto event = slot->server.record(slot->checker_index, outcome, Clock::now());
  const auto& status = slot->server.status();
  if (!outcome.healthy) {
    spdlog::debug("{} / {}: {} failed: {}", status.virtual_server, status.real_server, slot->checker->describe(),
                  outcome.reason);
  }
  if (event) {
    if (event->up) {
      spdlog::info("{} / {}: real server UP{} ({})", event->virtual_server, event->real_server,
                   event->weight ? " weight " + std::to_string(*event->weight) : std::string(), event->reason);
    } else {
      spdlog::warn("{} / {}: real server DOWN ({})", event->virtual_server, event->real_server, event->reason);
    }
    std::weak_ptr<Scheduler*> alive = alive_;
    if (on_event_) on_event_(*event);
    if (alive.expired() || slot->dropped) return;  // the handler stopped us, or replaced this server
  }
  if (running_) schedule(slot);
}

std::optional<ServerStatus> Scheduler::status(const std::string& virtual_server, const std::string& real_server) const {
  auto it = servers_.find({virtual_server, real_server});
  if (it == servers_.end()) return std::nullopt;
  return it->second.health->status();
}

std::vector<ServerStatus> Scheduler::statuses() const {
  std::vector<ServerStatus> all;
  all.reserve(servers_.size());
  for (const auto& [key, server] : servers_) all.push_back(server.health->status());
  return all;
}

}  // namespace xdplb::check
