// ICMP errors about VIP flows, echo to a VIP, and flows surviving an agent restart (pinned maps).
#include <linux/bpf.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include <doctest/doctest.h>

#include "dataplane/bpffs.h"
#include "lb_fixture.h"

using namespace xdplb::test;

namespace {

// An ICMP error from a router quoting the backend's reply VIP:vport -> client:cport.
std::vector<uint8_t> icmp_error(bool v6, uint16_t vport, uint16_t cport) {
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

}  // namespace

TEST_CASE("frag-needed and packet-too-big reach the backend of the flow they quote") {
  LbFixture lb;
  lb.add_backends(4);
  std::vector<xdplb::dataplane::BackendSpec> v4, v6;
  for (int i = 1; i <= 4; ++i) {
    v4.push_back(backend(backend_ip(i)));
    v6.push_back(backend(backend_ip(i, true)));
  }
  lb.sync({vip("198.18.0.100", 80, v4), vip("fd00::100", 80, v6)});
  for (bool is_v6 : {false, true}) {
    CAPTURE(is_v6);
    for (uint16_t cport = 30000; cport < 30040; ++cport) {
      const int flow_backend =
          LbFixture::backend_of(lb.run(client_frame(is_v6 ? "fd00::100" : "198.18.0.100", 80, cport)));
      REQUIRE(flow_backend >= 1);
      const auto in = icmp_error(is_v6, 80, cport);
      const auto out = lb.run(in);
      CHECK(out.verdict == XDP_TX);
      CHECK(LbFixture::backend_of(out) == flow_backend);
      CHECK(std::equal(in.begin() + 12, in.end(), out.packet.begin() + 12));  // only MACs changed
    }
  }
  CHECK(lb.verdict(XDPLB_R_FWD_ICMP_ERROR).packets == 80);
  // An error about a port that is no VIP passes.
  CHECK(lb.run(icmp_error(false, 81, 30000)).verdict == XDP_PASS);
}

TEST_CASE("ICMP echo to a VIP passes to the local stack") {
  LbFixture lb;
  lb.add_backends(1);
  lb.sync({vip("198.18.0.100", 0, {backend(backend_ip(1), 0)})});
  FrameSpec ping;
  ping.dst_ip = "198.18.0.100";
  ping.proto = 1;
  const auto in = build_frame(ping);
  const auto out = lb.run(in);
  CHECK(out.verdict == XDP_PASS);
  CHECK(out.packet == in);
}

TEST_CASE("established flows keep their backend across an agent restart with pinned maps") {
  const std::string instance = "unit-restart-" + std::to_string(getpid());
  // Whatever happens below, the pins go at the end.
  struct PinCleanup {
    std::string dir;
    ~PinCleanup() { std::filesystem::remove_all(dir); }
  } cleanup{xdplb::dataplane::pin_dir_for_instance(instance)};
  std::map<uint16_t, int> before;
  {
    LbFixture lb(instance);
    lb.add_backends(5);
    std::vector<xdplb::dataplane::BackendSpec> bs;
    for (int i = 1; i <= 5; ++i) bs.push_back(backend(backend_ip(i)));
    lb.sync({vip("198.18.0.100", 80, bs)});
    for (uint16_t p = 20000; p < 20500; ++p) before[p] = LbFixture::backend_of(lb.run(client_frame("198.18.0.100", 80, p)));
    lb.stop_keeping_pins();
  }
  LbFixture again(instance);
  again.add_backends(5);
  // The new run knows only backends 1-4 at first (5 is still being checked): flows on 1-4 stay,
  // flows that were on 5 re-choose among 1-4.
  std::vector<xdplb::dataplane::BackendSpec> bs;
  for (int i = 1; i <= 4; ++i) bs.push_back(backend(backend_ip(i)));
  again.sync({vip("198.18.0.100", 80, bs)});
  for (const auto& [port, b] : before) {
    const uint16_t p = port;  // a copy: clang 14 cannot capture structured bindings
    CAPTURE(p);
    const int now = LbFixture::backend_of(again.run(client_frame("198.18.0.100", 80, p)));
    if (b != 5) CHECK(now == b);
    else CHECK((now >= 1 && now <= 4));
  }
  // Pinned counters carried over: 500 packets before the restart, 500 after.
  CHECK(again.dp().status()[0].traffic.packets == 1000);
}
