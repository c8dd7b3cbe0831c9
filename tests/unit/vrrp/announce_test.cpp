// Gratuitous ARP and unsolicited NA builders. Vectors cross-checked with scapy 2.5
// (Ether/ARP and Ether/IPv6/ICMPv6ND_NA/ICMPv6NDOptDstLLAddr) and decoded by tshark.
#include "vrrp/announce.h"

#include <doctest/doctest.h>

#include <stdexcept>

#include "support/packet_builder.h"
#include "tshark_util.h"
#include "vrrp_test_util.h"

using namespace xdplb::vrrp;
using xdplb::vrrp::test::run_tshark;
using xdplb::vrrp::test::TempPcap;
using xdplb::vrrp::test::to_hex;
using xdplb::vrrp::test::tshark_available;

namespace {
const auto kVip4 = asio::ip::make_address_v4("198.18.0.100");
const auto kVip6 = asio::ip::make_address_v6("fd00::100");
const auto kLinkLocal = asio::ip::make_address_v6("fe80::1");
}  // namespace

TEST_CASE("virtual router MAC addresses (RFC 5798 7.3)") {
  CHECK(virtual_router_mac(51, false) == MacAddress{0x00, 0x00, 0x5e, 0x00, 0x01, 0x33});
  CHECK(virtual_router_mac(255, true) == MacAddress{0x00, 0x00, 0x5e, 0x00, 0x02, 0xff});
  CHECK_THROWS_AS(virtual_router_mac(0, false), std::invalid_argument);
}

TEST_CASE("gratuitous ARP for an IPv4 VIP") {
  const auto frame = build_gratuitous_arp(virtual_router_mac(51, false), kVip4);
  // dst ff..ff, src vmac, 0806 | htype 1, ptype 0800, 6, 4, op 1 (request)
  // | sha vmac, spa c6120064 | tha ff..ff, tpa c6120064
  CHECK(to_hex(frame) ==
        "ffffffffffff00005e0001330806"
        "0001080006040001"
        "00005e000133c6120064"
        "ffffffffffffc6120064");
}

TEST_CASE("unsolicited neighbour advertisement for an IPv6 VIP") {
  const auto mac = virtual_router_mac(7, true);
  const auto frame = build_unsolicited_na(mac, kLinkLocal, kVip6);
  CHECK(to_hex(frame) ==
        "33330000000100005e00020786dd"
        "6000000000203aff"
        "fe800000000000000000000000000001"
        "ff020000000000000000000000000001"
        "8800fa1520000000fd000000000000000000000000000100020100005e000207");

  // The ICMPv6 checksum verifies with an independent implementation: the sum over the
  // pseudo-header and the message, checksum included, folds to zero.
  std::vector<uint8_t> pseudo(frame.begin() + 22, frame.begin() + 54);  // source and destination
  pseudo.insert(pseudo.end(), {0, 0, 0, 32, 0, 0, 0, 58});
  pseudo.insert(pseudo.end(), frame.begin() + 54, frame.end());
  CHECK(xdplb::test::inet_checksum(pseudo.data(), pseudo.size()) == 0);

  const auto router = build_unsolicited_na(mac, kLinkLocal, kVip6, {.router = true});
  CHECK(router[54 + 4] == 0xa0);  // R and O
}

TEST_CASE("neighbour advertisement refuses unusable addresses") {
  const auto mac = virtual_router_mac(7, true);
  CHECK_THROWS_AS(build_unsolicited_na(mac, asio::ip::address_v6(), kVip6), std::invalid_argument);
  CHECK_THROWS_AS(build_unsolicited_na(mac, asio::ip::make_address_v6("ff02::1"), kVip6),
                  std::invalid_argument);
  CHECK_THROWS_AS(build_unsolicited_na(mac, kLinkLocal, asio::ip::make_address_v6("ff02::12")),
                  std::invalid_argument);
}

TEST_CASE("tshark decodes the gratuitous ARP and the NA" * doctest::skip(!tshark_available())) {
  const auto mac4 = virtual_router_mac(51, false);
  const auto mac6 = virtual_router_mac(7, true);
  const TempPcap pcap({build_gratuitous_arp(mac4, kVip4), build_unsolicited_na(mac6, kLinkLocal, kVip6)});
  const auto arp = run_tshark(pcap,
                              "-Y arp -T fields -E separator=/s -e arp.opcode -e arp.isgratuitous "
                              "-e arp.src.hw_mac -e arp.src.proto_ipv4 -e arp.dst.proto_ipv4");
  CHECK(arp == std::vector<std::string>{"1 1 00:00:5e:00:01:33 198.18.0.100 198.18.0.100"});
  const auto na = run_tshark(pcap,
                             "-Y icmpv6 -T fields -E separator=/s -e ipv6.hlim -e icmpv6.type "
                             "-e icmpv6.checksum.status -e icmpv6.nd.na.flag.r -e icmpv6.nd.na.flag.s "
                             "-e icmpv6.nd.na.flag.o -e icmpv6.nd.na.target_address -e icmpv6.opt.linkaddr");
  CHECK(na == std::vector<std::string>{"255 136 1 0 0 1 fd00::100 00:00:5e:00:02:07"});
}
