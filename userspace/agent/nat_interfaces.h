// The interfaces lb_kind NAT needs beyond those the agent serves on: the ones its real servers are
// reached through, where their replies arrive to be translated. After each sync the agent attaches
// the program to each one it is not attached to yet, and sets the interface's accept_local: a reply
// the program translated but left to the kernel (no neighbour for the client yet) has the VIP, a
// local address, as its source, which IPv4 otherwise drops as a martian. accept_local is put back
// when the program is detached at stop (not when it stays attached for a restart, --keep-pins).
// An interface stays attached when the NAT servers behind it go (until the agent stops).
#pragma once

#include <set>
#include <string>

#include "common/interface_sysctl.h"
#include "dataplane/dataplane.h"

namespace xdplb::agent {

class NatInterfaces {
 public:
  // Attaches where NAT replies arrive and the program does not run yet; a failure is logged once per
  // interface (its NAT replies are then not translated) and tried again at the next call.
  void follow(dataplane::Dataplane& dataplane);
  // Puts back the sysctls changed (the program has been detached).
  void release() { sysctls_.restore(); }

 private:
  SysctlChanges sysctls_;
  std::set<int> failed_;  // interfaces whose failure is logged already
};

}  // namespace xdplb::agent
