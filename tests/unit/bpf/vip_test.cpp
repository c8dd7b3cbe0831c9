// The XDP program's classification: what is traffic of a served VIP, and what passes to the stack
// untouched, counted by reason (not IP, no VIP, truncated, malformed, later fragment, VIP inactive).
#include <doctest/doctest.h>

#include "frame_table.h"

using namespace xdplb::test;
using xdplb::dataplane::VipSpec;

namespace {

Frame vrrp_advert() {
  FrameSpec s;
  s.proto = 112;
  s.dst_ip = "224.0.0.18";
  s.ttl = 255;
  s.payload = {0x21, 51, 100, 1, 1, 1, 0, 0};
  return build_frame(s);
}

// The builder's default frame (198.18.0.1 -> 198.18.0.100:80, a SYN) with IHL 3.
Frame bad_ihl() {
  Frame f = build_frame({});
  f[14] = 0x43;
  return f;
}

Frame later_fragment() {
  FrameSpec s;
  s.ipv4_frag = 0x0020;
  return build_frame(s);
}

// The frame cut after `len` bytes.
Frame cut(const Frame& frame, std::size_t len) { return {frame.begin(), frame.begin() + static_cast<long>(len)}; }

// One row per length at which a VIP packet can be cut, from the bare Ethernet header on.
std::vector<FrameRow> every_cut_of(const Frame& frame, const std::string& what) {
  std::vector<FrameRow> rows;
  for (std::size_t len = 14; len < frame.size(); ++len)
    rows.push_back(passed(what + " cut after " + std::to_string(len) + " bytes", {cut(frame, len)}, XDPLB_R_PASS_TRUNCATED));
  return rows;
}

VipSpec backup_vip() {
  auto v = vip("198.18.0.100", 80, {backend(backend_ip(1))});
  v.active = false;
  return v;
}

FrameTable vip_table() {
  const auto web = vip("198.18.0.100", 80, {backend(backend_ip(1))});
  const auto https_on_2 = vip("198.18.0.100", 443, {backend(backend_ip(2), 443)});
  const auto every_port_on_1 = vip("198.18.0.100", 0, {backend(backend_ip(1), 0)});
  const Setup serve_web = serve("VIP tcp/198.18.0.100:80 over backend 1", {web});
  const Setup serve_https = serve("VIP tcp/198.18.0.100:443 over backend 2 only", {https_on_2});
  const Setup serve_every_port = serve("VIP 198.18.0.100 port 0 over backend 1, :443 over backend 2",
                                       {every_port_on_1, https_on_2});

  FrameStory cut_vip_packets{"VIP packets cut at any header boundary pass as truncated, never forwarded", {}};
  cut_vip_packets.rows = every_cut_of(client_frame("198.18.0.100", 80, 40000), "IPv4 TCP");
  const auto v6_cuts = every_cut_of(client_frame("fd00::100", 80, 40000), "IPv6 TCP");
  cut_vip_packets.rows.insert(cut_vip_packets.rows.end(), v6_cuts.begin(), v6_cuts.end());
  cut_vip_packets.rows.front().setup =
      serve("VIPs tcp/198.18.0.100:80 and tcp/[fd00::100]:80 over backend 1",
            {web, vip("fd00::100", 80, {backend(backend_ip(1, true))})});

  return {
      {"non-VIP traffic passes untouched and is counted by reason",
       {
           passed("an ARP request is not IP", {build_arp_request({2, 0, 0, 0, 0, 9}, "198.18.0.1", "198.18.0.2")},
                  XDPLB_R_PASS_NON_IP),
           passed("TCP to an address that is no VIP", {build_frame({})}),
           passed("a VRRP advert", {vrrp_advert()}),
       }},
      {"truncated, malformed and fragment packets pass and are counted apart",
       {
           passed("IPv4 cut inside its header", {cut(build_frame({}), 30)}, XDPLB_R_PASS_TRUNCATED),
           passed("IPv4 with IHL 3", {bad_ihl()}, XDPLB_R_PASS_MALFORMED),
           passed("a later IPv4 fragment", {later_fragment()}, XDPLB_R_PASS_FRAGMENT),
       }},
      {"the VIP's other ports, other protocols and other addresses pass untouched",
       {
           passed("another port", {client_frame("198.18.0.100", 81, 40000)}).after(serve_web),
           passed("UDP to the TCP VIP's port", {client_frame("198.18.0.100", 80, 40000, 1, 17)}),
           passed("the next address", {client_frame("198.18.0.101", 80, 40000)}),
       }},
      {"a port-0 VIP serves every port of its address; an exact port wins over it",
       {
           forwarded("port 22 to the port-0 VIP", {client_frame("198.18.0.100", 22, 40000)}, 1).after(serve_every_port),
           forwarded("port 80 to the port-0 VIP", {client_frame("198.18.0.100", 80, 40000)}, 1),
           forwarded("port 8080 to the port-0 VIP", {client_frame("198.18.0.100", 8080, 40000)}, 1),
           forwarded("port 443 to its exact VIP", {client_frame("198.18.0.100", 443, 40000)}, 2),
       }},
      // The program skips the port-0 lookup while no port-0 VIP exists: the count it reads must
      // follow every sync, both ways.
      {"a port-0 VIP added or removed by a later sync takes or gives back every port at once",
       {
           passed("port 22 without a port-0 VIP", {client_frame("198.18.0.100", 22, 40000)}).after(serve_https),
           forwarded("port 22 once a port-0 VIP is added", {client_frame("198.18.0.100", 22, 40001)}, 1)
               .after(serve_every_port),
           forwarded("port 443 beside it", {client_frame("198.18.0.100", 443, 40001)}, 2),
           passed("port 22 once the port-0 VIP is gone", {client_frame("198.18.0.100", 22, 40002)}).after(serve_https),
           forwarded("port 443 still served", {client_frame("198.18.0.100", 443, 40002)}, 2),
       }},
      {"an inactive VIP (this node is backup) passes its traffic to the stack",
       {
           passed("to the VIP while inactive", {client_frame("198.18.0.100", 80, 40000)}, XDPLB_R_PASS_INACTIVE)
               .after(serve("VIP tcp/198.18.0.100:80 inactive", {backup_vip()})),
           forwarded("the same once active", {client_frame("198.18.0.100", 80, 40000)}, 1).after(serve_web),
       }},
      cut_vip_packets,
  };
}

}  // namespace

TEST_CASE("VIP: classification table (what is served, what passes and why)") { run_frame_table(vip_table()); }
