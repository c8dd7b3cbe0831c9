// The metrics endpoint over real loopback TCP: prometheus-cpp's exposer answers on its own threads,
// the agent's families are collected on the loop, and stopping never waits for a scrape.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "common/unique_fd.h"
#include "control/metrics_server.h"

using namespace std::chrono_literals;
using xdplb::UniqueFd;
using namespace xdplb::control;

namespace {

std::vector<prometheus::MetricFamily> one_gauge(double value) {
  prometheus::ClientMetric m;
  m.gauge.value = value;
  return {{"xdplb_test_value", "A value for the test.", prometheus::MetricType::Gauge, {m}}};
}

// A metrics server on 127.0.0.1 (any port) whose loop runs on a thread of its own.
class LiveMetrics {
 public:
  explicit LiveMetrics(LoopCollectable::Collector collect) : work_(asio::make_work_guard(io_)) {
    MetricsServerOptions options;
    options.listen = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
    server_.emplace(io_, options, std::move(collect));
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
  std::thread::id loop_thread() const { return thread_.get_id(); }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::optional<MetricsServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// The whole answer to `request` (the server closes the connection; 5 s at most).
std::string exchange(std::uint16_t port, const std::string& request) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buffer[4096];
    const auto n = ::recv(fd.get(), buffer, sizeof(buffer), 0);
    if (n <= 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  FAIL("the metrics server did not close the connection within 5 s");
  return out;
}

const std::string kGet = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

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
  CHECK(civetweb_listening_port(parse_listen_address("[::1]:9469")) == "[::1]:9469");
  CHECK(civetweb_listening_port(parse_listen_address("9469")) == "127.0.0.1:9469");
}

TEST_CASE("GET /metrics: the agent's families, collected on the loop, and the process metrics") {
  std::thread::id collected_on;
  LiveMetrics metrics([&] {
    collected_on = std::this_thread::get_id();
    return one_gauge(42);
  });
  const auto answer = exchange(metrics.port(), kGet);
  CHECK(answer.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(answer.find("\r\nContent-Type: text/plain") != std::string::npos);
  CHECK(answer.find("\n# TYPE xdplb_test_value gauge\nxdplb_test_value 42\n") != std::string::npos);
  CHECK(answer.find("\nprocess_cpu_seconds_total ") != std::string::npos);
  CHECK(answer.find("\nprocess_open_fds ") != std::string::npos);
  CHECK(collected_on == metrics.loop_thread());
  CHECK(exchange(metrics.port(), "GET /other HTTP/1.1\r\nHost: x\r\n\r\n").starts_with("HTTP/1.1 404"));
}

TEST_CASE("a collection that throws leaves its families out of that scrape; the next one has them") {
  bool fail = true;
  LiveMetrics metrics([&] {
    if (std::exchange(fail, false)) throw std::runtime_error("map read failed");
    return one_gauge(1);
  });
  const auto failed = exchange(metrics.port(), kGet);
  CHECK(failed.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(failed.find("xdplb_test_value") == std::string::npos);
  CHECK(exchange(metrics.port(), kGet).find("\nxdplb_test_value 1\n") != std::string::npos);
}

TEST_CASE("a scrape waiting for a loop that does not run gives way when the collectable stops") {
  asio::io_context io;  // never run: the loop is busy elsewhere, or the agent is stopping
  LoopCollectable collectable(io, [] { return one_gauge(1); }, 60s);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<prometheus::MetricFamily> got = one_gauge(7);
  std::thread scrape([&] { got = collectable.Collect(); });
  collectable.stop();
  scrape.join();
  CHECK(got.empty());
  CHECK(std::chrono::steady_clock::now() - t0 < 10s);
  CHECK(collectable.Collect().empty());  // stopped: no more posts to the loop
  CHECK(io.poll() <= 1);                 // the one post of the first scrape, if it got that far, runs nothing
}

TEST_CASE("stopping takes milliseconds, not civetweb's 2 s poll, also after the server ran a while") {
  asio::io_context io;
  MetricsServerOptions options;
  options.listen = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
  MetricsServer server(io, options, [] { return one_gauge(1); });
  std::this_thread::sleep_for(100ms);  // civetweb's listening thread is inside its poll() now
  const auto t0 = std::chrono::steady_clock::now();
  server.stop();
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
}

TEST_CASE("IPv6: served where civetweb has it, refused with the reason where it has not (Debian 12)") {
  asio::io_context io;
  MetricsServerOptions options;
  options.listen = parse_listen_address("[::1]:0");
  if (civetweb_has_ipv6()) {
    MetricsServer server(io, options, [] { return one_gauge(1); });
    CHECK(server.local_endpoint().address().is_v6());
    return;
  }
  try {
    MetricsServer server(io, options, [] { return one_gauge(1); });
    FAIL("listened on IPv6 without civetweb's IPv6");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("[::1]:0") != std::string::npos);
    CHECK(std::string(e.what()).find("without IPv6") != std::string::npos);
  }
}

TEST_CASE("a port already taken is a clear error naming the address") {
  LiveMetrics first([] { return one_gauge(1); });
  asio::io_context io;
  MetricsServerOptions options;
  options.listen = asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), first.port());
  try {
    MetricsServer second(io, options, [] { return one_gauge(1); });
    FAIL("bound a port already in use");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(first.port())) != std::string::npos);
  }
}
