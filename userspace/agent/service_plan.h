// What the configuration's virtual_server blocks mean for this node: the VIPs to serve, the
// health rules of their real servers, and, given the healthy set and which addresses this node holds,
// the data plane's desired state. Pure: no I/O.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "check/healthy_set.h"
#include "config/model.h"
#include "dataplane/spec.h"

namespace xdplb::agent {

// A real server of a Service and where it was configured.
struct PlannedRealServer {
  dataplane::BackendSpec backend;
  std::size_t config_index = 0;  // into the virtual_server's real_servers
};

struct Service {
  std::string name;                       // "tcp/198.18.0.100:80", the health set's virtual server name
  std::size_t config_index = 0;           // into Config::virtual_servers
  std::vector<dataplane::VipSpec> vips;   // addresses served (several for a virtual_server_group), no backends
  check::VirtualServerRules rules;        // for check::HealthySet
  std::map<std::string, dataplane::BackendSpec> real_servers;  // by real server name ("198.18.0.11:80")
  // The same in the order of rules.real_servers, which check::Backend::index points into; a server
  // listed twice in the virtual_server is here once, as its first listing.
  std::vector<PlannedRealServer> planned_real_servers;
  std::optional<dataplane::BackendSpec> sorry_server;
  bool rotation_ignores_weights = false;  // lb_algo rr: every server in service takes equal turns
};

struct ServicePlan {
  std::vector<Service> services;
  // Virtual servers or settings the data plane cannot serve: `xdplbd -t` prints them with the file's
  // own warnings, the agent logs them at start and a reload answers them.
  std::vector<config::Diagnostic> warnings;
};

ServicePlan plan_services(const config::Config& config);

// Whether this node serves traffic for a VIP address now (VRRP master, or no VRRP instance holds it).
using AddressActive = std::function<bool(const config::IpAddress&)>;

// Operator drains (xdplbctl drain): (VIP key, real server name) pairs held at weight 0.
using DrainSet = std::set<std::pair<std::string, std::string>>;

// The drains of `drained` whose VIP and real server the plan still has (a reload or a restart with
// another file forgets the others).
DrainSet drains_in_plan(const DrainSet& drained, const ServicePlan& plan);

std::vector<dataplane::VipSpec> desired_vips(const ServicePlan& plan, const check::HealthySet& health,
                                             const AddressActive& active, const DrainSet& drained = {});

}  // namespace xdplb::agent
