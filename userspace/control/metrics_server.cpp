#include "control/metrics_server.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <civetweb.h>
#include <prometheus/exposer.h>
#include <spdlog/spdlog.h>

#include "control/process_metrics.h"

namespace xdplb::control {
namespace {

using Tcp = asio::ip::tcp;

std::uint16_t parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535)
    throw std::invalid_argument("invalid port \"" + std::string(text) + "\" in listen address \"" +
                                std::string(whole) + "\"");
  return static_cast<std::uint16_t>(value);
}

std::string endpoint_text(const Tcp::endpoint& endpoint) { return civetweb_listening_port(endpoint); }

}  // namespace

Tcp::endpoint parse_listen_address(std::string_view text) {
  const std::string whole(text);
  if (text.empty()) throw std::invalid_argument("empty metrics listen address");
  std::string_view host;
  std::string_view port;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw std::invalid_argument("invalid listen address \"" + whole + "\": expected [IPV6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else if (const auto colon = text.rfind(':'); colon == std::string_view::npos) {
    host = "127.0.0.1";
    port = text;
  } else {
    if (text.find(':') != colon)
      throw std::invalid_argument("invalid listen address \"" + whole +
                                  "\": IPv6 needs brackets, e.g. [::1]:9469");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  std::error_code ec;
  const auto address = asio::ip::make_address(std::string(host), ec);
  if (ec)
    throw std::invalid_argument("invalid address \"" + std::string(host) + "\" in listen address \"" + whole +
                                "\"");
  if (text.front() == '[' && !address.is_v6())
    throw std::invalid_argument("invalid listen address \"" + whole + "\": brackets are for IPv6 only");
  return Tcp::endpoint(address, parse_port(port, text));
}

std::string civetweb_listening_port(const Tcp::endpoint& endpoint) {
  const auto address = endpoint.address().to_string();
  const auto port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

bool civetweb_has_ipv6() { return mg_check_feature(8) != 0; }  // 8: USE_IPV6 (civetweb.h)

MetricsServer::MetricsServer(asio::io_context& io, MetricsServerOptions options,
                             LoopCollectable::Collector agent_families)
    : listen_(options.listen),
      agent_(std::make_shared<LoopCollectable>(io, std::move(agent_families))),
      process_(std::make_shared<ProcessCollector>()) {
  std::vector<std::string> civetweb{"listening_ports", civetweb_listening_port(listen_), "num_threads",
                                    std::to_string(options.threads), "request_timeout_ms",
                                    std::to_string(options.request_timeout.count())};
  if (listen_.address().is_v6() && !civetweb_has_ipv6())
    throw std::runtime_error("metrics: cannot listen on " + endpoint_text(listen_) +
                             ": the civetweb library under prometheus-cpp was built without IPv6 (Debian's is); "
                             "use an IPv4 address");
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(std::move(civetweb));
  } catch (const std::exception& e) {
    throw std::runtime_error("metrics: cannot listen on " + endpoint_text(listen_) + ": " + e.what());
  }
  exposer_->RegisterCollectable(agent_);
  exposer_->RegisterCollectable(process_);
  spdlog::info("metrics: serving http://{}/metrics", endpoint_text(local_endpoint()));
}

MetricsServer::~MetricsServer() { stop(); }

Tcp::endpoint MetricsServer::local_endpoint() const {
  if (!exposer_) return listen_;
  const auto ports = exposer_->GetListeningPorts();
  if (ports.empty()) return listen_;
  return Tcp::endpoint(listen_.address(), static_cast<std::uint16_t>(ports.front()));
}

void MetricsServer::stop() {
  agent_->stop();  // first: a scrape waiting for the loop returns, so the threads can be joined
  if (!exposer_) return;
  // civetweb's listening thread sees the stop only when its poll() returns, after up to 2 s
  // (SOCKET_TIMEOUT_QUANTUM) when nothing connects: the agent's exit, and a restart, would wait for
  // it. Connections to its own port wake it at once (about 20 ms to stop; measured, see BENCHMARKS.md).
  auto target = local_endpoint();
  if (target.address().is_unspecified())
    target.address(target.address().is_v6() ? asio::ip::address(asio::ip::address_v6::loopback())
                                            : asio::ip::address(asio::ip::address_v4::loopback()));
  std::atomic<bool> stopped{false};
  std::thread waker([&stopped, target] {
    while (!stopped.load()) {
      asio::io_context io;
      Tcp::socket socket(io);
      std::error_code ignored;
      socket.connect(target, ignored);  // refused once the port is closed: that is fine too
      socket.close(ignored);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  exposer_.reset();
  stopped = true;
  waker.join();
}

}  // namespace xdplb::control
