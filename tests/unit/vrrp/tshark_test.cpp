// tshark's VRRP dissector decodes our v2 and v3 adverts, IPv4 and IPv6, with a good checksum.
#include "vrrp/packet.h"

#include <doctest/doctest.h>

#include "support/packet_builder.h"
#include "tshark_util.h"
#include "vrrp_test_util.h"

using namespace xdplb::vrrp;
using xdplb::vrrp::test::ip;
using xdplb::vrrp::test::run_tshark;
using xdplb::vrrp::test::TempPcap;
using xdplb::vrrp::test::tshark_available;

namespace {

// The frame a router puts on the wire: VRRP multicast MAC, TTL / hop limit 255, protocol 112.
std::vector<uint8_t> frame(const Advertisement& advert, const char* source, EncodeOptions options = {}) {
  const IpAddress src = ip(source);
  const IpAddress group = vrrp_multicast_group(src.is_v6());
  xdplb::test::FrameSpec spec;
  spec.src_mac = {0x00, 0x00, 0x5e, 0x00, 0x01, advert.vrid};
  spec.dst_mac = src.is_v6() ? xdplb::test::Mac{0x33, 0x33, 0x00, 0x00, 0x00, 0x12}
                             : xdplb::test::Mac{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12};
  spec.src_ip = source;
  spec.dst_ip = group.to_string();
  spec.proto = kIpProtocolVrrp;
  spec.ttl = kRequiredTtl;
  spec.l4_override = encode_advertisement(advert, src, group, options);
  return xdplb::test::build_frame(spec);
}

Advertisement v2_pass() {
  Advertisement a;
  a.version = Version::v2;
  a.vrid = 51;
  a.priority = 100;
  a.advert_interval = std::chrono::seconds(3);
  a.auth_type = AuthType::simple_password;
  a.auth_data = make_password("secret");
  a.addresses = {ip("198.18.0.100"), ip("198.18.0.101")};
  return a;
}

Advertisement v3_ipv4() {
  Advertisement a;
  a.version = Version::v3;
  a.vrid = 52;
  a.priority = 200;
  a.advert_interval = Centiseconds(100);
  a.addresses = {ip("198.18.0.100")};
  return a;
}

Advertisement v3_ipv6() {
  Advertisement a;
  a.version = Version::v3;
  a.vrid = 7;
  a.priority = 150;
  a.advert_interval = Centiseconds(10);
  a.addresses = {ip("fd00::100"), ip("fd00::101")};
  return a;
}

const std::string kFields =
    "-T fields -E separator=/s -E occurrence=a -E aggregator=, -e vrrp.version -e vrrp.type -e "
    "vrrp.virt_rtr_id "
    "-e vrrp.prio -e vrrp.addr_count -e vrrp.adver_int -e vrrp.short_adver_int -e vrrp.auth_string -e "
    "vrrp.ip_addr "
    "-e vrrp.ipv6_addr -e vrrp.checksum.status -e ip.ttl -e ipv6.hlim";

}  // namespace

// Fields: version type vrid prio count v2-interval v3-interval auth ipv4-list ipv6-list checksum-status ttl
// hlim checksum status 1 is "Good" in Wireshark's encoding.
TEST_CASE("tshark decodes our v2 and v3 adverts over IPv4 and IPv6 with a good checksum" *
          doctest::skip(!tshark_available())) {
  const TempPcap pcap(
      {frame(v2_pass(), "198.18.0.1"), frame(v3_ipv4(), "198.18.0.1"), frame(v3_ipv6(), "fe80::1")});
  const auto lines = run_tshark(pcap, kFields);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "2 1 51 100 2 3  secret 198.18.0.100,198.18.0.101  1 255 ");
  CHECK(lines[1] == "3 1 52 200 1  100  198.18.0.100  1 255 ");
  CHECK(lines[2] == "3 1 7 150 2  10   fd00::100,fd00::101 1  255");
}

TEST_CASE("tshark accepts v3_checksum_as_v2 adverts only when told to skip the pseudo-header" *
          doctest::skip(!tshark_available())) {
  const TempPcap pcap({frame(v3_ipv4(), "198.18.0.1", {.v3_checksum_as_v2 = true})});
  const std::string status = "-T fields -e vrrp.checksum.status";
  CHECK(run_tshark(pcap, status) == std::vector<std::string>{"0"});  // bad under RFC 5798 rules
  CHECK(run_tshark(pcap, "-o vrrp.v3_checksum_as_in_v2:TRUE " + status) == std::vector<std::string>{"1"});
}

TEST_CASE("tshark flags a corrupted advert's checksum" * doctest::skip(!tshark_available())) {
  auto corrupted = frame(v3_ipv4(), "198.18.0.1");
  corrupted.back() ^= 0x01;
  const TempPcap pcap({corrupted});
  CHECK(run_tshark(pcap, "-T fields -e vrrp.checksum.status") == std::vector<std::string>{"0"});
}

TEST_CASE("tshark checks are skipped, not passed, without tshark" * doctest::skip(tshark_available())) {
  MESSAGE("tshark is not installed: the tshark cross-checks of the VRRP codec were skipped");
}
