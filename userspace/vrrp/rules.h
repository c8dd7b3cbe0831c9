// Policy-routing rules (ip-rule(8)) through rtnetlink: libnl-route-3's rtnl_rule, with the few
// attributes libnl 3.7 has no setter for (not, uidrange, suppress_prefixlength, suppress_ifgroup)
// added to the request it builds. Idempotent like AddressManager: adding a rule that is there, or
// removing one that is gone, is not an error.
#pragma once

#include <asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "vrrp/netlink.h"

namespace xdplb::vrrp {

struct RulePrefix {
  asio::ip::address address;
  uint8_t prefix_length = 32;

  bool operator==(const RulePrefix&) const = default;
};

// The numbers are the kernel's (FR_ACT_*, RTPROT_*, IPPROTO_*).
struct RuleSpec {
  bool ipv6 = false;
  std::optional<RulePrefix> from;  // unset: all
  std::optional<RulePrefix> to;
  bool invert = false;
  uint8_t action = 1;  // FR_ACT_TO_TBL
  uint32_t table = 0;
  uint32_t goto_target = 0;
  bool l3mdev = false;
  uint32_t priority = 0;
  std::string iif, oif;
  std::optional<uint32_t> fwmark, fwmask;
  std::optional<uint8_t> tos;
  std::optional<uint32_t> realms;
  std::optional<uint8_t> protocol;  // unset: the kernel's (RTPROT_UNSPEC)
  std::optional<uint8_t> ipproto;
  std::optional<std::pair<uint16_t, uint16_t>> sport, dport;
  std::optional<std::pair<uint32_t, uint32_t>> uidrange;
  std::optional<uint32_t> suppress_prefixlength, suppress_ifgroup;

  std::string describe() const;  // "from 198.18.0.0/24 lookup 100 priority 100"

  bool operator==(const RuleSpec&) const = default;
};

class RuleManager {
 public:
  RuleManager();

  // Throws NetlinkError.
  void add_rule(const RuleSpec& spec);
  // Returns false when the rule was not there.
  bool remove_rule(const RuleSpec& spec);

 private:
  int send(const RuleSpec& spec, bool add);

  NlSocket sock_;
};

}  // namespace xdplb::vrrp
