#include "vrrp/packet.h"

#include "vrrp/checksum.h"

#include <algorithm>
#include <stdexcept>

namespace xdplb::vrrp {

namespace {

// Both versions share the first 8 bytes:
//   0: version (4 bits) | type (4 bits)   1: VRID   2: priority   3: count of addresses
//   4: v2 auth type, v3 reserved (4 bits) + max advert interval high bits
//   5: v2 advert interval (s), v3 max advert interval low bits   6-7: checksum
constexpr size_t kHeaderLength = 8;
constexpr size_t kChecksumOffset = 6;
constexpr uint8_t kTypeAdvertisement = 1;
constexpr int64_t kV2MaxIntervalSeconds = 255;
constexpr int64_t kV3MaxIntervalCentiseconds = 0x0fff;

size_t address_length(bool ipv6) {
  return ipv6 ? 16 : 4;
}

size_t expected_length(Version version, bool ipv6, size_t count) {
  return kHeaderLength + count * address_length(ipv6) + (version == Version::v2 ? kPasswordLength : 0);
}

uint16_t vrrp_checksum(std::span<const uint8_t> message, const IpAddress& source,
                       const IpAddress& destination, ChecksumCoverage coverage) {
  InternetChecksum sum;
  if (coverage == ChecksumCoverage::pseudo_header_and_message)
    add_pseudo_header(sum, source, destination, kIpProtocolVrrp, static_cast<uint32_t>(message.size()));
  sum.add(message);
  return sum.finish();
}

ChecksumCoverage coverage_for(Version version, bool ipv6, bool v3_checksum_as_v2) {
  if (version == Version::v2) return ChecksumCoverage::vrrp_message;
  if (!ipv6 && v3_checksum_as_v2) return ChecksumCoverage::vrrp_message;
  return ChecksumCoverage::pseudo_header_and_message;
}

[[noreturn]] void reject(const std::string& why) {
  throw std::invalid_argument("VRRP advert: " + why);
}

std::string hex16(unsigned value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) text.push_back(kDigits[(value >> shift) & 0xf]);
  return text;
}

DecodeFailure failure(DecodeError error, std::string detail) {
  return DecodeFailure{error, std::move(detail)};
}

}  // namespace

IpAddress vrrp_multicast_group(bool ipv6) {
  return ipv6 ? IpAddress(asio::ip::make_address_v6("ff02::12"))
              : IpAddress(asio::ip::make_address_v4("224.0.0.18"));
}

AuthData make_password(std::string_view password) {
  if (password.empty()) throw std::invalid_argument("VRRP PASS authentication needs a non-empty password");
  if (password.size() > kPasswordLength)
    throw std::invalid_argument("VRRP PASS password is " + std::to_string(password.size()) +
                                " bytes; at most 8 fit in an advert");
  AuthData data{};
  for (size_t i = 0; i < password.size(); ++i) data[i] = static_cast<uint8_t>(password[i]);
  return data;
}

std::vector<uint8_t> encode_advertisement(const Advertisement& advert, const IpAddress& source,
                                          const IpAddress& destination, EncodeOptions options) {
  const bool ipv6 = source.is_v6();
  if (destination.is_v6() != ipv6) reject("source and destination are of different address families");
  if (advert.vrid == 0) reject("VRID 0 is not a valid virtual router");
  if (advert.addresses.size() > kMaxAddresses)
    reject(std::to_string(advert.addresses.size()) + " addresses; at most 255 fit in an advert");
  for (const auto& address : advert.addresses)
    if (address.is_v6() != ipv6) reject("address " + address.to_string() + " is not of the packet's family");

  const int64_t centiseconds = advert.advert_interval.count();
  uint16_t interval_field = 0;
  if (advert.version == Version::v2) {
    if (ipv6) reject("VRRPv2 (RFC 3768) is IPv4 only; use version 3 for IPv6");
    if (centiseconds % 100 != 0 || centiseconds < 100 || centiseconds > kV2MaxIntervalSeconds * 100)
      reject("VRRPv2 advert interval must be a whole number of seconds from 1 to 255");
    interval_field = static_cast<uint16_t>(centiseconds / 100);
    if (advert.auth_type == AuthType::ip_ah) reject("AH authentication is not supported for sending");
  } else {
    if (centiseconds < 1 || centiseconds > kV3MaxIntervalCentiseconds)
      reject("VRRPv3 advert interval must be from 0.01 to 40.95 seconds");
    if (advert.auth_type != AuthType::none) reject("VRRPv3 has no authentication");
    interval_field = static_cast<uint16_t>(centiseconds);
  }

  std::vector<uint8_t> message;
  message.reserve(expected_length(advert.version, ipv6, advert.addresses.size()));
  message.push_back(static_cast<uint8_t>(static_cast<uint8_t>(advert.version) << 4 | kTypeAdvertisement));
  message.push_back(advert.vrid);
  message.push_back(advert.priority);
  message.push_back(static_cast<uint8_t>(advert.addresses.size()));
  if (advert.version == Version::v2) {
    message.push_back(static_cast<uint8_t>(advert.auth_type));
    message.push_back(static_cast<uint8_t>(interval_field));
  } else {
    message.push_back(static_cast<uint8_t>(interval_field >> 8));  // the 4 reserved bits stay 0
    message.push_back(static_cast<uint8_t>(interval_field));
  }
  message.push_back(0);  // checksum, filled in below
  message.push_back(0);
  for (const auto& address : advert.addresses) {
    if (ipv6) {
      const auto bytes = address.to_v6().to_bytes();
      message.insert(message.end(), bytes.begin(), bytes.end());
    } else {
      const auto bytes = address.to_v4().to_bytes();
      message.insert(message.end(), bytes.begin(), bytes.end());
    }
  }
  if (advert.version == Version::v2) {
    // RFC 3768: zero on transmit unless a password is in use.
    if (advert.auth_type == AuthType::simple_password)
      message.insert(message.end(), advert.auth_data.begin(), advert.auth_data.end());
    else
      message.insert(message.end(), kPasswordLength, 0);
  }

  const uint16_t checksum = vrrp_checksum(message, source, destination,
                                          coverage_for(advert.version, ipv6, options.v3_checksum_as_v2));
  message[kChecksumOffset] = static_cast<uint8_t>(checksum >> 8);
  message[kChecksumOffset + 1] = static_cast<uint8_t>(checksum);
  return message;
}

std::string_view to_string(DecodeError error) {
  switch (error) {
    case DecodeError::bad_ttl: return "bad TTL/hop limit";
    case DecodeError::family_mismatch: return "address family mismatch";
    case DecodeError::truncated: return "truncated";
    case DecodeError::bad_version: return "bad version";
    case DecodeError::bad_type: return "bad type";
    case DecodeError::zero_vrid: return "VRID 0";
    case DecodeError::length_mismatch: return "length mismatch";
    case DecodeError::bad_checksum: return "bad checksum";
    case DecodeError::v2_over_ipv6: return "VRRPv2 over IPv6";
    case DecodeError::unknown_auth_type: return "unknown auth type";
    case DecodeError::zero_advert_interval: return "advert interval 0";
  }
  return "unknown decode error";
}

DecodeResult decode_advertisement(std::span<const uint8_t> message, const ReceivedIpFacts& ip) {
  const bool ipv6 = ip.source.is_v6();
  if (ip.destination.is_v6() != ipv6)
    return failure(DecodeError::family_mismatch,
                   "source " + ip.source.to_string() + " and destination " + ip.destination.to_string());
  if (ip.ttl != kRequiredTtl)
    return failure(DecodeError::bad_ttl,
                   std::string(ipv6 ? "hop limit " : "TTL ") + std::to_string(ip.ttl) + ", must be 255");
  if (message.size() < kHeaderLength)
    return failure(DecodeError::truncated, std::to_string(message.size()) + " bytes, header needs 8");

  const unsigned version_field = message[0] >> 4;
  const unsigned type = message[0] & 0x0f;
  if (version_field != 2 && version_field != 3)
    return failure(DecodeError::bad_version, "version " + std::to_string(version_field));
  const auto version = static_cast<Version>(version_field);
  if (type != kTypeAdvertisement) return failure(DecodeError::bad_type, "type " + std::to_string(type));
  if (version == Version::v2 && ipv6) return failure(DecodeError::v2_over_ipv6, "VRRPv2 is IPv4 only");

  Advertisement advert;
  advert.version = version;
  advert.vrid = message[1];
  advert.priority = message[2];
  const size_t count = message[3];
  if (advert.vrid == 0) return failure(DecodeError::zero_vrid, "VRID 0");

  const size_t needed = expected_length(version, ipv6, count);
  if (message.size() < needed)
    return failure(DecodeError::truncated, std::to_string(message.size()) + " bytes, " +
                                               std::to_string(count) + " addresses need " +
                                               std::to_string(needed));
  if (message.size() > needed)
    return failure(DecodeError::length_mismatch, std::to_string(message.size()) + " bytes, " +
                                                     std::to_string(count) + " addresses make " +
                                                     std::to_string(needed));

  // Checksum before looking at the remaining fields: a corrupted field is a checksum error.
  ChecksumCoverage coverage = coverage_for(version, ipv6, false);
  if (vrrp_checksum(message, ip.source, ip.destination, coverage) != 0) {
    const bool other_form_allowed = version == Version::v3 && !ipv6;
    if (!other_form_allowed ||
        vrrp_checksum(message, ip.source, ip.destination, ChecksumCoverage::vrrp_message) != 0) {
      const unsigned carried =
          static_cast<unsigned>(message[kChecksumOffset] << 8 | message[kChecksumOffset + 1]);
      return failure(DecodeError::bad_checksum, "checksum " + hex16(carried) + " does not verify");
    }
    coverage = ChecksumCoverage::vrrp_message;
  }

  if (version == Version::v2) {
    const unsigned auth_type = message[4];
    if (auth_type > static_cast<unsigned>(AuthType::ip_ah))
      return failure(DecodeError::unknown_auth_type, "auth type " + std::to_string(auth_type));
    advert.auth_type = static_cast<AuthType>(auth_type);
    advert.advert_interval = std::chrono::seconds(message[5]);
    const size_t auth_offset = kHeaderLength + count * address_length(ipv6);
    for (size_t i = 0; i < kPasswordLength; ++i) advert.auth_data[i] = message[auth_offset + i];
  } else {
    // RFC 5798 5.2.7: the 4 reserved bits are ignored on reception.
    advert.advert_interval = Centiseconds((message[4] & 0x0f) << 8 | message[5]);
  }
  if (advert.advert_interval.count() == 0)
    return failure(DecodeError::zero_advert_interval, "advert interval 0");

  advert.addresses.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* at = message.data() + kHeaderLength + i * address_length(ipv6);
    if (ipv6) {
      asio::ip::address_v6::bytes_type bytes;
      std::copy(at, at + 16, bytes.begin());
      advert.addresses.emplace_back(asio::ip::address_v6(bytes));
    } else {
      asio::ip::address_v4::bytes_type bytes;
      std::copy(at, at + 4, bytes.begin());
      advert.addresses.emplace_back(asio::ip::address_v4(bytes));
    }
  }
  return DecodedAdvertisement{std::move(advert), coverage};
}

}  // namespace xdplb::vrrp
