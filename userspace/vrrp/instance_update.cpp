// Which reload changes an instance takes without a restart (router.h: updatable_in_place).
#include "vrrp/router.h"

namespace xdplb::vrrp {

bool updatable_in_place(const InstanceSettings& running, const InstanceSettings& next) {
  if (!VrrpInstance::updatable_in_place(running.vrrp, next.vrrp)) return false;
  // Everything else must be equal: `next` with the state machine's part and the addresses set
  // back to the running values.
  InstanceSettings fixed = next;
  fixed.vrrp = running.vrrp;
  fixed.addresses = running.addresses;
  return fixed == running;
}

}  // namespace xdplb::vrrp
