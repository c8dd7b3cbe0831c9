#include "check/tcp_check.h"

#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>

#include "check/attempt.h"

namespace xdplb::check {
namespace {

class TcpAttempt final : public Attempt<TcpAttempt> {
 public:
  TcpAttempt(asio::io_context& io, const CheckTarget& target, Checker::Completion done)
      : Attempt(io, std::move(done)), target_(target), socket_(io) {}

  void run(Clock::duration connect_timeout) {
    asio::ip::tcp::endpoint endpoint(target_.address, target_.port);
    if (!open_and_bind(socket_, target_, endpoint.protocol())) return;
    arm_deadline(connect_timeout, "TCP connect to " + target_.describe() + " timed out");
    socket_.async_connect(endpoint, [self = shared_from_this()](const std::error_code& ec) {
      if (self->finished()) return;
      if (ec) return self->fail("TCP connect to " + self->target_.describe() + " failed: " + ec.message());
      self->succeed("TCP connect to " + self->target_.describe() + " succeeded");
    });
  }

 private:
  void abort_io() override {
    std::error_code ignored;
    socket_.close(ignored);
  }

  CheckTarget target_;
  asio::ip::tcp::socket socket_;
};

}  // namespace

TcpCheck::TcpCheck(asio::io_context& io, TcpCheckParams params) : io_(io), params_(std::move(params)) {}

void TcpCheck::start(Clock::duration connect_timeout, Completion done) {
  auto attempt = std::make_shared<TcpAttempt>(io_, params_.target, std::move(done));
  asio::post(io_, [attempt, connect_timeout] { attempt->run(connect_timeout); });
}

std::string TcpCheck::describe() const { return "TCP_CHECK " + params_.target.describe(); }

}  // namespace xdplb::check
