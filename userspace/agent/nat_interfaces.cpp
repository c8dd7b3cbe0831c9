#include "agent/nat_interfaces.h"

#include <net/if.h>

#include <exception>

#include <spdlog/spdlog.h>

namespace xdplb::agent {

void NatInterfaces::follow(dataplane::Dataplane& dataplane) {
  for (const int ifindex : dataplane.nat_interfaces_unattached()) {
    char name[IF_NAMESIZE] = {};
    if (!if_indextoname(static_cast<unsigned>(ifindex), name)) continue;  // gone since the sync resolved it
    try {
      const auto mode = dataplane.attach(name);
      sysctls_.set(name, "accept_local", "1");
      failed_.erase(ifindex);
      spdlog::info("NAT real servers are reached through {}: XDP program attached there ({} mode) to translate "
                   "their replies; net.ipv4.conf.{}.accept_local = 1",
                   name, dataplane::to_string(mode), name);
    } catch (const std::exception& e) {
      if (failed_.insert(ifindex).second)
        spdlog::error("NAT real servers are reached through {}, where the XDP program cannot be attached ({}): "
                      "their replies are not translated",
                      name, e.what());
    }
  }
}

}  // namespace xdplb::agent
