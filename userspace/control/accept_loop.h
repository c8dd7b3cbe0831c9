// The connection handling both agent servers (control socket, metrics endpoint) share: accept until the
// server stops, back off after a failed accept, track every connection, make room at the connection
// limit, and close a connection for good.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

namespace xdplb::control {

// After a failed accept (EMFILE and friends) retrying at once would spin the loop.
inline constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(200);

// What a new connection is told when the server accepts it.
enum class Admission {
  admitted,    // it holds a slot: serve it
  over_limit,  // every slot is held by a connection being served: answer the refusal and close
};

// At the limit, the connection that has waited longest for a request gives way to the newcomer:
// otherwise clients that connect and never speak would hold every slot until they time out, and
// lock the operator out exactly when they need the socket. A connection that is being served (its
// request is answered, its answer written) is never interrupted. Returns whether a slot is free.
template <typename State>
bool make_room(State& state) {
  std::size_t holding = 0;
  decltype(state.connections.begin()->second.lock()) longest_idle;
  for (auto& [id, weak] : state.connections) {
    const auto connection = weak.lock();
    if (!connection || !connection->holds_slot()) continue;
    ++holding;
    if (connection->waiting_for_request() &&
        (!longest_idle || connection->idle_since() < longest_idle->idle_since()))
      longest_idle = connection;
  }
  if (holding < state.options.max_connections) return true;
  if (!longest_idle) return false;
  longest_idle->give_way();
  return true;
}

// `State` has: acceptor, accept_retry (a steady_timer), stopped, options.max_connections,
// next_connection_id and connections (id -> weak_ptr<Connection>, ordered by id). `Connection` is
// constructed from (state, socket, id) and has start(Admission), holds_slot(), waiting_for_request(),
// idle_since() and give_way() (answer why, then close; it stops holding a slot at once). A pending
// accept holds the state alive; a connection holds it while it lives.
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
    const auto admission = make_room(*state) ? Admission::admitted : Admission::over_limit;
    const auto id = state->next_connection_id++;
    auto connection = std::make_shared<Connection>(state, std::move(socket), id);
    state->connections.emplace(id, connection);
    connection->start(admission);
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

}  // namespace xdplb::control
