#include "config/check_real_server_reach.h"

#include <vector>

namespace xdplb::config {

namespace {

// The prefixes a VRRP transition or start-up adds: reachable then, even if not now.
std::vector<IpAddress> configured_prefixes(const Config& config) {
  std::vector<IpAddress> prefixes;
  const auto add = [&](const std::vector<VirtualIp>& addresses) {
    for (const auto& vip : addresses)
      if (vip.address.prefix_length < vip.address.max_prefix_length()) prefixes.push_back(vip.address);
  };
  add(config.static_ipaddresses);
  for (const auto& instance : config.vrrp_instances) {
    add(instance.virtual_ipaddresses);
    add(instance.virtual_ipaddresses_excluded);
  }
  return prefixes;
}

}  // namespace

void check_real_server_reach(const Config& config, const ConnectedNetworks& networks, Diagnostics& diagnostics) {
  const auto prefixes = configured_prefixes(config);
  const auto connected = networks.prefixes();
  const auto reachable = [&](const IpAddress& address) {
    for (const auto& prefix : prefixes)
      if (prefix_holds(prefix, address)) return true;
    return interface_holding(connected, address).has_value();
  };
  for (const auto& server : config.virtual_servers) {
    // TUN servers are reached through routers; fwmark services are not served (reported apart).
    if (server.lb_kind == LbKind::tun || server.kind == VirtualServerKind::fwmark) continue;
    const std::string mode = to_string(server.lb_kind);
    const auto report = [&](const WrittenAt& where, const std::string& what, const IpAddress& address) {
      diagnostics.warning(where, "virtual_server " + service_name(server) + ": " + what + " " + address.to_string() +
                                     " is on no network this host is connected to: xdplb reaches " + mode +
                                     " servers on-link (through the interface whose prefix holds them, never via a "
                                     "gateway), so it stays out of service until an interface's prefix holds it");
    };
    for (const auto& real : server.real_servers)
      if (!reachable(real.address)) report(real.location, "real_server", real.address);
    if (server.sorry_server && !reachable(server.sorry_server->address))
      report(server.sorry_server->location, "sorry_server", server.sorry_server->address);
  }
}

}  // namespace xdplb::config
