#include "vrrp/link_monitor.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace xdplb::vrrp {

namespace {

constexpr size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

int open_link_subscription() {
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) throw std::system_error(errno, std::system_category(), "netlink link subscription");
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  local.nl_groups = RTMGRP_LINK;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::system_error(err, std::system_category(), "netlink link subscription bind");
  }
  return fd;
}

}  // namespace

void parse_link_messages(std::span<const uint8_t> datagram, const std::function<void(const LinkEvent&)>& on_link) {
  size_t offset = 0;
  while (offset + sizeof(nlmsghdr) <= datagram.size()) {
    nlmsghdr header{};
    std::memcpy(&header, datagram.data() + offset, sizeof header);
    if (header.nlmsg_len < sizeof header || offset + header.nlmsg_len > datagram.size()) return;
    const size_t payload = offset + align4(sizeof header);
    const size_t end = offset + header.nlmsg_len;
    if ((header.nlmsg_type == RTM_NEWLINK || header.nlmsg_type == RTM_DELLINK) &&
        payload + sizeof(ifinfomsg) <= end) {
      ifinfomsg info{};
      std::memcpy(&info, datagram.data() + payload, sizeof info);
      LinkEvent event;
      event.ifindex = info.ifi_index;
      event.deleted = header.nlmsg_type == RTM_DELLINK;
      event.usable = !event.deleted && (info.ifi_flags & IFF_UP) && (info.ifi_flags & IFF_RUNNING);
      size_t attribute = payload + align4(sizeof info);
      while (attribute + sizeof(rtattr) <= end) {
        rtattr rta{};
        std::memcpy(&rta, datagram.data() + attribute, sizeof rta);
        if (rta.rta_len < sizeof rta || attribute + rta.rta_len > end) break;
        if (rta.rta_type == IFLA_IFNAME) {
          const auto* text = reinterpret_cast<const char*>(datagram.data() + attribute + sizeof rta);
          event.name.assign(text, strnlen(text, rta.rta_len - sizeof rta));
        }
        attribute += align4(rta.rta_len);
      }
      if (!event.name.empty()) on_link(event);
    }
    offset += align4(header.nlmsg_len);
  }
}

LinkMonitor::LinkMonitor(asio::io_context& io, Handler handler)
    : descriptor_(io, open_link_subscription()), handler_(std::move(handler)) {
  wait_readable();
}

void LinkMonitor::wait_readable() {
  descriptor_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const std::error_code& ec) {
    if (ec) {
      if (ec != asio::error::operation_aborted) spdlog::error("netlink link subscription: {}", ec.message());
      return;
    }
    drain();
    wait_readable();
  });
}

void LinkMonitor::drain() {
  std::array<uint8_t, 32768> buffer;
  for (;;) {
    const ssize_t n = ::recv(descriptor_.native_handle(), buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == ENOBUFS) {
        // Events were lost; the runtime re-reads link state on the next event of each link.
        spdlog::warn("netlink link subscription overran; some link events were lost");
        continue;
      }
      if (errno != EAGAIN && errno != EINTR)
        spdlog::warn("netlink link subscription: {}", std::strerror(errno));
      return;
    }
    parse_link_messages(std::span<const uint8_t>(buffer.data(), static_cast<size_t>(n)), handler_);
  }
}

}  // namespace xdplb::vrrp
