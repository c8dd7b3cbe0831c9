#include "control/metrics_server.h"

#include <array>
#include <charconv>
#include <chrono>
#include <map>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <spdlog/spdlog.h>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "control/accept_loop.h"
#include "control/metrics_format.h"

namespace xdplb::control {
namespace {

using Tcp = asio::ip::tcp;

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
  }
  return "Error";
}

std::string endpoint_text(const Tcp::endpoint& endpoint) {
  const auto address = endpoint.address().to_string();
  const auto port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

std::uint16_t parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535)
    throw std::invalid_argument("invalid port \"" + std::string(text) + "\" in listen address \"" +
                                std::string(whole) + "\"");
  return static_cast<std::uint16_t>(value);
}

// The complete response; errors carry a one-line explanation as their body.
std::string http_response(int status, std::string_view content_type, std::string_view body,
                          bool include_body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
  out += "Content-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (status == 405) out += "Allow: GET, HEAD\r\n";
  out += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
  if (include_body) out += body;
  return out;
}

std::string error_body(int status) {
  switch (status) {
    case 404: return "404 Not Found: xdplbd serves /metrics only\n";
    case 405: return "405 Method Not Allowed: use GET or HEAD\n";
    case 431: return "431 Request Header Fields Too Large\n";
    case 505: return "505 HTTP Version Not Supported: use HTTP/1.0 or HTTP/1.1\n";
    default: return std::to_string(status) + " " + reason_phrase(status) + "\n";
  }
}

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

HttpAnswer route_metrics_request(std::string_view head) {
  const auto line_end = head.find_first_of("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const auto first_space = line.find(' ');
  const auto second_space =
      first_space == std::string_view::npos ? first_space : line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos || line.find(' ', second_space + 1) != std::string_view::npos)
    return {400, true};
  const auto method = line.substr(0, first_space);
  auto target = line.substr(first_space + 1, second_space - first_space - 1);
  const auto version = line.substr(second_space + 1);
  if (method.empty() || target.empty() || !version.starts_with("HTTP/")) return {400, true};
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return {505, true};
  if (const auto query = target.find('?'); query != std::string_view::npos) target = target.substr(0, query);
  const bool head_request = method == "HEAD";
  if (target != "/metrics") return {404, !head_request};
  if (method != "GET" && !head_request) return {405, true};
  return {200, !head_request};
}

class MetricsConnection;

struct MetricsServer::State {
  State(asio::io_context& context, MetricsServerOptions server_options, MetricsSource metrics_source)
      : io(context),
        options(std::move(server_options)),
        source(std::move(metrics_source)),
        acceptor(context),
        accept_retry(context) {}

  asio::io_context& io;
  MetricsServerOptions options;
  MetricsSource source;
  Tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  std::map<std::uint64_t, std::weak_ptr<MetricsConnection>> connections;
  std::uint64_t next_connection_id = 1;
  bool stopped = false;
};

// One scrape: read the request head, answer, close.
class MetricsConnection : public std::enable_shared_from_this<MetricsConnection> {
 public:
  MetricsConnection(std::shared_ptr<MetricsServer::State> state, Tcp::socket socket, std::uint64_t id)
      : state_(std::move(state)), socket_(std::move(socket)), deadline_(state_->io), id_(id) {}

  void start(Admission admission) {
    std::error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    peer_ = ec ? std::string("unknown peer") : endpoint_text(remote);
    deadline_.expires_after(state_->options.request_timeout);
    deadline_.async_wait([self = shared_from_this()](std::error_code wait_ec) {
      if (wait_ec || self->closed_) return;
      spdlog::debug("metrics: {} timed out", self->peer_);
      self->close();
    });
    if (admission == Admission::over_limit) return refuse();
    read_more();
  }

  // For the accept loop's make_room (accept_loop.h): a connection still waiting for its request head
  // gives way to a new scraper.
  bool holds_slot() const { return !closed_ && !leaving_; }
  bool waiting_for_request() const { return holds_slot() && !responding_; }
  std::chrono::steady_clock::time_point idle_since() const { return accepted_at_; }
  void give_way() {
    spdlog::debug("metrics: {} closed to make room for a new connection", peer_);
    refuse();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    close_connection(socket_, deadline_, *state_, id_);
  }

 private:
  void read_more() {
    socket_.async_read_some(asio::buffer(chunk_),
                            [self = shared_from_this()](std::error_code ec, std::size_t n) {
                              if (self->closed_) return;
                              if (ec) return self->close();
                              if (self->responding_) return;  // refused meanwhile: the answer is on its way
                              self->request_.append(self->chunk_.data(), n);
                              self->on_data();
                            });
  }

  void on_data() {
    auto end = request_.find("\r\n\r\n");
    if (end == std::string::npos) end = request_.find("\n\n");
    if (end == std::string::npos) {
      if (request_.size() > state_->options.max_request_bytes) return respond(431);
      return read_more();
    }
    if (end > state_->options.max_request_bytes) return respond(431);
    const auto answer = route_metrics_request(request_.substr(0, end));
    if (answer.status != 200) {
      spdlog::debug("metrics: {} answered {}", peer_, answer.status);
      return respond(answer.status, answer.include_body);
    }
    std::string body;
    try {
      body = state_->source();
    } catch (const std::exception& e) {
      spdlog::warn("metrics: cannot produce metrics for {}: {}", peer_, e.what());
      return respond(500);
    }
    write(http_response(200, kMetricsContentType, body, answer.include_body));
  }

  void respond(int status, bool include_body = true) {
    write(http_response(status, "text/plain; charset=utf-8", error_body(status), include_body));
  }

  // 503, then close; the slot is free at once.
  void refuse() {
    leaving_ = true;
    respond(503);
  }

  void write(std::string response) {
    responding_ = true;
    response_ = std::move(response);
    asio::async_write(socket_, asio::buffer(response_),
                      [self = shared_from_this()](std::error_code, std::size_t) {
                        if (self->closed_) return;
                        self->close();
                      });
  }

  std::shared_ptr<MetricsServer::State> state_;
  Tcp::socket socket_;
  asio::steady_timer deadline_;
  std::uint64_t id_;
  std::string peer_;
  std::array<char, 2048> chunk_{};
  std::string request_;
  std::string response_;
  std::chrono::steady_clock::time_point accepted_at_ = std::chrono::steady_clock::now();
  bool responding_ = false;  // the answer is being written
  bool leaving_ = false;     // refused: its 503 is being written
  bool closed_ = false;
};

MetricsServer::MetricsServer(asio::io_context& io, MetricsServerOptions options, MetricsSource source)
    : state_(std::make_shared<State>(io, std::move(options), std::move(source))) {
  if (!state_->source) throw std::invalid_argument("MetricsServer needs a metrics source");
  const auto& listen = state_->options.listen;
  try {
    state_->acceptor.open(listen.protocol());
    state_->acceptor.set_option(Tcp::acceptor::reuse_address(true));
    state_->acceptor.bind(listen);
    state_->acceptor.listen();
  } catch (const std::system_error& e) {
    state_->stopped = true;
    throw std::runtime_error("metrics: cannot listen on " + endpoint_text(listen) + ": " +
                             e.code().message());
  }
  accept_connections<MetricsConnection>(state_, "metrics");
  spdlog::info("metrics: serving http://{}/metrics", endpoint_text(local_endpoint()));
}

MetricsServer::~MetricsServer() {
  stop();
}

Tcp::endpoint MetricsServer::local_endpoint() const {
  std::error_code ec;
  auto endpoint = state_->acceptor.local_endpoint(ec);
  return ec ? state_->options.listen : endpoint;
}

void MetricsServer::stop() {
  auto& state = *state_;
  if (state.stopped) return;
  state.stopped = true;
  std::error_code ignored;
  state.acceptor.close(ignored);
  state.accept_retry.cancel();
  for (auto& [id, weak] : state.connections)
    if (auto connection = weak.lock()) connection->close();
  state.connections.clear();
}

}  // namespace xdplb::control
