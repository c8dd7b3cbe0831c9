// Per-interface IPv4 sysctls (/proc/sys/net/ipv4/conf/IFNAME/KEY) of the agent's network namespace,
// set for use_vmac the way keepalived does (and for NAT) and restored when they are no longer needed.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace xdplb {

std::optional<std::string> read_interface_sysctl(const std::string& ifname, const std::string& key);
// Returns false (and logs) when the value could not be written.
bool write_interface_sysctl(const std::string& ifname, const std::string& key, const std::string& value);

// Settings changed on a base interface, with the values they had, for restore().
class SysctlChanges {
 public:
  void set(const std::string& ifname, const std::string& key, const std::string& value);
  void restore();

 private:
  std::map<std::pair<std::string, std::string>, std::string> previous_;
};

}  // namespace xdplb
