// The control socket end to end: a real ControlServer on a loop thread, a fake handler, and blocking
// clients under a private temporary directory.
#include <doctest/doctest.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <nlohmann/json.hpp>

#include "control/control_server.h"
#include "agent/refused.h"
#include "common/unique_fd.h"

using namespace std::chrono_literals;
using xdplb::UniqueFd;
using xdplb::control::ControlError;
using xdplb::control::ControlServer;
using xdplb::control::ControlServerOptions;
using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr uid_t kNobody = 65534;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "xdplb-control-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

sockaddr_un address_of(const fs::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.native().size() < sizeof(address.sun_path));
  std::memcpy(address.sun_path, path.c_str(), path.native().size());
  return address;
}

// A blocking client with a receive timeout, so that a missing answer fails the test instead of hanging.
class Client {
 public:
  explicit Client(const fs::path& path) : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    REQUIRE(fd_);
    const auto address = address_of(path);
    REQUIRE_MESSAGE(::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0,
                    std::strerror(errno));
  }

  void send(std::string_view data) {
    while (!data.empty()) {
      const auto n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      REQUIRE_MESSAGE(n > 0, std::strerror(errno));
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // The next line, or nullopt at end of stream (EOF or reset by the server).
  std::optional<std::string> read_line() {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (true) {
      if (const auto newline = pending_.find('\n'); newline != std::string::npos) {
        std::string line = pending_.substr(0, newline);
        pending_.erase(0, newline + 1);
        return line;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      REQUIRE_MESSAGE(left.count() > 0, "no answer from the control server within 5 s");
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[4096];
      const auto n = ::recv(fd_.get(), buffer, sizeof(buffer), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0 || (n < 0 && errno == ECONNRESET)) return std::nullopt;
      REQUIRE_MESSAGE(n > 0, std::strerror(errno));
      pending_.append(buffer, static_cast<std::size_t>(n));
    }
  }

  Json request(const Json& request) {
    send(request.dump() + "\n");
    return answer();
  }

  Json answer() {
    const auto line = read_line();
    REQUIRE_MESSAGE(line.has_value(), "the server closed the connection");
    return Json::parse(*line);
  }

  bool closed_by_server() { return !read_line().has_value(); }

 private:
  UniqueFd fd_;
  std::string pending_;
};

struct Call {
  std::string command;
  Json request;
};

// The agent's stand-in: echoes what it was asked, records it, and fails on demand.
class FakeAgent {
 public:
  Json handle(const std::string& command, const Json& request) {
    {
      std::lock_guard lock(mutex_);
      calls_.push_back({command, request});
    }
    if (command == "drain" && request["backend"] == "198.18.0.99:80")
      throw ControlError("no real server 198.18.0.99:80", Json::array({"tcp/198.18.0.100:80"}));
    if (command == "reload" && fail_reload)
      throw xdplb::agent::Refused("configuration has 2 errors", {"a.conf:3: bad", "a.conf:9: worse"});
    if (command == "stats" && fail_reload) throw std::runtime_error("the maps could not be read");
    if (command == "status") return Json{{"instance", "test"}, {"vrrp_instances", Json::array()}};
    if (answer_padding > 0) return Json{{"command", command}, {"padding", std::string(answer_padding, 'x')}};
    return Json{{"command", command}, {"request", request}};
  }

  std::vector<Call> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

  bool fail_reload = false;
  std::size_t answer_padding = 0;  // > 0: answers this many bytes long, to stall a client that never reads

 private:
  std::mutex mutex_;
  std::vector<Call> calls_;
};

// Runs the server on its own loop thread; every access to the server happens on that thread.
class LiveServer {
 public:
  LiveServer(ControlServerOptions options, FakeAgent& agent) : work_(asio::make_work_guard(io_)) {
    server_.emplace(io_, std::move(options), [&agent](const std::string& command, const Json& request) {
      return agent.handle(command, request);
    });
    thread_ = std::thread([this] { io_.run(); });
  }
  ~LiveServer() { shutdown(); }
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  void shutdown() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] { server_.reset(); });
    work_.reset();
    thread_.join();
  }

  std::size_t connection_count() {
    std::promise<std::size_t> count;
    asio::post(io_, [&] { count.set_value(server_->connection_count()); });
    return count.get_future().get();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::optional<ControlServer> server_;
  std::thread thread_;
};

ControlServerOptions options_for(const fs::path& socket) {
  ControlServerOptions options;
  options.socket_path = socket;
  return options;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

// A socket file nobody listens on, as a crashed agent leaves behind.
void make_stale_socket(const fs::path& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
  const auto address = address_of(path);
  REQUIRE(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0);
}

// Child exit codes of the unprivileged client.
constexpr int kChildRefusedAsExpected = 0;
constexpr int kChildConnectDenied = 10;
constexpr int kChildConnectFailed = 11;
constexpr int kChildUnexpectedAnswer = 12;
constexpr int kChildNotClosed = 13;
constexpr int kChildSetuidFailed = 14;

// Forks a child that drops to nobody, connects, asks for status and expects the permission refusal
// followed by the end of the connection. Only async-signal-safe calls after fork (the loop thread runs).
int run_as_nobody(const fs::path& socket) {
  const sockaddr_un address = address_of(socket);
  const char request[] = "{\"command\":\"status\"}\n";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)
      ::_exit(kChildSetuidFailed);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0)
      ::_exit(errno == EACCES ? kChildConnectDenied : kChildConnectFailed);
    (void)!::send(fd, request, sizeof(request) - 1, MSG_NOSIGNAL);  // the refusal may already have closed it
    char answer[1024] = {};
    std::size_t used = 0;
    while (used < sizeof(answer) - 1) {
      const auto n = ::read(fd, answer + used, sizeof(answer) - 1 - used);
      if (n <= 0) break;
      used += static_cast<std::size_t>(n);
      if (std::memchr(answer, '\n', used)) break;
    }
    if (!std::strstr(answer, "\"ok\":false") || !std::strstr(answer, "permission denied") ||
        !std::strstr(answer, "uid 65534"))
      ::_exit(kChildUnexpectedAnswer);
    char more;
    const auto n = ::read(fd, &more, 1);
    ::_exit(n == 0 || (n < 0 && errno == ECONNRESET) ? kChildRefusedAsExpected : kChildNotClosed);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("every command round-trips over one connection, in order") {
  TempDir dir;
  FakeAgent agent;
  LiveServer server(options_for(dir.path() / "xdplb.sock"), agent);
  Client client(dir.path() / "xdplb.sock");

  const auto status = client.request({{"command", "status"}});
  CHECK(status == Json{{"ok", true}, {"result", {{"instance", "test"}, {"vrrp_instances", Json::array()}}}});
  for (const char* command : {"list", "stats", "reload"}) {
    const auto answer = client.request({{"command", command}});
    CHECK(answer["ok"] == true);
    CHECK(answer["result"]["command"] == command);
  }
  const Json drain = {{"command", "drain"}, {"backend", "198.18.0.11:80"}, {"vip", "tcp/198.18.0.100:80"}};
  CHECK(client.request(drain)["result"]["request"] == drain);
  const Json undrain = {{"command", "undrain"}, {"backend", "[fd00::11]:443"}};
  CHECK(client.request(undrain)["result"]["request"] == undrain);

  const auto calls = agent.calls();
  REQUIRE(calls.size() == 6);
  CHECK(calls[0].command == "status");
  CHECK(calls[4].command == "drain");
  CHECK(calls[4].request["vip"] == "tcp/198.18.0.100:80");
  CHECK(calls[5].command == "undrain");
}

TEST_CASE("pipelined requests are answered in order, with their ids, CRLF and blank lines tolerated") {
  TempDir dir;
  FakeAgent agent;
  LiveServer server(options_for(dir.path() / "s.sock"), agent);
  Client client(dir.path() / "s.sock");
  client.send("{\"command\":\"list\",\"id\":1}\r\n\n   \n{\"command\":\"stats\",\"id\":\"two\"}\n");
  const auto first = client.answer();
  const auto second = client.answer();
  CHECK(first["id"] == 1);
  CHECK(first["result"]["command"] == "list");
  CHECK(second["id"] == "two");
  CHECK(second["result"]["command"] == "stats");
  CHECK(agent.calls().size() == 2);
}

TEST_CASE("malformed, unknown and mistyped requests get an error and the connection stays usable") {
  TempDir dir;
  FakeAgent agent;
  LiveServer server(options_for(dir.path() / "s.sock"), agent);
  Client client(dir.path() / "s.sock");

  client.send("{\"command\": \"status\"\n");
  auto answer = client.answer();
  CHECK(answer["ok"] == false);
  CHECK(answer["error"].get<std::string>().find("malformed JSON") == 0);

  answer = client.request({{"command", "shutdown"}, {"id", 9}});
  CHECK(answer["ok"] == false);
  CHECK(answer["id"] == 9);  // echoed even on refusal, so a pipelining client can match it
  CHECK(answer["error"].get<std::string>().find("unknown command \"shutdown\"") == 0);

  answer = client.request({{"command", "drain"}});
  CHECK(answer["error"] == "drain: missing field \"backend\"");
  answer = client.request({{"command", "drain"}, {"backend", 80}});
  CHECK(answer["error"] == "drain: field \"backend\" must be a string");
  answer = client.request(Json::array({"status"}));
  CHECK(answer["ok"] == false);

  CHECK(agent.calls().empty());  // nothing invalid reached the agent
  CHECK(client.request({{"command", "status"}})["ok"] == true);
  CHECK(agent.calls().size() == 1);
}

TEST_CASE("a handler error is the client's answer, with details, and the connection stays usable") {
  TempDir dir;
  FakeAgent agent;
  agent.fail_reload = true;
  LiveServer server(options_for(dir.path() / "s.sock"), agent);
  Client client(dir.path() / "s.sock");

  auto answer = client.request({{"command", "drain"}, {"backend", "198.18.0.99:80"}});
  CHECK(answer == Json{{"ok", false},
                       {"error", "no real server 198.18.0.99:80"},
                       {"details", {"tcp/198.18.0.100:80"}}});
  answer = client.request({{"command", "reload"}});
  CHECK(answer == Json{{"ok", false},
                       {"error", "configuration has 2 errors"},
                       {"details", {"a.conf:3: bad", "a.conf:9: worse"}}});
  answer = client.request({{"command", "stats"}});
  CHECK(answer == Json{{"ok", false}, {"error", "the maps could not be read"}});
  CHECK(client.request({{"command", "list"}})["ok"] == true);
}

TEST_CASE("an oversized request line is refused and the connection closed - a line at the limit is served") {
  TempDir dir;
  FakeAgent agent;
  LiveServer server(options_for(dir.path() / "s.sock"), agent);

  {
    Client at_limit(dir.path() / "s.sock");
    std::string line = R"({"command":"status"})";
    line.append(64 * 1024 - line.size(), ' ');
    at_limit.send(line + "\n");
    CHECK(at_limit.answer()["ok"] == true);
  }
  {
    Client oversized(dir.path() / "s.sock");
    oversized.send(std::string(64 * 1024 + 100, 'x'));
    const auto answer = oversized.answer();
    CHECK(answer["ok"] == false);
    CHECK(answer["error"].get<std::string>().find("longer than 65536 bytes") != std::string::npos);
    CHECK(oversized.closed_by_server());
  }
  {
    Client oversized_with_newline(dir.path() / "s.sock");
    oversized_with_newline.send(std::string(64 * 1024 + 1, ' ') + "\n{\"command\":\"status\"}\n");
    CHECK(oversized_with_newline.answer()["ok"] == false);
    CHECK(oversized_with_newline.closed_by_server());
  }
  CHECK(agent.calls().size() == 1);
  Client after(dir.path() / "s.sock");  // the server itself is unharmed
  CHECK(after.request({{"command", "status"}})["ok"] == true);
}

TEST_CASE("the socket is 0600 in a 0755 directory it created, whatever the umask") {
  TempDir dir;
  FakeAgent agent;
  const auto socket = dir.path() / "run" / "xdplb" / "xdplb.sock";
  const mode_t saved_umask = ::umask(0077);
  std::optional<LiveServer> server;
  try {
    server.emplace(options_for(socket), agent);
  } catch (...) {
    ::umask(saved_umask);
    throw;
  }
  ::umask(saved_umask);

  struct stat info {};
  REQUIRE(::lstat(socket.c_str(), &info) == 0);
  CHECK(S_ISSOCK(info.st_mode));
  CHECK((info.st_mode & 07777) == 0600);
  CHECK(info.st_uid == ::geteuid());
  for (const auto& directory : {dir.path() / "run", dir.path() / "run" / "xdplb"}) {
    REQUIRE(::stat(directory.c_str(), &info) == 0);
    CHECK((info.st_mode & 07777) == 0755);
  }
  // Only the socket is left: the temporary bind name was renamed, not copied.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(socket.parent_path())) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("a non-root client is refused: by the file mode, and by its peer uid if the mode is widened") {
  if (::geteuid() != 0) {
    MESSAGE("skipped: needs root to drop to uid 65534");
    return;
  }
  TempDir dir;
  FakeAgent agent;
  const auto socket = dir.path() / "s.sock";
  LiveServer server(options_for(socket), agent);
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);  // mkdtemp's 0700 would stop nobody earlier

  CHECK(run_as_nobody(socket) == kChildConnectDenied);

  // An operator who chmods the socket must still not open it to everyone: SO_PEERCRED decides.
  REQUIRE(::chmod(socket.c_str(), 0666) == 0);
  CHECK(run_as_nobody(socket) == kChildRefusedAsExpected);
  CHECK(agent.calls().empty());
  CHECK(wait_until([&] { return server.connection_count() == 0; }));

  Client root(socket);
  CHECK(root.request({{"command", "status"}})["ok"] == true);
}

TEST_CASE("a stale socket file is replaced, a live one or a non-socket is refused and left alone") {
  TempDir dir;
  FakeAgent agent;
  const auto socket = dir.path() / "s.sock";

  SUBCASE("stale") {
    make_stale_socket(socket);
    LiveServer server(options_for(socket), agent);
    Client client(socket);
    CHECK(client.request({{"command", "status"}})["ok"] == true);
  }
  SUBCASE("live") {
    LiveServer first(options_for(socket), agent);
    asio::io_context io;
    try {
      ControlServer second(io, options_for(socket), [](const std::string&, const Json&) { return Json(); });
      FAIL("a second server started on a live socket");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).find("already listening") != std::string::npos);
    }
    Client client(socket);  // the first server still owns the path
    CHECK(client.request({{"command", "status"}})["ok"] == true);
  }
  SUBCASE("regular file") {
    std::ofstream(socket) << "keep me\n";
    asio::io_context io;
    try {
      ControlServer server(io, options_for(socket), [](const std::string&, const Json&) { return Json(); });
      FAIL("a server replaced a regular file");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).find("is not a socket") != std::string::npos);
    }
    std::ifstream in(socket);
    std::string content;
    std::getline(in, content);
    CHECK(content == "keep me");
  }
}

TEST_CASE("shutdown removes the socket file, unless someone else's file has replaced it") {
  TempDir dir;
  FakeAgent agent;
  const auto socket = dir.path() / "s.sock";
  {
    LiveServer server(options_for(socket), agent);
    Client client(socket);
    CHECK(client.request({{"command", "status"}})["ok"] == true);
    server.shutdown();
    CHECK(client.closed_by_server());
  }
  CHECK_FALSE(fs::exists(fs::symlink_status(socket)));

  {
    LiveServer server(options_for(socket), agent);
    const auto successor = dir.path() / "successor.sock";
    make_stale_socket(successor);
    REQUIRE(::rename(successor.c_str(), socket.c_str()) == 0);
  }
  CHECK(fs::exists(fs::symlink_status(socket)));
}

TEST_CASE("at the limit the connection idle the longest gives way - a vanished client is dropped") {
  TempDir dir;
  FakeAgent agent;
  auto options = options_for(dir.path() / "s.sock");
  options.max_connections = 2;
  LiveServer server(options, agent);

  Client first(dir.path() / "s.sock");
  Client second(dir.path() / "s.sock");
  CHECK(first.request({{"command", "status"}})["ok"] == true);
  CHECK(second.request({{"command", "status"}})["ok"] == true);
  Client third(dir.path() / "s.sock");
  CHECK(third.request({{"command", "status"}})["ok"] == true);

  // first has waited longest for its next request: it was told why, then closed.
  const auto goodbye = first.answer();
  CHECK(goodbye["ok"] == false);
  CHECK(goodbye["error"].get<std::string>().find("make room for a new client") != std::string::npos);
  CHECK(first.closed_by_server());
  CHECK(second.request({{"command", "list"}})["ok"] == true);
  CHECK(wait_until([&] { return server.connection_count() == 2; }));

  {
    Client vanishing(dir.path() / "s.sock");  // makes third give way, then is gone
    vanishing.send("{\"command\":");          // half a request
  }
  CHECK(wait_until([&] { return server.connection_count() == 1; }));
  CHECK(agent.calls().size() == 4);
}

TEST_CASE("many silent connections do not lock the operator out") {
  TempDir dir;
  FakeAgent agent;
  auto options = options_for(dir.path() / "s.sock");  // 32 connections, 5 s to send a request
  LiveServer server(options, agent);

  std::vector<std::unique_ptr<Client>> silent;
  for (int i = 0; i < 100; ++i) silent.push_back(std::make_unique<Client>(dir.path() / "s.sock"));
  CHECK(wait_until([&] { return server.connection_count() == 32; }));

  // Long before any of them times out, a real request gets through, as often as needed.
  for (int i = 0; i < 3; ++i) {
    Client operator_client(dir.path() / "s.sock");
    const auto answer = operator_client.request({{"command", "status"}});
    CHECK(answer["ok"] == true);
  }
  // The oldest silent ones made room; they read why.
  const auto goodbye = silent.front()->answer();
  CHECK(goodbye["error"].get<std::string>().find("idle the longest") != std::string::npos);
  CHECK(silent.front()->closed_by_server());
  CHECK(server.connection_count() <= 32);
  CHECK(agent.calls().size() == 3);
}

TEST_CASE("a client that sends no request is closed after the request timeout, one that has spoken may idle") {
  TempDir dir;
  FakeAgent agent;
  auto options = options_for(dir.path() / "s.sock");
  options.request_timeout = 200ms;
  options.idle_timeout = 60s;
  LiveServer server(options, agent);

  Client spoken(dir.path() / "s.sock");
  CHECK(spoken.request({{"command", "status"}})["ok"] == true);
  Client silent(dir.path() / "s.sock");
  Client trickling(dir.path() / "s.sock");
  const auto connected = std::chrono::steady_clock::now();
  trickling.send("{\"comm");  // a partial request does not extend the deadline

  CHECK(silent.closed_by_server());
  CHECK(std::chrono::steady_clock::now() - connected >= 150ms);
  CHECK(trickling.closed_by_server());
  CHECK(std::chrono::steady_clock::now() - connected < 4s);  // well before any idle timeout

  // The request timeout has passed for `spoken` too, but it has spoken: it may stay silent longer.
  CHECK(spoken.request({{"command", "list"}})["ok"] == true);
  CHECK(server.connection_count() == 1);
}

TEST_CASE("a connection being answered is not made to give way; one that does not read its answer is closed") {
  TempDir dir;
  FakeAgent agent;
  agent.answer_padding = 16 * 1024 * 1024;  // far more than the socket buffers hold
  auto options = options_for(dir.path() / "s.sock");
  options.max_connections = 1;
  options.request_timeout = 300ms;
  LiveServer server(options, agent);

  Client not_reading(dir.path() / "s.sock");
  not_reading.send("{\"command\":\"list\"}\n");
  CHECK(wait_until([&] { return agent.calls().size() == 1; }));

  Client newcomer(dir.path() / "s.sock");
  const auto refused = newcomer.answer();
  CHECK(refused["error"].get<std::string>().find("too many control connections (limit 1, all busy)") == 0);
  CHECK(newcomer.closed_by_server());

  // It had 300 ms to take its answer.
  CHECK(wait_until([&] { return server.connection_count() == 0; }));
  agent.answer_padding = 0;
  Client after(dir.path() / "s.sock");
  CHECK(after.request({{"command", "status"}})["ok"] == true);
}

TEST_CASE("a deferred answer arrives when the handler completes; the loop serves others meanwhile") {
  TempDir dir;
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::vector<xdplb::control::ControlCompletion> pending;  // loop thread only
  std::optional<ControlServer> server;
  server.emplace(io, options_for(dir.path() / "xdplb.sock"),
                 xdplb::control::DeferredControlHandler(
                     [&](const std::string& command, const Json&, xdplb::control::ControlCompletion done) {
                       if (command == "reload") return pending.push_back(std::move(done));
                       done(nullptr, Json{{"command", command}});
                     }));
  std::thread loop([&] { io.run(); });
  auto on_loop = [&](auto action) {
    std::promise<void> finished;
    asio::post(io, [&] {
      action();
      finished.set_value();
    });
    finished.get_future().get();
  };

  Client slow(dir.path() / "xdplb.sock");
  slow.send("{\"command\":\"reload\",\"id\":1}\n");
  REQUIRE(wait_until([&] {
    bool waiting = false;
    on_loop([&] { waiting = pending.size() == 1; });
    return waiting;
  }));
  // Another client is answered while the reload is pending.
  Client other(dir.path() / "xdplb.sock");
  CHECK(other.request({{"command", "status"}})["result"]["command"] == "status");
  // A client that left before its answer came costs nothing when the answer comes.
  {
    Client gone(dir.path() / "xdplb.sock");
    gone.send("{\"command\":\"reload\"}\n");
    REQUIRE(wait_until([&] {
      bool both = false;
      on_loop([&] { both = pending.size() == 2; });
      return both;
    }));
  }
  on_loop([&] {
    pending[0](nullptr, Json{{"applied", true}});
    pending[1](std::make_exception_ptr(ControlError("refused later")), nullptr);
  });
  const auto answer = slow.read_line();
  REQUIRE(answer);
  CHECK(Json::parse(*answer) == Json{{"ok", true}, {"result", {{"applied", true}}}, {"id", 1}});
  // The connection goes on after a deferred answer.
  CHECK(slow.request({{"command", "list"}})["result"]["command"] == "list");

  on_loop([&] { server.reset(); });
  work.reset();
  loop.join();
}
