// What the Agent tells the operator: typed snapshots of its state (contract/answers.h), and the two
// operator actions on the data plane (drain, verify). How they are sent is control/'s business.
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <set>

#include <asio/post.hpp>
#include <spdlog/spdlog.h>

#include "agent/agent.h"
#include "agent/flow_views.h"
#include "agent/refused.h"
#include "dataplane/reasons.h"

namespace xdplb::agent {

namespace {

contract::Time to_contract_time(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

double seconds_since(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::system_clock::now() - t).count();
}

// Gives `done` what `make` builds, or the exception building it threw: a completion posted to the
// loop must not throw out of it.
template <class Answer, class Make>
void answer(const Agent::Completion<Answer>& done, Make make) {
  Answer built;
  try {
    built = make();
  } catch (...) {
    return done(std::current_exception(), {});
  }
  done(nullptr, std::move(built));
}

contract::Traffic to_contract(const dataplane::TrafficCounters& t) { return {t.packets, t.bytes, t.new_flows}; }

contract::VrrpState to_contract(vrrp::State state) {
  switch (state) {
    case vrrp::State::initialize: return contract::VrrpState::init;
    case vrrp::State::backup: return contract::VrrpState::backup;
    case vrrp::State::master: return contract::VrrpState::master;
    case vrrp::State::fault: return contract::VrrpState::fault;
  }
  return contract::VrrpState::init;
}

}  // namespace

contract::Status Agent::status() const { return status_of(dataplane_->status()); }

contract::Status Agent::status_of(const std::vector<dataplane::VipStatus>& vips) const {
  contract::Status out;
  out.instance = options_.instance;
  out.version = XDPLB_VERSION;
  out.pid = ::getpid();
  out.uptime_seconds = seconds_since(started_at_);
  out.config_file = options_.config_file;
  out.config_loaded_at = to_contract_time(config_loaded_at_);
  if (vrrp_) {
    for (const auto& i : vrrp_->status()) {
      contract::VrrpInstance instance;
      instance.name = i.name;
      instance.state = to_contract(i.state);
      instance.priority = i.base_priority;
      instance.effective_priority = i.effective_priority;
      instance.interface = i.interface;
      instance.virtual_router_id = i.virtual_router_id;
      instance.vips = i.virtual_addresses;
      instance.transitions = i.transitions;
      if (i.transitions > 0) {
        contract::Transition last{to_contract(i.last_transition_from), instance.state,
                                  to_contract_time(i.last_transition), seconds_since(i.last_transition),
                                  i.last_transition_reason, std::nullopt};
        if (const auto synced = transition_sync_ms_.find(i.name); synced != transition_sync_ms_.end())
          last.duration_ms = synced->second;
        instance.last_transition = std::move(last);
      }
      for (const auto& [reason, count] : i.adverts_dropped) instance.adverts_dropped[reason] = count;
      out.vrrp_instances.push_back(std::move(instance));
    }
  }
  for (const auto& v : vips) out.dataplane.vips_active += v.active;
  out.dataplane.vips_total = vips.size();
  for (const auto& a : dataplane_->attachments())
    out.dataplane.interfaces.push_back({a.interface, dataplane::to_string(a.mode)});
  out.dataplane.pin_dir = dataplane_->pin_dir();
  return out;
}

contract::List Agent::list(FlowCounting counting) const {
  if (counting == FlowCounting::skip) return list_of(dataplane_->status(), scheduler_->statuses(), nullptr);
  const auto flows = dataplane_->flows_per_backend();
  return list_of(dataplane_->status(), scheduler_->statuses(), &flows);
}

contract::List Agent::list_of(const std::vector<dataplane::VipStatus>& vips, std::vector<check::ServerStatus> statuses,
                              const std::map<std::uint32_t, std::uint64_t>* flows) const {
  std::map<std::pair<std::string, std::string>, check::ServerStatus> health;
  for (auto& s : statuses) health.emplace(std::pair(s.virtual_server, s.real_server), std::move(s));

  std::map<std::string, std::pair<const Service*, const dataplane::VipSpec*>> by_vip;
  for (const auto& s : plan_.services)
    for (const auto& v : s.vips) by_vip[v.key()] = {&s, &v};

  const auto system_now = std::chrono::system_clock::now();
  const auto steady_now = check::Clock::now();
  // The checkers' verdict on a real server of `service`, as the list shows it.
  auto add_health = [&](contract::ListedBackend& backend, const Service& service) {
    const auto h = health.find({service.name, backend.backend});
    if (h == health.end()) return;
    const auto& status = h->second;
    backend.health = status.up ? contract::Health::up : contract::Health::down;
    backend.health_since = to_contract_time(system_now - std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                                             steady_now - status.last_transition));
    if (status.last_check_healthy == false) backend.last_check_error = status.reason;
  };

  contract::List out;
  out.version = XDPLB_VERSION;
  out.conntrack_size = dataplane_->conntrack_size();
  if (flows) out.flow_window_seconds = dataplane::kActiveFlowWindow.count();
  for (const auto& vip : vips) {
    const auto found = by_vip.find(vip.key);
    const Service* service = found == by_vip.end() ? nullptr : found->second.first;
    contract::ListedVirtualServer server;
    server.vip = vip.key;
    server.algorithm = dataplane::to_string(vip.algorithm);
    server.active = vip.active;
    server.persistence_timeout = found == by_vip.end() ? 0 : found->second.second->persistence_timeout;
    server.ring_size = vip.ring_size;
    std::vector<contract::ListedBackend> real_servers, sorry_servers;
    std::set<std::string> held;
    // One virtual_server forwards all its backends one way (its lb_kind).
    dataplane::ForwardMethod method = dataplane::ForwardMethod::dr;
    if (service && !service->real_servers.empty())
      method = service->real_servers.begin()->second.forward;
    else if (service && service->sorry_server)
      method = service->sorry_server->forward;
    const auto forwarding = method == dataplane::ForwardMethod::nat ? contract::Forwarding::nat : contract::Forwarding::dr;
    for (const auto& b : vip.backends) {
      const bool sorry = b.key.role == dataplane::BackendRole::sorry_server;
      contract::ListedBackend backend;
      backend.backend = b.key.endpoint();
      backend.forward = forwarding;
      backend.weight = b.weight;
      backend.configured_weight = b.weight;
      backend.sorry = sorry;
      backend.resolved = b.resolved;
      if (flows) {
        const auto f = flows->find(b.id);
        backend.flows = f == flows->end() ? 0 : f->second;
      }
      if (service && !sorry) {
        if (const auto rs = service->real_servers.find(backend.backend); rs != service->real_servers.end())
          backend.configured_weight = rs->second.weight;
        backend.drained = drained_.count({vip.key, backend.backend}) > 0;
        add_health(backend, *service);
        held.insert(backend.backend);
      }
      (sorry ? sorry_servers : real_servers).push_back(std::move(backend));
    }
    // The real servers the data plane does not hold now (they failed): listed at weight 0.
    if (service)
      for (const auto& [name, spec] : service->real_servers) {
        if (held.count(name)) continue;
        contract::ListedBackend backend;
        backend.backend = name;
        backend.forward = forwarding;
        backend.weight = 0;
        backend.configured_weight = spec.weight;
        backend.drained = drained_.count({vip.key, name}) > 0;
        backend.in_dataplane = false;
        if (flows) backend.flows = 0;
        add_health(backend, *service);
        real_servers.push_back(std::move(backend));
      }
    std::sort(real_servers.begin(), real_servers.end(),
              [](const auto& a, const auto& b) { return a.backend < b.backend; });
    server.backends = std::move(real_servers);
    for (auto& sorry : sorry_servers) server.backends.push_back(std::move(sorry));
    out.virtual_servers.push_back(std::move(server));
  }
  return out;
}

contract::Stats Agent::stats(Counting counting) const { return stats_of(dataplane_->status(), counting); }

contract::Stats Agent::stats_of(const std::vector<dataplane::VipStatus>& vips, Counting counting) const {
  contract::Stats out;
  for (const auto& vip : vips) {
    contract::VirtualServerTraffic server{vip.key, to_contract(vip.traffic), {}};
    for (const auto& b : vip.backends)
      server.backends.push_back(
          {b.key.endpoint(), b.key.role == dataplane::BackendRole::sorry_server, to_contract(b.traffic)});
    out.virtual_servers.push_back(std::move(server));
  }
  const auto totals = dataplane_->verdicts();
  for (unsigned r = 0; r < totals.size(); ++r)
    out.verdicts[std::string(dataplane::reason_name(r))] = {totals[r].packets, totals[r].bytes};
  const auto flood = dataplane_->flood();
  out.conntrack_guard =
      contract::ConntrackGuard{dataplane_->flood_rate(), dataplane_->flood_rate_auto(), flood.untracked,
                               flood.windows_flooded};
  if (counting == Counting::since_start) return out;
  out = stats_baseline_.since_clear(std::move(out));
  if (stats_cleared_at_) out.cleared_at = to_contract_time(*stats_cleared_at_);
  return out;
}

std::vector<contract::RealServerHealth> Agent::health() const { return health_of(scheduler_->statuses()); }

std::vector<contract::RealServerHealth> Agent::health_of(const std::vector<check::ServerStatus>& statuses) {
  std::vector<contract::RealServerHealth> out;
  for (const auto& s : statuses)
    out.push_back({s.virtual_server, s.real_server, s.up ? contract::Health::up : contract::Health::down, s.checks,
                   s.failures, std::chrono::duration<double>(s.last_latency).count()});
  return out;
}

Agent::Snapshot Agent::snapshot(FlowCounting flows, Counting counting) const {
  const auto vips = dataplane_->status();
  auto statuses = scheduler_->statuses();
  Snapshot out{status_of(vips), {}, stats_of(vips, counting), health_of(statuses)};
  std::optional<std::map<std::uint32_t, std::uint64_t>> per_backend;
  if (flows == FlowCounting::count) per_backend = dataplane_->flows_per_backend();
  out.list = list_of(vips, std::move(statuses), per_backend ? &*per_backend : nullptr);
  return out;
}

void Agent::clear_stats() {
  stats_baseline_.clear(stats(Counting::since_start));
  stats_cleared_at_ = std::chrono::system_clock::now();
  spdlog::info("statistics cleared: stats and the dumps count from now (metrics keep counting)");
}

void Agent::drain_async(contract::DrainRequest request, bool drain, Completion<contract::Drain> done) {
  contract::Drain out;
  try {
    out = apply_drain(request, drain);
  } catch (...) {
    return done(std::current_exception(), {});
  }
  auto flows = std::make_shared<ActiveFlowsOfRealServer>(request.backend, out.vips);
  walk_flows_then([flows](const auto& flow, const auto* owner) { flows->visit(flow, owner); },
                  [flows, out = std::move(out), done = std::move(done)](const FlowWalkResult& walk) mutable {
                    // The drain took effect either way; without a whole walk there is no count.
                    if (!walk.error) out.active_flows = flows->count();
                    done(nullptr, std::move(out));
                  });
}

contract::Drain Agent::apply_drain(const contract::DrainRequest& request, bool drain) {
  contract::Drain out;
  out.backend = request.backend;
  bool changed = false;
  for (const auto& service : plan_.services) {
    if (!service.real_servers.count(request.backend)) continue;
    for (const auto& v : service.vips) {
      const std::string key = v.key();
      if (request.vip && !vip_key_matches(key, *request.vip)) continue;
      out.vips.push_back(key);
      changed |= drain ? drained_.insert({key, request.backend}).second : drained_.erase({key, request.backend}) > 0;
    }
  }
  if (out.vips.empty())
    throw Refused(request.vip ? "no real server " + request.backend + " in " + *request.vip
                              : "no real server " + request.backend);
  out.changed = changed;
  if (changed) {
    out.persistence_error = keep_drains();
    if (out.persistence_error) spdlog::error("{}", *out.persistence_error);
  }
  if (changed) {
    std::string vips;
    for (const auto& v : out.vips) vips += (vips.empty() ? "" : ", ") + v;
    spdlog::info("{} {} in {}", drain ? "drained" : "undrained", request.backend, vips);
    sync_dataplane(drain ? SyncCause::drain : SyncCause::undrain);
  }
  return out;
}

void Agent::conns_async(contract::ConnsRequest request, Completion<contract::Conns> done) {
  if (request.limit == 0 || request.limit > kMaxConnsPerAnswer) request.limit = kMaxConnsPerAnswer;
  auto collector = std::make_shared<ConnsCollector>(std::move(request));
  walk_flows_then([collector](const auto& flow, const auto* owner) { collector->visit(flow, owner); },
                  [this, collector, done = std::move(done)](const FlowWalkResult& walk) {
                    if (walk.error) return done(std::make_exception_ptr(Refused(*walk.error)), {});
                    answer(done, [&] { return collector->finish(walk.entries, dataplane_->conntrack_size()); });
                  });
}

void Agent::list_async(Completion<contract::List> done) {
  auto flows = std::make_shared<ActiveFlowsPerBackend>();
  // The servers' state is taken when the walk ends: the flows are the only part that is older.
  walk_flows_then([flows](const auto& flow, const auto* owner) { flows->visit(flow, owner); },
                  [this, flows, done = std::move(done)](const FlowWalkResult& walk) {
                    // Without a whole walk the list still answers, its flows uncounted.
                    answer(done, [&] {
                      return list_of(dataplane_->status(), scheduler_->statuses(), walk.error ? nullptr : &flows->counts());
                    });
                  });
}

void Agent::walk_flows_then(dataplane::Dataplane::FlowVisitor visit, std::function<void(const FlowWalkResult&)> done) {
  struct Walk {
    std::optional<dataplane::Dataplane::FlowWalk> flows;
    dataplane::Dataplane::FlowVisitor visit;
    std::function<void(const FlowWalkResult&)> done;
  };
  auto walk = std::make_shared<Walk>(Walk{std::nullopt, std::move(visit), std::move(done)});
  const auto stopped = [walk](std::string why) {
    spdlog::warn("{}", why);
    walk->done({walk->flows ? walk->flows->visited() : 0, std::move(why)});
  };
  try {
    walk->flows.emplace(dataplane_->walk_flows());
  } catch (const std::exception& e) {
    return stopped(std::string("conntrack walk not started: ") + e.what());
  }
  // One batch now, the rest a batch per loop turn behind whatever else is queued.
  auto turn = std::make_shared<std::function<void()>>();
  *turn = [this, walk, stopped, turn_ref = std::weak_ptr(turn), alive = std::weak_ptr(lifetime_)] {
    if (alive.expired()) return;
    bool more = false;
    try {
      more = walk->flows->step(walk->visit);
    } catch (const std::exception& e) {
      return stopped(std::string("conntrack walk stopped: ") + e.what());
    }
    if (more) {
      if (const auto again = turn_ref.lock()) asio::post(io_, [again] { (*again)(); });
      return;
    }
    if (walk->flows->error()) return stopped(*walk->flows->error());
    walk->done({walk->flows->visited(), std::nullopt});
  };
  (*turn)();
}

// The operator's self-check: what the agent intends (the same desired state a sync would be given)
// against what the kernel's maps hold now.
contract::Verify Agent::verify() const {
  const auto desired = desired_dataplane();
  contract::Verify out;
  out.vips = desired.size();
  for (const auto& v : desired) out.backends += v.backends.size() + (v.sorry_server ? 1 : 0);
  for (const auto& d : dataplane_->verify(desired)) out.discrepancies.push_back({d.subject, d.problem});
  if (!out.discrepancies.empty())
    spdlog::warn("verify: the data plane differs from the intended state in {} place(s)", out.discrepancies.size());
  return out;
}

}  // namespace xdplb::agent
