// SMTP_CHECK: the server must greet with 220 and answer our HELO with 250 (RFC 5321, 4.2 and
// 4.1.1.1), each within connect_timeout; we then say QUIT and close.
#pragma once

#include <asio/io_context.hpp>
#include <string>

#include "check/checker.h"

namespace xdplb::check {

struct SmtpCheckParams {
  CheckTarget target;       // port 25 unless configured
  std::string helo_name;    // empty: this host's name, as keepalived does
  bool operator==(const SmtpCheckParams&) const = default;
};

class SmtpCheck final : public Checker {
 public:
  SmtpCheck(asio::io_context& io, SmtpCheckParams params);
  void start(Clock::duration connect_timeout, Completion done) override;
  std::string describe() const override;

 private:
  asio::io_context& io_;
  SmtpCheckParams params_;
};

}  // namespace xdplb::check
