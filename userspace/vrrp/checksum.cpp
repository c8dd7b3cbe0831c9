#include "vrrp/checksum.h"

namespace xdplb::vrrp {

void InternetChecksum::add(std::span<const uint8_t> bytes) {
  size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum_ += static_cast<uint32_t>(bytes[i] << 8 | bytes[i + 1]);
  if (i < bytes.size()) sum_ += static_cast<uint32_t>(bytes[i] << 8);
}

void InternetChecksum::add_u32(uint32_t value) {
  sum_ += value >> 16;
  sum_ += value & 0xffff;
}

uint16_t InternetChecksum::finish() const {
  uint64_t folded = sum_;
  while (folded >> 16) folded = (folded & 0xffff) + (folded >> 16);
  return static_cast<uint16_t>(~folded & 0xffff);
}

void add_pseudo_header(InternetChecksum& sum, const asio::ip::address& source,
                       const asio::ip::address& destination, uint8_t protocol, uint32_t length) {
  if (source.is_v4()) {
    const auto src = source.to_v4().to_bytes();
    const auto dst = destination.to_v4().to_bytes();
    sum.add(src);
    sum.add(dst);
    sum.add_u16(protocol);
    sum.add_u16(static_cast<uint16_t>(length));
  } else {
    const auto src = source.to_v6().to_bytes();
    const auto dst = destination.to_v6().to_bytes();
    sum.add(src);
    sum.add(dst);
    sum.add_u32(length);
    sum.add_u16(protocol);
  }
}

}  // namespace xdplb::vrrp
