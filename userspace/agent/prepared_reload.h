// What a reload learns from reading and planning the new file, before it changes anything: made on
// the reload thread (Agent::prepare_reload), applied on the loop (Agent::apply_reload).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/service_plan.h"
#include "config/model.h"

namespace xdplb::agent {

struct PreparedReload {
  std::vector<std::string> errors;  // FILE:LINE:COL diagnostics; no `next` when there is any
  std::vector<std::string> warnings;
  std::optional<config::Config> next;
  ServicePlan next_plan;
  std::vector<std::string> changes;  // the plan's differences, one line each
  // VRRP: each vrrp_instance by name (as compared), the ones that changed or went, and whether the
  // parts every instance shares (scripts, sync groups, global settings) changed.
  std::map<std::string, nlohmann::json> old_instances, new_instances;
  std::set<std::string> replace;
  bool instances_changed = false;
  bool shared_changed = false;
};

}  // namespace xdplb::agent
