#include "dataplane/nat_reverse.h"

#include <arpa/inet.h>

#include <cstring>

#include "dataplane/live_maps.h"

namespace xdplb::dataplane {

namespace {

// Every NAT backend of a VIP, the sorry server included: its replies come back the same way.
template <typename Visit>
void for_each_nat_server(const VipSpec& spec, Visit&& visit) {
  for (const auto& b : spec.backends)
    if (b.forward == ForwardMethod::nat) visit(b);
  if (spec.sorry_server && spec.sorry_server->forward == ForwardMethod::nat) visit(*spec.sorry_server);
}

}  // namespace

NatKeyBytes bytes_of(const xdplb_nat_key& key) {
  NatKeyBytes b{};
  std::memcpy(b.data(), &key, sizeof(key));
  return b;
}

xdplb_nat_key nat_key_of(const BackendSpec& server, std::uint8_t protocol) {
  xdplb_nat_key key{};
  std::memcpy(key.addr, server.address.bytes.data(), server.address.is_ipv4() ? 4 : 16);
  key.port = htons(server.port);
  key.proto = protocol;
  key.family = server.address.is_ipv4() ? XDPLB_FAMILY_V4 : XDPLB_FAMILY_V6;
  return key;
}

std::string nat_key_text(const xdplb_nat_key& key) {
  return protocol_name(key.proto) + "/" + endpoint_text(address_from(key.addr, key.family), ntohs(key.port), key.port == 0);
}

std::set<NatKeyBytes> nat_ambiguous_keys(const std::vector<const VipSpec*>& vips) {
  std::map<NatKeyBytes, std::set<std::string>> behind;  // server key -> VIP keys
  std::set<NatKeyBytes> ambiguous;
  for (const VipSpec* spec : vips)
    for_each_nat_server(*spec, [&](const BackendSpec& b) {
      const auto key = bytes_of(nat_key_of(b, spec->protocol));
      behind[key].insert(spec->key());
      if (b.nat_shared) ambiguous.insert(key);
    });
  for (const auto& [key, vip_keys] : behind)
    if (vip_keys.size() > 1) ambiguous.insert(key);
  return ambiguous;
}

NatReverseTable build_nat_reverse(const std::vector<NatServedVip>& vips, const std::set<NatKeyBytes>& ambiguous) {
  NatReverseTable table;
  for (const auto& vip : vips)
    for_each_nat_server(*vip.spec, [&](const BackendSpec& b) {
      const xdplb_nat_key key = nat_key_of(b, vip.spec->protocol);
      const auto bytes = bytes_of(key);
      const __u8 active = vip.spec->active ? XDPLB_NAT_F_ACTIVE : 0;
      if (ambiguous.count(bytes)) {
        auto& e = table.entries[bytes];
        e.flags = static_cast<__u8>(e.flags | XDPLB_NAT_F_AMBIGUOUS | active);
        table.ambiguous.insert(bytes);
        return;
      }
      xdplb_nat_reverse e{};
      std::memcpy(e.vip_addr, vip.spec->address.bytes.data(), vip.spec->address.is_ipv4() ? 4 : 16);
      e.vip_port = htons(vip.spec->port);
      e.flags = active;
      e.vip_id = vip.vip_id;
      table.entries[bytes] = e;
    });
  for (const auto& [bytes, e] : table.entries) {
    xdplb_nat_key key{};
    std::memcpy(&key, bytes.data(), sizeof(key));
    table.port_any += key.port == 0;
  }
  return table;
}

}  // namespace xdplb::dataplane
