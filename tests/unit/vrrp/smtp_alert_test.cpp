// The SMTP alert against an in-test SMTP server on loopback: the dialogue, the message, and the
// failures (a refused recipient, no server, a server that never answers).
#include <doctest/doctest.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/streambuf.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <istream>
#include <thread>

#include "vrrp/smtp_alert.h"

using namespace xdplb::vrrp;
using asio::ip::tcp;

namespace {

// Serves one SMTP session; `rcpt_reply` is what RCPT TO gets. Records every line it receives.
class TestSmtpServer {
 public:
  explicit TestSmtpServer(std::string rcpt_reply = "250 OK")
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), rcpt_reply_(std::move(rcpt_reply)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~TestSmtpServer() { finish(); }
  // Waits for the session to end; `lines` is complete afterwards.
  void finish() {
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::vector<std::string> lines;

 private:
  void serve() {
    tcp::socket s(io_);
    acceptor_.accept(s);
    asio::streambuf in;
    auto say = [&](const std::string& text) { asio::write(s, asio::buffer(text + "\r\n")); };
    say("220-test.example ESMTP");
    say("220 ready");
    bool in_data = false;
    std::error_code ec;
    for (;;) {
      asio::read_until(s, in, "\r\n", ec);
      if (ec) return;
      std::istream stream(&in);
      std::string line;
      std::getline(stream, line);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
      if (in_data) {
        if (line == ".") {
          in_data = false;
          say("250 queued");
        }
        continue;
      }
      if (line.rfind("HELO", 0) == 0 || line.rfind("MAIL FROM", 0) == 0) say("250 OK");
      else if (line.rfind("RCPT TO", 0) == 0) say(rcpt_reply_);
      else if (line == "DATA") { say("354 go ahead"); in_data = true; }
      else if (line == "QUIT") { say("221 bye"); return; }
      else say("500 what?");
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::string rcpt_reply_;
  std::thread thread_;
};

SmtpSettings settings_for(uint16_t port) {
  SmtpSettings s;
  s.server = "127.0.0.1";
  s.port = port;
  s.helo_name = "lb1.example";
  s.from = "lb1@example.org";
  s.to = {"ops@example.org", "oncall@example.org"};
  s.timeout = std::chrono::milliseconds(2000);
  s.router_id = "lb1";
  return s;
}

}  // namespace

TEST_CASE("smtp alert: the whole dialogue, two recipients, dot-stuffed body") {
  TestSmtpServer server;
  std::string error = "not called";
  asio::io_context io;
  auto message = vrrp_alert_message("lb1", false, "VI_1", "MASTER");
  CHECK(message.subject == "[lb1] VRRP Instance VI_1 - Entering MASTER state");
  message.body += "\n.starts with a dot";
  send_smtp_alert(io, settings_for(server.port()), message, [&](const std::string& e) { error = e; });
  io.run_for(std::chrono::seconds(5));
  server.finish();
  CHECK(error == "");
  const auto& l = server.lines;
  REQUIRE(l.size() >= 8);
  CHECK(l[0] == "HELO lb1.example");
  CHECK(l[1] == "MAIL FROM:<lb1@example.org>");
  CHECK(l[2] == "RCPT TO:<ops@example.org>");
  CHECK(l[3] == "RCPT TO:<oncall@example.org>");
  CHECK(l[4] == "DATA");
  CHECK(std::find(l.begin(), l.end(), "Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state") != l.end());
  CHECK(std::find(l.begin(), l.end(), "To: ops@example.org, oncall@example.org") != l.end());
  CHECK(std::find(l.begin(), l.end(), "..starts with a dot") != l.end());
  CHECK(l.back() == "QUIT");
}

TEST_CASE("smtp alert: a refused recipient is reported with the server's answer") {
  TestSmtpServer server("550 no such user");
  std::string error = "not called";
  asio::io_context io;
  send_smtp_alert(io, settings_for(server.port()), vrrp_alert_message("lb1", true, "G1", "FAULT"),
                  [&](const std::string& e) { error = e; });
  io.run_for(std::chrono::seconds(5));
  CHECK(error.find("550 no such user") != std::string::npos);
  CHECK(error.find("RCPT TO") != std::string::npos);
}

TEST_CASE("smtp alert: no server listening") {
  asio::io_context io;
  tcp::acceptor probe(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const uint16_t port = probe.local_endpoint().port();
  probe.close();
  std::string error = "not called";
  send_smtp_alert(io, settings_for(port), vrrp_alert_message("lb1", false, "VI_1", "BACKUP"),
                  [&](const std::string& e) { error = e; });
  io.run_for(std::chrono::seconds(5));
  CHECK(error.find("connecting to 127.0.0.1") != std::string::npos);
}

TEST_CASE("smtp alert: a server that never greets times out without blocking the loop") {
  asio::io_context io;
  tcp::acceptor silent(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket accepted(io);
  silent.async_accept(accepted, [](const std::error_code&) {});
  auto settings = settings_for(silent.local_endpoint().port());
  settings.timeout = std::chrono::milliseconds(200);
  std::string error = "not called";
  const auto t0 = std::chrono::steady_clock::now();
  send_smtp_alert(io, settings, vrrp_alert_message("lb1", false, "VI_1", "BACKUP"),
                  [&](const std::string& e) { error = e; io.stop(); });
  io.run_for(std::chrono::seconds(5));
  CHECK(error.find("timed out") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
}
