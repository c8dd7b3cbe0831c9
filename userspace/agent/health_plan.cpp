#include "agent/health_plan.h"

#include "agent/checker_factory.h"

namespace xdplb::agent {

HealthPlan plan_health(const config::Config& config, const ServicePlan& plan, const UserDatabase& users) {
  HealthPlan out;
  for (const auto& service : plan.services) {
    const auto& vs = config.virtual_servers[service.config_index];
    for (const auto& planned : service.planned_real_servers) {
      const auto& rs = vs.real_servers[planned.config_index];
      check::PlannedServer server{service.name, planned.backend.key(), {}};
      for (const auto& c : rs.checkers) {
        try {
          server.checks.push_back(plan_checker(config, vs, rs, c, users));
        } catch (const std::exception& e) {
          out.errors.push_back(service.name + " " + server.real_server + ": checker not started: " + e.what());
        }
      }
      if (!server.checks.empty()) out.servers.push_back(std::move(server));
    }
  }
  return out;
}

}  // namespace xdplb::agent
