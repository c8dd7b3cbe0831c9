// The control socket: a UNIX stream socket on the agent's event loop that answers xdplbctl.
// One JSON request per line, one JSON response per line, several requests per connection.
// It knows the protocol (which commands exist and which fields they take) but not the agent: a
// validated request goes to a handler the agent provides. See docs/control.md for the schemas.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

namespace xdplb::control {

// Answers one validated request: returns the "result" of {"ok":true,"result":...}. Throwing
// (ControlError or any std::exception) answers {"ok":false,"error":what()} and keeps the
// connection open; the handler must leave the agent as it was when it throws.
using ControlHandler =
    std::function<nlohmann::json(const std::string& command, const nlohmann::json& request)>;

// The answer to a request that takes a while (a reload reads and plans the file off the loop):
// called exactly once, on the loop, with the result or with the exception that refuses it (as a
// ControlHandler would throw). The connection reads nothing more until then.
using ControlCompletion = std::function<void(std::exception_ptr error, nlohmann::json result)>;
// Starts answering one validated request; `done` may run before it returns or any time later.
using DeferredControlHandler =
    std::function<void(const std::string& command, const nlohmann::json& request, ControlCompletion done)>;

// A refusal the operator should read as is, optionally with structured details (e.g. every config
// error of a failed reload), sent as "details" next to "error".
class ControlError : public std::runtime_error {
 public:
  explicit ControlError(const std::string& message, nlohmann::json details = nullptr)
      : std::runtime_error(message), details_(std::move(details)) {}
  const nlohmann::json& details() const { return details_; }

 private:
  nlohmann::json details_;
};

// The type a request field must have.
enum class FieldType { string, boolean, integer };

struct ControlField {
  std::string name;
  FieldType type = FieldType::string;
  bool required = false;
};

struct ControlCommand {
  std::string name;
  std::string summary;  // one line, for the "unknown command" answer and the docs
  std::vector<ControlField> fields;
};

// Every command of the protocol with its fields; "command" and the optional "id" (echoed back in
// the response, any JSON type) are implied.
const std::vector<ControlCommand>& control_commands();

// Checks one request line against the protocol. Returns the parsed request, or throws ControlError
// with the message the client gets (malformed JSON, not an object, unknown command, missing,
// mistyped or unknown field).
nlohmann::json parse_control_request(std::string_view line);

// The response lines (without the trailing newline); never throw, also for invalid UTF-8 in strings.
std::string control_success(const nlohmann::json& result, const nlohmann::json& id);
std::string control_failure(std::string_view error, const nlohmann::json& details, const nlohmann::json& id);

// /run/xdplb/<instance>.sock. Throws std::invalid_argument for an instance name that is empty, has
// a '/', starts with '.' or is too long for a socket address.
std::filesystem::path control_socket_path(const std::string& instance);

struct ControlServerOptions {
  std::filesystem::path socket_path;
  std::size_t max_line_bytes = 64 * 1024;  // a longer request line is answered with an error and closed
  // At the limit the connection idle the longest gives way to a new one; only when every
  // connection is being served is the newcomer refused.
  std::size_t max_connections = 32;
  // A client must send its first request line within request_timeout of connecting, and take each
  // answer within it; between requests, a client that has spoken may stay silent for idle_timeout.
  // Clients that connect and say nothing then hold a slot for seconds, not minutes.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(5)};
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  uid_t allowed_uid = 0;  // SO_PEERCRED uid allowed to talk; anyone else is refused
};

class ControlServer {
 public:
  // Creates the socket's directory (0755), replaces a stale socket file, binds with mode 0600 and
  // starts accepting. Throws std::runtime_error when another process listens on the path, when the
  // path exists and is not a socket, or on any system error.
  ControlServer(asio::io_context& io, ControlServerOptions options, ControlHandler handler);
  ControlServer(asio::io_context& io, ControlServerOptions options, DeferredControlHandler handler);
  // Closes every connection and removes the socket file if it is still the one this server bound.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::filesystem::path& socket_path() const;
  std::size_t connection_count() const;

  // Idempotent early shutdown (the destructor calls it).
  void stop();

  struct State;  // shared with the connections, which may outlive the server on the loop

 private:
  std::shared_ptr<State> state_;
};

}  // namespace xdplb::control
