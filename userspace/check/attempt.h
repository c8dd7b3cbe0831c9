// Shared plumbing of a single network check: a deadline that aborts the I/O, the latency clock
// and the exactly-once completion. Each checker derives its Attempt from this.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/basic_endpoint.hpp>
#include <asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <system_error>

#include "check/checker.h"

namespace xdplb::check {

template <typename Derived>
class Attempt : public std::enable_shared_from_this<Derived> {
 public:
  Attempt(asio::io_context& io, Checker::Completion done)
      : io_(io), deadline_(io), started_(Clock::now()), done_(std::move(done)) {}
  virtual ~Attempt() = default;

 protected:
  // (Re)starts the deadline of the current phase; on expiry the check fails with `what` and the
  // derived class's abort_io() closes its sockets so pending operations complete.
  void arm_deadline(Clock::duration timeout, std::string what) {
    deadline_.expires_after(timeout);
    deadline_.async_wait([self = this->shared_from_this(), what = std::move(what)](const std::error_code& ec) {
      if (ec || self->finished_) return;
      self->fail(what);
    });
  }

  bool finished() const { return finished_; }

  void succeed(std::string reason, std::optional<unsigned> weight = std::nullopt) {
    finish(CheckOutcome{true, std::move(reason), weight, {}});
  }
  void fail(std::string reason) { finish(CheckOutcome{false, std::move(reason), std::nullopt, {}}); }

  // Opens and binds a socket to the bindto/bind_port of the target, if any.
  template <typename Socket, typename Protocol>
  bool open_and_bind(Socket& socket, const CheckTarget& target, Protocol protocol) {
    std::error_code ec;
    socket.open(protocol, ec);
    if (ec) {
      fail("cannot open socket: " + ec.message());
      return false;
    }
    if (target.bindto || target.bind_port != 0) {
      auto source = target.bindto.value_or(target.address.is_v4() ? asio::ip::address(asio::ip::address_v4::any())
                                                                  : asio::ip::address(asio::ip::address_v6::any()));
      socket.bind(typename Protocol::endpoint(source, target.bind_port), ec);
      if (ec) {
        fail("cannot bind to " + source.to_string() + ":" + std::to_string(target.bind_port) + ": " + ec.message());
        return false;
      }
    }
    return true;
  }

  virtual void abort_io() = 0;

  asio::io_context& io_;

 private:
  void finish(CheckOutcome outcome) {
    if (finished_) return;
    finished_ = true;
    deadline_.cancel();
    abort_io();
    outcome.latency = Clock::now() - started_;
    // Handlers of the aborted I/O still hold this object; they see finished() and stop.
    auto done = std::move(done_);
    done(std::move(outcome));
  }

  asio::steady_timer deadline_;
  Clock::time_point started_;
  Checker::Completion done_;
  bool finished_ = false;
};

}  // namespace xdplb::check
