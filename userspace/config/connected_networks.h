// The networks this host is connected to: the prefixes of the addresses on its interfaces, in the
// network namespace the caller runs in. The configuration check asks through this interface
// (LoadOptions::networks), the host's unless a caller gives another.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/address.h"

namespace xdplb::config {

struct ConnectedPrefix {
  std::string interface;
  IpAddress prefix;  // an address of the interface with its prefix length
};

class ConnectedNetworks {
 public:
  virtual ~ConnectedNetworks() = default;
  // Every address with its prefix, read once per call: a check takes one snapshot for all servers.
  virtual std::vector<ConnectedPrefix> prefixes() const = 0;
};

// The calling process's network namespace (getifaddrs(3)).
const ConnectedNetworks& system_connected_networks();

// The interface whose connected prefix holds `address` (the longest such prefix; host-length
// addresses connect nothing), or nullopt when none does.
std::optional<std::string> interface_holding(const std::vector<ConnectedPrefix>& prefixes, const IpAddress& address);

}  // namespace xdplb::config
