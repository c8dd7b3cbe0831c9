// bpf/lib/parse.h through a probe program: what the parser finds, where, and what it refuses. One
// table: each row a frame in and the fields of struct packet the probe must report for it.
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include <memory>
#include <optional>

#include <doctest/doctest.h>

#include "parse_probe.h"
#include "parse_probe.skel.h"
#include "support/packet_builder.h"
#include "support/xdp_test_run.h"

namespace {

using xdplb::test::build_frame;
using xdplb::test::FrameSpec;
using Frame = std::vector<uint8_t>;

// Mirrors enum parse_status and the PKT_F_* flags of bpf/lib/parse.h.
enum { kOk = 0, kNonIp, kTruncated, kMalformed, kFragment };
constexpr uint8_t kFlagVlan = 0x01, kFlagFragFirst = 0x02, kFlagIpOptions = 0x04, kFlagExtHdrs = 0x08,
                  kFlagTcpSyn = 0x10;

// What the parser must report; unset fields are not checked. Addresses and ports as the builder
// writes them (network order words, ports in host order here).
struct Parsed {
  int status = kOk;
  bool len_is_frame = false;
  std::optional<uint16_t> l3_proto{}, l3_off{}, l4_off{}, vlan_tci{};
  std::optional<uint8_t> family{}, proto{}, ttl{};
  std::optional<uint32_t> src0{}, src1{}, dst0{}, dst3{};
  std::optional<uint16_t> sport{}, dport{};
  std::optional<uint8_t> flags{};  // exactly these
  uint8_t flags_set = 0;         // at least these
};

struct ParseRow {
  std::string description;
  Frame in;
  Parsed expect;
};

struct ProbeDeleter {
  void operator()(parse_probe* p) const { parse_probe__destroy(p); }
};

class ParseProbe {
 public:
  ParseProbe() : skel_(parse_probe__open_and_load()) { REQUIRE_MESSAGE(skel_, "loading the parse probe failed"); }

  parse_probe_result parse(const Frame& frame) {
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

template <typename T, typename U>
void check_field(const char* field, const std::optional<T>& expected, U actual) {
  if (!expected) return;
  INFO("field: ", std::string(field));
  CHECK(static_cast<uint64_t>(actual) == static_cast<uint64_t>(*expected));
}

void run_parse_table(const std::vector<ParseRow>& table) {
  ParseProbe probe;
  for (const auto& row : table) {
    INFO("row: ", row.description);
    const auto r = probe.parse(row.in);
    const Parsed& e = row.expect;
    CHECK(r.status == e.status);
    if (e.len_is_frame) CHECK(r.len == row.in.size());
    check_field("l3_proto", e.l3_proto, r.l3_proto);
    check_field("l3_off", e.l3_off, r.l3_off);
    check_field("l4_off", e.l4_off, r.l4_off);
    check_field("vlan_tci", e.vlan_tci, r.vlan_tci);
    check_field("family", e.family, r.flow.family);
    check_field("proto", e.proto, r.flow.proto);
    check_field("ttl", e.ttl, r.ttl);
    check_field("src[0]", e.src0, r.flow.src[0]);
    check_field("src[1]", e.src1, r.flow.src[1]);
    check_field("dst[0]", e.dst0, r.flow.dst[0]);
    check_field("dst[3]", e.dst3, r.flow.dst[3]);
    check_field("sport", e.sport, ntohs(r.flow.sport));
    check_field("dport", e.dport, ntohs(r.flow.dport));
    check_field("flags", e.flags, r.flags);
    CHECK((r.flags & e.flags_set) == e.flags_set);
  }
}

uint32_t v4(const char* text) {
  uint32_t a = 0;
  inet_pton(AF_INET, text, &a);
  return a;
}

Frame frame_with(void (*change)(FrameSpec&)) {
  FrameSpec s;
  change(s);
  return build_frame(s);
}

FrameSpec v6_spec() {
  FrameSpec s;
  s.src_ip = "fd00::1";
  s.dst_ip = "fd00::100";
  return s;
}

Frame v6_frame(void (*change)(FrameSpec&)) {
  FrameSpec s = v6_spec();
  change(s);
  return build_frame(s);
}

// The builder's default frame with one byte changed.
Frame poked(std::size_t offset, uint8_t value) {
  Frame f = build_frame({});
  f[offset] = value;
  return f;
}

// Rows: every cut of a tagged TCP and UDP frame, IPv4 and IPv6, is truncated; the whole frame is not.
std::vector<ParseRow> every_truncation() {
  std::vector<ParseRow> rows;
  for (const char* dst : {"198.18.0.100", "fd00::100"}) {
    for (uint8_t proto : {uint8_t{6}, uint8_t{17}}) {
      FrameSpec s;
      s.dst_ip = dst;
      s.src_ip = dst[0] == 'f' ? "fd00::1" : "198.18.0.1";
      s.proto = proto;
      s.vlan_tci = 7;
      const auto frame = build_frame(s);
      const std::string what = std::string(proto == 6 ? "TCP" : "UDP") + " to " + dst;
      for (size_t len = 14; len < frame.size(); ++len)
        rows.push_back({what + " cut after " + std::to_string(len) + " bytes",
                        Frame(frame.begin(), frame.begin() + static_cast<long>(len)),
                        {.status = kTruncated}});
      rows.push_back({what + ", whole", frame, {}});
    }
  }
  return rows;
}

std::vector<ParseRow> parse_table() {
  std::vector<ParseRow> rows = {
      {"IPv4 TCP SYN: addresses, ports and offsets",
       frame_with([](FrameSpec& s) {
         s.sport = 40001;
         s.dport = 443;
       }),
       {.len_is_frame = true,
        .l3_proto = 0x0800,
        .l3_off = 14,
        .l4_off = 34,
        .family = XDPLB_FAMILY_V4,
        .proto = 6,
        .ttl = 64,
        .src0 = v4("198.18.0.1"),
        .src1 = 0,
        .dst0 = v4("198.18.0.100"),
        .sport = 40001,
        .dport = 443,
        .flags = kFlagTcpSyn}},  // the builder's default segment is a SYN
      // SYN|ACK is not the start of a connection from the client.
      {"IPv4 TCP SYN|ACK has no flags", frame_with([](FrameSpec& s) { s.tcp_flags = 0x12; }), {.flags = 0}},
      {"IPv4 TCP ACK has no flags", frame_with([](FrameSpec& s) { s.tcp_flags = 0x10; }), {.flags = 0}},
      {"IPv4 options move the L4 header",
       frame_with([](FrameSpec& s) {
         s.proto = 17;
         s.ip_options = {0x01, 0x01, 0x01, 0x01, 0x94, 0x04, 0x00, 0x00};  // NOPs + router alert
       }),
       {.l4_off = 42, .dport = 80, .flags_set = kFlagIpOptions}},
      {"one 802.1Q tag is skipped and remembered", frame_with([](FrameSpec& s) { s.vlan_tci = 0x2064; }),
       {.l3_off = 18, .l4_off = 38, .vlan_tci = 0x2064, .flags_set = kFlagVlan}},
      {"IPv6 UDP",
       v6_frame([](FrameSpec& s) {
         s.proto = 17;
         s.dport = 53;
       }),
       {.l3_proto = 0x86DD, .l4_off = 54, .family = XDPLB_FAMILY_V6, .dst3 = htonl(0x100), .dport = 53}},
      {"IPv6 UDP after hop-by-hop and destination options",
       v6_frame([](FrameSpec& s) {
         s.proto = 17;
         s.dport = 53;
         s.ipv6_ext = {{0}, {60}};
       }),
       {.l4_off = 54 + 16, .proto = 17, .dport = 53, .flags_set = kFlagExtHdrs}},
      {"too long an IPv6 extension chain is not steered",
       v6_frame([](FrameSpec& s) { s.ipv6_ext = {{0}, {60}, {43}, {60}, {60}}; }), {.status = kMalformed}},
      {"a first IPv4 fragment (MF, offset 0) has ports", frame_with([](FrameSpec& s) { s.ipv4_frag = 0x2000; }),
       {.dport = 80, .flags_set = kFlagFragFirst}},
      {"a later IPv4 fragment (offset 128 bytes, the last) has none",
       frame_with([](FrameSpec& s) { s.ipv4_frag = 0x0010; }),
       {.status = kFragment, .dst0 = v4("198.18.0.100"), .dport = 0}},
      {"a first IPv6 fragment has ports", v6_frame([](FrameSpec& s) { s.ipv6_ext = {{44, 0, true}}; }),
       {.l4_off = 62, .dport = 80, .flags_set = kFlagFragFirst}},
      {"a later IPv6 fragment has none", v6_frame([](FrameSpec& s) { s.ipv6_ext = {{44, 100, false}}; }),
       {.status = kFragment, .proto = 6}},
      {"non-IP frames are recognised as such",
       xdplb::test::build_arp_request({2, 0, 0, 0, 0, 9}, "198.18.0.1", "198.18.0.2"),
       {.status = kNonIp, .l3_proto = 0x0806}},
      {"Ethernet padding after a short datagram is fine",
       [] {
         auto f = frame_with([](FrameSpec& s) { s.proto = 17; });
         f.resize(f.size() + 12, 0);
         return f;
       }(),
       {}},
      {"IPv4 IHL 4 < 5 is malformed", poked(14, 0x44), {.status = kMalformed}},
      {"IPv4 ethertype with IP version 6 is malformed", poked(14, 0x65), {.status = kMalformed}},
      {"TCP data offset 4 < 5 is malformed", poked(14 + 20 + 12, 0x40), {.status = kMalformed}},
      {"an IPv4 total length below the header length is malformed",
       [] {
         Frame f = poked(16, 0);
         f[17] = 19;
         return f;
       }(),
       {.status = kMalformed}},
  };
  const auto cuts = every_truncation();
  rows.insert(rows.end(), cuts.begin(), cuts.end());
  return rows;
}

}  // namespace

TEST_CASE("parse: table of frames and what the parser reports") { run_parse_table(parse_table()); }
