// What a state change does on the host, and in which order. Pure, so the order is tested.
//
// The order matters for the connections a VIP carries. While the kernel owns a VIP's address and
// the data plane does not serve the VIP, a client segment of an established connection reaches the
// kernel's TCP, which has no socket for it and answers with a RST. So:
//   entering Master   the data plane serves the VIP first, then the address is added and announced
//                     (GARP/NA points the clients here); when an added address connects a network
//                     (a prefix shorter than the host's, e.g. the real servers' gateway address in
//                     keepalived's NAT pair), the data plane is updated once more, so the servers that
//                     network reaches are resolved now, not at the next retry;
//   leaving Master    the address is removed (and the announcements stop) first, then the data plane
//                     stops serving the VIP.
// Notify scripts, SMTP alerts and sync-group followers come after both, as in keepalived, where the
// notify runs once the addresses are in place.
#pragma once

#include "vrrp/fsm.h"

#include <cstdint>
#include <vector>

namespace xdplb::vrrp {

enum class TransitionStep : uint8_t {
  update_data_plane,  // the router's state handler: the agent syncs which VIPs are served
  take_addresses,     // VIPs, routes, rules added; GARP/NA announcements started
  release_addresses,  // announcements stopped; rules, routes, VIPs removed
  notify,             // notify scripts / FIFOs, SMTP alert
};

std::vector<TransitionStep> transition_steps(State from, State to, bool adds_connected_network);

}  // namespace xdplb::vrrp
