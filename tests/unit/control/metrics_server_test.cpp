// The metrics endpoint over real loopback TCP: routing, status codes, limits, and a slow client that
// does not block the loop.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "control/metrics_format.h"
#include "control/metrics_server.h"
#include "common/unique_fd.h"

using namespace std::chrono_literals;
using xdplb::UniqueFd;
using namespace xdplb::control;

namespace {

const std::string kBody = "# TYPE xdplb_up gauge\nxdplb_up 1\n";

class LiveMetrics {
 public:
  explicit LiveMetrics(
      MetricsServerOptions options, MetricsSource source = [] { return kBody; })
      : work_(asio::make_work_guard(io_)) {
    options.listen = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
    server_.emplace(io_, options, std::move(source));
    port_ = server_->local_endpoint().port();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LiveMetrics() {
    asio::post(io_, [this] { server_.reset(); });
    work_.reset();
    thread_.join();
  }
  LiveMetrics(const LiveMetrics&) = delete;
  LiveMetrics& operator=(const LiveMetrics&) = delete;

  std::uint16_t port() const { return port_; }
  asio::io_context& io() { return io_; }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::optional<MetricsServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

UniqueFd connect_to(std::uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
  return fd;
}

// Everything the server sends until it closes (5 s at most).
std::string read_all(int fd) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buffer[4096];
    const auto n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  FAIL("the metrics server did not close the connection within 5 s");
  return out;
}

std::string exchange(std::uint16_t port, const std::string& request) {
  auto fd = connect_to(port);
  REQUIRE(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  return read_all(fd.get());
}

}  // namespace

TEST_CASE("listen addresses: IPv4, bracketed IPv6, and a bare port meaning loopback") {
  CHECK(parse_listen_address("127.0.0.1:9469") ==
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 9469));
  CHECK(parse_listen_address("[::1]:9469") == asio::ip::tcp::endpoint(asio::ip::make_address("::1"), 9469));
  CHECK(parse_listen_address("9469") == asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 9469));
  CHECK(parse_listen_address("0.0.0.0:0").port() == 0);
  for (const char* bad : {"", "::1:9469", "[::1]9469", "[127.0.0.1]:80", "localhost:9469", "1.2.3.4:65536",
                          "1.2.3.4:", "1.2.3.4:80x", "[fd00::1"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_listen_address(bad), std::invalid_argument);
  }
}

TEST_CASE("routing: GET and HEAD /metrics only - other paths 404, other methods 405, bad requests 400") {
  CHECK(route_metrics_request("GET /metrics HTTP/1.1\r\nHost: x\r\n").status == 200);
  CHECK(route_metrics_request("GET /metrics?name[]=up HTTP/1.0").status == 200);
  const auto head = route_metrics_request("HEAD /metrics HTTP/1.1");
  CHECK(head.status == 200);
  CHECK_FALSE(head.include_body);
  CHECK(route_metrics_request("GET / HTTP/1.1").status == 404);
  CHECK(route_metrics_request("GET /metrics/ HTTP/1.1").status == 404);
  CHECK(route_metrics_request("POST /metrics HTTP/1.1").status == 405);
  CHECK(route_metrics_request("GET /metrics HTTP/2.0").status == 505);
  CHECK(route_metrics_request("GET /metrics").status == 400);
  CHECK(route_metrics_request("GET  /metrics HTTP/1.1").status == 400);
  CHECK(route_metrics_request("garbage").status == 400);
}

TEST_CASE("GET /metrics answers 200 with the exposition content type, length and body") {
  LiveMetrics metrics({});
  const auto response = exchange(metrics.port(), "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  CHECK(response.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(response.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") != std::string::npos);
  CHECK(response.find("Content-Length: " + std::to_string(kBody.size()) + "\r\n") != std::string::npos);
  CHECK(response.find("Connection: close\r\n") != std::string::npos);
  CHECK(response.ends_with("\r\n\r\n" + kBody));

  const auto head = exchange(metrics.port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(head.ends_with("\r\n\r\n"));  // no body, but the length a GET would have
  CHECK(head.find("Content-Length: " + std::to_string(kBody.size())) != std::string::npos);
}

TEST_CASE("wrong path, wrong method, oversized head and a failing source get their status codes") {
  std::atomic<bool> fail{false};
  LiveMetrics metrics({}, [&fail]() -> std::string {
    if (fail) throw std::runtime_error("maps unreadable");
    return kBody;
  });
  CHECK(exchange(metrics.port(), "GET /other HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 Not Found\r\n"));
  const auto post = exchange(metrics.port(), "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  CHECK(post.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
  CHECK(post.find("Allow: GET, HEAD\r\n") != std::string::npos);
  CHECK(
      exchange(metrics.port(), "\x16\x03\x01 not http\r\n\r\n").starts_with("HTTP/1.1 400 Bad Request\r\n"));
  const auto huge = "GET /metrics HTTP/1.1\r\nX-Filler: " + std::string(9000, 'a') + "\r\n\r\n";
  CHECK(exchange(metrics.port(), huge).starts_with("HTTP/1.1 431 "));
  fail = true;
  CHECK(exchange(metrics.port(), "GET /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 500 "));
  fail = false;
  CHECK(exchange(metrics.port(), "GET /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200 "));
}

TEST_CASE("a client that sends half a request neither blocks the loop nor other scrapes, and times out") {
  MetricsServerOptions options;
  options.request_timeout = 300ms;
  LiveMetrics metrics(options);
  auto slow = connect_to(metrics.port());
  const std::string partial = "GET /metrics HTTP/1.1\r\n";
  REQUIRE(::send(slow.get(), partial.data(), partial.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(partial.size()));

  // The loop still runs its own work and serves another scrape while the slow client waits.
  std::promise<void> timer_fired;
  asio::steady_timer timer(metrics.io(), 10ms);
  timer.async_wait([&](std::error_code) { timer_fired.set_value(); });
  CHECK(timer_fired.get_future().wait_for(2s) == std::future_status::ready);
  CHECK(exchange(metrics.port(), "GET /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200 "));

  const auto started = std::chrono::steady_clock::now();
  CHECK(read_all(slow.get()).empty());  // closed without an answer
  CHECK(std::chrono::steady_clock::now() - started < 3s);
}

TEST_CASE("a port already taken is a clear error naming the address") {
  LiveMetrics first({});
  asio::io_context io;
  MetricsServerOptions options;
  options.listen = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), first.port());
  try {
    MetricsServer second(io, options, [] { return kBody; });
    FAIL("bound a port already in use");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port())) != std::string::npos);
  }
}
