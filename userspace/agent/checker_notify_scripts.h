// The checkers' notify scripts - notify_up / notify_down of a real server, quorum_up / quorum_down
// of a virtual server - planned by the one script rule (common/script_identity.h) when a
// configuration is applied. Running a notification then runs exactly what was checked, as the user
// the rule chose; a script the rule disabled is never run.
#pragma once

#include <map>
#include <string>
#include <tuple>

#include "agent/service_plan.h"
#include "check/healthy_set.h"
#include "common/script_identity.h"
#include "config/model.h"

namespace xdplb::agent {

class CheckerNotifyScripts {
 public:
  CheckerNotifyScripts() = default;
  // Logs every script it disables, with its file and line.
  CheckerNotifyScripts(const config::Config& config, const ServicePlan& plan, const UserDatabase& users);

  // What to run for `action`; nullptr when its script was disabled or none is configured.
  const PlannedScript* find(const check::NotifyAction& action) const;

 private:
  using Key = std::tuple<check::NotifyAction::Kind, std::string, std::string>;  // kind, service, server
  void add(Key key, const config::ScriptCommand& script, const config::SourceLocation& where, const std::string& what,
           const config::Config& config, const UserDatabase& users);

  std::map<Key, PlannedScript> scripts_;
};

}  // namespace xdplb::agent
