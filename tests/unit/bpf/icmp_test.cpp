// ICMP in the XDP program: frag-needed and packet-too-big about a VIP flow follow that flow to its
// backend; echo and the rest pass to the local stack.
#include <doctest/doctest.h>

#include "frame_table.h"

using namespace xdplb::test;

namespace {

constexpr int kFlows = 40;

// An ICMP error from a router quoting the backend's reply VIP:vport -> client:cport.
Frame icmp_error(bool v6, uint16_t vport, uint16_t cport) {
  FrameSpec quoted;
  quoted.src_ip = v6 ? "fd00::100" : "198.18.0.100";
  quoted.dst_ip = v6 ? "fd00:1::1" : "198.18.1.1";
  quoted.sport = vport;
  quoted.dport = cport;
  quoted.tcp_flags = 0x10;
  auto inner = build_frame(quoted);
  inner.erase(inner.begin(), inner.begin() + 14);  // the quoted IP packet
  inner.resize(inner.size() > 64 ? 64 : inner.size());

  // Type/code: IPv6 packet too big (2/0) or IPv4 fragmentation needed (3/4); MTU 1280.
  std::vector<uint8_t> icmp(8 + inner.size(), 0);
  icmp[0] = v6 ? 2 : 3;
  icmp[1] = v6 ? 0 : 4;
  icmp[6] = 0x05;
  std::copy(inner.begin(), inner.end(), icmp.begin() + 8);
  FrameSpec outer;
  outer.src_mac = kClientMac;
  outer.dst_mac = kIfaceMac;
  outer.src_ip = v6 ? "fd00:9::1" : "198.18.9.1";
  outer.dst_ip = v6 ? "fd00::100" : "198.18.0.100";
  outer.proto = v6 ? 58 : 1;
  outer.l4_override = icmp;
  return build_frame(outer);
}

// Errors quoting the replies of the kFlows flows of flows(..., 30000).
Frames errors_about_flows(bool v6) {
  Frames out;
  for (uint16_t cport = 30000; cport < 30000 + kFlows; ++cport) out.push_back(icmp_error(v6, 80, cport));
  return out;
}

Frame echo_request() {
  FrameSpec ping;
  ping.dst_ip = "198.18.0.100";
  ping.proto = 1;
  return build_frame(ping);
}

FrameRow flows_to(const std::string& vip_address, const std::string& name) {
  return forwarded(std::to_string(kFlows) + " flows to " + vip_address, flows(vip_address, 80, kFlows, 30000))
      .remembered_as(name);
}

// Errors are counted on the VIP they are about, never as new flows.
FrameRow errors_after(bool v6, const std::string& vip_key, const std::string& flows_name) {
  return forwarded(v6 ? "packet-too-big about each of them" : "frag-needed about each of them", errors_about_flows(v6),
                   0, XDPLB_R_FWD_ICMP_ERROR)
      .checking(as_remembered(flows_name))
      .moving({{.vip = vip_key, .packets = kFlows, .new_flows = 0}});
}

FrameTable icmp_table() {
  std::vector<xdplb::dataplane::BackendSpec> v4, v6;
  for (int i = 1; i <= 4; ++i) {
    v4.push_back(backend(backend_ip(i)));
    v6.push_back(backend(backend_ip(i, true)));
  }
  return {
      {"frag-needed and packet-too-big reach the backend of the flow they quote",
       {
           flows_to("198.18.0.100", "v4 flows")
               .after(serve("VIPs tcp/198.18.0.100:80 and tcp/[fd00::100]:80 over backends 1-4",
                            {vip("198.18.0.100", 80, v4), vip("fd00::100", 80, v6)})),
           errors_after(false, "tcp/198.18.0.100:80", "v4 flows"),
           flows_to("fd00::100", "v6 flows"),
           errors_after(true, "tcp/[fd00::100]:80", "v6 flows"),
           passed("an error about a port that is no VIP", {icmp_error(false, 81, 30000)}),
       }},
      {"ICMP echo to a VIP passes to the local stack",
       {passed("echo request to a port-0 VIP", {echo_request()})
            .after(serve("VIP 198.18.0.100 port 0 over backend 1", {vip("198.18.0.100", 0, {backend(backend_ip(1), 0)})}))}},
  };
}

}  // namespace

TEST_CASE("ICMP: error and echo table") { run_frame_table(icmp_table()); }
