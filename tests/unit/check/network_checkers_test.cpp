// TCP_CHECK, HTTP_GET, SSL_GET and SMTP_CHECK against real servers on loopback.
#include <doctest/doctest.h>

#include "check/http_check.h"
#include "check/smtp_check.h"
#include "check/tcp_check.h"
#include "test_servers.h"

using namespace xdplb::check;
using test::run_check;

namespace {

CheckTarget loopback(std::uint16_t port) { return {asio::ip::make_address("127.0.0.1"), port, std::nullopt, 0}; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

HttpCheckParams http(std::uint16_t port, std::string path, std::vector<unsigned> codes = {},
                     std::optional<std::string> digest = std::nullopt) {
  HttpCheckParams params;
  params.target = loopback(port);
  params.urls = {{std::move(path), std::move(codes), std::move(digest)}};
  return params;
}

}  // namespace

TEST_CASE("TCP_CHECK: a listening port is up - a closed one is down with the reason") {
  asio::io_context io;
  asio::ip::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  TcpCheck up(io, {loopback(listener.local_endpoint().port())});
  auto outcome = run_check(io, up);
  CHECK(outcome.healthy);
  CHECK(outcome.latency > Clock::duration::zero());

  TcpCheck refused(io, {loopback(test::closed_port())});
  outcome = run_check(io, refused);
  CHECK_FALSE(outcome.healthy);
  CHECK(contains(outcome.reason, "refused"));
}

TEST_CASE("TCP_CHECK: bindto sets the source address") {
  asio::io_context io;
  asio::ip::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  std::string peer;
  listener.async_accept([&](const std::error_code& ec, asio::ip::tcp::socket s) {
    if (!ec) peer = s.remote_endpoint().address().to_string();
  });
  auto target = loopback(listener.local_endpoint().port());
  target.bindto = asio::ip::make_address("127.0.0.7");
  TcpCheck check(io, {target});
  CHECK(run_check(io, check).healthy);
  io.run_for(50ms);
  CHECK(peer == "127.0.0.7");

  target.bindto = asio::ip::make_address("198.18.0.99");  // not an address of this host
  TcpCheck unbindable(io, {target});
  auto outcome = run_check(io, unbindable);
  CHECK_FALSE(outcome.healthy);
  CHECK(contains(outcome.reason, "cannot bind"));
}

TEST_CASE("HTTP_GET: status codes") {
  asio::io_context io;
  test::HttpServer server(io);
  HttpCheck ok(io, http(server.port(), "/ok"));
  CHECK(run_check(io, ok).healthy);

  HttpCheck error(io, http(server.port(), "/error"));
  auto outcome = run_check(io, error);
  CHECK_FALSE(outcome.healthy);
  CHECK(contains(outcome.reason, "HTTP status 500 not accepted"));

  HttpCheck error_expected(io, http(server.port(), "/error", {500}));
  CHECK(run_check(io, error_expected).healthy);

  HttpCheck only_201(io, http(server.port(), "/ok", {201}));
  CHECK_FALSE(run_check(io, only_201).healthy);
}

TEST_CASE("HTTP_GET: the MD5 digest of the body - as keepalived's genhash prints it") {
  CHECK(md5_hex("hello xdplb") == md5_hex("hello xdplb"));
  CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");  // RFC 1321 test suite

  asio::io_context io;
  test::HttpServer server(io);
  std::string good = md5_hex("hello xdplb");
  for (auto& c : good) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));  // case does not matter
  HttpCheck right(io, http(server.port(), "/ok", {}, good));
  CHECK(run_check(io, right).healthy);

  HttpCheck wrong(io, http(server.port(), "/ok", {}, md5_hex("something else")));
  auto outcome = run_check(io, wrong);
  CHECK_FALSE(outcome.healthy);
  CHECK(contains(outcome.reason, "digest"));
}

TEST_CASE("HTTP_GET: every url must pass") {
  asio::io_context io;
  test::HttpServer server(io);
  auto params = http(server.port(), "/ok");
  params.urls.push_back({"/error", {}, std::nullopt});
  HttpCheck check(io, params);
  auto outcome = run_check(io, check);
  CHECK_FALSE(outcome.healthy);
  CHECK(contains(outcome.reason, "/error"));
}

TEST_CASE("HTTP_GET: slow - silent and refusing servers are down within connect_timeout") {
  asio::io_context io;
  test::HttpServer server(io);
  for (const char* path : {"/slow", "/silent"}) {
    HttpCheck check(io, http(server.port(), path));
    auto t0 = Clock::now();
    auto outcome = run_check(io, check, 300ms);
    CHECK_FALSE(outcome.healthy);
    CHECK(contains(outcome.reason, "no complete answer within connect_timeout"));
    CHECK(Clock::now() - t0 < 900ms);
  }
  HttpCheck refused(io, http(test::closed_port(), "/ok"));
  auto outcome = run_check(io, refused);
  CHECK_FALSE(outcome.healthy);
  CHECK(contains(outcome.reason, "refused"));
}

TEST_CASE("HTTP_GET: virtualhost sets the Host header") {
  asio::io_context io;
  test::HttpServer server(io);
  HttpCheck plain(io, http(server.port(), "/ok"));
  CHECK(run_check(io, plain).healthy);
  CHECK(server.last_host == "127.0.0.1:" + std::to_string(server.port()));
  auto params = http(server.port(), "/ok");
  params.virtualhost = "www.test.example";
  HttpCheck named(io, params);
  CHECK(run_check(io, named).healthy);
  CHECK(server.last_host == "www.test.example");
}

TEST_CASE("HTTP_GET: parameters no server could satisfy are refused up front") {
  asio::io_context io;
  CHECK_THROWS_AS(HttpCheck(io, HttpCheckParams{}), std::invalid_argument);
  CHECK_THROWS_AS(HttpCheck(io, http(80, "no-slash")), std::invalid_argument);
  CHECK_THROWS_AS(HttpCheck(io, http(80, "/a b")), std::invalid_argument);
  CHECK_THROWS_AS(HttpCheck(io, http(80, "/", {}, std::string("1234"))), std::invalid_argument);
  CHECK_THROWS_AS(HttpCheck(io, http(80, "/", {}, std::string(32, 'g'))), std::invalid_argument);
  CHECK_THROWS_AS(HttpCheck(io, http(80, "/", {99})), std::invalid_argument);
  auto bad_host = http(80, "/");
  bad_host.virtualhost = "a\r\nX-Injected: 1";
  CHECK_THROWS_AS(HttpCheck(io, bad_host), std::invalid_argument);
}

TEST_CASE("SSL_GET: status - digest and SNI over TLS - certificates are not verified unless asked") {
  test::SelfSignedCert cert;
  REQUIRE(cert.ok);
  asio::io_context io;
  test::HttpServer server(io, &cert);

  auto params = http(server.port(), "/ok", {200}, md5_hex("hello xdplb"));
  params.tls = true;
  params.virtualhost = "test.example";
  HttpCheck check(io, params);
  auto outcome = run_check(io, check);
  CHECK(outcome.healthy);
  CHECK(server.last_sni == "test.example");
  CHECK(server.last_host == "test.example");

  params.sni = "other.example";
  HttpCheck sni(io, params);
  CHECK(run_check(io, sni).healthy);
  CHECK(server.last_sni == "other.example");

  auto error = http(server.port(), "/error");
  error.tls = true;
  HttpCheck failing(io, error);
  CHECK_FALSE(run_check(io, failing).healthy);

  // Verification on: the self-signed certificate is refused unless it is the trust anchor.
  auto verified = http(server.port(), "/ok");
  verified.tls = true;
  verified.verify_certificate = true;
  verified.virtualhost = "test.example";
  HttpCheck untrusted(io, verified);
  outcome = run_check(io, untrusted);
  CHECK_FALSE(outcome.healthy);
  CHECK(contains(outcome.reason, "TLS handshake"));
  verified.ca_file = cert.cert.string();
  HttpCheck trusted(io, verified);
  CHECK(run_check(io, trusted).healthy);
  verified.virtualhost = "wrong.example";
  HttpCheck wrong_name(io, verified);
  CHECK_FALSE(run_check(io, wrong_name).healthy);
}

TEST_CASE("SSL_GET: a plain-text server fails the handshake") {
  asio::io_context io;
  test::HttpServer plain(io);
  auto params = http(plain.port(), "/ok");
  params.tls = true;
  HttpCheck check(io, params);
  auto outcome = run_check(io, check, 500ms);
  CHECK_FALSE(outcome.healthy);
}

TEST_CASE("SMTP_CHECK: a 220 greeting (multi-line too) and 250 to HELO") {
  asio::io_context io;
  test::SmtpServer server(io, "220-mail.test.example ESMTP\r\n220 ready\r\n");
  SmtpCheckParams params{loopback(server.port()), "lb.test.example"};
  SmtpCheck check(io, params);
  CHECK(run_check(io, check).healthy);
  CHECK(server.helo == "HELO lb.test.example");
}

TEST_CASE("SMTP_CHECK: a refusing greeting - silence and a closed port are down") {
  asio::io_context io;
  test::SmtpServer busy(io, "554 no service\r\n");
  SmtpCheck refusing(io, {loopback(busy.port()), "lb"});
  auto outcome = run_check(io, refusing);
  CHECK_FALSE(outcome.healthy);
  CHECK(contains(outcome.reason, "554"));

  test::SmtpServer mute(io, "");
  SmtpCheck silent(io, {loopback(mute.port()), "lb"});
  outcome = run_check(io, silent, 300ms);
  CHECK_FALSE(outcome.healthy);
  CHECK(contains(outcome.reason, "no 220 greeting"));

  SmtpCheck closed(io, {loopback(test::closed_port()), "lb"});
  CHECK_FALSE(run_check(io, closed).healthy);
  CHECK_THROWS_AS(SmtpCheck(io, {loopback(25), "two words"}), std::invalid_argument);
}
