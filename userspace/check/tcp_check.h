// TCP_CHECK: the server is healthy when a TCP connection to it completes within connect_timeout.
#pragma once

#include <asio/io_context.hpp>

#include "check/checker.h"

namespace xdplb::check {

struct TcpCheckParams {
  CheckTarget target;
  bool operator==(const TcpCheckParams&) const = default;
};

class TcpCheck final : public Checker {
 public:
  TcpCheck(asio::io_context& io, TcpCheckParams params);
  void start(Clock::duration connect_timeout, Completion done) override;
  std::string describe() const override;

 private:
  asio::io_context& io_;
  TcpCheckParams params_;
};

}  // namespace xdplb::check
