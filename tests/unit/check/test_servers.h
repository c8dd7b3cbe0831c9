// Small real servers on loopback for the checker tests: HTTP (optionally over TLS) and SMTP. They
// run on the test's io_context next to the checker, so a test is one single-threaded loop.
#pragma once

#include <openssl/ssl.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unistd.h>

#include "check/checker.h"

namespace test {

using namespace std::chrono_literals;
using asio::ip::tcp;

// Runs the loop until the check reported; a 10 s deadline keeps a bug from hanging the suite.
inline xdplb::check::CheckOutcome run_check(asio::io_context& io, xdplb::check::Checker& checker,
                                            std::chrono::milliseconds timeout = 1000ms) {
  std::optional<xdplb::check::CheckOutcome> outcome;
  io.restart();
  checker.start(timeout, [&](xdplb::check::CheckOutcome o) { outcome = std::move(o); });
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!outcome && std::chrono::steady_clock::now() < deadline) io.run_one_for(50ms);
  if (!outcome) return {false, "test: no verdict within 10 s", std::nullopt, {}};
  return *outcome;
}

// A port nothing listens on: bound once, then closed.
inline std::uint16_t closed_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// A self-signed certificate for test.example in a private temporary directory.
struct SelfSignedCert {
  SelfSignedCert() {
    char pattern[] = "/tmp/xdplb-check-tls-XXXXXX";
    dir = ::mkdtemp(pattern);
    cert = dir / "cert.pem";
    key = dir / "key.pem";
    std::string command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                          "-subj /CN=test.example -addext subjectAltName=DNS:test.example -keyout " +
                          key.string() + " -out " + cert.string() + " >/dev/null 2>&1";
    ok = std::system(command.c_str()) == 0;
  }
  ~SelfSignedCert() { std::filesystem::remove_all(dir); }
  std::filesystem::path dir, cert, key;
  bool ok = false;
};

// Answers by path: /ok 200 "hello xdplb", /error 500, /slow 200 after 1 s, /silent never.
class HttpServer {
 public:
  explicit HttpServer(asio::io_context& io, const SelfSignedCert* tls = nullptr)
      : io_(io), acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    if (tls) {
      tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      tls_->use_certificate_chain_file(tls->cert.string());
      tls_->use_private_key_file(tls->key.string(), asio::ssl::context::pem);
    }
    accept();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string last_host;  // Host header of the last request
  std::string last_sni;   // server name of the last TLS handshake
  std::string last_peer;  // source address of the last connection

 private:
  template <typename Stream>
  struct Session : std::enable_shared_from_this<Session<Stream>> {
    template <typename... Args>
    Session(HttpServer& s, Args&&... args) : server(s), stream(std::forward<Args>(args)...), timer(s.io_) {}
    void read_request() {
      asio::async_read_until(stream, request, "\r\n\r\n",
                             [self = this->shared_from_this()](const std::error_code& ec, std::size_t) {
                               if (!ec) self->answer();
                             });
    }
    void answer() {
      std::string text(asio::buffers_begin(request.data()), asio::buffers_end(request.data()));
      auto path = text.substr(4, text.find(' ', 4) - 4);
      auto host = text.find("Host: ");
      if (host != std::string::npos) server.last_host = text.substr(host + 6, text.find("\r\n", host) - host - 6);
      if (path == "/silent") {
        server.silent_.push_back(this->shared_from_this());
        return;
      }
      if (path == "/slow") {
        timer.expires_after(1s);
        timer.async_wait([self = this->shared_from_this()](const std::error_code&) { self->reply(200, "late"); });
        return;
      }
      if (path == "/error") return reply(500, "oops");
      if (path == "/ok") return reply(200, "hello xdplb");
      reply(404, "no");
    }
    void reply(int code, std::string body) {
      response = "HTTP/1.0 " + std::to_string(code) + " X\r\nContent-Length: " + std::to_string(body.size()) +
                 "\r\n\r\n" + body;
      asio::async_write(stream, asio::buffer(response), [self = this->shared_from_this()](const std::error_code&, std::size_t) {
        std::error_code ignored;
        self->stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
        self->stream.lowest_layer().close(ignored);
      });
    }
    HttpServer& server;
    Stream stream;
    asio::steady_timer timer;
    asio::streambuf request;
    std::string response;
  };

  void accept() {
    acceptor_.async_accept([this](const std::error_code& ec, tcp::socket socket) {
      if (ec) return;
      last_peer = socket.remote_endpoint().address().to_string();
      if (tls_) {
        auto session = std::make_shared<Session<asio::ssl::stream<tcp::socket>>>(*this, std::move(socket), *tls_);
        session->stream.async_handshake(asio::ssl::stream_base::server, [this, session](const std::error_code& hs) {
          if (hs) return;
          const char* name = SSL_get_servername(session->stream.native_handle(), TLSEXT_NAMETYPE_host_name);
          last_sni = name ? name : "";
          session->read_request();
        });
      } else {
        std::make_shared<Session<tcp::socket>>(*this, std::move(socket))->read_request();
      }
      accept();
    });
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::unique_ptr<asio::ssl::context> tls_;
  std::vector<std::shared_ptr<void>> silent_;
};

// Greets with `banner` (one or more lines), answers HELO with 250, remembers the HELO line.
class SmtpServer {
 public:
  SmtpServer(asio::io_context& io, std::string banner)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), banner_(std::move(banner)) {
    acceptor_.async_accept([this](const std::error_code& ec, tcp::socket socket) {
      if (ec) return;
      socket_.emplace(std::move(socket));
      if (banner_.empty()) return;  // accepts and never greets
      asio::async_write(*socket_, asio::buffer(banner_), [this](const std::error_code& wec, std::size_t) {
        if (wec) return;
        asio::async_read_until(*socket_, input_, "\r\n", [this](const std::error_code& rec, std::size_t n) {
          if (rec) return;
          helo.assign(asio::buffers_begin(input_.data()), asio::buffers_begin(input_.data()) + static_cast<long>(n) - 2);
          asio::async_write(*socket_, asio::buffer(reply_), [](const std::error_code&, std::size_t) {});
        });
      });
    });
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string helo;

 private:
  tcp::acceptor acceptor_;
  std::string banner_;
  std::string reply_ = "250 pleased to meet you\r\n";
  std::optional<tcp::socket> socket_;
  asio::streambuf input_;
};

}  // namespace test
