#include "vrrp/netlink.h"

#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "vrrp/netlink_util.h"

namespace xdplb::vrrp {

NetlinkError::NetlinkError(const std::string& what, int nl_error)
    : std::runtime_error(what + ": " + nl_geterror(nl_error)), nl_error_(nl_error < 0 ? -nl_error : nl_error) {}

void NlSocketDeleter::operator()(nl_sock* sock) const { nl_socket_free(sock); }

NlSocket open_route_socket() {
  NlSocket sock(nl_socket_alloc());
  if (!sock) throw NetlinkError("netlink socket", -NLE_NOMEM);
  if (const int err = nl_connect(sock.get(), NETLINK_ROUTE); err < 0) throw NetlinkError("netlink connect", err);
  return sock;
}

HostLinks::HostLinks() : sock_(open_route_socket()) {}

std::optional<LinkFacts> HostLinks::link(const std::string& name) {
  rtnl_link* raw = nullptr;
  const int err = rtnl_link_get_kernel(sock_.get(), 0, name.c_str(), &raw);
  if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV) return std::nullopt;
  if (err < 0) throw NetlinkError("link " + name, err);
  const NlObject<rtnl_link> link(raw);
  LinkFacts facts;
  facts.ifindex = rtnl_link_get_ifindex(raw);
  facts.name = rtnl_link_get_name(raw);
  const unsigned flags = rtnl_link_get_flags(raw);
  facts.admin_up = (flags & IFF_UP) != 0;
  facts.carrier = (flags & IFF_RUNNING) != 0;
  if (const char* kind = rtnl_link_get_type(raw)) facts.kind = kind;
  if (nl_addr* mac = rtnl_link_get_addr(raw); mac && nl_addr_get_len(mac) == facts.mac.size())
    std::memcpy(facts.mac.data(), nl_addr_get_binary_addr(mac), facts.mac.size());
  return facts;
}

std::vector<InterfaceAddress> HostLinks::addresses(int ifindex, bool ipv6) {
  nl_cache* raw = nullptr;
  if (const int err = rtnl_addr_alloc_cache(sock_.get(), &raw); err < 0) throw NetlinkError("address list", err);
  const NlCache cache(raw);
  std::vector<InterfaceAddress> out;
  for (nl_object* object = nl_cache_get_first(raw); object; object = nl_cache_get_next(object)) {
    auto* address = reinterpret_cast<rtnl_addr*>(object);
    if (rtnl_addr_get_ifindex(address) != ifindex) continue;
    if (rtnl_addr_get_family(address) != (ipv6 ? AF_INET6 : AF_INET)) continue;
    const auto ip = to_asio(rtnl_addr_get_local(address));
    if (!ip) continue;
    InterfaceAddress entry;
    entry.address = *ip;
    entry.prefix_length = static_cast<uint8_t>(rtnl_addr_get_prefixlen(address));
    entry.deprecated = ipv6 && rtnl_addr_get_preferred_lifetime(address) == 0;
    out.push_back(entry);
  }
  // The kernel lists addresses in the order they were added: the first is the primary.
  return out;
}

std::optional<asio::ip::address> HostLinks::primary_address(const std::string& interface, bool ipv6) {
  const auto facts = link(interface);
  if (!facts) return std::nullopt;
  for (const auto& entry : addresses(facts->ifindex, ipv6)) {
    if (ipv6 && !entry.address.to_v6().is_link_local()) continue;
    return entry.address;
  }
  return std::nullopt;
}

}  // namespace xdplb::vrrp
