// From the configuration's vrrp_instance, vrrp_script and vrrp_sync_group blocks (and global_defs)
// to the VRRP runtime's settings (vrrp/router.h). The vrrp library never sees the config model;
// this is the one place that knows both. Pure: what it needs from the host (an interface's
// primary address, user and group ids) comes through HostFacts; the scripts' files are looked at
// by the one script rule (common/script_identity.h).
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "common/user_database.h"
#include "config/model.h"
#include "vrrp/router.h"

namespace xdplb::agent {

struct VrrpHostFacts {
  // IPv4: the interface's first address; IPv6: its link-local. nullopt: no such interface/address.
  std::function<std::optional<asio::ip::address>(const std::string& interface, bool ipv6)> primary_address;
  const UserDatabase* users = nullptr;  // who script users are; null: the host's

  std::string host_name;  // SMTP HELO
};

// The real host: netlink and the password/group databases.
VrrpHostFacts system_host_facts();

// A configuration that cannot run here; the message starts with FILE:LINE and names the instance.
class VrrpPlanError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

vrrp::RouterSettings plan_vrrp(const config::Config& config, const VrrpHostFacts& host);

// config::IpAddress <-> the vrrp library's address type.
asio::ip::address to_asio(const config::IpAddress& address);

}  // namespace xdplb::agent
