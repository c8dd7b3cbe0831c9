// The frames a new Master sends so neighbours move the virtual addresses to it at once instead
// of waiting for their ARP / neighbour caches to expire: a gratuitous ARP per IPv4 address and
// an unsolicited Neighbour Advertisement (RFC 4861 7.2.6) per IPv6 address. Pure builders of
// complete Ethernet frames, for an AF_PACKET socket on the VRRP interface.
#pragma once

#include <asio/ip/address_v4.hpp>
#include <asio/ip/address_v6.hpp>

#include <array>
#include <cstdint>
#include <vector>

namespace xdplb::vrrp {

using MacAddress = std::array<uint8_t, 6>;

// RFC 5798 7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6 (`use_vmac`).
// Throws std::invalid_argument for VRID 0.
MacAddress virtual_router_mac(uint8_t vrid, bool ipv6);

// Broadcast ARP request with sender and target protocol address both the VIP and the target
// hardware address all-ones, the form keepalived sends and every stack accepts.
std::vector<uint8_t> build_gratuitous_arp(const MacAddress& source_mac, const asio::ip::address_v4& address);

struct NeighbourAdvertisementOptions {
  bool router = false;  // the R flag: set when the node forwards (it is the hosts' gateway)
};

// Unsolicited NA to all-nodes (ff02::1) from `source`, an address of the interface (keepalived
// uses its link-local address), hop limit 255, Override set, Solicited clear, with a target
// link-layer address option. Throws std::invalid_argument for an unspecified or multicast
// source or target.
std::vector<uint8_t> build_unsolicited_na(const MacAddress& source_mac, const asio::ip::address_v6& source,
                                          const asio::ip::address_v6& target,
                                          NeighbourAdvertisementOptions options = {});

}  // namespace xdplb::vrrp
