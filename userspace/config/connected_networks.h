// The networks this host is connected to: the prefixes of the addresses on its interfaces, in the
// network namespace the caller runs in. The configuration check asks through this interface
// (LoadOptions::networks), the host's unless a caller gives another.
#pragma once

#include <optional>
#include <string>

#include "config/address.h"

namespace xdplb::config {

class ConnectedNetworks {
 public:
  virtual ~ConnectedNetworks() = default;
  // The interface whose connected prefix holds `address` (the longest such prefix; host-length
  // addresses connect nothing), or nullopt when none does.
  virtual std::optional<std::string> interface_holding(const IpAddress& address) const = 0;
};

// The calling process's network namespace, read at each call (getifaddrs(3)).
const ConnectedNetworks& system_connected_networks();

// Whether `prefix` (its written length) holds `address`; the same family only.
bool prefix_holds(const IpAddress& prefix, const IpAddress& address);

}  // namespace xdplb::config
