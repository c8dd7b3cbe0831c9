// The health checks a configuration asks for: for every real server of every planned service, its
// checkers as check::PlannedCheck values. Pure (files are only looked at for MISC_CHECK's script
// rule), so a reload plans them on its own thread; the scheduler then keeps the real servers whose
// plans did not change running as they are.
#pragma once

#include <string>
#include <vector>

#include "agent/service_plan.h"
#include "check/planned_check.h"
#include "common/user_database.h"
#include "config/model.h"

namespace xdplb::agent {

struct HealthPlan {
  // Only real servers with at least one checker that can run.
  std::vector<check::PlannedServer> servers;
  // "tcp/198.18.0.100:80 198.18.1.1:80: checker not started: WHY", one per checker left out.
  std::vector<std::string> errors;
};

HealthPlan plan_health(const config::Config& config, const ServicePlan& plan,
                       const UserDatabase& users = system_user_database());

}  // namespace xdplb::agent
