// Reload without loss: apply only the difference between the running configuration and the file.
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <asio/post.hpp>
#include <spdlog/spdlog.h>

#include "agent/agent.h"
#include "agent/refused.h"
#include "config/load.h"

namespace xdplb::agent {

namespace {

// Everything VRRP reads from a configuration besides the instances themselves.
bool vrrp_shared_part_changed(const config::Config& before, const config::Config& after) {
  return before.vrrp_scripts != after.vrrp_scripts || before.sync_groups != after.sync_groups ||
         before.track_files != after.track_files ||
         config::vrrp_view(before.global) != config::vrrp_view(after.global);
}

const config::VrrpInstance* find_instance(const config::Config& c, const std::string& name) {
  for (const auto& i : c.vrrp_instances)
    if (i.name == name) return &i;
  return nullptr;
}

// What changed between two plans, one line each, for the operator and the reload answer.
std::vector<std::string> describe_changes(const ServicePlan& before, const ServicePlan& after) {
  std::vector<std::string> changes;
  std::map<std::string, const Service*> old_services, new_services;
  for (const auto& s : before.services) old_services[s.name] = &s;
  for (const auto& s : after.services) new_services[s.name] = &s;
  for (const auto& [name, s] : old_services)
    if (!new_services.count(name)) changes.push_back(name + ": removed");
  for (const auto& [name, s] : new_services) {
    const auto it = old_services.find(name);
    if (it == old_services.end()) {
      changes.push_back(name + ": added with " + std::to_string(s->real_servers.size()) + " real server(s)");
      continue;
    }
    const Service& old = *it->second;
    for (const auto& [rs, spec] : old.real_servers)
      if (!s->real_servers.count(rs)) changes.push_back(name + ": removed real server " + rs);
    for (const auto& [rs, spec] : s->real_servers) {
      const auto o = old.real_servers.find(rs);
      if (o == old.real_servers.end())
        changes.push_back(name + ": added real server " + rs);
      else if (o->second.weight != spec.weight)
        changes.push_back(name + ": real server " + rs + " weight " + std::to_string(o->second.weight) + " -> " +
                          std::to_string(spec.weight));
    }
    const auto& ov = old.vips.front();
    const auto& nv = s->vips.front();
    if (ov.algorithm != nv.algorithm || ov.ring_size != nv.ring_size ||
        ov.persistence_timeout != nv.persistence_timeout || old.vips.size() != s->vips.size())
      changes.push_back(name + ": scheduling changed");
  }
  return changes;
}

}  // namespace

// Reading, checking and planning the file: pure work on the new configuration and the running one
// (which only apply_reload changes, and never while this runs). Runs on the reload thread.
PreparedReload Agent::prepare_reload() const {
  PreparedReload r;
  config::LoadOptions load_options;
  load_options.strict = options_.strict;
  load_options.config_id = options_.config_id;
  auto loaded = config::load_config(options_.config_file, load_options);
  for (const auto& d : loaded.diagnostics)
    (d.severity == config::Severity::error ? r.errors : r.warnings).push_back(config::format_diagnostic(d));
  if (!loaded.ok()) return r;
  r.next = std::move(loaded.config);
  r.next_plan = plan_services(*r.next);
  // Under --strict what would not be served refuses the file, as at start.
  if (options_.strict && !r.next_plan.warnings.empty()) {
    for (auto unserved : r.next_plan.warnings) {
      unserved.severity = config::Severity::error;
      r.errors.push_back(config::format_diagnostic(unserved));
    }
    r.next.reset();
    return r;
  }
  r.next_health = plan_health(*r.next, r.next_plan);
  for (const auto& w : r.next_plan.warnings) r.warnings.push_back(config::format_diagnostic(w));
  r.changes = describe_changes(plan_, r.next_plan);
  if (r.next->global.xdp_conntrack_size != config_.global.xdp_conntrack_size)
    r.warnings.push_back("xdp_conntrack_size takes effect at the next start (the flow table keeps its size)");
  // VRRP: instances that did not change keep their state. Only when scripts, sync groups or global
  // settings change (or a sync group would lose or gain a member) are all instances restarted.
  for (const auto& old : config_.vrrp_instances) {
    const auto* now = find_instance(*r.next, old.name);
    if (!now) r.removed_instances.insert(old.name);
    if (!now || *now != old) r.replace.insert(old.name);
  }
  for (const auto& now : r.next->vrrp_instances)
    if (!find_instance(config_, now.name)) r.added_instances.insert(now.name);
  r.instances_changed = !r.replace.empty() || !r.added_instances.empty();
  r.any_instance = !config_.vrrp_instances.empty() || !r.next->vrrp_instances.empty();
  r.shared_changed = vrrp_shared_part_changed(config_, *r.next);
  return r;
}

contract::Reload Agent::reload() {
  try {
    auto result = apply_reload(prepare_reload());
    last_reload_ = ReloadOutcome{true, std::chrono::system_clock::now()};
    return result;
  } catch (...) {
    last_reload_ = ReloadOutcome{false, std::chrono::system_clock::now()};
    throw;
  }
}

void Agent::reload_async(ReloadCompletion done) {
  next_reload_waiters_.push_back(std::move(done));
  if (!reload_in_flight_) start_reload();
}

// One reload at a time. Requests that arrive meanwhile wait for the next one, which reads the file
// again: it may have changed since the one in flight read it.
void Agent::start_reload() {
  reload_in_flight_ = true;
  auto waiters = std::make_shared<std::vector<ReloadCompletion>>(std::move(next_reload_waiters_));
  next_reload_waiters_.clear();
  if (reload_thread_.joinable()) reload_thread_.join();  // the last one has posted its result: it is ending
  reload_thread_ = std::thread([this, waiters] {
    auto prepared = std::make_shared<std::optional<PreparedReload>>();
    std::exception_ptr error;
    try {
      prepared->emplace(prepare_reload());
    } catch (...) {
      error = std::current_exception();
    }
    asio::post(io_, [this, waiters, prepared, error] {
      contract::Reload result;
      std::exception_ptr failure = error;
      if (!failure && stopped_)
        failure = std::make_exception_ptr(Refused("the agent is stopping; the reload was not applied"));
      if (!failure) {
        try {
          result = apply_reload(std::move(**prepared));
        } catch (...) {
          failure = std::current_exception();
        }
      }
      reload_in_flight_ = false;
      if (!stopped_) last_reload_ = ReloadOutcome{!failure, std::chrono::system_clock::now()};
      for (auto& done : *waiters) done(failure, failure ? contract::Reload{} : result);
      if (next_reload_waiters_.empty()) return;
      if (!stopped_) return start_reload();
      const auto stopping = std::make_exception_ptr(Refused("the agent is stopping; the reload was not applied"));
      for (auto& waiting : std::exchange(next_reload_waiters_, {})) waiting(stopping, {});
    });
  });
}

contract::Reload Agent::apply_reload(PreparedReload r) {
  if (!r.next) {
    for (const auto& e : r.errors) spdlog::error("reload: {}", e);
    spdlog::error("reload refused: {} has {} error(s); the running configuration stays", options_.config_file,
                  r.errors.size());
    throw Refused("configuration " + options_.config_file + " has " + std::to_string(r.errors.size()) +
                      " error(s); the running configuration stays",
                  r.errors);
  }
  const auto t0 = std::chrono::steady_clock::now();
  config::Config next = std::move(*r.next);
  ServicePlan next_plan = std::move(r.next_plan);
  auto warnings = std::move(r.warnings);
  auto changes = std::move(r.changes);
  const auto& replace = r.replace;
  const bool instances_changed = r.instances_changed;
  const bool shared_changed = r.shared_changed;
  // Without an instance on either side there is nothing to restart, whatever the shared part says.
  const bool vrrp_changed =
      (shared_changed && r.any_instance) || instances_changed;
  // Everything that can fail is prepared before anything changes: a refused reload leaves the agent
  // exactly as it was.
  std::unique_ptr<VrrpService> next_vrrp;
  const bool in_place = vrrp_changed && !shared_changed && vrrp_ && !next.vrrp_instances.empty();
  if (vrrp_changed && !in_place && !next.vrrp_instances.empty()) {
    try {
      next_vrrp = VrrpService::create(io_, next, [this](const std::string& instance, vrrp::State state) {
        on_vrrp_change(instance, state);
      });
    } catch (const std::exception& e) {
      spdlog::error("reload refused: {}", e.what());
      throw Refused(std::string("reload refused: ") + e.what() + "; the running configuration stays");
    }
  }

  // The notify FIFOs and their readers: prepared now (a FIFO that cannot be created refuses the
  // reload), swapped in below. Unchanged settings keep the readers running.
  std::unique_ptr<NotifyFifos> next_fifos;
  if (!NotifyFifos::same_settings(next.global, config_.global)) {
    try {
      next_fifos = std::make_unique<NotifyFifos>(io_, next.global);
    } catch (const std::exception& e) {
      spdlog::error("reload refused: {}", e.what());
      throw Refused(std::string("reload refused: ") + e.what() + "; the running configuration stays");
    }
  }
  // A data plane setting, applied in place before anything else changes (a failure refuses the reload).
  if (const auto& rate = next.global.xdp_conntrack_flood_rate;
      rate.has_value() == dataplane_->flood_rate_auto() || (rate && *rate != dataplane_->flood_rate())) {
    auto describe = [this] {
      return (dataplane_->flood_rate_auto() ? std::string("auto = ") : std::string()) +
             std::to_string(dataplane_->flood_rate());
    };
    const std::string before = describe();
    dataplane_->set_flood_rate(rate);
    changes.push_back("xdp_conntrack_flood_rate " + before + " -> " + describe());
  }

  config_ = std::move(next);
  plan_ = std::move(next_plan);
  // Before the trackers and FILE_CHECKs of the new configuration read their files.
  initialise_track_files(TrackFileMoment::reload);
  if (auto still_drained = drains_in_plan(drained_, plan_); still_drained != drained_) {
    drained_ = std::move(still_drained);
    if (const auto error = keep_drains()) spdlog::error("{}", *error);
  }
  // Real servers keep the health they had (no flap, no notify); unchanged checkers keep running, new
  // ones confirm the state they start in.
  apply_health(std::move(r.next_health));

  if (next_fifos) {
    fifos_->stop();
    fifos_ = std::move(next_fifos);
    fifos_->start();  // before a restarted VRRP writes its first line
    changes.push_back("notify FIFOs changed: their reader scripts restarted");
  }
  if (vrrp_changed) {
    std::optional<VrrpReconfiguration> applied;
    if (in_place) {
      try {
        applied = vrrp_->reconfigure(config_, replace);
      } catch (const std::exception& e) {
        spdlog::error("reload: VRRP instances could not be updated in place: {}", e.what());
      }
    }
    if (applied) {
      for (const auto& name : applied->updated_in_place)
        changes.push_back("vrrp_instance " + name + ": changed in place, state kept");
      for (const auto& name : applied->restarted) changes.push_back("vrrp_instance " + name + ": changed, restarted");
      for (const auto& name : r.removed_instances) changes.push_back("vrrp_instance " + name + ": removed");
      for (const auto& name : r.added_instances) changes.push_back("vrrp_instance " + name + ": added");
    } else {
      // Scripts, sync groups or global settings changed: every instance restarts.
      changes.push_back("VRRP configuration changed: every instance restarted");
      if (vrrp_) vrrp_->stop();
      if (!next_vrrp && !config_.vrrp_instances.empty())
        next_vrrp = VrrpService::create(io_, config_, [this](const std::string& instance, vrrp::State state) {
          on_vrrp_change(instance, state);
        });
      vrrp_ = std::move(next_vrrp);
      if (vrrp_) vrrp_->start();
    }
    if (!interfaces_from_command_line_ && vrrp_)
      for (const auto& ifname : vrrp_interfaces())
        if (std::find(options_.interfaces.begin(), options_.interfaces.end(), ifname) == options_.interfaces.end()) {
          dataplane_->attach(ifname);
          options_.interfaces.push_back(ifname);
        }
  }
  for (auto& line : static_network_.apply(plan_static_network(config_))) changes.push_back(std::move(line));
  sync_dataplane(SyncCause::reload);
  config_loaded_at_ = std::chrono::system_clock::now();
  for (const auto& c : changes) spdlog::info("reload: {}", c);
  spdlog::info("reload of {} applied in {} ms: {} change(s)", options_.config_file,
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count(),
               changes.size());
  return {options_.config_file, std::move(changes), std::move(warnings)};
}

}  // namespace xdplb::agent
