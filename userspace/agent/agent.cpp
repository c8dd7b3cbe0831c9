#include "agent/agent.h"

#include <net/if.h>

#include <algorithm>
#include <chrono>

#include <asio/post.hpp>
#include <spdlog/spdlog.h>

#include "common/process.h"
#include "common/track_file.h"

namespace xdplb::agent {

namespace {

constexpr auto kNeighbourRetry = std::chrono::seconds(1);
// The loop time a sync may spend on rings before it yields (adverts every 0.2 s keep their schedule
// with room to spare). The number of rings that fits follows what rings cost in the last syncs: about
// a millisecond each on an idle core, several times that on a loaded machine.
constexpr auto kRingTimePerTurn = std::chrono::microseconds(20'000);
constexpr std::size_t kMaxRingChangesPerTurn = 512;
// Notify scripts that hang are killed: keepalived's default script timeout.
constexpr auto kNotifyTimeout = std::chrono::seconds(15);

const char* describe(check::NotifyAction::Kind kind) {
  switch (kind) {
    case check::NotifyAction::Kind::real_server_up: return "notify_up";
    case check::NotifyAction::Kind::real_server_down: return "notify_down";
    case check::NotifyAction::Kind::quorum_up: return "quorum_up";
    case check::NotifyAction::Kind::quorum_down: return "quorum_down";
  }
  return "notify";
}

}  // namespace

Agent::Agent(asio::io_context& io, AgentOptions options, config::Config config)
    : io_(io),
      options_(std::move(options)),
      config_(std::move(config)),
      plan_(plan_services(config_)),
      static_network_(plan_static_network(config_)),
      retry_timer_(io),
      drain_store_(options_.state_directory.empty() ? std::filesystem::path{}
                                                    : options_.state_directory / "drains.json"),
      interfaces_from_command_line_(!options_.interfaces.empty()) {
  for (const auto& w : plan_.warnings) spdlog::warn("{}", config::format_diagnostic(w));

  dataplane::DataplaneOptions dp;
  dp.instance = options_.instance;
  dp.attach_mode = options_.attach_mode;
  dp.map_sizes.conntrack = config_.global.xdp_conntrack_size;
  dp.flood_rate = config_.global.xdp_conntrack_flood_rate;
  dataplane_ = std::make_unique<dataplane::Dataplane>(dp, dataplane::make_netlink_resolver());
  dataplane_->keep_pins_on_exit(options_.keep_pins);
  fifos_ = std::make_unique<NotifyFifos>(io_, config_.global);
  if (!config_.vrrp_instances.empty())
    vrrp_ = VrrpService::create(io_, config_, [this](const std::string& instance, vrrp::State state) {
      on_vrrp_change(instance, state);
    });
  scheduler_ = std::make_unique<check::Scheduler>(io_);
  scheduler_->on_event([this](const check::HealthEvent& e) { on_health_event(e); });
  apply_health(plan_health(config_, plan_));
  restore_drains();
}

void Agent::restore_drains() {
  const auto loaded = drain_store_.load();
  if (loaded.problem) spdlog::error("drains of the last run lost: {}", *loaded.problem);
  drained_ = drains_in_plan(loaded.drains, plan_);
  for (const auto& [vip, real_server] : drained_) spdlog::info("{} in {} stays drained (drained before the restart)", real_server, vip);
  for (const auto& [vip, real_server] : loaded.drains)
    if (!drained_.count({vip, real_server}))
      spdlog::info("drain of {} in {} forgotten: the configuration no longer has it", real_server, vip);
  // A damaged file was moved aside: an empty one takes its place. One that could not be read stays
  // for the next start, unless a drain is changed meanwhile.
  if (drained_ != loaded.drains || loaded.moved_aside)
    if (const auto error = keep_drains()) spdlog::error("{}", *error);
}

std::optional<std::string> Agent::keep_drains() const {
  try {
    drain_store_.save(drained_);
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string("drains not kept across a restart: ") + e.what();
  }
}

Agent::~Agent() {
  stop();
  if (reload_thread_.joinable()) reload_thread_.join();
}

void Agent::apply_health(HealthPlan checks) {
  std::map<std::pair<std::string, std::string>, check::ServerStatus> carried;
  for (auto& s : scheduler_->statuses()) carried.emplace(std::pair{s.virtual_server, s.real_server}, s);
  health_ = check::HealthySet{};
  for (const auto& service : plan_.services) {
    auto rules = service.rules;
    for (auto& r : rules.real_servers)
      if (const auto it = carried.find({service.name, r.name}); it != carried.end()) {
        r.initially_up = it->second.up;
        r.initial_weight = it->second.weight;
      }
    health_.add_virtual_server(std::move(rules));
  }
  notify_scripts_ = CheckerNotifyScripts(config_, plan_, system_user_database());
  for (const auto& e : checks.errors) spdlog::error("{}", e);
  scheduler_->set_checks(std::move(checks.servers));
}

void Agent::initialise_track_files(TrackFileMoment moment) const {
  for (const auto& file : config_.track_files) {
    if (file.init == config::TrackFileInit::none) continue;
    const bool overwrite = moment == TrackFileMoment::start && file.init == config::TrackFileInit::overwrite;
    const auto problem = initialise_track_file(file.file, file.init_value, overwrite);
    if (!problem.empty()) spdlog::error("track_file {}: init_file: {}", file.name, problem);
  }
}

void Agent::start() {
  const auto t0 = std::chrono::steady_clock::now();
  // Without --interface, the program serves where the VRRP instances holding the VIPs live.
  if (options_.interfaces.empty() && vrrp_) options_.interfaces = vrrp_interfaces();
  for (const auto& ifname : options_.interfaces) dataplane_->attach(ifname);
  initialise_track_files(TrackFileMoment::start);
  // The FIFO readers run before the first line can be written (keepalived's order).
  fifos_->start();
  // keepalived installs its static addresses, routes and rules before any instance runs.
  static_network_.start();
  // Elections start before the first sync so that the data plane serves only what this node holds.
  if (vrrp_) vrrp_->start();
  sync_dataplane(SyncCause::start);
  scheduler_->start();
  spdlog::info("instance {}: serving {} virtual server(s) on {} interface(s), started in {} ms", options_.instance,
               plan_.services.size(), options_.interfaces.size(),
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
}

void Agent::stop() {
  if (stopped_) return;
  stopped_ = true;
  retry_timer_.cancel();
  scheduler_->stop();
  for (const auto& action : health_.shutdown()) run_notify(action);
  if (vrrp_) vrrp_->stop();
  static_network_.stop();
  fifos_->stop();
  if (!options_.keep_pins) {  // kept: the program serves on while we restart
    dataplane_->detach_all();
    nat_interfaces_.release();
  }
  spdlog::info("instance {}: stopped{}", options_.instance, options_.keep_pins ? " (maps kept pinned)" : "");
}

void Agent::on_health_event(const check::HealthEvent& event) {
  const bool was_up = health_.real_server_up(event.virtual_server, event.real_server);
  const bool had_quorum = health_.state(event.virtual_server).quorum_up;
  for (const auto& action : health_.apply(event)) run_notify(action);
  // The FIFO lines follow every change, whether or not a notify script is configured (keepalived's
  // order: the real server, then the quorum it moved).
  if (health_.real_server_up(event.virtual_server, event.real_server) != was_up)
    fifos_->real_server_changed(event.virtual_server, event.real_server, !was_up);
  if (health_.state(event.virtual_server).quorum_up != had_quorum)
    fifos_->quorum_changed(event.virtual_server, !had_quorum);
  sync_dataplane_soon(SyncCause::health);
}

void Agent::run_notify(const check::NotifyAction& action) {
  // The script was planned (user, group, file check) with the configuration; none: disabled or unset.
  const auto* planned = notify_scripts_.find(action);
  if (planned == nullptr) return;
  ProcessOptions p;
  p.argv = planned->argv;
  p.uid = planned->identity.uid;
  p.gid = planned->identity.gid;
  p.timeout = kNotifyTimeout;
  const std::string what = fmt::format("{} {} {}", action.virtual_server, action.real_server, describe(action.kind));
  ChildProcess::spawn(io_, std::move(p), [what](const ProcessResult& r) {
    if (r.succeeded())
      spdlog::debug("{} script done", what);
    else
      spdlog::warn("{} script {}", what, r.describe());
  });
}

const char* Agent::to_string(SyncCause cause) {
  switch (cause) {
    case SyncCause::start: return "start";
    case SyncCause::vrrp: return "vrrp";
    case SyncCause::health: return "health";
    case SyncCause::reload: return "reload";
    case SyncCause::drain: return "drain";
    case SyncCause::undrain: return "undrain";
    case SyncCause::neighbours: return "neighbours";
  }
  return "sync";
}

void Agent::sync_dataplane(SyncCause why) {
  if (stopped_) return;
  const auto t0 = std::chrono::steady_clock::now();
  // The first sync programs everything before the agent says it is ready; a VRRP transition changes
  // no ring and must not wait. Every other sync builds a bounded number of rings per loop turn and
  // goes on in the next, so adverts keep their schedule while a reload or a rack failure rebuilds
  // hundreds of rings.
  const bool unbounded = why == SyncCause::start || why == SyncCause::vrrp;
  dataplane::SyncBudget budget;
  if (!unbounded)
    budget.ring_changes =
        std::clamp<std::size_t>(static_cast<std::size_t>(kRingTimePerTurn / ring_cost_), 1, kMaxRingChangesPerTurn);
  const auto report = dataplane_->sync(desired_dataplane(), budget);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  if (report.rings_built > 0) {  // a moving average: one slow sync does not halve the next one's share
    const auto per_ring = std::chrono::duration_cast<std::chrono::microseconds>(elapsed) /
                          static_cast<std::chrono::microseconds::rep>(report.rings_built);
    ring_cost_ = std::max(std::chrono::microseconds(1), (ring_cost_ * 3 + per_ring) / 4);
  }
  for (const auto& r : report.refused) spdlog::error("data plane refused {}", r);
  if (report.map_writes > 0)
    spdlog::info("data plane synced ({}): {} map writes, {} rings swapped in {} us{}", to_string(why), report.map_writes,
                 report.rings_swapped, us,
                 report.deferred ? fmt::format(", {} VIP(s) in the next turn", report.deferred) : "");
  if (report.deferred) sync_dataplane_soon(why);
  nat_interfaces_.follow(*dataplane_);
  if (!report.unresolved.empty()) {
    for (const auto& u : report.unresolved) spdlog::debug("waiting for the MAC of {}", u);
    retry_unresolved_later();
  }
}

// A rack that goes dark fails thousands of checks within a few loop turns: one sync after them all,
// not one per server (each sync walks every VIP), so adverts and the control socket keep their turn.
void Agent::sync_dataplane_soon(SyncCause why) {
  if (sync_posted_) return;
  sync_posted_ = true;
  asio::post(io_, [this, why] {
    sync_posted_ = false;
    sync_dataplane(why);
  });
}

std::vector<dataplane::VipSpec> Agent::desired_dataplane() const {
  return desired_vips(
      plan_, health_,
      [this](const config::IpAddress& a) { return !vrrp_ || !vrrp_->manages(a) || vrrp_->holds(a); }, drained_);
}

void Agent::on_vrrp_change(const std::string& instance, vrrp::State state) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto state_name = vrrp::to_string(state, vrrp::StateSpelling::status);
  spdlog::info("VRRP instance {} is {}: syncing the data plane", instance, state_name);
  sync_dataplane(SyncCause::vrrp);
  const auto took = std::chrono::steady_clock::now() - t0;
  transition_sync_ms_[instance] = std::chrono::duration<double, std::milli>(took).count();
  spdlog::info("VRRP instance {} {}: data plane updated in {} us", instance, state_name,
               std::chrono::duration_cast<std::chrono::microseconds>(took).count());
}

std::vector<std::string> Agent::vrrp_interfaces() const {
  std::vector<std::string> interfaces;
  for (const auto& service : plan_.services) {
    for (const auto& vip : service.vips) {
      const std::string ifname = vrrp_->interface_of(vip.address);
      if (!ifname.empty() && std::find(interfaces.begin(), interfaces.end(), ifname) == interfaces.end())
        interfaces.push_back(ifname);
    }
  }
  return interfaces;
}

void Agent::retry_unresolved_later() {
  if (retry_pending_ || stopped_) return;
  retry_pending_ = true;
  retry_timer_.expires_after(kNeighbourRetry);
  retry_timer_.async_wait([this](const std::error_code& ec) {
    retry_pending_ = false;
    if (!ec) sync_dataplane(SyncCause::neighbours);
  });
}

}  // namespace xdplb::agent
