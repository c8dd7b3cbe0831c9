#include "config/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace xdplb::config {

namespace {

void set_error(std::string* error, std::string text) {
  if (error) *error = std::move(text);
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text, std::string* error) {
  IpAddress result;
  std::string_view host = text;
  std::optional<unsigned> prefix;
  if (const auto slash = text.find('/'); slash != std::string_view::npos) {
    host = text.substr(0, slash);
    const std::string_view digits = text.substr(slash + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      set_error(error, "'" + std::string(text) + "' has an invalid prefix length");
      return std::nullopt;
    }
    prefix = value;
  }
  // inet_pton needs a NUL-terminated string; an address is never longer than INET6_ADDRSTRLEN.
  if (host.empty() || host.size() >= INET6_ADDRSTRLEN) {
    set_error(error, "'" + std::string(text) + "' is not an IP address");
    return std::nullopt;
  }
  const std::string host_string(host);
  if (inet_pton(AF_INET, host_string.c_str(), result.bytes.data()) == 1) {
    result.family = AddressFamily::ipv4;
  } else if (inet_pton(AF_INET6, host_string.c_str(), result.bytes.data()) == 1) {
    result.family = AddressFamily::ipv6;
  } else {
    set_error(error, "'" + std::string(text) + "' is not an IP address");
    return std::nullopt;
  }
  result.prefix_length = result.max_prefix_length();
  if (prefix) {
    if (*prefix > result.max_prefix_length()) {
      set_error(error, "prefix length /" + std::to_string(*prefix) + " is out of range for " +
                           (result.is_ipv4() ? "IPv4 (0-32)" : "IPv6 (0-128)"));
      return std::nullopt;
    }
    result.prefix_length = static_cast<std::uint8_t>(*prefix);
    result.has_prefix = true;
  }
  return result;
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_ipv4() ? AF_INET : AF_INET6, bytes.data(), buffer, sizeof buffer);
  return buffer;
}

std::string IpAddress::to_string_with_prefix() const {
  if (!has_prefix) return to_string();
  return to_string() + "/" + std::to_string(prefix_length);
}

}  // namespace xdplb::config
