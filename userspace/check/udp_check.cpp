#include "check/udp_check.h"

#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <random>

#include "check/attempt.h"

namespace xdplb::check {
namespace {

// The size of the random payload sent when none is configured.
constexpr std::size_t kRandomPayloadBytes = 16;

std::vector<std::uint8_t> random_payload() {
  std::random_device random;
  std::vector<std::uint8_t> bytes(kRandomPayloadBytes);
  for (auto& byte : bytes) byte = static_cast<std::uint8_t>(random());
  return bytes;
}

class UdpAttempt final : public Attempt<UdpAttempt> {
 public:
  UdpAttempt(asio::io_context& io, const UdpCheckParams& params, Checker::Completion done)
      : Attempt(io, std::move(done)),
        params_(params),
        payload_(params.payload.empty() ? random_payload() : params.payload),
        reply_(params.max_reply_length + 1),
        socket_(io),
        quiet_(io) {}

  void run(Clock::duration timeout) {
    asio::ip::udp::endpoint server(params_.target.address, params_.target.port);
    if (!open_and_bind(socket_, params_.target, server.protocol())) return;
    std::error_code ec;
    // Connected: the kernel reports ICMP errors for this flow on the socket and drops datagrams from others.
    socket_.connect(server, ec);
    if (ec) return fail(what() + ": " + ec.message());
    if (params_.require_reply) {
      arm_deadline(timeout, what() + ": no reply within connect_timeout");
    } else {
      arm_quiet_period(timeout);
    }
    socket_.async_send(asio::buffer(payload_), [self = shared_from_this()](const std::error_code& send_ec, std::size_t) {
      if (self->finished()) return;
      if (send_ec) return self->fail(self->what() + ": sending failed: " + send_ec.message());
      self->receive();
    });
  }

 private:
  std::string what() const { return "UDP " + params_.target.describe(); }

  // Without require_reply, no ICMP error within the timeout is the success.
  void arm_quiet_period(Clock::duration timeout) {
    quiet_.expires_after(timeout);
    quiet_.async_wait([self = shared_from_this()](const std::error_code& ec) {
      if (ec || self->finished()) return;
      self->succeed(self->what() + ": no ICMP error within connect_timeout");
    });
  }

  void receive() {
    socket_.async_receive(asio::buffer(reply_), [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
      if (self->finished()) return;
      if (ec) return self->fail(self->what() + ": " + ec.message());
      if (!self->params_.require_reply) return self->succeed(self->what() + " replied");
      const std::string problem = check_udp_reply(self->params_, self->reply_.data(), n);
      if (!problem.empty()) return self->fail(self->what() + ": " + problem);
      self->succeed(self->what() + " replied");
    });
  }

  void abort_io() override {
    std::error_code ignored;
    socket_.close(ignored);
    quiet_.cancel();
  }

  UdpCheckParams params_;
  std::vector<std::uint8_t> payload_;
  std::vector<std::uint8_t> reply_;
  asio::ip::udp::socket socket_;
  asio::steady_timer quiet_;
};

}  // namespace

std::string check_udp_reply(const UdpCheckParams& params, const std::uint8_t* reply, std::size_t size) {
  if (size < params.min_reply_length || size > params.max_reply_length)
    return "reply of " + std::to_string(size) + " bytes, outside " + std::to_string(params.min_reply_length) + ".." +
           std::to_string(params.max_reply_length);
  const std::size_t compared = std::min(size, params.reply_data.size());
  for (std::size_t i = 0; i < compared; ++i) {
    const std::uint8_t ignored = i < params.reply_mask.size() ? params.reply_mask[i] : 0;
    if (((reply[i] ^ params.reply_data[i]) & ~ignored) != 0)
      return "reply differs from require_reply at byte " + std::to_string(i);
  }
  return {};
}

UdpCheck::UdpCheck(asio::io_context& io, UdpCheckParams params) : io_(io), params_(std::move(params)) {}

void UdpCheck::start(Clock::duration connect_timeout, Completion done) {
  auto attempt = std::make_shared<UdpAttempt>(io_, params_, std::move(done));
  asio::post(io_, [attempt, connect_timeout] { attempt->run(connect_timeout); });
}

std::string UdpCheck::describe() const { return "UDP_CHECK " + params_.target.describe(); }

}  // namespace xdplb::check
