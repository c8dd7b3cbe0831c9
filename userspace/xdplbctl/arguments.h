// Checks of xdplbctl's arguments before anything is sent: a typo is a usage error (exit 2) here,
// not a round trip to the agent.
#pragma once

#include <filesystem>
#include <string>

namespace xdplb::ctl {

// "" when `text` is a real server as xdplbd names it, ADDRESS:PORT ("198.18.0.11:80",
// "[fd00::11]:80"); otherwise the reason, for the one-line error.
std::string backend_argument_error(const std::string& text);

// "" when `text` is a virtual server: [tcp/|udp/]ADDRESS:PORT, PORT may be '*' (every port).
std::string vip_argument_error(const std::string& text);

// "" when `name` can be an instance name (it becomes a file name under /run/xdplb).
std::string instance_argument_error(const std::string& name);

// Where xdplbd of `instance` listens: /run/xdplb/<instance>.sock (docs/control.md).
std::filesystem::path control_socket_for(const std::string& instance);

}  // namespace xdplb::ctl
