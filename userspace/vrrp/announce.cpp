#include "vrrp/announce.h"

#include "vrrp/checksum.h"

#include <stdexcept>
#include <string>

namespace xdplb::vrrp {

namespace {

constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr uint8_t kIcmpv6 = 58;
constexpr uint8_t kNeighbourAdvertisement = 136;
constexpr uint8_t kOptionTargetLinkLayerAddress = 2;
constexpr uint8_t kNaFlagRouter = 0x80;
constexpr uint8_t kNaFlagOverride = 0x20;
constexpr uint8_t kNdHopLimit = 255;  // RFC 4861: receivers drop ND with any other hop limit

void put16(std::vector<uint8_t>& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

template <typename Bytes>
void append(std::vector<uint8_t>& out, const Bytes& bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void put_ethernet(std::vector<uint8_t>& out, const MacAddress& destination, const MacAddress& source,
                  uint16_t ethertype) {
  append(out, destination);
  append(out, source);
  put16(out, ethertype);
}

}  // namespace

MacAddress virtual_router_mac(uint8_t vrid, bool ipv6) {
  if (vrid == 0) throw std::invalid_argument("VRID 0 has no virtual router MAC address");
  return {0x00, 0x00, 0x5e, 0x00, static_cast<uint8_t>(ipv6 ? 0x02 : 0x01), vrid};
}

std::vector<uint8_t> build_gratuitous_arp(const MacAddress& source_mac, const asio::ip::address_v4& address) {
  constexpr MacAddress kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  std::vector<uint8_t> frame;
  frame.reserve(42);
  put_ethernet(frame, kBroadcast, source_mac, kEtherTypeArp);
  put16(frame, 1);       // hardware type Ethernet
  put16(frame, 0x0800);  // protocol type IPv4
  frame.push_back(6);
  frame.push_back(4);
  put16(frame, 1);  // request
  append(frame, source_mac);
  append(frame, address.to_bytes());
  append(frame, kBroadcast);
  append(frame, address.to_bytes());
  return frame;
}

std::vector<uint8_t> build_unsolicited_na(const MacAddress& source_mac, const asio::ip::address_v6& source,
                                          const asio::ip::address_v6& target,
                                          NeighbourAdvertisementOptions options) {
  if (source.is_unspecified() || source.is_multicast())
    throw std::invalid_argument("neighbour advertisement source " + source.to_string() +
                                " is not a unicast address of the interface");
  if (target.is_unspecified() || target.is_multicast())
    throw std::invalid_argument("neighbour advertisement target " + target.to_string() +
                                " is not a unicast address");
  const auto all_nodes = asio::ip::make_address_v6("ff02::1");

  std::vector<uint8_t> icmp;
  icmp.push_back(kNeighbourAdvertisement);
  icmp.push_back(0);  // code
  put16(icmp, 0);     // checksum, below
  icmp.push_back(static_cast<uint8_t>(kNaFlagOverride | (options.router ? kNaFlagRouter : 0)));
  icmp.insert(icmp.end(), 3, 0);
  append(icmp, target.to_bytes());
  icmp.push_back(kOptionTargetLinkLayerAddress);
  icmp.push_back(1);  // length in units of 8 bytes
  append(icmp, source_mac);

  InternetChecksum sum;
  add_pseudo_header(sum, asio::ip::address(source), asio::ip::address(all_nodes), kIcmpv6,
                    static_cast<uint32_t>(icmp.size()));
  sum.add(icmp);
  const uint16_t checksum = sum.finish();
  icmp[2] = static_cast<uint8_t>(checksum >> 8);
  icmp[3] = static_cast<uint8_t>(checksum);

  std::vector<uint8_t> frame;
  frame.reserve(14 + 40 + icmp.size());
  put_ethernet(frame, {0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, source_mac, kEtherTypeIpv6);
  frame.insert(frame.end(), {0x60, 0, 0, 0});  // version 6, no traffic class, no flow label
  put16(frame, static_cast<uint16_t>(icmp.size()));
  frame.push_back(kIcmpv6);
  frame.push_back(kNdHopLimit);
  append(frame, source.to_bytes());
  append(frame, all_nodes.to_bytes());
  append(frame, icmp);
  return frame;
}

}  // namespace xdplb::vrrp
