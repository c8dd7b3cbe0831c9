#include "dataplane/neighbours.h"

#include <array>
#include <map>

#include <linux/neighbour.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <sys/socket.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>

namespace xdplb::dataplane {

namespace {

struct SockDeleter {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct CacheDeleter {
  void operator()(nl_cache* c) const { nl_cache_free(c); }
};
struct AddrDeleter {
  void operator()(nl_addr* a) const { nl_addr_put(a); }
};
struct NeighDeleter {
  void operator()(rtnl_neigh* n) const { rtnl_neigh_put(n); }
};
using NlSock = std::unique_ptr<nl_sock, SockDeleter>;
using NlCache = std::unique_ptr<nl_cache, CacheDeleter>;
using NlAddr = std::unique_ptr<nl_addr, AddrDeleter>;

int af_of(const config::IpAddress& a) { return a.is_ipv4() ? AF_INET : AF_INET6; }

NlAddr to_nl(const config::IpAddress& a) {
  return NlAddr(nl_addr_build(af_of(a), a.bytes.data(), a.is_ipv4() ? 4 : 16));
}

std::optional<MacAddress> mac_of(nl_addr* lladdr) {
  if (!lladdr || nl_addr_get_len(lladdr) != 6) return std::nullopt;
  MacAddress mac;
  std::memcpy(mac.data(), nl_addr_get_binary_addr(lladdr), 6);
  return mac;
}

class NetlinkResolver final : public NextHopResolver {
 public:
  NetlinkResolver() : sock_(nl_socket_alloc()) {
    if (!sock_) throw std::runtime_error("nl_socket_alloc failed");
    if (int err = nl_connect(sock_.get(), NETLINK_ROUTE); err < 0)
      throw std::runtime_error(std::string("netlink connect: ") + nl_geterror(err));
    refresh();
  }

  void refresh() override {
    links_ = alloc([this](nl_cache** c) { return rtnl_link_alloc_cache(sock_.get(), AF_UNSPEC, c); }, "links");
    addrs_ = alloc([this](nl_cache** c) { return rtnl_addr_alloc_cache(sock_.get(), c); }, "addresses");
    neighs_ = alloc([this](nl_cache** c) { return rtnl_neigh_alloc_cache(sock_.get(), c); }, "neighbours");
    // A server that left the configuration (not looked up last round) is forgotten.
    std::erase_if(off_link_, [this](const auto& entry) { return !answers_.count(entry.first); });
    answers_.clear();
  }

  // One answer per address and round: a thousand VIPs over the same ten servers look each one up
  // once, and an unknown MAC costs one NTF_USE request per round, not one per VIP (a rack that went
  // dark used to cost ten thousand netlink round trips a sync).
  std::optional<NextHop> resolve(const config::IpAddress& address) override {
    const AnswerKey key{address.family, address.bytes};
    if (const auto it = answers_.find(key); it != answers_.end()) return it->second;
    auto answer = look_up(address);
    answers_.emplace(key, answer);
    return answer;
  }

 private:
  using AnswerKey = std::pair<config::AddressFamily, std::array<std::uint8_t, 16>>;

  std::optional<NextHop> look_up(const config::IpAddress& address) {
    const AnswerKey key{address.family, address.bytes};
    const int ifindex = interface_for(address);
    if (ifindex == 0) {
      // Once while it lasts (this runs at every sync and retry), again if it comes back later; only
      // at the second round in a row, so a MASTER whose address brings the network (it syncs before
      // and after adding it) does not warn for a moment.
      if (++off_link_[key] == 2)
        spdlog::warn("real server {} is on no network this host is connected to: DR and NAT servers are reached "
                     "on-link (through the interface whose prefix holds them, never via a gateway), so it stays "
                     "out of service until an interface's prefix holds it",
                     address.to_string());
      return std::nullopt;
    }
    if (const auto it = off_link_.find(key); it != off_link_.end()) {
      if (it->second >= 2) spdlog::info("real server {} is on a connected network again", address.to_string());
      off_link_.erase(it);
    }
    rtnl_link* link = rtnl_link_get(links_.get(), ifindex);
    if (!link) return std::nullopt;
    const auto src_mac = mac_of(rtnl_link_get_addr(link));
    rtnl_link_put(link);
    if (!src_mac) return std::nullopt;

    NlAddr dst = to_nl(address);
    rtnl_neigh* neigh = rtnl_neigh_get(neighs_.get(), ifindex, dst.get());
    std::optional<MacAddress> mac;
    if (neigh) {
      const int usable = NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP;
      if (rtnl_neigh_get_state(neigh) & usable) mac = mac_of(rtnl_neigh_get_lladdr(neigh));
      rtnl_neigh_put(neigh);
    }
    if (!mac) {
      start_resolution(ifindex, dst.get(), address);
      return std::nullopt;
    }
    return NextHop{ifindex, *mac, *src_mac};
  }

  template <typename Fn>
  NlCache alloc(Fn fn, const char* what) {
    nl_cache* c = nullptr;
    if (int err = fn(&c); err < 0) throw std::runtime_error(std::string("netlink dump of ") + what + ": " + nl_geterror(err));
    return NlCache(c);
  }

  // The interface with the longest connected prefix holding the address.
  int interface_for(const config::IpAddress& address) {
    int best_ifindex = 0, best_len = -1;
    for (nl_object* o = nl_cache_get_first(addrs_.get()); o; o = nl_cache_get_next(o)) {
      auto* a = reinterpret_cast<rtnl_addr*>(o);
      if (rtnl_addr_get_family(a) != af_of(address)) continue;
      nl_addr* local = rtnl_addr_get_local(a);
      const int len = rtnl_addr_get_prefixlen(a);
      if (!local || len <= best_len || len == (address.is_ipv4() ? 32 : 128)) continue;
      config::IpAddress prefix;
      prefix.family = address.family;
      prefix.prefix_length = static_cast<std::uint8_t>(len);
      std::memcpy(prefix.bytes.data(), nl_addr_get_binary_addr(local), address.is_ipv4() ? 4 : 16);
      if (config::prefix_holds(prefix, address)) {
        best_len = len;
        best_ifindex = rtnl_addr_get_ifindex(a);
      }
    }
    return best_ifindex;
  }

  // Asks the kernel to resolve the neighbour as if a packet were waiting for it (NTF_USE).
  void start_resolution(int ifindex, nl_addr* dst, const config::IpAddress& address) {
    std::unique_ptr<rtnl_neigh, NeighDeleter> n(rtnl_neigh_alloc());
    rtnl_neigh_set_ifindex(n.get(), ifindex);
    rtnl_neigh_set_dst(n.get(), dst);
    rtnl_neigh_set_flags(n.get(), NTF_USE);
    if (int err = rtnl_neigh_add(sock_.get(), n.get(), NLM_F_CREATE); err < 0)
      spdlog::warn("starting neighbour resolution of {}: {}", address.to_string(), nl_geterror(err));
    else
      spdlog::debug("resolving the MAC of {} on ifindex {}", address.to_string(), ifindex);
  }

  NlSock sock_;
  NlCache links_, addrs_, neighs_;
  std::map<AnswerKey, std::optional<NextHop>> answers_;  // this round's, cleared by refresh()
  std::map<AnswerKey, int> off_link_;                    // rounds in a row on no connected network
};

}  // namespace

std::unique_ptr<NextHopResolver> make_netlink_resolver() { return std::make_unique<NetlinkResolver>(); }

}  // namespace xdplb::dataplane
