// Read-only questions about this host's links and addresses, asked over rtnetlink (libnl-route-3):
// the VRRP runtime needs an interface's index, MAC, carrier state and addresses. One RAII socket,
// one question per call, nothing cached (links come and go while the agent runs).
#pragma once

#include <asio/ip/address.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

struct nl_sock;

namespace xdplb::vrrp {

// Any netlink failure; the message names the operation, the object and the kernel's reason.
class NetlinkError : public std::runtime_error {
 public:
  NetlinkError(const std::string& what, int nl_error);
  int nl_error() const { return nl_error_; }  // libnl's (positive) NLE_* code

 private:
  int nl_error_;
};

struct NlSocketDeleter {
  void operator()(nl_sock* sock) const;
};
using NlSocket = std::unique_ptr<nl_sock, NlSocketDeleter>;

// A connected NETLINK_ROUTE socket; throws NetlinkError.
NlSocket open_route_socket();

struct InterfaceAddress {
  asio::ip::address address;
  uint8_t prefix_length = 0;
  bool deprecated = false;  // IPv6 preferred lifetime 0: never picked as a source
};

struct LinkFacts {
  int ifindex = 0;
  std::string name;
  std::array<uint8_t, 6> mac{};
  bool admin_up = false;
  bool carrier = false;  // IFF_RUNNING: the link can carry traffic
  std::string kind;      // "macvlan", "veth", ... ("" for a physical device)
  bool usable() const { return admin_up && carrier; }
};

class HostLinks {
 public:
  HostLinks();
  // nullopt when no link has that name.
  std::optional<LinkFacts> link(const std::string& name);
  std::vector<InterfaceAddress> addresses(int ifindex, bool ipv6);
  // The address a VRRP instance sends from when no unicast_src_ip is set: for IPv4 the first
  // address of the interface; for IPv6 its link-local address (RFC 5798 5.1.2.1).
  std::optional<asio::ip::address> primary_address(const std::string& interface, bool ipv6);

 private:
  NlSocket sock_;
};

}  // namespace xdplb::vrrp
