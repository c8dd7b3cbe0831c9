#include "xdplbctl/arguments.h"

#include <arpa/inet.h>

#include <charconv>

namespace xdplb::ctl {
namespace {

bool is_port(const std::string& text) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size() && value >= 1 &&
         value <= 65535;
}

// "" or the reason; `allow_any_port` accepts '*' for the port.
std::string endpoint_error(const std::string& text, bool allow_any_port, const char* what) {
  std::string address, port;
  unsigned char buffer[16];
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::string(what) + " \"" + text + "\" must be [IPV6]:PORT";
    address = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (::inet_pton(AF_INET6, address.c_str(), buffer) != 1)
      return std::string(what) + " \"" + text + "\": \"" + address + "\" is not an IPv6 address";
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return std::string(what) + " \"" + text + "\" must be ADDRESS:PORT";
    if (text.find(':') != colon)
      return std::string(what) + " \"" + text + "\": an IPv6 address needs brackets, e.g. [fd00::11]:80";
    address = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (::inet_pton(AF_INET, address.c_str(), buffer) != 1)
      return std::string(what) + " \"" + text + "\": \"" + address + "\" is not an IPv4 address";
  }
  if (allow_any_port && port == "*") return "";
  if (!is_port(port))
    return std::string(what) + " \"" + text + "\": \"" + port + "\" is not a port (1-65535)";
  return "";
}

}  // namespace

std::string backend_argument_error(const std::string& text) {
  return endpoint_error(text, false, "real server");
}

std::string vip_argument_error(const std::string& text) {
  std::string endpoint = text;
  if (endpoint.starts_with("tcp/") || endpoint.starts_with("udp/")) endpoint.erase(0, 4);
  return endpoint_error(endpoint, true, "virtual server");
}

std::string instance_argument_error(const std::string& name) {
  if (name.empty()) return "the instance name is empty";
  if (name.front() == '.' || name.find('/') != std::string::npos)
    return "invalid instance name \"" + name + "\": no '/' and no leading '.'";
  // The socket path must fit in sockaddr_un.sun_path (108 bytes with its terminating NUL).
  if (control_socket_for(name).native().size() > 107) return "instance name \"" + name + "\" is too long";
  return "";
}

std::filesystem::path control_socket_for(const std::string& instance) {
  return std::filesystem::path("/run/xdplb") / (instance + ".sock");
}

}  // namespace xdplb::ctl
