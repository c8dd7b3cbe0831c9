// bpf/lib/parse.h through a probe program: what the parser finds, where, and what it refuses.
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include <memory>

#include <doctest/doctest.h>

#include "parse_probe.h"
#include "parse_probe.skel.h"
#include "support/packet_builder.h"
#include "support/xdp_test_run.h"

namespace {

using xdplb::test::build_frame;
using xdplb::test::FrameSpec;

// Mirrors enum parse_status and the PKT_F_* flags of bpf/lib/parse.h.
enum { kOk = 0, kNonIp, kTruncated, kMalformed, kFragment };
constexpr uint8_t kFlagVlan = 0x01, kFlagFragFirst = 0x02, kFlagIpOptions = 0x04, kFlagExtHdrs = 0x08,
                  kFlagTcpSyn = 0x10;

struct ProbeDeleter {
  void operator()(parse_probe* p) const { parse_probe__destroy(p); }
};

class ParseProbe {
 public:
  ParseProbe() : skel_(parse_probe__open_and_load()) { REQUIRE_MESSAGE(skel_, "loading the parse probe failed"); }

  parse_probe_result parse(const std::vector<uint8_t>& frame) {
    const auto run = xdplb::test::run_xdp(bpf_program__fd(skel_->progs.parse_probe), frame);
    CHECK(run.verdict == XDP_PASS);
    CHECK(run.packet == frame);  // the parser never writes
    parse_probe_result r{};
    __u32 key = 0;
    REQUIRE(bpf_map_lookup_elem(bpf_map__fd(skel_->maps.probe_result), &key, &r) == 0);
    return r;
  }

 private:
  std::unique_ptr<parse_probe, ProbeDeleter> skel_;
};

uint32_t v4(const char* text) {
  uint32_t a = 0;
  inet_pton(AF_INET, text, &a);
  return a;
}

}  // namespace

TEST_CASE("IPv4 TCP: addresses, ports and offsets") {
  ParseProbe probe;
  FrameSpec s;
  s.sport = 40001;
  s.dport = 443;
  const auto frame = build_frame(s);
  const auto r = probe.parse(frame);
  CHECK(r.status == kOk);
  CHECK(r.len == frame.size());
  CHECK(r.l3_proto == 0x0800);
  CHECK(r.l3_off == 14);
  CHECK(r.l4_off == 34);
  CHECK(r.flow.family == XDPLB_FAMILY_V4);
  CHECK(r.flow.proto == 6);
  CHECK(r.flow.src[0] == v4("198.18.0.1"));
  CHECK(r.flow.dst[0] == v4("198.18.0.100"));
  CHECK(r.flow.src[1] == 0);
  CHECK(ntohs(r.flow.sport) == 40001);
  CHECK(ntohs(r.flow.dport) == 443);
  CHECK(r.ttl == 64);
  CHECK(r.flags == kFlagTcpSyn);  // the builder's default segment is a SYN

  s.tcp_flags = 0x12;  // SYN|ACK: not the start of a connection from the client
  CHECK(probe.parse(build_frame(s)).flags == 0);
  s.tcp_flags = 0x10;
  CHECK(probe.parse(build_frame(s)).flags == 0);
}

TEST_CASE("IPv4 options move the L4 header") {
  ParseProbe probe;
  FrameSpec s;
  s.proto = 17;
  s.ip_options = {0x01, 0x01, 0x01, 0x01, 0x94, 0x04, 0x00, 0x00};  // NOPs + router alert
  const auto r = probe.parse(build_frame(s));
  CHECK(r.status == kOk);
  CHECK(r.l4_off == 42);
  CHECK((r.flags & kFlagIpOptions) != 0);
  CHECK(ntohs(r.flow.dport) == 80);
}

TEST_CASE("one 802.1Q tag is skipped and remembered") {
  ParseProbe probe;
  FrameSpec s;
  s.vlan_tci = 0x2064;
  const auto r = probe.parse(build_frame(s));
  CHECK(r.status == kOk);
  CHECK(r.l3_off == 18);
  CHECK(r.l4_off == 38);
  CHECK((r.flags & kFlagVlan) != 0);
  CHECK(r.vlan_tci == 0x2064);
}

TEST_CASE("IPv6 UDP, with and without extension headers") {
  ParseProbe probe;
  FrameSpec s;
  s.src_ip = "fd00::1";
  s.dst_ip = "fd00::100";
  s.proto = 17;
  s.dport = 53;
  auto r = probe.parse(build_frame(s));
  CHECK(r.status == kOk);
  CHECK(r.l3_proto == 0x86DD);
  CHECK(r.flow.family == XDPLB_FAMILY_V6);
  CHECK(r.l4_off == 54);
  CHECK(ntohs(r.flow.dport) == 53);
  CHECK(r.flow.dst[3] == htonl(0x100));

  s.ipv6_ext = {{0}, {60}};  // hop-by-hop, destination options
  r = probe.parse(build_frame(s));
  CHECK(r.status == kOk);
  CHECK(r.l4_off == 54 + 16);
  CHECK((r.flags & kFlagExtHdrs) != 0);
  CHECK(r.flow.proto == 17);
  CHECK(ntohs(r.flow.dport) == 53);
}

TEST_CASE("too long an IPv6 extension chain is not steered") {
  ParseProbe probe;
  FrameSpec s;
  s.src_ip = "fd00::1";
  s.dst_ip = "fd00::100";
  s.ipv6_ext = {{0}, {60}, {43}, {60}, {60}};
  CHECK(probe.parse(build_frame(s)).status == kMalformed);
}

TEST_CASE("fragments: the first one has ports, later ones do not") {
  ParseProbe probe;
  FrameSpec s;
  s.ipv4_frag = 0x2000;  // MF, offset 0
  auto r = probe.parse(build_frame(s));
  CHECK(r.status == kOk);
  CHECK((r.flags & kFlagFragFirst) != 0);
  CHECK(ntohs(r.flow.dport) == 80);

  s.ipv4_frag = 0x0010;  // offset 128 bytes, last fragment
  r = probe.parse(build_frame(s));
  CHECK(r.status == kFragment);
  CHECK(r.flow.dst[0] == v4("198.18.0.100"));
  CHECK(r.flow.dport == 0);

  FrameSpec s6;
  s6.src_ip = "fd00::1";
  s6.dst_ip = "fd00::100";
  s6.ipv6_ext = {{44, 0, true}};
  r = probe.parse(build_frame(s6));
  CHECK(r.status == kOk);
  CHECK((r.flags & kFlagFragFirst) != 0);
  CHECK(r.l4_off == 62);
  CHECK(ntohs(r.flow.dport) == 80);

  s6.ipv6_ext = {{44, 100, false}};
  r = probe.parse(build_frame(s6));
  CHECK(r.status == kFragment);
  CHECK(r.flow.proto == 6);
}

TEST_CASE("non-IP frames are recognised as such") {
  ParseProbe probe;
  const auto r = probe.parse(xdplb::test::build_arp_request({2, 0, 0, 0, 0, 9}, "198.18.0.1", "198.18.0.2"));
  CHECK(r.status == kNonIp);
  CHECK(r.l3_proto == 0x0806);
}

TEST_CASE("every truncation of a TCP or UDP frame is reported as truncated") {
  ParseProbe probe;
  for (const char* dst : {"198.18.0.100", "fd00::100"}) {
    for (uint8_t proto : {uint8_t{6}, uint8_t{17}}) {
      FrameSpec s;
      s.dst_ip = dst;
      s.src_ip = dst[0] == 'f' ? "fd00::1" : "198.18.0.1";
      s.proto = proto;
      s.vlan_tci = 7;
      const auto frame = build_frame(s);
      for (size_t len = 14; len < frame.size(); ++len) {
        CAPTURE(dst);
        CAPTURE(proto);
        CAPTURE(len);
        const std::vector<uint8_t> cut(frame.begin(), frame.begin() + static_cast<long>(len));
        CHECK(probe.parse(cut).status == kTruncated);
      }
      CHECK(probe.parse(frame).status == kOk);
    }
  }
}

TEST_CASE("Ethernet padding after a short datagram is fine") {
  ParseProbe probe;
  FrameSpec s;
  s.proto = 17;
  auto frame = build_frame(s);
  frame.resize(frame.size() + 12, 0);
  CHECK(probe.parse(frame).status == kOk);
}

TEST_CASE("impossible header values are malformed") {
  ParseProbe probe;
  FrameSpec s;
  auto frame = build_frame(s);
  auto bad_ihl = frame;
  bad_ihl[14] = 0x44;  // IHL 4 < 5
  CHECK(probe.parse(bad_ihl).status == kMalformed);

  auto bad_version = frame;
  bad_version[14] = 0x65;  // version 6 in an IPv4 ethertype
  CHECK(probe.parse(bad_version).status == kMalformed);

  auto bad_doff = frame;
  bad_doff[14 + 20 + 12] = 0x40;  // TCP data offset 4 < 5
  CHECK(probe.parse(bad_doff).status == kMalformed);

  auto short_total = frame;
  short_total[16] = 0;
  short_total[17] = 19;  // total length below the header length
  CHECK(probe.parse(short_total).status == kMalformed);
}
