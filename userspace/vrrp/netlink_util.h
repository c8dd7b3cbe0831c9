// Private helpers of the libnl adapters: RAII for libnl objects and address conversions.
#pragma once

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/object.h>
#include <sys/socket.h>

#include <asio/ip/address.hpp>

#include <array>
#include <cstring>
#include <memory>
#include <optional>

namespace xdplb::vrrp {

template <typename T>
struct NlObjectDeleter {
  void operator()(T* object) const { nl_object_put(reinterpret_cast<nl_object*>(object)); }
};
template <typename T>
using NlObject = std::unique_ptr<T, NlObjectDeleter<T>>;

struct NlCacheDeleter {
  void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};
using NlCache = std::unique_ptr<nl_cache, NlCacheDeleter>;

struct NlAddrDeleter {
  void operator()(nl_addr* address) const { nl_addr_put(address); }
};
using NlAddr = std::unique_ptr<nl_addr, NlAddrDeleter>;

inline std::optional<asio::ip::address> to_asio(const nl_addr* address) {
  if (!address) return std::nullopt;
  const auto* bytes = static_cast<const uint8_t*>(nl_addr_get_binary_addr(address));
  if (nl_addr_get_family(address) == AF_INET && nl_addr_get_len(address) == 4) {
    asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), bytes, b.size());
    return asio::ip::address_v4(b);
  }
  if (nl_addr_get_family(address) == AF_INET6 && nl_addr_get_len(address) == 16) {
    asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), bytes, b.size());
    return asio::ip::address_v6(b);
  }
  return std::nullopt;
}

inline NlAddr to_nl(const asio::ip::address& address, unsigned prefix_length) {
  NlAddr out;
  if (address.is_v4()) {
    const auto b = address.to_v4().to_bytes();
    out.reset(nl_addr_build(AF_INET, b.data(), b.size()));
  } else {
    const auto b = address.to_v6().to_bytes();
    out.reset(nl_addr_build(AF_INET6, b.data(), b.size()));
  }
  if (out) nl_addr_set_prefixlen(out.get(), static_cast<int>(prefix_length));
  return out;
}

}  // namespace xdplb::vrrp
