#include "config/address.h"

#include <algorithm>

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

namespace {

std::size_t address_size(const IpAddress& address) { return address.is_ipv4() ? 4 : 16; }

// Keeps the first `prefix_length` bits and sets the others to `host_bits` (0x00 or 0xff).
IpAddress with_host_bits(const IpAddress& prefix, std::uint8_t host_bits) {
  IpAddress out = prefix;
  for (std::size_t i = 0; i < address_size(prefix); ++i) {
    const int kept = std::clamp(static_cast<int>(prefix.prefix_length) - static_cast<int>(i * 8), 0, 8);
    const auto mask = static_cast<std::uint8_t>(kept == 0 ? 0 : 0xff << (8 - kept));
    out.bytes[i] = static_cast<std::uint8_t>((prefix.bytes[i] & mask) | (host_bits & ~mask));
  }
  out.prefix_length = out.max_prefix_length();
  out.has_prefix = false;
  return out;
}

}  // namespace

bool prefix_holds(const IpAddress& prefix, const IpAddress& address) {
  if (prefix.family != address.family) return false;
  const unsigned full = prefix.prefix_length / 8, rest = prefix.prefix_length % 8;
  if (std::memcmp(prefix.bytes.data(), address.bytes.data(), full) != 0) return false;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (prefix.bytes[full] & mask) == (address.bytes[full] & mask);
}

IpAddress network_of(const IpAddress& prefix) { return with_host_bits(prefix, 0x00); }

IpAddress last_of_prefix(const IpAddress& prefix) { return with_host_bits(prefix, 0xff); }

IpAddress next_address(IpAddress address) {
  for (std::size_t i = address_size(address); i-- > 0;) {
    if (++address.bytes[i] != 0) break;
  }
  return address;
}

std::optional<std::size_t> addresses_between(const IpAddress& first, const IpAddress& last, std::size_t limit) {
  // The difference, big-endian, fits in 64 bits only if the leading bytes agree.
  const std::size_t size = address_size(first);
  for (std::size_t i = 0; i + 8 < size; ++i) {
    if (first.bytes[i] != last.bytes[i]) return std::nullopt;
  }
  std::uint64_t a = 0, b = 0;
  for (std::size_t i = size - std::min<std::size_t>(size, 8); i < size; ++i) {
    a = a << 8 | first.bytes[i];
    b = b << 8 | last.bytes[i];
  }
  if (b < a || b - a >= limit) return std::nullopt;
  return static_cast<std::size_t>(b - a + 1);
}

}  // namespace xdplb::config
