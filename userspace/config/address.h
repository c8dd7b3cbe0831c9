// An IPv4 or IPv6 address with an optional prefix length, as a value (never a raw string).
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xdplb::config {

enum class AddressFamily : std::uint8_t { ipv4, ipv6 };

struct IpAddress {
  AddressFamily family = AddressFamily::ipv4;
  // Network byte order; an IPv4 address uses the first 4 bytes, the rest stay zero.
  std::array<std::uint8_t, 16> bytes{};
  // Prefix length when one was written ("/24"); otherwise the host length (32 or 128).
  std::uint8_t prefix_length = 32;
  bool has_prefix = false;

  // Accepts "A.B.C.D", "A.B.C.D/N", "X:Y::Z", "X:Y::Z/N". Returns nullopt (with the reason in `error`
  // when given) on anything else, including a prefix out of range for the family.
  static std::optional<IpAddress> parse(std::string_view text, std::string* error = nullptr);

  bool is_ipv4() const { return family == AddressFamily::ipv4; }
  std::uint8_t max_prefix_length() const { return is_ipv4() ? 32 : 128; }
  // The address without prefix ("192.0.2.1"); with_prefix adds "/N" when one was written.
  std::string to_string() const;
  std::string to_string_with_prefix() const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

// Whether `prefix` (its prefix_length) holds `address`; the same family only.
bool prefix_holds(const IpAddress& prefix, const IpAddress& address);

// Ranges of addresses (virtual_server_group entries). The results carry no prefix.
IpAddress network_of(const IpAddress& prefix);      // the first address of the prefix
IpAddress last_of_prefix(const IpAddress& prefix);  // the last address of the prefix
// The address after `address`, wrapping at the family's end.
IpAddress next_address(IpAddress address);
// How many addresses first..last holds (first <= last, one family), or nullopt beyond `limit`.
std::optional<std::size_t> addresses_between(const IpAddress& first, const IpAddress& last, std::size_t limit);

}  // namespace xdplb::config
