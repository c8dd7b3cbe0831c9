// The metrics endpoint: Prometheus scrapes GET /metrics on an optional listen address (e.g.
// 127.0.0.1:9469). prometheus-cpp's Exposer serves it on civetweb threads of its own; the agent's
// families are collected on the agent's loop (loop_collectable.h), the process metrics on the
// exposer's threads (process_metrics.h).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "control/loop_collectable.h"

namespace prometheus {
class Exposer;
}

namespace xdplb::control {

class ProcessCollector;

// "127.0.0.1:9469", "[::1]:9469", "0.0.0.0:9469", or a bare port "9469" (meaning 127.0.0.1, so that
// metrics are never exposed to the network by accident). Throws std::invalid_argument naming the
// problem.
asio::ip::tcp::endpoint parse_listen_address(std::string_view text);
// The same endpoint in civetweb's listening_ports syntax: "127.0.0.1:9469", "[::1]:9469".
std::string civetweb_listening_port(const asio::ip::tcp::endpoint& endpoint);

// Whether the civetweb library the exposer runs on listens on IPv6 at all: Debian 12's is built
// without it, so an IPv6 listen address is refused there with that reason.
bool civetweb_has_ipv6();

struct MetricsServerOptions {
  asio::ip::tcp::endpoint listen;
  std::size_t threads = 2;  // civetweb's workers: scrapes answered at once
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};  // to receive a request and send the answer
};

class MetricsServer {
 public:
  // Binds and listens. Throws std::runtime_error naming the address on failure (an IPv6 one too,
  // where civetweb has no IPv6). `agent_families`
  // runs on `io`'s thread, once per scrape.
  MetricsServer(asio::io_context& io, MetricsServerOptions options, LoopCollectable::Collector agent_families);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The bound address (the real port when the options asked for port 0).
  asio::ip::tcp::endpoint local_endpoint() const;
  // On the loop: answers no more scrapes and joins civetweb's threads.
  void stop();

 private:
  asio::ip::tcp::endpoint listen_;
  std::shared_ptr<LoopCollectable> agent_;
  std::shared_ptr<ProcessCollector> process_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace xdplb::control
