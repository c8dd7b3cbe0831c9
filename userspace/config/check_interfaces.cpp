#include "config/check_interfaces.h"

namespace xdplb::config {

namespace {

class InterfaceCheck {
 public:
  InterfaceCheck(const InterfaceDirectory& interfaces, Diagnostics& diagnostics)
      : interfaces_(interfaces), diagnostics_(diagnostics) {}

  void addresses(const std::vector<VirtualIp>& addresses, const std::string& vmac) {
    for (const auto& address : addresses) {
      if (address.device.empty() || interfaces_.exists(address.device)) continue;
      // keepalived's -t reports the instance's own vmac too: it does not exist before the instance runs.
      if (address.device == vmac) {
        diagnostics_.keepalived_warning(address.location, "interface " + address.device + " for address " +
                                                              address.address.to_string() +
                                                              " is the instance's use_vmac interface, made when it "
                                                              "runs (keepalived 2.2.7 reports it as missing)");
        continue;
      }
      diagnostics_.keepalived_warning(address.location, "interface " + address.device + " for address " +
                                                            address.address.to_string() +
                                                            " does not exist here: the address is not added while "
                                                            "it is missing (each attempt logs an error)");
    }
  }

  void rules(const std::vector<VirtualRule>& rules) {
    for (const auto& rule : rules)
      for (const std::string* device : {&rule.iif, &rule.oif})
        if (!device->empty() && !interfaces_.exists(*device))
          diagnostics_.keepalived_warning(rule.location, "interface " + *device +
                                                             " of the rule does not exist here: the rule is added "
                                                             "and matches once it appears");
  }

  void routes(const std::vector<VirtualRoute>& routes) {
    for (const auto& route : routes) {
      route_device(route.device, route);
      for (const auto& hop : route.nexthops) route_device(hop.device, route);
    }
  }

  void instance(const VrrpInstance& instance) {
    if (!instance.interface.empty() && !interfaces_.exists(instance.interface))
      diagnostics_.keepalived_warning(instance.keywords.at_or("interface", instance.location),
                                      "interface " + instance.interface + " of vrrp_instance " + instance.name +
                                          " does not exist here: xdplbd does not start while it is missing");
    for (const auto& tracked : instance.track_interfaces) {
      if (interfaces_.exists(tracked.name)) continue;
      diagnostics_.keepalived_warning(tracked.location, "(" + instance.name + ") tracked interface " + tracked.name +
                                                            " does not exist here: it counts as down until it "
                                                            "appears");
    }
    const std::string vmac = instance.vmac_interface();
    addresses(instance.virtual_ipaddresses, vmac);
    addresses(instance.virtual_ipaddresses_excluded, vmac);
    routes(instance.virtual_routes);
    rules(instance.virtual_rules);
  }

 private:
  void route_device(const std::string& device, const VirtualRoute& route) {
    if (device.empty() || interfaces_.exists(device)) return;
    diagnostics_.keepalived_warning(route.location, "interface " + device + " of the route to " +
                                                        route.destination.to_string() +
                                                        " does not exist here: the route is not added while it is "
                                                        "missing (each attempt logs an error)");
  }

  const InterfaceDirectory& interfaces_;
  Diagnostics& diagnostics_;
};

}  // namespace

void check_interfaces(const Config& config, const InterfaceDirectory& interfaces, Diagnostics& diagnostics) {
  InterfaceCheck check(interfaces, diagnostics);
  const auto& xdp = config.global.xdp_interface;
  if (!xdp.empty() && !interfaces.exists(xdp))
    diagnostics.warning(config.global.keywords.at_or("xdp_interface", config.global.location),
                        "xdp_interface " + xdp + " does not exist here: xdplbd does not start while it is missing");
  check.addresses(config.static_ipaddresses, {});
  check.routes(config.static_routes);
  check.rules(config.static_rules);
  for (const auto& instance : config.vrrp_instances) check.instance(instance);
}

}  // namespace xdplb::config
