// The XDP program forwarding VIP traffic in DR mode: exact bytes out, verdicts and counters.
#include <doctest/doctest.h>

#include "frame_table.h"

using namespace xdplb::test;

namespace {

// A frame of client 1's UDP flow 198.18.1.1:40000 -> 198.18.0.100:80 with the fragment field set.
Frame udp_fragment(uint16_t frag) {
  FrameSpec s;
  s.src_mac = kClientMac;
  s.dst_mac = kIfaceMac;
  s.src_ip = "198.18.1.1";
  s.dst_ip = "198.18.0.100";
  s.proto = 17;
  s.sport = 40000;
  s.ipv4_frag = frag;
  return build_frame(s);
}

Frame tagged_with_options(const Mac& src, const Mac& dst) {
  FrameSpec s;
  s.src_mac = src;
  s.dst_mac = dst;
  s.dst_ip = "198.18.0.100";
  s.vlan_tci = 42;
  s.ip_options = {0x94, 0x04, 0x00, 0x00};
  return build_frame(s);
}

// Setup: backend 1 resolves behind an interface other than the ingress (a veth end in a private
// namespace: a devmap only takes interfaces that exist).
Setup backend_1_elsewhere() {
  return {"backend 1 behind another interface, VIP tcp/198.18.0.100:80 over it", [](Lab& lab) {
            lab.lb().add_backends(1, private_netns_dummy_ifindex());
            lab.lb().sync({vip("198.18.0.100", 80, {backend(backend_ip(1))})});
          }};
}

FrameTable forward_table() {
  const auto three = std::vector{backend(backend_ip(1)), backend(backend_ip(2)), backend(backend_ip(3))};
  FrameRow redirected = forwarded("TCP to the VIP", {client_frame("198.18.0.100", 80, 40000)}, 1, XDPLB_R_FWD_REDIRECT)
                            .after(backend_1_elsewhere());
  redirected.verdict = XDP_REDIRECT;
  // Expected as Katran's tester has it: the frame out built on its own, here with the MACs DR writes.
  FrameRow tagged = forwarded("IPv4 with an 802.1Q tag and a router alert option",
                              {tagged_with_options(kClientMac, kIfaceMac)}, 1);
  tagged.out = exactly(tagged_with_options(kIfaceMac, backend_mac(1)));
  return {
      {"DR: a TCP packet to the VIP leaves with only its MACs rewritten, counted per VIP and backend",
       {forwarded("TCP to the VIP", {client_frame("198.18.0.100", 80, 40000)})
            .after(serve("VIP tcp/198.18.0.100:80 over backends 1-3", {vip("198.18.0.100", 80, three)}))
            .moving({{.vip = "tcp/198.18.0.100:80", .packets = 1, .new_flows = 1, .per_backend = true}})}},
      {"DR: IPv6 TCP and UDP, VLAN tags and IPv4 options are forwarded intact",
       {
           forwarded("IPv6 TCP", {client_frame("fd00::100", 443, 40000)})
               .after(serve("VIPs tcp/[fd00::100]:443 over 1-2, udp/[fd00::100]:53 over 1, tcp/198.18.0.100:80 over 1",
                            {vip("fd00::100", 443, {backend(backend_ip(1, true), 443), backend(backend_ip(2, true), 443)}),
                             vip("fd00::100", 53, {backend(backend_ip(1, true), 53)}, 17),
                             vip("198.18.0.100", 80, {backend(backend_ip(1))})})),
           forwarded("IPv6 UDP", {client_frame("fd00::100", 53, 40001, 1, 17)}),
           tagged,
       }},
      {"a backend behind another interface is reached with bpf_redirect_map", {redirected}},
      {"fragments: the first is steered like its flow, later ones pass and are counted",
       {
           forwarded("the flow's unfragmented datagram", {client_frame("198.18.0.100", 80, 40000, 1, 17)})
               .after(serve("VIP udp/198.18.0.100:80 over backends 1-3", {vip("198.18.0.100", 80, three, 17)}))
               .remembered_as("flow"),
           forwarded("a first fragment (MF, offset 0)", {udp_fragment(0x2000)}).checking(as_remembered("flow")),
           passed("a later fragment", {udp_fragment(0x0040)}, XDPLB_R_PASS_FRAGMENT),
       }},
  };
}

}  // namespace

TEST_CASE("DR: forward table") { run_frame_table(forward_table()); }
