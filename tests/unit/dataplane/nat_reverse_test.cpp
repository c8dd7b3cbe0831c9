// The NAT reverse table: one entry per NAT server endpoint, naming its VIP, or ambiguous.
#include <arpa/inet.h>

#include <doctest/doctest.h>

#include "dataplane/nat_reverse.h"

using namespace xdplb::dataplane;

namespace {

BackendSpec server(const std::string& ip, std::uint16_t port, ForwardMethod f = ForwardMethod::nat) {
  BackendSpec b;
  b.address = *xdplb::config::IpAddress::parse(ip);
  b.port = port;
  b.forward = f;
  return b;
}

VipSpec vip_of(const std::string& ip, std::uint16_t port, std::vector<BackendSpec> backends, bool active = true) {
  VipSpec v;
  v.address = *xdplb::config::IpAddress::parse(ip);
  v.port = port;
  v.backends = std::move(backends);
  v.active = active;
  return v;
}

const xdplb_nat_reverse* entry(const NatReverseTable& t, const BackendSpec& b, std::uint8_t proto = 6) {
  const auto it = t.entries.find(bytes_of(nat_key_of(b, proto)));
  return it == t.entries.end() ? nullptr : &it->second;
}

}  // namespace

TEST_CASE("NAT reverse: each server endpoint names its VIP, DR servers have none") {
  const auto a = vip_of("198.18.0.100", 80, {server("198.18.0.11", 8080), server("198.18.0.12", 80, ForwardMethod::dr)});
  auto b = vip_of("fd00::100", 0, {server("fd00::11", 0)}, false);
  b.sorry_server = server("fd00::99", 0);
  const std::vector<const VipSpec*> specs{&a, &b};
  const auto table = build_nat_reverse({{&a, 3}, {&b, 7}}, nat_ambiguous_keys(specs));
  CHECK(table.entries.size() == 3);
  CHECK(table.ambiguous.empty());
  CHECK(table.port_any == 2);
  const auto* e = entry(table, server("198.18.0.11", 8080));
  REQUIRE(e);
  CHECK(e->vip_id == 3);
  CHECK(ntohs(e->vip_port) == 80);
  CHECK(e->flags == XDPLB_NAT_F_ACTIVE);
  in_addr vip4{};
  inet_pton(AF_INET, "198.18.0.100", &vip4);
  CHECK(e->vip_addr[0] == vip4.s_addr);
  CHECK(e->vip_addr[1] == 0);
  CHECK_FALSE(entry(table, server("198.18.0.12", 80, ForwardMethod::dr)));
  const auto* six = entry(table, server("fd00::11", 0));
  REQUIRE(six);
  CHECK(six->flags == 0);  // its VIP is inactive here: replies pass
  CHECK(six->vip_port == 0);
  CHECK(entry(table, server("fd00::99", 0)));  // the sorry server's replies come back too
  CHECK(nat_key_text(nat_key_of(server("fd00::11", 0), 6)) == "tcp/[fd00::11]:*");
}

TEST_CASE("NAT reverse: an endpoint behind two VIPs, or shared by the configuration, is ambiguous") {
  const auto a = vip_of("198.18.0.100", 80, {server("198.18.0.11", 8080)}, false);
  const auto b = vip_of("198.18.0.101", 80, {server("198.18.0.11", 8080)});
  auto shared = server("198.18.0.12", 8080);
  shared.nat_shared = true;
  const auto c = vip_of("198.18.0.102", 80, {shared});
  const std::vector<const VipSpec*> specs{&a, &b, &c};
  const auto ambiguous = nat_ambiguous_keys(specs);
  CHECK(ambiguous.size() == 2);
  const auto table = build_nat_reverse({{&a, 1}, {&b, 2}, {&c, 3}}, ambiguous);
  const auto* e = entry(table, server("198.18.0.11", 8080));
  REQUIRE(e);
  CHECK(e->flags == (XDPLB_NAT_F_AMBIGUOUS | XDPLB_NAT_F_ACTIVE));  // active: one of its VIPs is
  CHECK(e->vip_id == 0);
  CHECK(e->vip_addr[0] == 0);
  const auto* s = entry(table, shared);
  REQUIRE(s);
  CHECK(s->flags == (XDPLB_NAT_F_AMBIGUOUS | XDPLB_NAT_F_ACTIVE));
  // Other protocols are other endpoints.
  const auto u = vip_of("198.18.0.103", 80, {server("198.18.0.11", 8080)});
  VipSpec udp = u;
  udp.protocol = 17;
  const std::vector<const VipSpec*> mixed{&a, &udp};
  CHECK(nat_ambiguous_keys(mixed).empty());
}
