#include "config/connected_networks.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <cstring>
#include <memory>

namespace xdplb::config {

namespace {

std::optional<IpAddress> from_sockaddr(const sockaddr* sa) {
  if (!sa) return std::nullopt;
  IpAddress a;
  if (sa->sa_family == AF_INET) {
    a.family = AddressFamily::ipv4;
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
    a.prefix_length = 32;
    return a;
  }
  if (sa->sa_family == AF_INET6) {
    a.family = AddressFamily::ipv6;
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
    a.prefix_length = 128;
    return a;
  }
  return std::nullopt;
}

std::uint8_t prefix_length_of(const IpAddress& netmask) {
  std::uint8_t length = 0;
  for (std::size_t i = 0; i < (netmask.is_ipv4() ? 4u : 16u); ++i)
    for (int bit = 7; bit >= 0; --bit) {
      if (!(netmask.bytes[i] >> bit & 1)) return length;
      ++length;
    }
  return length;
}

class SystemConnectedNetworks final : public ConnectedNetworks {
 public:
  std::vector<ConnectedPrefix> prefixes() const override {
    std::vector<ConnectedPrefix> out;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return out;
    const std::unique_ptr<ifaddrs, void (*)(ifaddrs*)> owner(list, ::freeifaddrs);
    for (const ifaddrs* i = list; i; i = i->ifa_next) {
      auto local = from_sockaddr(i->ifa_addr);
      const auto netmask = from_sockaddr(i->ifa_netmask);
      if (!local || !netmask || local->family != netmask->family) continue;
      local->prefix_length = prefix_length_of(*netmask);
      local->has_prefix = true;
      out.push_back({i->ifa_name, *local});
    }
    return out;
  }
};

}  // namespace

std::optional<std::string> interface_holding(const std::vector<ConnectedPrefix>& prefixes, const IpAddress& address) {
  std::optional<std::string> best;
  int best_length = -1;
  for (const auto& [interface, prefix] : prefixes) {
    if (prefix.family != address.family || prefix.prefix_length <= best_length ||
        prefix.prefix_length == prefix.max_prefix_length() || !prefix_holds(prefix, address))
      continue;
    best_length = prefix.prefix_length;
    best = interface;
  }
  return best;
}

const ConnectedNetworks& system_connected_networks() {
  static const SystemConnectedNetworks networks;
  return networks;
}

}  // namespace xdplb::config
