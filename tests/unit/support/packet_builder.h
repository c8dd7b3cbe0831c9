// Builds Ethernet frames for packet-in/packet-out tests: optional VLAN tag, IPv4 (with options and
// fragment fields) or IPv6 (with extension headers), then TCP, UDP, ICMP or raw payload, with
// correct lengths and checksums unless a test asks for broken ones.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xdplb::test {

using Mac = std::array<uint8_t, 6>;

struct Ipv6Extension {
  uint8_t type;              // 0 hop-by-hop, 43 routing, 44 fragment, 60 destination options
  uint16_t frag_offset = 0;  // fragment header: offset in 8-byte units
  bool more_fragments = false;
};

struct FrameSpec {
  Mac src_mac{0x02, 0, 0, 0, 0, 0x01};
  Mac dst_mac{0x02, 0, 0, 0, 0, 0x02};
  std::optional<uint16_t> vlan_tci;
  uint16_t ethertype = 0;          // 0: derived from the IP version; set it for non-IP frames
  std::string src_ip = "198.18.0.1";
  std::string dst_ip = "198.18.0.100";
  uint8_t proto = 6;               // IPPROTO_TCP
  uint16_t sport = 40000;
  uint16_t dport = 80;
  uint8_t tcp_flags = 0x02;        // SYN
  uint8_t ttl = 64;
  std::vector<uint8_t> ip_options;  // IPv4 only; padded to a multiple of 4
  uint16_t ipv4_frag = 0;          // IPv4 flags+offset field, host order (0x2000 = MF)
  std::vector<Ipv6Extension> ipv6_ext;
  std::vector<uint8_t> payload;
  std::vector<uint8_t> l4_override;  // when set, used verbatim as everything after the IP header
};

std::vector<uint8_t> build_frame(const FrameSpec& spec);

// A short frame of some other protocol (ARP request etc.) for pass-through tests.
std::vector<uint8_t> build_arp_request(const Mac& src, const std::string& sender_ip, const std::string& target_ip);

// Internet checksum over `data` (RFC 1071), seeded with `sum`.
uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t sum = 0);

}  // namespace xdplb::test
