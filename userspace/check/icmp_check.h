// PING_CHECK / ICMP_CHECK: one ICMP (v4) or ICMPv6 echo request; healthy when the matching echo
// reply arrives within connect_timeout. Uses a raw socket (root) and falls back to an unprivileged
// ICMP datagram socket (net.ipv4.ping_group_range) when raw sockets are not permitted.
#pragma once

#include <asio/io_context.hpp>
#include <cstdint>
#include <vector>

#include "check/checker.h"

namespace xdplb::check {

struct IcmpCheckParams {
  CheckTarget target;  // port is ignored
  bool operator==(const IcmpCheckParams&) const = default;
};

// Internet checksum (RFC 1071) of `data`.
std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t size);

class IcmpCheck final : public Checker {
 public:
  IcmpCheck(asio::io_context& io, IcmpCheckParams params);
  void start(Clock::duration connect_timeout, Completion done) override;
  std::string describe() const override;

 private:
  asio::io_context& io_;
  IcmpCheckParams params_;
  std::uint16_t identifier_;
  std::uint16_t sequence_ = 0;
};

}  // namespace xdplb::check
