// What a reload learns from reading and planning the new file, before it changes anything: made on
// the reload thread (Agent::prepare_reload), applied on the loop (Agent::apply_reload).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/health_plan.h"
#include "agent/service_plan.h"
#include "config/model.h"

namespace xdplb::agent {

struct PreparedReload {
  std::vector<std::string> errors;  // FILE:LINE:COL diagnostics; no `next` when there is any
  std::vector<std::string> warnings;
  std::optional<config::Config> next;
  ServicePlan next_plan;
  HealthPlan next_health;  // the checkers of next_plan
  std::vector<std::string> changes;  // the plan's differences, one line each
  // VRRP, by vrrp_instance name: the instances that changed or went (`replace`), those that went,
  // those that are new, whether there is an instance on either side, and whether the parts every
  // instance shares (scripts, sync groups, the global settings of config::vrrp_view) changed.
  std::set<std::string> replace;
  std::set<std::string> removed_instances;
  std::set<std::string> added_instances;
  bool any_instance = false;
  bool instances_changed = false;
  bool shared_changed = false;
};

}  // namespace xdplb::agent
