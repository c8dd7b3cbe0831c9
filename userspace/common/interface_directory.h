// Which network interfaces exist here (in this network namespace). The configuration check asks
// through this interface (LoadOptions::interfaces), the host's unless a caller gives another list.
#pragma once

#include <string>

namespace xdplb {

class InterfaceDirectory {
 public:
  virtual ~InterfaceDirectory() = default;
  virtual bool exists(const std::string& name) const = 0;
};

// The interfaces of the calling process's network namespace (if_nametoindex(3)).
const InterfaceDirectory& system_interfaces();

}  // namespace xdplb
