// Link state as the kernel announces it: an RTNLGRP_LINK subscription read on the agent's loop.
// The VRRP interface going down puts its instances in Fault, a track_interface moves their
// priority; both learn it here the moment it happens, without polling.
#pragma once

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>

#include <functional>
#include <span>
#include <string>

namespace xdplb::vrrp {

struct LinkEvent {
  std::string name;
  int ifindex = 0;
  bool usable = false;  // administratively up and with carrier; false too when deleted
  bool deleted = false;
};

// Parses one datagram of rtnetlink messages; calls `on_link` for every RTM_NEWLINK/RTM_DELLINK.
// Malformed messages end the parse (the kernel never sends them; a fuzzer might).
void parse_link_messages(std::span<const uint8_t> datagram, const std::function<void(const LinkEvent&)>& on_link);

class LinkMonitor {
 public:
  using Handler = std::function<void(const LinkEvent&)>;
  // Throws std::system_error when the subscription cannot be opened.
  LinkMonitor(asio::io_context& io, Handler handler);
  LinkMonitor(const LinkMonitor&) = delete;
  LinkMonitor& operator=(const LinkMonitor&) = delete;

 private:
  void wait_readable();
  void drain();

  asio::posix::stream_descriptor descriptor_;
  Handler handler_;
};

}  // namespace xdplb::vrrp
