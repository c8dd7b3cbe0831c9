#include "agent/checker_notify_scripts.h"

#include <spdlog/spdlog.h>

#include "config/check_scripts.h"

namespace xdplb::agent {

CheckerNotifyScripts::CheckerNotifyScripts(const config::Config& config, const ServicePlan& plan,
                                           const UserDatabase& users) {
  using Kind = check::NotifyAction::Kind;
  for (const auto& service : plan.services) {
    const auto& vs = config.virtual_servers[service.config_index];
    add({Kind::quorum_up, service.name, ""}, vs.quorum_up, vs.keywords.at_or("quorum_up", vs.location),
        service.name + " quorum_up", config, users);
    add({Kind::quorum_down, service.name, ""}, vs.quorum_down,
        vs.keywords.at_or("quorum_down", vs.location), service.name + " quorum_down", config, users);
    for (const auto& planned : service.planned_real_servers) {
      const auto& rs = vs.real_servers[planned.config_index];
      const std::string server = planned.backend.key();
      add({Kind::real_server_up, service.name, server}, rs.notify_up,
          rs.keywords.at_or("notify_up", rs.location), service.name + " " + server + " notify_up", config,
          users);
      add({Kind::real_server_down, service.name, server}, rs.notify_down,
          rs.keywords.at_or("notify_down", rs.location), service.name + " " + server + " notify_down",
          config, users);
    }
  }
}

void CheckerNotifyScripts::add(Key key, const config::ScriptCommand& script, const config::SourceLocation& where,
                               const std::string& what, const config::Config& config, const UserDatabase& users) {
  if (script.empty()) return;
  auto planned = plan_script(script.command, script.user, script.group, config::script_defaults(config.global), users);
  if (!planned.runnable()) {
    spdlog::warn("{}:{}: {} is disabled: {}", where.file_name(), where.line, what, planned.why_not());
    return;
  }
  scripts_.emplace(std::move(key), std::move(planned));
}

const PlannedScript* CheckerNotifyScripts::find(const check::NotifyAction& action) const {
  const auto found = scripts_.find({action.kind, action.virtual_server, action.real_server});
  return found == scripts_.end() ? nullptr : &found->second;
}

}  // namespace xdplb::agent
