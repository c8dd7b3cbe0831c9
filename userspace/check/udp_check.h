// UDP_CHECK: one datagram to the server on a connected UDP socket. An ICMP error (port or host
// unreachable, which a connected socket reports as ECONNREFUSED / EHOSTUNREACH) fails it. Without
// require_reply, silence until connect_timeout is success; with it, a reply must come in time, of
// min_reply_length..max_reply_length bytes, and match reply_data (masked nibbles aside) over the
// shorter of the two (keepalived 2.2.7's rules).
#pragma once

#include <asio/io_context.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "check/checker.h"

namespace xdplb::check {

struct UdpCheckParams {
  CheckTarget target;
  std::vector<std::uint8_t> payload;  // empty: random bytes
  bool require_reply = false;
  std::vector<std::uint8_t> reply_data;
  std::vector<std::uint8_t> reply_mask;  // empty, or one byte per reply_data byte: bits to ignore
  unsigned min_reply_length = 0;
  unsigned max_reply_length = 255;
  bool operator==(const UdpCheckParams&) const = default;
};

// Empty when `reply` is what `params` requires; otherwise why not.
std::string check_udp_reply(const UdpCheckParams& params, const std::uint8_t* reply, std::size_t size);

class UdpCheck final : public Checker {
 public:
  UdpCheck(asio::io_context& io, UdpCheckParams params);
  void start(Clock::duration connect_timeout, Completion done) override;
  std::string describe() const override;

 private:
  asio::io_context& io_;
  UdpCheckParams params_;
};

}  // namespace xdplb::check
