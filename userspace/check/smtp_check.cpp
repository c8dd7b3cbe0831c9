#include "check/smtp_check.h"

#include <unistd.h>

#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>
#include <cctype>
#include <climits>
#include <stdexcept>

#include "check/attempt.h"

namespace xdplb::check {
namespace {

constexpr std::size_t kMaxReplyBytes = 16 * 1024;

class SmtpAttempt final : public Attempt<SmtpAttempt> {
 public:
  SmtpAttempt(asio::io_context& io, const SmtpCheckParams& params, Clock::duration timeout, Checker::Completion done)
      : Attempt(io, std::move(done)), params_(params), timeout_(timeout), socket_(io), input_(kMaxReplyBytes) {}

  void run() {
    asio::ip::tcp::endpoint endpoint(params_.target.address, params_.target.port);
    if (!open_and_bind(socket_, params_.target, endpoint.protocol())) return;
    arm_deadline(timeout_, "SMTP connect to " + params_.target.describe() + " timed out");
    socket_.async_connect(endpoint, [self = shared_from_this()](const std::error_code& ec) {
      if (self->finished()) return;
      if (ec) return self->fail("SMTP connect to " + self->params_.target.describe() + " failed: " + ec.message());
      self->arm_deadline(self->timeout_, "SMTP " + self->params_.target.describe() + ": no 220 greeting in time");
      self->read_reply(220, [](SmtpAttempt& me) { me.send_helo(); });
    });
  }

 private:
  using Next = void (*)(SmtpAttempt&);

  // Reads one reply, possibly multi-line ("250-..." continued until "250 ..."), and requires `expected`.
  void read_reply(unsigned expected, Next next) {
    asio::async_read_until(socket_, input_, "\r\n",
                           [self = shared_from_this(), expected, next](const std::error_code& ec, std::size_t n) {
                             if (self->finished()) return;
                             if (ec) {
                               return self->fail("SMTP " + self->params_.target.describe() +
                                                 ": reading the reply failed: " + ec.message());
                             }
                             std::string line(asio::buffers_begin(self->input_.data()),
                                              asio::buffers_begin(self->input_.data()) + static_cast<long>(n) - 2);
                             self->input_.consume(n);
                             self->on_reply_line(line, expected, next);
                           });
  }

  void on_reply_line(const std::string& line, unsigned expected, Next next) {
    unsigned code = 0;
    bool valid = line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                 std::isdigit(static_cast<unsigned char>(line[1])) && std::isdigit(static_cast<unsigned char>(line[2]));
    if (valid) code = static_cast<unsigned>(std::stoul(line.substr(0, 3)));
    if (!valid || (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      return fail("SMTP " + params_.target.describe() + ": malformed reply '" + line + "'");
    }
    if (code != expected) {
      return fail("SMTP " + params_.target.describe() + ": expected " + std::to_string(expected) + ", got '" + line + "'");
    }
    if (line.size() > 3 && line[3] == '-') return read_reply(expected, next);
    next(*this);
  }

  void send_helo() {
    arm_deadline(timeout_, "SMTP " + params_.target.describe() + ": no answer to HELO in time");
    output_ = "HELO " + helo_name() + "\r\n";
    asio::async_write(socket_, asio::buffer(output_), [self = shared_from_this()](const std::error_code& ec, std::size_t) {
      if (self->finished()) return;
      if (ec) return self->fail("SMTP " + self->params_.target.describe() + ": sending HELO failed: " + ec.message());
      self->read_reply(250, [](SmtpAttempt& me) { me.say_quit(); });
    });
  }

  void say_quit() {
    // Polite close so the server does not log an aborted session; its answer is not needed.
    output_ = "QUIT\r\n";
    asio::async_write(socket_, asio::buffer(output_), [self = shared_from_this()](const std::error_code&, std::size_t) {
      if (self->finished()) return;
      self->succeed("SMTP " + self->params_.target.describe() + " answered 220 and 250");
    });
  }

  std::string helo_name() const {
    if (!params_.helo_name.empty()) return params_.helo_name;
    char host[HOST_NAME_MAX + 1] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
    return host;
  }

  void abort_io() override {
    std::error_code ignored;
    socket_.close(ignored);
  }

  SmtpCheckParams params_;
  Clock::duration timeout_;
  asio::ip::tcp::socket socket_;
  asio::streambuf input_;
  std::string output_;
};

}  // namespace

SmtpCheck::SmtpCheck(asio::io_context& io, SmtpCheckParams params) : io_(io), params_(std::move(params)) {
  if (params_.target.port == 0) params_.target.port = 25;
  if (params_.helo_name.find_first_of(" \r\n") != std::string::npos) {
    throw std::invalid_argument("helo_name must be a single word: '" + params_.helo_name + "'");
  }
}

void SmtpCheck::start(Clock::duration connect_timeout, Completion done) {
  auto attempt = std::make_shared<SmtpAttempt>(io_, params_, connect_timeout, std::move(done));
  asio::post(io_, [attempt] { attempt->run(); });
}

std::string SmtpCheck::describe() const { return "SMTP_CHECK " + params_.target.describe(); }

}  // namespace xdplb::check
