#include "vrrp/socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>

namespace xdplb::vrrp {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& interface) {
  throw std::system_error(errno, std::system_category(), "VRRP socket on " + interface + ": " + what);
}

template <typename T>
void set_option(int fd, int level, int name, const T& value, const char* what, const std::string& interface) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) fail(what, interface);
}

int open_raw(const std::string& interface, bool ipv6) {
  const int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kIpProtocolVrrp);
  if (fd < 0) fail("socket(IPPROTO_VRRP)", interface);
  return fd;
}

IpAddress from_in6(const in6_addr& a) {
  asio::ip::address_v6::bytes_type bytes;
  std::memcpy(bytes.data(), a.s6_addr, bytes.size());
  return asio::ip::address_v6(bytes);
}

IpAddress from_in4(uint32_t network_order) {
  asio::ip::address_v4::bytes_type bytes;
  std::memcpy(bytes.data(), &network_order, bytes.size());
  return asio::ip::address_v4(bytes);
}

in6_addr to_in6(const IpAddress& address) {
  in6_addr out{};
  const auto bytes = address.to_v6().to_bytes();
  std::memcpy(out.s6_addr, bytes.data(), bytes.size());
  return out;
}

in_addr to_in4(const IpAddress& address) {
  in_addr out{};
  const auto bytes = address.to_v4().to_bytes();
  std::memcpy(&out.s_addr, bytes.data(), bytes.size());
  return out;
}

}  // namespace

VrrpSocket::VrrpSocket(asio::io_context& io, std::string interface, int ifindex, bool ipv6)
    : interface_(std::move(interface)), ifindex_(ifindex), ipv6_(ipv6), descriptor_(io, open_raw(interface_, ipv6)) {
  const int fd = descriptor_.native_handle();
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface_.c_str(), static_cast<socklen_t>(interface_.size())) != 0)
    fail("SO_BINDTODEVICE", interface_);
  const int on = 1;
  const int off = 0;
  const int hops = kRequiredTtl;
  if (ipv6_) {
    set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hops, "IPV6_MULTICAST_HOPS", interface_);
    set_option(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, hops, "IPV6_UNICAST_HOPS", interface_);
    set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, off, "IPV6_MULTICAST_LOOP", interface_);
    set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex_, "IPV6_MULTICAST_IF", interface_);
    // Only the groups this socket joined, not those other sockets of the host joined (as keepalived).
    set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, off, "IPV6_MULTICAST_ALL", interface_);
    set_option(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, on, "IPV6_RECVHOPLIMIT", interface_);
    set_option(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, on, "IPV6_RECVPKTINFO", interface_);
  } else {
    const unsigned char ttl = kRequiredTtl;
    const unsigned char no_loop = 0;
    set_option(fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl, "IP_MULTICAST_TTL", interface_);
    set_option(fd, IPPROTO_IP, IP_TTL, hops, "IP_TTL", interface_);
    set_option(fd, IPPROTO_IP, IP_MULTICAST_LOOP, no_loop, "IP_MULTICAST_LOOP", interface_);
    ip_mreqn via{};
    via.imr_ifindex = ifindex_;
    set_option(fd, IPPROTO_IP, IP_MULTICAST_IF, via, "IP_MULTICAST_IF", interface_);
    set_option(fd, IPPROTO_IP, IP_MULTICAST_ALL, off, "IP_MULTICAST_ALL", interface_);
    set_option(fd, IPPROTO_IP, IP_RECVTTL, on, "IP_RECVTTL", interface_);
    set_option(fd, IPPROTO_IP, IP_PKTINFO, on, "IP_PKTINFO", interface_);
  }
}

VrrpSocket::~VrrpSocket() {
  // Closing would leave the groups too; leaving explicitly sends the IGMP/MLD leave at once.
  while (!joined_.empty()) leave(*joined_.begin());
}

void VrrpSocket::join(const IpAddress& group) {
  if (joined_.count(group)) return;
  const int fd = descriptor_.native_handle();
  const std::string what = "joining " + group.to_string();
  if (ipv6_) {
    ipv6_mreq request{};
    request.ipv6mr_multiaddr = to_in6(group);
    request.ipv6mr_interface = static_cast<unsigned>(ifindex_);
    set_option(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, request, what.c_str(), interface_);
  } else {
    ip_mreqn request{};
    request.imr_multiaddr = to_in4(group);
    request.imr_ifindex = ifindex_;
    set_option(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, request, what.c_str(), interface_);
  }
  joined_.insert(group);
  spdlog::debug("VRRP socket on {} joined {}", interface_, group.to_string());
}

void VrrpSocket::leave(const IpAddress& group) {
  if (!joined_.erase(group)) return;
  const int fd = descriptor_.native_handle();
  int rc = 0;
  if (ipv6_) {
    ipv6_mreq request{};
    request.ipv6mr_multiaddr = to_in6(group);
    request.ipv6mr_interface = static_cast<unsigned>(ifindex_);
    rc = ::setsockopt(fd, IPPROTO_IPV6, IPV6_LEAVE_GROUP, &request, sizeof request);
  } else {
    ip_mreqn request{};
    request.imr_multiaddr = to_in4(group);
    request.imr_ifindex = ifindex_;
    rc = ::setsockopt(fd, IPPROTO_IP, IP_DROP_MEMBERSHIP, &request, sizeof request);
  }
  if (rc != 0)
    spdlog::warn("VRRP socket on {}: leaving {}: {}", interface_, group.to_string(), std::strerror(errno));
  else
    spdlog::debug("VRRP socket on {} left {}", interface_, group.to_string());
}

void VrrpSocket::start(ReceiveHandler handler) {
  handler_ = std::move(handler);
  wait_readable();
}

void VrrpSocket::wait_readable() {
  descriptor_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const std::error_code& ec) {
    if (ec) {
      if (ec != asio::error::operation_aborted) spdlog::error("VRRP socket on {}: {}", interface_, ec.message());
      return;
    }
    drain();
    wait_readable();
  });
}

void VrrpSocket::drain() {
  std::array<uint8_t, 4096> buffer;
  alignas(cmsghdr) std::array<char, 256> control;
  for (;;) {
    sockaddr_storage from{};
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(descriptor_.native_handle(), &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR)
        spdlog::warn("VRRP socket on {}: recvmsg: {}", interface_, std::strerror(errno));
      return;
    }
    ++received_;
    if (msg.msg_flags & MSG_TRUNC) {
      ++malformed_;
      continue;
    }
    ReceivedPacket packet;
    std::optional<uint8_t> ttl;
    size_t offset = 0;
    const auto length = static_cast<size_t>(n);
    if (ipv6_) {
      const auto* source = reinterpret_cast<const sockaddr_in6*>(&from);
      packet.ip.source = from_in6(source->sin6_addr);
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != IPPROTO_IPV6) continue;
        if (c->cmsg_type == IPV6_HOPLIMIT) {
          int value = 0;
          std::memcpy(&value, CMSG_DATA(c), sizeof value);
          ttl = static_cast<uint8_t>(value);
        } else if (c->cmsg_type == IPV6_PKTINFO) {
          in6_pktinfo info{};
          std::memcpy(&info, CMSG_DATA(c), sizeof info);
          packet.ip.destination = from_in6(info.ipi6_addr);
        }
      }
    } else {
      // An IPv4 raw socket delivers the IP header too: skip it (its length is in the header).
      if (length < sizeof(iphdr)) {
        ++malformed_;
        continue;
      }
      iphdr header{};
      std::memcpy(&header, buffer.data(), sizeof header);
      offset = static_cast<size_t>(header.ihl) * 4;
      if (offset < sizeof(iphdr) || offset > length) {
        ++malformed_;
        continue;
      }
      packet.ip.source = from_in4(header.saddr);
      packet.ip.destination = from_in4(header.daddr);
      ttl = header.ttl;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
          int value = 0;
          std::memcpy(&value, CMSG_DATA(c), sizeof value);
          ttl = static_cast<uint8_t>(value);
        }
      }
    }
    if (!ttl || packet.ip.destination.is_unspecified()) {
      ++malformed_;
      spdlog::debug("VRRP socket on {}: packet from {} without TTL or destination", interface_,
                    packet.ip.source.to_string());
      continue;
    }
    packet.ip.ttl = *ttl;
    packet.message.assign(buffer.begin() + static_cast<std::ptrdiff_t>(offset), buffer.begin() + n);
    if (handler_) handler_(packet);
  }
}

std::error_code VrrpSocket::send(std::span<const uint8_t> message, const IpAddress& source,
                                 const IpAddress& destination) {
  iovec iov{const_cast<uint8_t*>(message.data()), message.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(in6_pktinfo))> control{};
  sockaddr_in to4{};
  sockaddr_in6 to6{};
  msg.msg_control = control.data();
  // The source is set per packet (IP_PKTINFO / IPV6_PKTINFO): instances on one interface may send
  // from different addresses (unicast_src_ip), and IPv6 must use the link-local one.
  if (ipv6_) {
    to6.sin6_family = AF_INET6;
    to6.sin6_addr = to_in6(destination);
    if (destination.to_v6().is_link_local() || destination.to_v6().is_multicast_link_local())
      to6.sin6_scope_id = static_cast<uint32_t>(ifindex_);
    msg.msg_name = &to6;
    msg.msg_namelen = sizeof to6;
    msg.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
    in6_pktinfo info{};
    info.ipi6_addr = to_in6(source);
    info.ipi6_ifindex = static_cast<unsigned>(ifindex_);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  } else {
    to4.sin_family = AF_INET;
    to4.sin_addr = to_in4(destination);
    msg.msg_name = &to4;
    msg.msg_namelen = sizeof to4;
    msg.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo info{};
    info.ipi_ifindex = ifindex_;
    info.ipi_spec_dst = to_in4(source);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
  if (::sendmsg(descriptor_.native_handle(), &msg, MSG_DONTWAIT) < 0)
    return {errno, std::system_category()};
  return {};
}

}  // namespace xdplb::vrrp
