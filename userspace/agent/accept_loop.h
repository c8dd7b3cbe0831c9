// The connection handling both agent servers (control socket, metrics endpoint) share: accept until the
// server stops, back off after a failed accept, track every connection and tell it whether it is over
// the connection limit (it answers that itself, then closes); and close a connection for good.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

namespace xdplb::agent {

// After a failed accept (EMFILE and friends) retrying at once would spin the loop.
inline constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(200);

// `State` has: acceptor, accept_retry (a steady_timer), stopped, options.max_connections,
// next_connection_id and connections (id -> weak_ptr<Connection>). `Connection` is constructed from
// (state, socket, id) and has start(bool over_limit). A pending accept holds the state alive; a
// connection holds it while it lives.
template <typename Connection, typename State>
void accept_connections(const std::shared_ptr<State>& state, std::string what) {
  state->acceptor.async_accept([state, what = std::move(what)](std::error_code ec, auto socket) mutable {
    if (state->stopped) return;
    if (ec) {
      spdlog::error("{}: accept failed: {}; retrying", what, ec.message());
      state->accept_retry.expires_after(kAcceptRetryDelay);
      state->accept_retry.async_wait([state, what](std::error_code wait_ec) {
        if (!wait_ec && !state->stopped) accept_connections<Connection>(state, what);
      });
      return;
    }
    const bool over_limit = state->connections.size() >= state->options.max_connections;
    const auto id = state->next_connection_id++;
    auto connection = std::make_shared<Connection>(state, std::move(socket), id);
    state->connections.emplace(id, connection);
    connection->start(over_limit);
    accept_connections<Connection>(state, std::move(what));
  });
}

// Closes connection `id`'s socket and its deadline timer and forgets it. While the server stops it
// walks `connections` itself, so the entry stays for it.
template <typename Socket, typename State>
void close_connection(Socket& socket, asio::steady_timer& timer, State& state, std::uint64_t id) {
  std::error_code ignored;
  timer.cancel();
  socket.shutdown(Socket::shutdown_both, ignored);
  socket.close(ignored);
  if (!state.stopped) state.connections.erase(id);
}

}  // namespace xdplb::agent
