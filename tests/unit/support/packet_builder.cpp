#include "support/packet_builder.h"

#include <arpa/inet.h>

#include <cstring>
#include <stdexcept>

namespace xdplb::test {

namespace {

void put16(std::vector<uint8_t>& v, uint16_t x) {
  v.push_back(static_cast<uint8_t>(x >> 8));
  v.push_back(static_cast<uint8_t>(x));
}

void set16(std::vector<uint8_t>& v, size_t off, uint16_t x) {
  v[off] = static_cast<uint8_t>(x >> 8);
  v[off + 1] = static_cast<uint8_t>(x);
}

uint32_t sum_bytes(const uint8_t* data, size_t len, uint32_t sum) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (len & 1) sum += static_cast<uint32_t>(data[len - 1] << 8);
  return sum;
}

struct Address {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};
  size_t size() const { return v6 ? 16 : 4; }
};

Address parse_address(const std::string& text) {
  Address a;
  if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) return a;
  a.v6 = true;
  if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) return a;
  throw std::invalid_argument("not an IP address: " + text);
}

// Builds the L4 header and payload, with a checksum over the pseudo-header.
std::vector<uint8_t> build_l4(const FrameSpec& s, const Address& src, const Address& dst) {
  std::vector<uint8_t> l4;
  size_t csum_off = 0;
  bool has_csum = true;
  if (s.proto == 6) {
    put16(l4, s.sport);
    put16(l4, s.dport);
    l4.insert(l4.end(), {0, 0, 0, 1, 0, 0, 0, 0});  // seq, ack
    l4.push_back(5 << 4);
    l4.push_back(s.tcp_flags);
    put16(l4, 65535);
    csum_off = 16;
    put16(l4, 0);
    put16(l4, 0);
  } else if (s.proto == 17) {
    put16(l4, s.sport);
    put16(l4, s.dport);
    put16(l4, static_cast<uint16_t>(8 + s.payload.size()));
    csum_off = 6;
    put16(l4, 0);
  } else if (s.proto == 1 || s.proto == 58) {
    l4.insert(l4.end(), {static_cast<uint8_t>(s.proto == 1 ? 8 : 128), 0, 0, 0, 0, 1, 0, 1});  // echo request
    csum_off = 2;
  } else {
    has_csum = false;
  }
  l4.insert(l4.end(), s.payload.begin(), s.payload.end());
  if (!has_csum) return l4;

  uint32_t sum = 0;
  if (s.proto != 1) {  // ICMPv4 has no pseudo-header
    sum = sum_bytes(src.bytes.data(), src.size(), sum);
    sum = sum_bytes(dst.bytes.data(), dst.size(), sum);
    sum += s.proto;
    sum += static_cast<uint32_t>(l4.size());
  }
  uint16_t csum = inet_checksum(l4.data(), l4.size(), sum);
  if (s.proto == 17 && csum == 0) csum = 0xffff;
  set16(l4, csum_off, csum);
  return l4;
}

}  // namespace

uint16_t inet_checksum(const uint8_t* data, size_t len, uint32_t sum) {
  sum = sum_bytes(data, len, sum);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

std::vector<uint8_t> build_frame(const FrameSpec& s) {
  const Address src = parse_address(s.src_ip);
  const Address dst = parse_address(s.dst_ip);
  if (src.v6 != dst.v6) throw std::invalid_argument("mixed address families");

  std::vector<uint8_t> f(s.dst_mac.begin(), s.dst_mac.end());
  f.insert(f.end(), s.src_mac.begin(), s.src_mac.end());
  const uint16_t ethertype = s.ethertype ? s.ethertype : (src.v6 ? 0x86DD : 0x0800);
  if (s.vlan_tci) {
    put16(f, 0x8100);
    put16(f, *s.vlan_tci);
  }
  put16(f, ethertype);

  const std::vector<uint8_t> l4 = s.l4_override.empty() ? build_l4(s, src, dst) : s.l4_override;
  const size_t l3 = f.size();
  if (!src.v6) {
    std::vector<uint8_t> opts = s.ip_options;
    while (opts.size() % 4) opts.push_back(0);  // EOL padding
    const size_t hlen = 20 + opts.size();
    f.push_back(static_cast<uint8_t>(0x40 | (hlen / 4)));
    f.push_back(0);
    put16(f, static_cast<uint16_t>(hlen + l4.size()));
    put16(f, 0x1234);
    put16(f, s.ipv4_frag);
    f.push_back(s.ttl);
    f.push_back(s.proto);
    put16(f, 0);
    f.insert(f.end(), src.bytes.begin(), src.bytes.begin() + 4);
    f.insert(f.end(), dst.bytes.begin(), dst.bytes.begin() + 4);
    f.insert(f.end(), opts.begin(), opts.end());
    set16(f, l3 + 10, inet_checksum(&f[l3], hlen));
  } else {
    std::vector<uint8_t> ext;
    for (size_t i = 0; i < s.ipv6_ext.size(); ++i) {
      const uint8_t next = i + 1 < s.ipv6_ext.size() ? s.ipv6_ext[i + 1].type : s.proto;
      const auto& e = s.ipv6_ext[i];
      ext.push_back(next);
      if (e.type == 44) {
        ext.push_back(0);
        put16(ext, static_cast<uint16_t>(e.frag_offset << 3 | (e.more_fragments ? 1 : 0)));
        ext.insert(ext.end(), {0, 0, 0, 42});
      } else {
        ext.push_back(0);                                // length: 8 bytes
        ext.insert(ext.end(), {1, 4, 0, 0, 0, 0});       // PadN option
      }
    }
    f.push_back(0x60);
    f.insert(f.end(), {0, 0, 0});
    put16(f, static_cast<uint16_t>(ext.size() + l4.size()));
    f.push_back(s.ipv6_ext.empty() ? s.proto : s.ipv6_ext.front().type);
    f.push_back(s.ttl);
    f.insert(f.end(), src.bytes.begin(), src.bytes.end());
    f.insert(f.end(), dst.bytes.begin(), dst.bytes.end());
    f.insert(f.end(), ext.begin(), ext.end());
  }
  f.insert(f.end(), l4.begin(), l4.end());
  return f;
}

std::vector<uint8_t> build_arp_request(const Mac& src, const std::string& sender_ip, const std::string& target_ip) {
  const Address s = parse_address(sender_ip);
  const Address t = parse_address(target_ip);
  std::vector<uint8_t> f(6, 0xff);
  f.insert(f.end(), src.begin(), src.end());
  put16(f, 0x0806);
  put16(f, 1);       // Ethernet
  put16(f, 0x0800);  // IPv4
  f.push_back(6);
  f.push_back(4);
  put16(f, 1);  // request
  f.insert(f.end(), src.begin(), src.end());
  f.insert(f.end(), s.bytes.begin(), s.bytes.begin() + 4);
  f.insert(f.end(), 6, 0);
  f.insert(f.end(), t.bytes.begin(), t.bytes.begin() + 4);
  return f;
}

}  // namespace xdplb::test
