#include "vrrp/smtp_alert.h"

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>

#include <cctype>
#include <ctime>
#include <memory>

namespace xdplb::vrrp {

namespace {

constexpr size_t kMaxReplyBytes = 16 * 1024;

std::string rfc5322_date(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buffer;
}

class SmtpSession : public std::enable_shared_from_this<SmtpSession> {
 public:
  SmtpSession(asio::io_context& io, SmtpSettings settings, SmtpMessage message, SmtpDone done)
      : settings_(std::move(settings)),
        message_(std::move(message)),
        done_(std::move(done)),
        resolver_(io),
        socket_(io),
        deadline_(io),
        input_(kMaxReplyBytes) {}

  void run() {
    arm_deadline("connecting to " + target());
    resolver_.async_resolve(settings_.server, std::to_string(settings_.port),
                            [self = shared_from_this()](const std::error_code& ec,
                                                        const asio::ip::tcp::resolver::results_type& results) {
                              if (self->finished_) return;
                              if (ec) return self->finish("resolving " + self->settings_.server + ": " + ec.message());
                              asio::async_connect(self->socket_, results,
                                                  [self](const std::error_code& error, const asio::ip::tcp::endpoint&) {
                                                    if (self->finished_) return;
                                                    if (error)
                                                      return self->finish("connecting to " + self->target() + ": " +
                                                                          error.message());
                                                    self->expect(220, &SmtpSession::send_helo);
                                                  });
                            });
  }

 private:
  using Step = void (SmtpSession::*)();

  std::string target() const { return settings_.server + ":" + std::to_string(settings_.port); }

  void arm_deadline(const std::string& doing) {
    doing_ = doing;
    deadline_.expires_after(settings_.timeout);
    deadline_.async_wait([self = shared_from_this()](const std::error_code& ec) {
      if (ec || self->finished_) return;
      self->finish("timed out " + self->doing_);
    });
  }

  void finish(const std::string& error) {
    if (finished_) return;
    finished_ = true;
    deadline_.cancel();
    resolver_.cancel();
    std::error_code ignored;
    socket_.close(ignored);
    if (done_) done_(error);
  }

  void command(const std::string& line, unsigned expected, Step next) {
    last_command_ = line.substr(0, line.find(':'));
    outgoing_ = line + "\r\n";
    write_then_expect(expected, next);
  }

  void write_then_expect(unsigned expected, Step next) {
    arm_deadline("sending " + last_command_ + " to " + target());
    asio::async_write(socket_, asio::buffer(outgoing_),
                      [self = shared_from_this(), expected, next](const std::error_code& ec, size_t) {
                        if (self->finished_) return;
                        if (ec) return self->finish("sending " + self->last_command_ + ": " + ec.message());
                        self->expect(expected, next);
                      });
  }

  // Reads one reply, possibly multi-line ("250-..." continued until "250 ...").
  void expect(unsigned expected, Step next) {
    arm_deadline("waiting for the reply to " + (last_command_.empty() ? "connect" : last_command_) + " from " +
                 target());
    asio::async_read_until(socket_, input_, "\r\n",
                           [self = shared_from_this(), expected, next](const std::error_code& ec, size_t n) {
                             if (self->finished_) return;
                             if (ec) return self->finish("reading the SMTP reply: " + ec.message());
                             std::string line(asio::buffers_begin(self->input_.data()),
                                              asio::buffers_begin(self->input_.data()) + static_cast<long>(n) - 2);
                             self->input_.consume(n);
                             self->on_reply_line(line, expected, next);
                           });
  }

  void on_reply_line(const std::string& line, unsigned expected, Step next) {
    const bool well_formed = line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
                             std::isdigit(static_cast<unsigned char>(line[1])) &&
                             std::isdigit(static_cast<unsigned char>(line[2])) && (line.size() == 3 || line[3] == ' ' || line[3] == '-');
    if (!well_formed) return finish("malformed SMTP reply '" + line + "'");
    if (line.size() > 3 && line[3] == '-') return expect(expected, next);  // continuation
    const unsigned code = static_cast<unsigned>(std::stoi(line.substr(0, 3)));
    if (code != expected)
      return finish("SMTP server " + target() + " answered '" + line + "' to " +
                    (last_command_.empty() ? "connect" : last_command_));
    (this->*next)();
  }

  void send_helo() { command("HELO " + settings_.helo_name, 250, &SmtpSession::send_mail_from); }
  void send_mail_from() { command("MAIL FROM:<" + settings_.from + ">", 250, &SmtpSession::send_next_rcpt); }
  void send_next_rcpt() {
    if (next_recipient_ < settings_.to.size()) {
      command("RCPT TO:<" + settings_.to[next_recipient_++] + ">", 250, &SmtpSession::send_next_rcpt);
      return;
    }
    command("DATA", 354, &SmtpSession::send_body);
  }
  void send_body() {
    last_command_ = "the message";
    outgoing_ = smtp_data_section(settings_, message_, std::chrono::system_clock::now());
    write_then_expect(250, &SmtpSession::send_quit);
  }
  void send_quit() { command("QUIT", 221, &SmtpSession::succeed); }
  void succeed() { finish(""); }

  SmtpSettings settings_;
  SmtpMessage message_;
  SmtpDone done_;
  asio::ip::tcp::resolver resolver_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer deadline_;
  asio::streambuf input_;
  std::string outgoing_;
  std::string last_command_;
  std::string doing_;
  size_t next_recipient_ = 0;
  bool finished_ = false;
};

}  // namespace

SmtpMessage vrrp_alert_message(const std::string& router_id, bool group, const std::string& name,
                               const std::string& state) {
  SmtpMessage message;
  const std::string what = group ? "VRRP Group " : "VRRP Instance ";
  message.subject = "[" + router_id + "] " + what + name + " - Entering " + state + " state";
  if (state == "MASTER")
    message.body = "=> " + what + name + " now owns its virtual addresses <=";
  else if (state == "BACKUP")
    message.body = "=> " + what + name + " no longer owns its virtual addresses <=";
  else
    message.body = "=> " + what + name + " entered " + state + " state <=";
  return message;
}

std::string smtp_data_section(const SmtpSettings& settings, const SmtpMessage& message,
                              std::chrono::system_clock::time_point date) {
  std::string out;
  out += "From: " + settings.from + "\r\n";
  out += "Subject: " + message.subject + "\r\n";
  out += "X-Mailer: xdplbd\r\n";
  std::string to;
  for (const auto& recipient : settings.to) to += (to.empty() ? "" : ", ") + recipient;
  out += "To: " + to + "\r\n";
  out += "Date: " + rfc5322_date(date) + "\r\n\r\n";
  size_t start = 0;
  while (start <= message.body.size()) {
    size_t end = message.body.find('\n', start);
    if (end == std::string::npos) end = message.body.size();
    std::string line = message.body.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.front() == '.') line.insert(line.begin(), '.');
    out += line + "\r\n";
    start = end + 1;
  }
  out += ".\r\n";
  return out;
}

void send_smtp_alert(asio::io_context& io, const SmtpSettings& settings, SmtpMessage message, SmtpDone done) {
  std::make_shared<SmtpSession>(io, settings, std::move(message), std::move(done))->run();
}

}  // namespace xdplb::vrrp
