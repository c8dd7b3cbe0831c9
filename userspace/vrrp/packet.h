// VRRP advertisement codec: VRRPv2 (RFC 3768, IPv4 only) and VRRPv3 (RFC 5798, IPv4 and IPv6).
//
// The codec works on the VRRP message alone (what a raw IPPROTO_VRRP socket hands over after the
// IP header). Facts of the IP layer it needs (addresses for the v3 pseudo-header, the TTL / hop
// limit that must be 255) are passed in by the caller. Checks that need the instance's
// configuration (VRID, version, authentication, interval, address list, own packets) belong to
// the state machine, see fsm.h.
#pragma once

#include <asio/ip/address.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <ratio>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xdplb::vrrp {

using IpAddress = asio::ip::address;

inline constexpr uint8_t kIpProtocolVrrp = 112;
inline constexpr uint8_t kRequiredTtl = 255;  // RFC 5798 5.1.1.3 / 5.1.2.3: never forwarded
inline constexpr uint8_t kPriorityOwner = 255;
inline constexpr uint8_t kPriorityResign = 0;
inline constexpr size_t kMaxAddresses = 255;  // the count field is one byte
inline constexpr size_t kPasswordLength = 8;  // RFC 2338 simple text password, zero padded

// 224.0.0.18 and ff02::12, where adverts go unless the instance runs unicast.
IpAddress vrrp_multicast_group(bool ipv6);

enum class Version : uint8_t { v2 = 2, v3 = 3 };

// The unit of the VRRPv3 advert interval (the standard library has no alias for it).
using Centiseconds = std::chrono::duration<int64_t, std::centi>;

// VRRPv2 Auth Type. RFC 3768 removed authentication but keepalived still speaks PASS, and AH
// adverts exist in the field: we recognise them so they are reported, never silently taken.
enum class AuthType : uint8_t { none = 0, simple_password = 1, ip_ah = 2 };

using AuthData = std::array<uint8_t, kPasswordLength>;

// Builds the 8-byte Authentication Data of a PASS advert: the text, zero padded.
// Throws std::invalid_argument when the password is empty or longer than 8 bytes.
AuthData make_password(std::string_view password);

struct Advertisement {
  Version version = Version::v3;
  uint8_t vrid = 0;
  uint8_t priority = 0;
  // On the wire v2 carries whole seconds (8 bits) and v3 centiseconds (12 bits).
  Centiseconds advert_interval{100};
  AuthType auth_type = AuthType::none;  // v2 only
  AuthData auth_data{};                 // v2 only; zero unless auth_type is simple_password
  std::vector<IpAddress> addresses;     // all of the family of the IP packet

  bool operator==(const Advertisement&) const = default;
};

// Which bytes the checksum covers. v2 always covers the VRRP message only; v3 over IPv6 always
// adds the pseudo-header; v3 over IPv4 is seen both ways in the field.
enum class ChecksumCoverage : uint8_t { vrrp_message, pseudo_header_and_message };

struct EncodeOptions {
  // keepalived's `v3_checksum_as_v2`: a v3 IPv4 advert checksummed without the pseudo-header,
  // for peers that expect it. No effect on v2 or IPv6.
  bool v3_checksum_as_v2 = false;

  bool operator==(const EncodeOptions&) const = default;
};

// Encodes `advert` as the VRRP message of an IP packet from `source` to `destination` (both
// needed for the v3 pseudo-header). Throws std::invalid_argument naming the broken rule when the
// advert cannot be expressed: VRID 0, interval out of range or not representable, v2 over IPv6,
// authentication on v3, AH (the IP layer's job, not supported), too many addresses, mixed
// families.
std::vector<uint8_t> encode_advertisement(const Advertisement& advert, const IpAddress& source,
                                          const IpAddress& destination, EncodeOptions options = {});

// What the IP layer knows about a received packet.
struct ReceivedIpFacts {
  IpAddress source;
  IpAddress destination;
  uint8_t ttl = 0;  // hop limit for IPv6
};

enum class DecodeError : uint8_t {
  bad_ttl,          // TTL / hop limit not 255: the packet crossed a router
  family_mismatch,  // source and destination of different families
  truncated,        // shorter than the fixed header, or than its count says
  bad_version,      // neither 2 nor 3
  bad_type,         // not ADVERTISEMENT (1)
  zero_vrid,        // VRID 0 is not a valid virtual router
  length_mismatch,  // longer than its count of addresses says
  bad_checksum,
  v2_over_ipv6,       // RFC 3768 is IPv4 only
  unknown_auth_type,  // v2 Auth Type other than 0, 1, 2
  zero_advert_interval,
};

std::string_view to_string(DecodeError error);

struct DecodeFailure {
  DecodeError error;
  std::string detail;  // human-readable, names the offending value
};

struct DecodedAdvertisement {
  Advertisement advert;
  ChecksumCoverage checksum_coverage = ChecksumCoverage::vrrp_message;
};

using DecodeResult = std::variant<DecodedAdvertisement, DecodeFailure>;

// Decodes and validates one VRRP message. v3 over IPv4 is accepted with either checksum
// coverage; the result says which one matched.
DecodeResult decode_advertisement(std::span<const uint8_t> message, const ReceivedIpFacts& ip);

}  // namespace xdplb::vrrp
