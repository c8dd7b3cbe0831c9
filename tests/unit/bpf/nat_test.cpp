// lb_kind NAT in the XDP program, both directions: client -> VIP:vport leaves for RS:port, the
// server's reply RS:port -> client leaves as VIP:vport, ICMP errors both ways translated with their
// flows. Every frame out is compared byte for byte with one built from scratch (addresses, ports,
// TTL, every checksum computed anew by the test's own packet builder), so an incremental checksum
// the program gets wrong shows as a wrong frame.
#include <arpa/inet.h>

#include <cstdlib>
#include <stdexcept>

#include <doctest/doctest.h>

#include "frame_table.h"

using namespace xdplb::test;

namespace {

// The client's next hop as this lab's FIB knows it (a permanent neighbour behind the veth end).
constexpr Mac kRouterMac{0x02, 0, 0, 0, 0, 0xee};
constexpr Mac kVethMac{0x02, 0, 0, 0, 0, 0xdd};

// The private namespace of this process, with what bpf_fib_lookup needs for replies: forwarding
// on, routes to the clients (198.18.1.0/24, fd00:1::/64) via a resolved router, and a client net
// (198.18.3.0/24, fd00:3::/64) via a router without a neighbour entry.
void fib_lab() {
  static const bool ready = [] {
    private_netns_dummy_ifindex();
    const char* commands[] = {
        "ip link set lo up",
        "ip link set xdplb-d0 address 02:00:00:00:00:dd",
        "ip link set xdplb-d1 up",
        "ip link set xdplb-d0 up",
        "sysctl -qw net.ipv4.ip_forward=1",
        "sysctl -qw net.ipv6.conf.all.forwarding=1",
        "ip addr add 198.18.2.2/24 dev xdplb-d0",
        "ip -6 addr add fd00:2::2/64 dev xdplb-d0 nodad",
        "ip neigh replace 198.18.2.1 lladdr 02:00:00:00:00:ee dev xdplb-d0 nud permanent",
        "ip -6 neigh replace fd00:2::1 lladdr 02:00:00:00:00:ee dev xdplb-d0 nud permanent",
        "ip route add 198.18.1.0/24 via 198.18.2.1 dev xdplb-d0",
        "ip -6 route add fd00:1::/64 via fd00:2::1 dev xdplb-d0",
        "ip route add 198.18.3.0/24 via 198.18.2.3 dev xdplb-d0",
        "ip -6 route add fd00:3::/64 via fd00:2::3 dev xdplb-d0",
    };
    for (const char* c : commands)
      if (std::system(c) != 0) throw std::runtime_error(std::string("lab setup failed: ") + c);
    return true;
  }();
  (void)ready;
}

struct Pkt {
  std::string src, dst;
  uint16_t sport = 40000, dport = 80;
  uint8_t proto = 6;
  uint8_t ttl = 64;
  Mac src_mac = kClientMac, dst_mac = kIfaceMac;
  bool udp_no_checksum = false;  // IPv4 UDP sent without a checksum (0)
};

bool is_v6(const std::string& ip) { return ip.find(':') != std::string::npos; }

Frame make(const Pkt& p) {
  FrameSpec s;
  s.src_mac = p.src_mac;
  s.dst_mac = p.dst_mac;
  s.src_ip = p.src;
  s.dst_ip = p.dst;
  s.sport = p.sport;
  s.dport = p.dport;
  s.proto = p.proto;
  s.ttl = p.ttl;
  s.tcp_flags = 0x18;
  s.payload = {'h', 'e', 'l', 'l', 'o'};
  Frame f = build_frame(s);
  if (p.udp_no_checksum) f[14 + 20 + 6] = f[14 + 20 + 7] = 0;
  return f;
}

// An ICMP error from `from` to `to` quoting the packet q (its first 64 bytes at most).
// v4: type/code; v6: type/code of ICMPv6. The ICMP checksum is computed here, from scratch.
Frame icmp_error(const std::string& from, const std::string& to, const Pkt& q, uint8_t type, uint8_t code,
                 uint8_t ttl = 64, Mac src_mac = kClientMac, Mac dst_mac = kIfaceMac) {
  const bool v6 = is_v6(from);
  Frame inner = make(q);
  inner.erase(inner.begin(), inner.begin() + 14);
  inner.resize(std::min<std::size_t>(inner.size(), 64));
  std::vector<uint8_t> icmp(8 + inner.size(), 0);
  icmp[0] = type;
  icmp[1] = code;
  icmp[6] = 0x05;  // MTU 1280 for the PMTU kinds
  std::copy(inner.begin(), inner.end(), icmp.begin() + 8);
  uint32_t sum = 0;
  if (v6) {
    uint8_t a[16];
    inet_pton(AF_INET6, from.c_str(), a);
    for (int i = 0; i < 16; i += 2) sum += static_cast<uint32_t>(a[i] << 8 | a[i + 1]);
    inet_pton(AF_INET6, to.c_str(), a);
    for (int i = 0; i < 16; i += 2) sum += static_cast<uint32_t>(a[i] << 8 | a[i + 1]);
    sum += 58 + static_cast<uint32_t>(icmp.size());
  }
  const uint16_t c = inet_checksum(icmp.data(), icmp.size(), sum);
  icmp[2] = static_cast<uint8_t>(c >> 8);
  icmp[3] = static_cast<uint8_t>(c);
  FrameSpec outer;
  outer.src_mac = src_mac;
  outer.dst_mac = dst_mac;
  outer.src_ip = from;
  outer.dst_ip = to;
  outer.proto = v6 ? 58 : 1;
  outer.ttl = ttl;
  outer.l4_override = icmp;
  return build_frame(outer);
}

xdplb::dataplane::BackendSpec nat_backend(int n, uint16_t port, bool v6 = false) {
  auto b = backend(backend_ip(n, v6), port);
  b.forward = xdplb::dataplane::ForwardMethod::nat;
  return b;
}

Setup nat_lab(std::string name, std::vector<xdplb::dataplane::VipSpec> vips) {
  return {std::move(name), [vips = std::move(vips)](Lab& lab) {
            fib_lab();
            lab.lb().sync(vips);
          }};
}

// Inbound rows: out of the ingress (the lab's backends resolve there) to `backend`.
FrameRow inbound(std::string description, const Frame& in, const Frame& out, int backend = 1) {
  return FrameRow{.description = std::move(description),
                  .in = {in},
                  .verdict = XDP_TX,
                  .out = exactly(out),
                  .reason = XDPLB_R_FWD_TX}
      .checking(only_backend(backend));
}

// A reply redirected to the client's router through the veth end.
FrameRow outbound(std::string description, const Frame& in, const Frame& out) {
  return FrameRow{.description = std::move(description),
                  .in = {in},
                  .verdict = XDP_REDIRECT,
                  .out = exactly(out),
                  .reason = XDPLB_R_FWD_NAT_REPLY};
}

const std::string kVip = "198.18.0.100", kVip6 = "fd00::100", kClient = "198.18.1.1", kClient6 = "fd00:1::1";

Pkt to_vip(uint16_t sport = 40000, uint8_t proto = 6) { return {.src = kClient, .dst = kVip, .sport = sport, .dport = 80, .proto = proto}; }
Pkt at_rs(const Pkt& p, int n = 1, uint16_t port = 8080) {
  Pkt q = p;
  q.dst = backend_ip(n, is_v6(p.dst));
  q.dport = port;
  q.ttl = static_cast<uint8_t>(p.ttl - 1);
  q.src_mac = kIfaceMac;
  q.dst_mac = backend_mac(n);
  return q;
}
Pkt reply(int n, uint16_t rport, const std::string& client, uint16_t cport, uint8_t proto = 6) {
  return {.src = backend_ip(n, is_v6(client)), .dst = client, .sport = rport, .dport = cport, .proto = proto,
          .src_mac = backend_mac(n), .dst_mac = kIfaceMac};
}
Pkt translated(const Pkt& r, const std::string& vip, uint16_t vport) {
  Pkt q = r;
  q.src = vip;
  q.sport = vport;
  q.ttl = static_cast<uint8_t>(r.ttl - 1);
  q.src_mac = kVethMac;
  q.dst_mac = kRouterMac;
  return q;
}

Frames cut_at(const Frame& f, std::vector<std::size_t> lengths) {
  Frames out;
  for (auto n : lengths) out.emplace_back(f.begin(), f.begin() + static_cast<long>(n));
  return out;
}

FrameTable nat_table() {
  const auto v4 = std::vector{vip(kVip, 80, {nat_backend(1, 8080)}), vip(kVip, 53, {nat_backend(1, 5353)}, 17),
                              vip(kVip6, 443, {nat_backend(1, 8443, true)}),
                              vip(kVip6, 53, {nat_backend(1, 5353, true)}, 17)};
  const Setup one_server = nat_lab(
      "NAT VIPs tcp/198.18.0.100:80 -> backend 1:8080, udp :53 -> :5353, tcp/[fd00::100]:443 -> :8443, udp :53 -> :5353",
      v4);

  Pkt tcp6 = {.src = kClient6, .dst = kVip6, .sport = 40000, .dport = 443};
  Pkt udp6 = {.src = kClient6, .dst = kVip6, .sport = 40001, .dport = 53, .proto = 17};
  Pkt udp_zero = to_vip(40002, 17);
  udp_zero.dport = 53;
  udp_zero.udp_no_checksum = true;
  Pkt udp4 = to_vip(40003, 17);
  udp4.dport = 53;

  Pkt ttl1 = to_vip(40004);
  ttl1.ttl = 1;
  Pkt reply_ttl1 = reply(1, 8080, kClient, 40000);
  reply_ttl1.ttl = 1;
  const Pkt unresolved = reply(1, 8080, "198.18.3.1", 40000);
  Pkt unresolved_out = unresolved;  // translated, TTL and MACs the kernel's to set
  unresolved_out.src = kVip;
  unresolved_out.sport = 80;

  // ICMP: the client's side says the reply VIP:80 -> client:40000 was too big; the server says
  // the client's datagram to it found no port.
  const Pkt reply_seen_outside = {.src = kVip, .dst = kClient, .sport = 80, .dport = 40000};
  Pkt reply_seen_inside = reply_seen_outside;
  reply_seen_inside.src = backend_ip(1);
  reply_seen_inside.sport = 8080;
  Pkt udp_at_rs = at_rs(udp4, 1, 5353);
  Pkt udp_at_vip = udp4;  // as the server got it, but for its destination
  udp_at_vip.ttl = 63;

  const Pkt reply6_seen_outside = {.src = kVip6, .dst = kClient6, .sport = 443, .dport = 40000};
  Pkt reply6_seen_inside = reply6_seen_outside;
  reply6_seen_inside.src = backend_ip(1, true);
  reply6_seen_inside.sport = 8443;
  Pkt udp6_at_rs = at_rs(udp6, 1, 5353);
  Pkt udp6_at_vip = udp6;
  udp6_at_vip.ttl = 63;

  const Frame in_tcp = make(to_vip());
  const Frame a_reply = make(reply(1, 8080, kClient, 40000));

  FrameRow ptb = inbound("frag-needed from a router about the reply VIP:80 -> client: to the server, about RS:8080",
                         icmp_error("198.18.9.1", kVip, reply_seen_outside, 3, 4),
                         icmp_error("198.18.9.1", backend_ip(1), reply_seen_inside, 3, 4, 63, kIfaceMac, backend_mac(1)));
  ptb.reason = XDPLB_R_FWD_ICMP_ERROR;
  FrameRow ptb6 = inbound("packet-too-big about the IPv6 reply: to the server, about RS:8443",
                          icmp_error("fd00:9::1", kVip6, reply6_seen_outside, 2, 0),
                          icmp_error("fd00:9::1", backend_ip(1, true), reply6_seen_inside, 2, 0, 63, kIfaceMac,
                                     backend_mac(1)));
  ptb6.reason = XDPLB_R_FWD_ICMP_ERROR;

  FrameRow passed_ttl = passed("a reply with TTL 1 passes untouched: the kernel answers time-exceeded",
                               {make(reply_ttl1)}, XDPLB_R_PASS_TTL_EXPIRED);
  FrameRow dropped_ttl = passed("a client's packet with TTL 1 is dropped (its destination, the VIP, is local)",
                                {make(ttl1)}, XDPLB_R_DROP_TTL_EXPIRED);
  dropped_ttl.verdict = XDP_DROP;
  dropped_ttl.out = unchecked();
  FrameRow no_neigh = passed("a reply whose next hop is not resolved: translated, passed for the kernel to resolve",
                             {make(unresolved)}, XDPLB_R_PASS_NAT_NO_NEIGH);
  no_neigh.out = exactly(make(unresolved_out));

  // Every header boundary of a client packet and of a reply: the parser stops them, untouched.
  const Frame in_udp6 = make(udp6);
  Frames cut = cut_at(in_tcp, {14, 24, 33, 34, 44, 53});
  for (auto& f : cut_at(a_reply, {14, 34, 44, 53})) cut.push_back(f);
  for (auto& f : cut_at(in_udp6, {14, 40, 54, 61})) cut.push_back(f);

  return {
      {"NAT inbound: destination RS:port, TTL down, checksums right, by XDP_TX; IPv4 and IPv6, TCP and UDP",
       {
           inbound("TCP to VIP:80 leaves for backend 1:8080", in_tcp, make(at_rs(to_vip())))
               .after(one_server)
               .moving({{.vip = "tcp/198.18.0.100:80", .packets = 1, .new_flows = 1, .per_backend = true}}),
           inbound("UDP to VIP:53 leaves for :5353", make(udp4), make(at_rs(udp4, 1, 5353))),
           inbound("UDP over IPv4 without a checksum keeps none", make(udp_zero), make(at_rs(udp_zero, 1, 5353))),
           inbound("IPv6 TCP to [VIP]:443 leaves for [backend 1]:8443 (pseudo-header sum updated)", make(tcp6),
                   make(at_rs(tcp6, 1, 8443))),
           inbound("IPv6 UDP to [VIP]:53 leaves for :5353", in_udp6, make(at_rs(udp6, 1, 5353))),
           dropped_ttl,
       }},
      {"NAT outbound: replies get VIP:vport back without any state, next hop from the FIB",
       {
           outbound("a reply from RS:8080 leaves as VIP:80 (no conntrack entry: a node that never saw the flow)",
                    a_reply, make(translated(reply(1, 8080, kClient, 40000), kVip, 80)))
               .after(one_server),
           outbound("a UDP reply from RS:5353 leaves as VIP:53", make(reply(1, 5353, kClient, 40003, 17)),
                    make(translated(reply(1, 5353, kClient, 40003, 17), kVip, 53))),
           outbound("an IPv6 TCP reply from [RS]:8443 leaves as [VIP]:443", make(reply(1, 8443, kClient6, 40000)),
                    make(translated(reply(1, 8443, kClient6, 40000), kVip6, 443))),
           outbound("an IPv6 UDP reply from [RS]:5353 leaves as [VIP]:53", make(reply(1, 5353, kClient6, 40001, 17)),
                    make(translated(reply(1, 5353, kClient6, 40001, 17), kVip6, 53))),
           passed("the server's own traffic from another port passes untouched", {make(reply(1, 22, kClient, 40000))}),
           passed("so does another host's", {make(reply(5, 8080, kClient, 40000))}),
           passed_ttl,
           no_neigh,
       }},
      {"NAT ICMP errors are translated both ways, every checksum with them",
       {
           inbound("the flow the errors are about", in_tcp, make(at_rs(to_vip()))).after(one_server),
           ptb,
           inbound("the IPv6 flow", make({.src = kClient6, .dst = kVip6, .sport = 40000, .dport = 443}),
                   make(at_rs(tcp6, 1, 8443))),
           ptb6,
           outbound("port unreachable from the server about client -> RS:5353: from the VIP, about VIP:53",
                    icmp_error(backend_ip(1), kClient, udp_at_rs, 3, 3, 64, backend_mac(1), kIfaceMac),
                    icmp_error(kVip, kClient, udp_at_vip, 3, 3, 63, kVethMac, kRouterMac)),
           outbound("ICMPv6 port unreachable from the server: from [VIP], about [VIP]:53",
                    icmp_error(backend_ip(1, true), kClient6, udp6_at_rs, 1, 4, 64, backend_mac(1), kIfaceMac),
                    icmp_error(kVip6, kClient6, udp6_at_vip, 1, 4, 63, kVethMac, kRouterMac)),
       }},
      {"NAT port 0: every port of the VIP, the client's port kept both ways",
       {
           inbound("TCP to VIP:1234 leaves for backend 2:1234", make({.src = kClient, .dst = kVip, .sport = 40000, .dport = 1234}),
                   make(at_rs({.src = kClient, .dst = kVip, .sport = 40000, .dport = 1234}, 2, 1234)), 2)
               .after(nat_lab("NAT VIP tcp/198.18.0.100 every port over backend 2 port 0", {vip(kVip, 0, {nat_backend(2, 0)})})),
           outbound("its reply from RS:1234 leaves as VIP:1234", make(reply(2, 1234, kClient, 40000)),
                    make(translated(reply(2, 1234, kClient, 40000), kVip, 1234))),
       }},
      {"NAT server behind two VIPs: replies need the flow the inbound path recorded",
       {
           passed("a reply before any client packet: no VIP to give it, passed and counted",
                  {make(reply(1, 8080, kClient, 40000))}, XDPLB_R_PASS_NAT_AMBIGUOUS)
               .after(nat_lab("NAT VIPs tcp/198.18.0.100:80 and tcp/198.18.0.101:80, both over backend 1:8080",
                              {vip(kVip, 80, {nat_backend(1, 8080)}), vip("198.18.0.101", 80, {nat_backend(1, 8080)})})),
           inbound("the client's packet to .101:80", make({.src = kClient, .dst = "198.18.0.101", .sport = 40000}),
                   make(at_rs({.src = kClient, .dst = "198.18.0.101", .sport = 40000}))),
           outbound("its reply leaves as .101:80, the VIP it came in on", make(reply(1, 8080, kClient, 40000)),
                    make(translated(reply(1, 8080, kClient, 40000), "198.18.0.101", 80))),
           passed("another client's reply is still ambiguous", {make(reply(1, 8080, kClient, 40001))},
                  XDPLB_R_PASS_NAT_AMBIGUOUS),
       }},
      {"NAT truncated at every header boundary, both directions: passed untouched, counted",
       {passed("cut client packets and replies", cut, XDPLB_R_PASS_TRUNCATED).after(one_server)}},
  };
}

}  // namespace

TEST_CASE("NAT: inbound, outbound and ICMP table") { run_frame_table(nat_table()); }
