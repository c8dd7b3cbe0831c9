#include "control/control_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <map>
#include <system_error>
#include <utility>

#include <spdlog/spdlog.h>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include "control/accept_loop.h"
#include "agent/refused.h"
#include "common/unique_fd.h"

namespace xdplb::control {
namespace {

using Json = nlohmann::json;
using UnixSocket = asio::local::stream_protocol::socket;

constexpr std::size_t kMaxSocketPath = sizeof(sockaddr_un{}.sun_path) - 1;

const char* type_name(FieldType type) {
  switch (type) {
    case FieldType::string: return "a string";
    case FieldType::boolean: return "a boolean";
    case FieldType::integer: return "an integer";
  }
  return "?";
}

bool has_type(const Json& value, FieldType type) {
  switch (type) {
    case FieldType::string: return value.is_string();
    case FieldType::boolean: return value.is_boolean();
    case FieldType::integer: return value.is_number_integer();
  }
  return false;
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the client needs the rest.
std::string without_exception_tag(const char* what) {
  std::string message = what;
  if (!message.empty() && message.front() == '[') {
    const auto end = message.find("] ");
    if (end != std::string::npos) message.erase(0, end + 2);
  }
  return message;
}

std::string command_names() {
  std::string names;
  for (const auto& command : control_commands()) names += (names.empty() ? "" : ", ") + command.name;
  return names;
}

const ControlCommand* find_command(const std::string& name) {
  for (const auto& command : control_commands())
    if (command.name == name) return &command;
  return nullptr;
}

// Requests are flat; the limit only keeps a 64 KiB line of brackets from nesting 32,000 levels
// deep, which nlohmann parses iteratively but copies and dumps recursively (the "id" is echoed):
// that overflowed the 8 MiB stack of an -O0 or ASan build, and an -O2 build had little margin.
constexpr int kMaxJsonDepth = 64;

// Parses the line as JSON; a syntax error becomes the client's answer, and so does valid syntax
// nlohmann cannot hold (a number beyond a double, such as 1e400, throws out_of_range, not parse_error).
Json parse_json_line(std::string_view line) {
  const Json::parser_callback_t limit_depth = [](int depth, Json::parse_event_t, Json&) {
    if (depth > kMaxJsonDepth)
      throw ControlError("malformed JSON: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    return true;
  };
  try {
    return Json::parse(line, limit_depth);
  } catch (const Json::exception& e) {
    throw ControlError("malformed JSON: " + without_exception_tag(e.what()));
  }
}

void validate_request(const Json& request) {
  if (!request.is_object())
    throw ControlError("a request must be a JSON object such as {\"command\":\"status\"}");
  const auto command_field = request.find("command");
  if (command_field == request.end()) throw ControlError("missing field \"command\"");
  if (!command_field->is_string()) throw ControlError("field \"command\" must be a string");
  const auto& name = command_field->get_ref<const std::string&>();
  const ControlCommand* command = find_command(name);
  if (!command) throw ControlError("unknown command \"" + name + "\" (commands: " + command_names() + ")");

  for (const auto& field : command->fields) {
    const auto value = request.find(field.name);
    if (value == request.end() || value->is_null()) {
      if (field.required) throw ControlError(name + ": missing field \"" + field.name + "\"");
      continue;
    }
    if (!has_type(*value, field.type))
      throw ControlError(name + ": field \"" + field.name + "\" must be " + type_name(field.type));
  }
  // A misspelt optional field ("bakend", "vips") would otherwise silently widen what the command does.
  for (const auto& [key, value] : request.items()) {
    if (key == "command" || key == "id") continue;
    bool known = false;
    for (const auto& field : command->fields) known = known || field.name == key;
    if (!known) throw ControlError(name + ": unknown field \"" + key + "\"");
  }
}

Json request_id(const Json& request) {
  if (!request.is_object()) return nullptr;
  const auto id = request.find("id");
  return id == request.end() ? Json(nullptr) : *id;
}

std::string dump_line(const Json& response) {
  return response.dump(-1, ' ', false, Json::error_handler_t::replace);
}

struct PeerCredentials {
  pid_t pid = -1;
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
};

bool read_peer_credentials(int fd, PeerCredentials& out) {
  ucred credentials{};
  socklen_t length = sizeof(credentials);
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return false;
  out = {credentials.pid, credentials.uid, credentials.gid};
  return true;
}

sockaddr_un unix_address(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string& text = path.native();
  if (text.size() > kMaxSocketPath)
    throw std::runtime_error("control socket path " + text + " is longer than " +
                             std::to_string(kMaxSocketPath) + " bytes");
  std::memcpy(address.sun_path, text.data(), text.size());
  return address;
}

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Decides what to do with whatever is at the socket path before binding: nothing there is fine, a
// socket nobody listens on is stale (left by a crash) and will be replaced, a live listener or a
// file that is not a socket is refused.
void refuse_if_path_taken(const std::filesystem::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return;
    throw_errno("cannot inspect " + path.native());
  }
  if (!S_ISSOCK(info.st_mode))
    throw std::runtime_error(path.native() + " exists and is not a socket; refusing to replace it");

  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!probe) throw_errno("socket(AF_UNIX)");
  const sockaddr_un address = unix_address(path);
  // Non-blocking, so that a live agent whose backlog is full answers EAGAIN instead of blocking us.
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 ||
      errno == EAGAIN)
    throw std::runtime_error("another xdplbd is already listening on " + path.native() +
                             " (stop it first, or use another --instance)");
  if (errno != ECONNREFUSED) throw_errno("cannot probe existing control socket " + path.native());
  spdlog::info("control: replacing stale socket {} (no process listens on it)", path.native());
}

// Creates the socket's directory (and missing parents) with mode 0755, so that the path is
// traversable while the socket itself stays 0600.
void prepare_directory(const std::filesystem::path& directory) {
  if (directory.empty()) return;
  std::error_code ec;
  if (std::filesystem::is_directory(directory, ec)) return;
  prepare_directory(directory.parent_path());
  if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST)
    throw_errno("cannot create " + directory.native());
  // mkdir honours the umask; the mode must not depend on it.
  if (::chmod(directory.c_str(), 0755) != 0) throw_errno("cannot chmod 0755 " + directory.native());
}

std::filesystem::path temporary_bind_path(const std::filesystem::path& path) {
  static std::atomic<unsigned> sequence{0};
  return path.parent_path() / (".xdplb-ctl-" + std::to_string(::getpid()) + "-" + std::to_string(sequence++));
}

}  // namespace

const std::vector<ControlCommand>& control_commands() {
  static const std::vector<ControlCommand> commands = {
      {"status", "agent, VRRP instances and data plane state", {}},
      {"list", "virtual servers with their real servers, weights, health and flows", {}},
      {"stats", "packet, byte and new-flow counters per VIP and backend, and the verdict counters", {}},
      {"reload", "re-read the configuration file and apply the difference", {}},
      {"verify", "compare the intended state with the live BPF maps and list every difference", {}},
      {"conns",
       "the conntrack entries: client, VIP, backend, idle time, state",
       {{"vip", FieldType::string, false}, {"backend", FieldType::string, false}, {"limit", FieldType::integer, false}}},
      {"drain",
       "weight 0 for a real server: established flows stay, new flows go elsewhere",
       {{"backend", FieldType::string, true}, {"vip", FieldType::string, false}}},
      {"undrain",
       "undo drain: the real server gets its configured weight back",
       {{"backend", FieldType::string, true}, {"vip", FieldType::string, false}}},
  };
  return commands;
}

Json parse_control_request(std::string_view line) {
  Json request = parse_json_line(line);
  validate_request(request);
  return request;
}

std::string control_success(const Json& result, const Json& id) {
  Json response = {{"ok", true}, {"result", result}};
  if (!id.is_null()) response["id"] = id;
  return dump_line(response);
}

std::string control_failure(std::string_view error, const Json& details, const Json& id) {
  Json response = {{"ok", false}, {"error", error}};
  if (!details.is_null()) response["details"] = details;
  if (!id.is_null()) response["id"] = id;
  return dump_line(response);
}

std::filesystem::path control_socket_path(const std::string& instance) {
  if (instance.empty() || instance.front() == '.' || instance.find('/') != std::string::npos ||
      instance.find('\0') != std::string::npos)
    throw std::invalid_argument("invalid instance name \"" + instance +
                                "\": it must be non-empty, without '/' and not start with '.'");
  std::filesystem::path path = std::filesystem::path("/run/xdplb") / (instance + ".sock");
  if (path.native().size() > kMaxSocketPath)
    throw std::invalid_argument("instance name \"" + instance + "\" is too long for a socket path");
  return path;
}

class ControlConnection;

struct ControlServer::State {
  State(asio::io_context& context, ControlServerOptions server_options, DeferredControlHandler request_handler)
      : io(context),
        options(std::move(server_options)),
        handler(std::move(request_handler)),
        acceptor(context),
        accept_retry(context) {}

  asio::io_context& io;
  ControlServerOptions options;
  DeferredControlHandler handler;
  asio::local::stream_protocol::acceptor acceptor;
  asio::steady_timer accept_retry;
  // Weak: a connection lives as long as its pending operations; the server only needs to close it.
  std::map<std::uint64_t, std::weak_ptr<ControlConnection>> connections;
  std::uint64_t next_connection_id = 1;
  bool stopped = false;
  bool bound = false;
  dev_t socket_device = 0;
  ino_t socket_inode = 0;
};

class ControlConnection : public std::enable_shared_from_this<ControlConnection> {
 public:
  ControlConnection(std::shared_ptr<ControlServer::State> state, UnixSocket socket, std::uint64_t id)
      : state_(std::move(state)), socket_(std::move(socket)), deadline_(state_->io), id_(id) {}

  // Refuses peers that are not allowed, then serves requests until the client goes away.
  void start(Admission admission) {
    PeerCredentials peer;
    if (!read_peer_credentials(socket_.native_handle(), peer)) {
      spdlog::warn("control: cannot read peer credentials ({}), closing the connection",
                   std::strerror(errno));
      close();
      return;
    }
    peer_ = "pid " + std::to_string(peer.pid) + " uid " + std::to_string(peer.uid);
    if (peer.uid != state_->options.allowed_uid) {
      spdlog::warn("control: refused client {}: only uid {} may use {}", peer_, state_->options.allowed_uid,
                   state_->options.socket_path.native());
      return say_goodbye("permission denied: the control socket accepts uid " +
                         std::to_string(state_->options.allowed_uid) + " only, not uid " +
                         std::to_string(peer.uid));
    }
    if (admission == Admission::over_limit) {
      spdlog::warn("control: refused client {}: {} connections already open, all being served", peer_,
                   state_->options.max_connections);
      return say_goodbye("too many control connections (limit " +
                         std::to_string(state_->options.max_connections) + ", all busy); try again later");
    }
    spdlog::debug("control: client {} connected", peer_);
    serve_buffered();
  }

  // For the accept loop's make_room (accept_loop.h).
  bool holds_slot() const { return !closed_ && !leaving_; }
  bool waiting_for_request() const { return holds_slot() && waiting_; }
  std::chrono::steady_clock::time_point idle_since() const { return idle_since_; }

  void give_way() {
    spdlog::info("control: client {} closed to make room for a new one: {} connections open and it waited "
                 "longest for a request ({} ms)",
                 peer_, state_->options.max_connections,
                 std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                       idle_since_)
                     .count());
    say_goodbye("connection closed to make room for a new client: the limit of " +
                std::to_string(state_->options.max_connections) +
                " control connections was reached and this one had been idle the longest");
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    close_connection(socket_, deadline_, *state_, id_);
  }

 private:
  enum class Deadline { first_request, next_request, answer };

  // Answers every complete line already received, one at a time (each answer is written before the
  // next request is read, so a client that never reads cannot make us buffer without bound).
  void serve_buffered() {
    while (!closed_ && !leaving_) {
      const auto newline = input_.find('\n');
      if (newline == std::string::npos) {
        if (input_.size() > state_->options.max_line_bytes) return refuse_oversized_line();
        return await_request();
      }
      if (newline > state_->options.max_line_bytes) return refuse_oversized_line();
      std::string line = input_.substr(0, newline);
      input_.erase(0, newline + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines are not requests
      spoken_ = true;
      return answer(line);
    }
  }

  // The deadline runs from the moment we start waiting, not from the last byte: a client trickling
  // a request byte by byte must not hold its slot for longer than one that stays silent.
  void await_request() {
    if (!waiting_) {
      waiting_ = true;
      idle_since_ = std::chrono::steady_clock::now();
      arm_deadline(spoken_ ? Deadline::next_request : Deadline::first_request);
    }
    read_more();
  }

  // Hands one request line to the handler; its answer is sent when it completes. Meanwhile no
  // deadline runs (the agent may take seconds) and the connection does not count as idle.
  void answer(const std::string& line) {
    waiting_ = false;
    deadline_.cancel();
    Json id = nullptr;
    try {
      Json request = parse_json_line(line);
      id = request_id(request);
      validate_request(request);
      const auto command = request["command"].get<std::string>();
      spdlog::debug("control: {} from {}", command, peer_);
      state_->handler(command, request, [self = shared_from_this(), id](std::exception_ptr error, Json result) {
        if (self->closed_) return;  // the client went away while the agent worked
        self->send(error ? self->failure_line(error, id) : control_success(result, id), false);
      });
    } catch (...) {
      send(failure_line(std::current_exception(), id), false);
    }
  }

  std::string failure_line(const std::exception_ptr& error, const Json& id) const {
    try {
      std::rethrow_exception(error);
    } catch (const ControlError& e) {
      spdlog::info("control: request from {} refused: {}", peer_, e.what());
      return control_failure(e.what(), e.details(), id);
    } catch (const agent::Refused& e) {
      spdlog::info("control: request from {} refused: {}", peer_, e.what());
      return control_failure(e.what(), e.reasons().empty() ? Json(nullptr) : Json(e.reasons()), id);
    } catch (const std::exception& e) {
      spdlog::warn("control: request from {} failed: {}", peer_, e.what());
      return control_failure(e.what(), nullptr, id);
    } catch (...) {
      spdlog::warn("control: request from {} failed with an unknown exception", peer_);
      return control_failure("internal error", nullptr, id);
    }
  }

  void refuse_oversized_line() {
    spdlog::warn("control: client {} sent a request line over {} bytes, closing", peer_,
                 state_->options.max_line_bytes);
    input_.clear();
    say_goodbye("request line longer than " + std::to_string(state_->options.max_line_bytes) +
                " bytes; closing the connection");
  }

  void read_more() {
    socket_.async_read_some(asio::buffer(chunk_),
                            [self = shared_from_this()](std::error_code ec, std::size_t n) {
                              if (self->closed_) return;
                              if (ec) {
                                if (ec != asio::error::eof)
                                  spdlog::debug("control: client {}: {}", self->peer_, ec.message());
                                return self->close();
                              }
                              // Saying goodbye: what it sends now will not be answered.
                              if (self->leaving_) return;
                              self->input_.append(self->chunk_.data(), n);
                              self->serve_buffered();
                            });
  }

  // One error line, then the connection closes; it stops holding a slot at once.
  void say_goodbye(const std::string& error) {
    leaving_ = true;
    send(control_failure(error, nullptr, nullptr), true);
  }

  void send(std::string line, bool close_after) {
    waiting_ = false;
    output_ = std::move(line);
    output_ += '\n';
    arm_deadline(Deadline::answer);
    asio::async_write(socket_, asio::buffer(output_),
                      [self = shared_from_this(), close_after](std::error_code ec, std::size_t) {
                        if (self->closed_) return;
                        if (ec || close_after) return self->close();
                        self->serve_buffered();
                      });
  }

  void arm_deadline(Deadline kind) {
    const auto& options = state_->options;
    const auto limit = kind == Deadline::next_request ? options.idle_timeout : options.request_timeout;
    deadline_.expires_after(limit);
    deadline_.async_wait([self = shared_from_this(), kind, limit](std::error_code ec) {
      if (ec || self->closed_) return;
      const char* what = kind == Deadline::first_request ? "sent no request"
                         : kind == Deadline::next_request ? "sent no further request"
                                                          : "did not take its answer";
      spdlog::info("control: client {} {} within {} ms, closing", self->peer_, what, limit.count());
      self->close();
    });
  }

  std::shared_ptr<ControlServer::State> state_;
  UnixSocket socket_;
  asio::steady_timer deadline_;
  std::uint64_t id_;
  std::string peer_ = "unknown peer";
  std::array<char, 4096> chunk_{};
  std::string input_;
  std::string output_;
  std::chrono::steady_clock::time_point idle_since_ = std::chrono::steady_clock::now();
  bool waiting_ = false;  // between requests: no complete line buffered, nothing being answered
  bool spoken_ = false;   // has sent a request: from now on the longer idle timeout applies
  bool leaving_ = false;  // writing its last line (a refusal or a goodbye), then closes
  bool closed_ = false;
};

namespace {

// Binds under a temporary name, sets the mode, then renames over the final path: the socket is
// never reachable with a wider mode, and a stale file is replaced atomically.
void bind_socket(ControlServer::State& state) {
  const auto& path = state.options.socket_path;
  (void)unix_address(path);  // reject an over-long path before touching the file system
  prepare_directory(path.parent_path());
  refuse_if_path_taken(path);

  const auto temporary = temporary_bind_path(path);
  (void)unix_address(temporary);
  ::unlink(temporary.c_str());
  state.acceptor.open(asio::local::stream_protocol());
  state.acceptor.bind(asio::local::stream_protocol::endpoint(temporary.native()));
  try {
    if (::chmod(temporary.c_str(), 0600) != 0) throw_errno("cannot chmod 0600 " + temporary.native());
    struct stat info {};
    if (::lstat(temporary.c_str(), &info) != 0) throw_errno("cannot inspect " + temporary.native());
    if (::rename(temporary.c_str(), path.c_str()) != 0)
      throw_errno("cannot rename " + temporary.native() + " to " + path.native());
    state.bound = true;
    state.socket_device = info.st_dev;
    state.socket_inode = info.st_ino;
    state.acceptor.listen();
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
}

}  // namespace

namespace {

// A handler that answers at once, as a deferred one that completes before it returns.
DeferredControlHandler answering_at_once(ControlHandler handler) {
  if (!handler) return nullptr;
  return [handler = std::move(handler)](const std::string& command, const Json& request, ControlCompletion done) {
    Json result;
    try {
      result = handler(command, request);
    } catch (...) {
      return done(std::current_exception(), nullptr);
    }
    done(nullptr, std::move(result));
  };
}

}  // namespace

ControlServer::ControlServer(asio::io_context& io, ControlServerOptions options, ControlHandler handler)
    : ControlServer(io, std::move(options), answering_at_once(std::move(handler))) {}

ControlServer::ControlServer(asio::io_context& io, ControlServerOptions options, DeferredControlHandler handler)
    : state_(std::make_shared<State>(io, std::move(options), std::move(handler))) {
  if (!state_->handler) throw std::invalid_argument("ControlServer needs a handler");
  if (state_->options.max_line_bytes == 0)
    throw std::invalid_argument("ControlServer: max_line_bytes must be > 0");
  if (state_->options.request_timeout.count() <= 0 || state_->options.idle_timeout.count() <= 0)
    throw std::invalid_argument("ControlServer: request_timeout and idle_timeout must be > 0");
  try {
    bind_socket(*state_);
  } catch (const std::system_error& e) {
    stop();
    throw std::runtime_error("control socket " + state_->options.socket_path.native() + ": " + e.what());
  } catch (...) {
    stop();
    throw;
  }
  accept_connections<ControlConnection>(state_, "control socket " + state_->options.socket_path.native());
  spdlog::info("control: listening on {} (mode 0600, uid {} only)", state_->options.socket_path.native(),
               state_->options.allowed_uid);
}

ControlServer::~ControlServer() {
  stop();
}

const std::filesystem::path& ControlServer::socket_path() const {
  return state_->options.socket_path;
}

std::size_t ControlServer::connection_count() const {
  return state_->connections.size();
}

void ControlServer::stop() {
  auto& state = *state_;
  if (state.stopped) return;
  state.stopped = true;
  std::error_code ignored;
  state.acceptor.close(ignored);
  state.accept_retry.cancel();
  for (auto& [id, weak] : state.connections)
    if (auto connection = weak.lock()) connection->close();
  state.connections.clear();
  if (!state.bound) return;
  // Remove the file only if it is still ours: a successor may already have replaced it.
  struct stat info {};
  const auto& path = state.options.socket_path;
  if (::lstat(path.c_str(), &info) == 0 && info.st_dev == state.socket_device &&
      info.st_ino == state.socket_inode) {
    ::unlink(path.c_str());
    spdlog::info("control: removed {}", path.native());
  }
}

}  // namespace xdplb::control
