// The metrics endpoint: Prometheus scrapes GET /metrics over HTTP/1.1 on an optional listen address
// (e.g. 127.0.0.1:9469). It runs on the agent's loop without blocking it; the body comes from a
// callback (usually format_metrics() over the agent's state) called once per scrape.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

namespace xdplb::control {

// Returns the exposition text. Throwing answers 500 and the scrape fails visibly.
using MetricsSource = std::function<std::string()>;

// "127.0.0.1:9469", "[::1]:9469", "0.0.0.0:9469", or a bare port "9469" (meaning 127.0.0.1, so that
// metrics are never exposed to the network by accident). Throws std::invalid_argument naming the
// problem.
asio::ip::tcp::endpoint parse_listen_address(std::string_view text);

// What the server answers to one request head (everything up to the blank line). Pure, for tests.
struct HttpAnswer {
  int status = 200;
  bool include_body = true;  // false for HEAD
};
HttpAnswer route_metrics_request(std::string_view request_head);

struct MetricsServerOptions {
  asio::ip::tcp::endpoint listen;
  std::size_t max_request_bytes = 8 * 1024;  // request head; longer is answered 431
  std::size_t max_connections = 16;  // at the limit, the oldest one still sending its head gives way
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};  // to receive the head and send
};

class MetricsServer {
 public:
  // Binds and listens (SO_REUSEADDR). Throws std::runtime_error naming the address on failure.
  MetricsServer(asio::io_context& io, MetricsServerOptions options, MetricsSource source);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The bound address (the real port when the options asked for port 0).
  asio::ip::tcp::endpoint local_endpoint() const;
  void stop();

  struct State;  // shared with the connections, which may outlive the server on the loop

 private:
  std::shared_ptr<State> state_;
};

}  // namespace xdplb::control
