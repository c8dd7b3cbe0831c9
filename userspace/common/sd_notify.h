// The systemd readiness protocol (sd_notify(3)) without libsystemd: one datagram to $NOTIFY_SOCKET.
#pragma once

#include <string>

namespace xdplb {

// Sends `state` ("READY=1", "STOPPING=1", "RELOADING=1", "STATUS=...") to the socket named by
// NOTIFY_SOCKET. Returns false when there is no such socket (not started by systemd) or sending failed;
// never throws: readiness reporting must not take the agent down.
bool sd_notify(const std::string& state);

}  // namespace xdplb
