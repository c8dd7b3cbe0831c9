#include "dataplane/spec.h"

namespace xdplb::dataplane {

std::string endpoint_text(const config::IpAddress& a, std::uint16_t port, bool any_port) {
  const std::string host = a.is_ipv4() ? a.to_string() : "[" + a.to_string() + "]";
  return host + ":" + (any_port ? std::string("*") : std::to_string(port));
}

std::string protocol_name(std::uint8_t protocol) {
  return protocol == 17 ? "udp" : protocol == 6 ? "tcp" : "ip";
}

std::string BackendSpec::key() const { return endpoint_text(address, port); }

BackendKey::BackendKey(BackendRole backend_role, const config::IpAddress& backend_address,
                       std::uint16_t backend_port)
    : role(backend_role), address(backend_address), port(backend_port) {
  address.prefix_length = address.max_prefix_length();
  address.has_prefix = false;
}

std::string BackendKey::endpoint() const { return endpoint_text(address, port); }

std::string to_string(const BackendKey& key) {
  return (key.role == BackendRole::sorry_server ? "sorry " : "") + key.endpoint();
}

std::string VipSpec::key() const {
  return protocol_name(protocol) + "/" + endpoint_text(address, port, port == 0);
}

const char* to_string(ForwardMethod f) { return f == ForwardMethod::nat ? "nat" : "dr"; }

std::string to_string(Algorithm a) {
  switch (a) {
    case Algorithm::maglev: return "mh";
    case Algorithm::source_hash: return "sh";
    case Algorithm::rotation: return "wrr";
  }
  return "?";
}

}  // namespace xdplb::dataplane
