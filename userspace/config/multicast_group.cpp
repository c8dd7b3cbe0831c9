#include "config/multicast_group.h"

#include <string>

#include "config/values.h"

namespace xdplb::config {

namespace {

bool is_ipv4_multicast(const IpAddress& a) { return a.is_ipv4() && (a.bytes[0] & 0xf0) == 0xe0; }

// RFC 4291 2.7: ff, then 4 flag bits and the 4-bit scope; 2 is link-local. keepalived wants that
// scope: a VRRP advert never leaves the link (its hop limit is 255 and checked).
bool is_ipv6_link_local_multicast(const IpAddress& a) {
  return !a.is_ipv4() && a.bytes[0] == 0xff && (a.bytes[1] & 0x0f) == 0x02;
}

std::string family_rule(AddressFamily family) {
  return family == AddressFamily::ipv4 ? "an IPv4 multicast address (224.0.0.0/4)"
                                       : "a link-local IPv6 multicast address (scope 2, as ff02::12)";
}

}  // namespace

bool is_vrrp_multicast_group(const IpAddress& address) {
  return is_ipv4_multicast(address) || is_ipv6_link_local_multicast(address);
}

std::optional<IpAddress> read_multicast_group(const Token& token, std::optional<AddressFamily> family,
                                              std::string_view what, Diagnostics& diagnostics) {
  const auto address = read_address(token, false, what, diagnostics);
  if (!address) return std::nullopt;
  const AddressFamily wanted = family.value_or(address->family);
  if (address->family != wanted || !is_vrrp_multicast_group(*address)) {
    diagnostics.error(token.location, std::string(what) + " must be " + family_rule(wanted) + ", not '" +
                                          token.text + "'");
    return std::nullopt;
  }
  return address;
}

}  // namespace xdplb::config
