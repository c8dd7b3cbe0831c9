#include "agent/nat_interfaces.h"

#include <net/if.h>

#include <algorithm>
#include <cstdlib>
#include <exception>

#include <spdlog/spdlog.h>

namespace xdplb::agent {

namespace {

// A reply left to the kernel arrives on `ifname` with the VIP, whose route is local, as its source:
// strict reverse-path filtering (rp_filter 1, the larger of `all` and the interface counts) drops it
// even with accept_local. Loose (2) and off (0) let it through.
void warn_if_strict_reverse_path(const std::string& ifname) {
  const auto all = read_interface_sysctl("all", "rp_filter");
  const auto own = read_interface_sysctl(ifname, "rp_filter");
  const int effective = std::max(all ? std::atoi(all->c_str()) : 0, own ? std::atoi(own->c_str()) : 0);
  if (effective == 1)
    spdlog::warn("{}: rp_filter is strict (1): replies of NAT flows that wait for a neighbour are dropped as "
                 "martians; set net.ipv4.conf.{}.rp_filter and net.ipv4.conf.all.rp_filter to 2 (loose) or 0",
                 ifname, ifname);
}

}  // namespace

void NatInterfaces::follow(dataplane::Dataplane& dataplane) {
  for (const int ifindex : dataplane.nat_interfaces_unattached()) {
    char name[IF_NAMESIZE] = {};
    if (!if_indextoname(static_cast<unsigned>(ifindex), name)) continue;  // gone since the sync resolved it
    try {
      const auto mode = dataplane.attach(name, dataplane::Dataplane::OnForeignProgram::refuse);
      sysctls_.set(name, "accept_local", "1");
      failed_.erase(ifindex);
      spdlog::info("NAT real servers are reached through {}: XDP program attached there ({} mode) to translate "
                   "their replies; net.ipv4.conf.{}.accept_local = 1",
                   name, dataplane::to_string(mode), name);
      warn_if_strict_reverse_path(name);
    } catch (const std::exception& e) {
      if (failed_.insert(ifindex).second)
        spdlog::error("NAT real servers are reached through {}, where the XDP program cannot be attached ({}): "
                      "their replies are not translated",
                      name, e.what());
    }
  }
}

}  // namespace xdplb::agent
