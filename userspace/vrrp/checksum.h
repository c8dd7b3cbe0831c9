// The Internet checksum (RFC 1071) and the pseudo-headers VRRPv3 and ICMPv6 put under it.
#pragma once

#include <asio/ip/address.hpp>

#include <cstdint>
#include <span>

namespace xdplb::vrrp {

// A running one's-complement sum; add data in any number of pieces, then finish().
// Pieces of odd length may only come last, as in every protocol that uses it.
class InternetChecksum {
 public:
  void add(std::span<const uint8_t> bytes);
  void add_u16(uint16_t value) { sum_ += value; }
  void add_u32(uint32_t value);
  // The value to put on the wire, in host order.
  uint16_t finish() const;

 private:
  uint64_t sum_ = 0;
};

// Adds the IPv4 (RFC 768 style) or IPv6 (RFC 8200 section 8.1) pseudo-header for an upper-layer
// message of `length` bytes with protocol/next header `protocol`.
void add_pseudo_header(InternetChecksum& sum, const asio::ip::address& source,
                       const asio::ip::address& destination, uint8_t protocol, uint32_t length);

}  // namespace xdplb::vrrp
