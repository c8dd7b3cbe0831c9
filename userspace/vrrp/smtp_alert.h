// global_defs' SMTP alert: when an instance or sync group with `smtp_alert` changes state, a short
// mail goes to every notification_email through smtp_server, as keepalived sends it. The dialogue
// (HELO, MAIL FROM, RCPT TO..., DATA, QUIT) runs asynchronously on the loop with
// smtp_connect_timeout as the deadline of every step, so a dead mail server never delays VRRP.
#pragma once

#include <asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace xdplb::vrrp {

struct SmtpSettings {
  std::string server;  // host name or address
  uint16_t port = 25;
  std::string helo_name;  // our host name
  std::string from;
  std::vector<std::string> to;
  std::chrono::milliseconds timeout{30000};
  std::string router_id;  // global_defs router_id, in the subject

  bool enabled() const { return !server.empty() && !to.empty(); }
};

struct SmtpMessage {
  std::string subject;
  std::string body;
};

// "[router_id] VRRP Instance VI_1 - Entering MASTER state" and its body line.
SmtpMessage vrrp_alert_message(const std::string& router_id, bool group, const std::string& name,
                               const std::string& state);

// The DATA section: headers, blank line, body with every line starting with '.' doubled (RFC 5321
// 4.5.2), CRLF line ends, and the terminating "." line.
std::string smtp_data_section(const SmtpSettings& settings, const SmtpMessage& message,
                              std::chrono::system_clock::time_point date);

// Sends one alert; `done` gets "" on success or what went wrong (with the server's reply).
using SmtpDone = std::function<void(const std::string& error)>;
void send_smtp_alert(asio::io_context& io, const SmtpSettings& settings, SmtpMessage message, SmtpDone done);

}  // namespace xdplb::vrrp
