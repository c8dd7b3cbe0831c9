// keepalived's static_ipaddress, static_routes and static_rules: installed when the agent starts,
// whatever the VRRP state, removed when it stops; a reload applies the difference. The owner of
// what it installed: it removes only that.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/model.h"
#include "vrrp/addresses.h"
#include "vrrp/rules.h"

namespace xdplb::agent {

struct StaticNetworkPlan {
  std::vector<vrrp::AddressSpec> addresses;
  std::vector<vrrp::RouteSpec> routes;
  std::vector<vrrp::RuleSpec> rules;

  bool empty() const { return addresses.empty() && routes.empty() && rules.empty(); }
  bool operator==(const StaticNetworkPlan&) const = default;
};

StaticNetworkPlan plan_static_network(const config::Config& config);

class StaticNetwork {
 public:
  explicit StaticNetwork(StaticNetworkPlan plan);
  ~StaticNetwork();
  StaticNetwork(const StaticNetwork&) = delete;
  StaticNetwork& operator=(const StaticNetwork&) = delete;

  // Addresses first, then routes (which may take their source from them), then rules. A failure is
  // logged and the rest goes on, as for a Master's VIPs.
  void start();
  // Removes what start() and apply() installed, in the reverse order. Idempotent.
  void stop();
  // A reload: removes what `next` no longer has, installs what it adds, leaves the rest in place.
  // Returns one line per change.
  std::vector<std::string> apply(StaticNetworkPlan next);

 private:
  void open();
  void install(const StaticNetworkPlan& wanted, std::vector<std::string>* changes);
  void remove_unwanted(const StaticNetworkPlan& wanted, std::vector<std::string>* changes);

  StaticNetworkPlan plan_;
  StaticNetworkPlan installed_;
  bool started_ = false;
  std::unique_ptr<vrrp::AddressManager> addresses_;  // opened only when there is something to install
  std::unique_ptr<vrrp::RuleManager> rules_;
};

}  // namespace xdplb::agent
