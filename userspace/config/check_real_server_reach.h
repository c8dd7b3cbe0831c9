// Whether this host can reach the DR and NAT real servers as the data plane does: on-link, through
// the interface whose connected prefix holds the server (dataplane/neighbours.cpp resolves its MAC
// there), never through a gateway. A real server or sorry server outside every network this host is
// connected to, or will be as MASTER (a virtual_ipaddress written with a shorter prefix), stays out of
// service: -t warns, naming it. TUN real servers are reached through routers and fwmark services are
// not served: neither is checked here.
#pragma once

#include "config/connected_networks.h"
#include "config/diagnostics.h"
#include "config/model.h"

namespace xdplb::config {

void check_real_server_reach(const Config& config, const ConnectedNetworks& networks, Diagnostics& diagnostics);

}  // namespace xdplb::config
