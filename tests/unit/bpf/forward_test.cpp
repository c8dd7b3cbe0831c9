// The XDP program forwarding VIP traffic in DR mode: exact bytes out, verdicts and counters.
#include <arpa/inet.h>
#include <linux/bpf.h>

#include <doctest/doctest.h>

#include "lb_fixture.h"

using namespace xdplb::test;
using xdplb::dataplane::VipSpec;

namespace {

// The frame DR must produce: the input with destination MAC = backend, source MAC = interface.
std::vector<uint8_t> dr_rewrite(std::vector<uint8_t> frame, int backend) {
  const Mac b = backend_mac(backend);
  std::copy(b.begin(), b.end(), frame.begin());
  std::copy(kIfaceMac.begin(), kIfaceMac.end(), frame.begin() + 6);
  return frame;
}

}  // namespace

TEST_CASE("DR: a TCP packet to the VIP leaves with only its MACs rewritten, counted per VIP and backend") {
  LbFixture lb;
  lb.add_backends(3);
  lb.sync({vip("198.18.0.100", 80, {backend(backend_ip(1)), backend(backend_ip(2)), backend(backend_ip(3))})});

  const auto in = client_frame("198.18.0.100", 80, 40000);
  const auto out = lb.run(in);
  CHECK(out.verdict == XDP_TX);
  const int b = LbFixture::backend_of(out);
  REQUIRE(b >= 1);
  CHECK(out.packet == dr_rewrite(in, b));
  CHECK(lb.verdict(XDPLB_R_FWD_TX).packets == 1);

  const auto status = lb.dp().status();
  REQUIRE(status.size() == 1);
  CHECK(status[0].traffic.packets == 1);
  CHECK(status[0].traffic.bytes == in.size());
  CHECK(status[0].traffic.new_flows == 1);
  uint64_t backend_packets = 0;
  for (const auto& bs : status[0].backends) {
    backend_packets += bs.traffic.packets;
    if (bs.key.endpoint() == backend_ip(b) + ":80") CHECK(bs.traffic.new_flows == 1);
  }
  CHECK(backend_packets == 1);
}

TEST_CASE("DR: IPv6 TCP and UDP, VLAN tags and IPv4 options are forwarded intact") {
  LbFixture lb;
  lb.add_backends(2);
  lb.sync({vip("fd00::100", 443, {backend(backend_ip(1, true), 443), backend(backend_ip(2, true), 443)}),
           vip("fd00::100", 53, {backend(backend_ip(1, true), 53)}, 17),
           vip("198.18.0.100", 80, {backend(backend_ip(1))})});

  for (const auto& in : {client_frame("fd00::100", 443, 40000), client_frame("fd00::100", 53, 40001, 1, 17)}) {
    const auto out = lb.run(in);
    CHECK(out.verdict == XDP_TX);
    const int b = LbFixture::backend_of(out);
    REQUIRE(b >= 1);
    CHECK(out.packet == dr_rewrite(in, b));
  }

  FrameSpec tagged;
  tagged.src_mac = kClientMac;
  tagged.dst_mac = kIfaceMac;
  tagged.dst_ip = "198.18.0.100";
  tagged.vlan_tci = 42;
  tagged.ip_options = {0x94, 0x04, 0x00, 0x00};
  const auto in = build_frame(tagged);
  const auto out = lb.run(in);
  CHECK(out.verdict == XDP_TX);
  CHECK(out.packet == dr_rewrite(in, 1));
}

TEST_CASE("the VIP's other ports, other protocols and other addresses pass untouched") {
  LbFixture lb;
  lb.add_backends(1);
  lb.sync({vip("198.18.0.100", 80, {backend(backend_ip(1))})});
  for (const auto& in : {client_frame("198.18.0.100", 81, 40000), client_frame("198.18.0.100", 80, 40000, 1, 17),
                         client_frame("198.18.0.101", 80, 40000)}) {
    const auto out = lb.run(in);
    CHECK(out.verdict == XDP_PASS);
    CHECK(out.packet == in);
  }
  CHECK(lb.verdict(XDPLB_R_PASS_NOT_VIP).packets == 3);
}

TEST_CASE("a port-0 VIP serves every port of its address; an exact port wins over it") {
  LbFixture lb;
  lb.add_backends(2);
  lb.sync({vip("198.18.0.100", 0, {backend(backend_ip(1), 0)}), vip("198.18.0.100", 443, {backend(backend_ip(2), 443)})});
  for (uint16_t port : {uint16_t{22}, uint16_t{80}, uint16_t{8080}})
    CHECK(LbFixture::backend_of(lb.run(client_frame("198.18.0.100", port, 40000))) == 1);
  CHECK(LbFixture::backend_of(lb.run(client_frame("198.18.0.100", 443, 40000))) == 2);
}

// The program skips the port-0 lookup while no port-0 VIP exists: the count it reads must follow
// every sync, both ways.
TEST_CASE("a port-0 VIP added or removed by a later sync takes or gives back every port at once") {
  LbFixture lb;
  lb.add_backends(2);
  const auto exact = vip("198.18.0.100", 443, {backend(backend_ip(2), 443)});
  lb.sync({exact});
  CHECK(lb.run(client_frame("198.18.0.100", 22, 40000)).verdict == XDP_PASS);

  lb.sync({exact, vip("198.18.0.100", 0, {backend(backend_ip(1), 0)})});
  CHECK(LbFixture::backend_of(lb.run(client_frame("198.18.0.100", 22, 40001))) == 1);
  CHECK(LbFixture::backend_of(lb.run(client_frame("198.18.0.100", 443, 40001))) == 2);

  lb.sync({exact});
  CHECK(lb.run(client_frame("198.18.0.100", 22, 40002)).verdict == XDP_PASS);
  CHECK(LbFixture::backend_of(lb.run(client_frame("198.18.0.100", 443, 40002))) == 2);
}

TEST_CASE("a backend behind another interface is reached with bpf_redirect_map") {
  const int dummy = private_netns_dummy_ifindex();
  LbFixture lb;
  lb.add_backends(1, dummy);
  lb.sync({vip("198.18.0.100", 80, {backend(backend_ip(1))})});
  const auto in = client_frame("198.18.0.100", 80, 40000);
  const auto out = lb.run(in);
  CHECK(out.verdict == XDP_REDIRECT);
  CHECK(out.packet == dr_rewrite(in, 1));
  CHECK(lb.verdict(XDPLB_R_FWD_REDIRECT).packets == 1);
}

TEST_CASE("an inactive VIP (this node is backup) passes its traffic to the stack") {
  LbFixture lb;
  lb.add_backends(1);
  auto v = vip("198.18.0.100", 80, {backend(backend_ip(1))});
  v.active = false;
  lb.sync({v});
  const auto in = client_frame("198.18.0.100", 80, 40000);
  const auto out = lb.run(in);
  CHECK(out.verdict == XDP_PASS);
  CHECK(out.packet == in);
  CHECK(lb.verdict(XDPLB_R_PASS_INACTIVE).packets == 1);
  v.active = true;
  lb.sync({v});
  CHECK(lb.run(in).verdict == XDP_TX);
}

TEST_CASE("VIP packets cut at any header boundary pass as truncated, never forwarded") {
  LbFixture lb;
  lb.add_backends(1);
  lb.sync({vip("198.18.0.100", 80, {backend(backend_ip(1))}), vip("fd00::100", 80, {backend(backend_ip(1, true))})});
  for (const char* dst : {"198.18.0.100", "fd00::100"}) {
    const auto frame = client_frame(dst, 80, 40000);
    for (size_t len = 14; len < frame.size(); ++len) {
      CAPTURE(len);
      const std::vector<uint8_t> cut(frame.begin(), frame.begin() + static_cast<long>(len));
      const auto out = lb.run(cut);
      CHECK(out.verdict == XDP_PASS);
      CHECK(out.packet == cut);
    }
  }
  CHECK(lb.verdict(XDPLB_R_FWD_TX).packets == 0);
}

TEST_CASE("fragments: the first is steered like its flow, later ones pass and are counted") {
  LbFixture lb;
  lb.add_backends(3);
  lb.sync({vip("198.18.0.100", 80, {backend(backend_ip(1)), backend(backend_ip(2)), backend(backend_ip(3))}, 17)});
  const int flow_backend = LbFixture::backend_of(lb.run(client_frame("198.18.0.100", 80, 40000, 1, 17)));
  REQUIRE(flow_backend >= 1);
  FrameSpec first;
  first.src_mac = kClientMac;
  first.dst_mac = kIfaceMac;
  first.src_ip = "198.18.1.1";
  first.dst_ip = "198.18.0.100";
  first.proto = 17;
  first.sport = 40000;
  first.ipv4_frag = 0x2000;
  CHECK(LbFixture::backend_of(lb.run(build_frame(first))) == flow_backend);
  FrameSpec later = first;
  later.ipv4_frag = 0x0040;
  const auto in = build_frame(later);
  CHECK(lb.run(in).verdict == XDP_PASS);
  CHECK(lb.verdict(XDPLB_R_PASS_FRAGMENT).packets == 1);
}
