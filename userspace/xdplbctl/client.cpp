#include "xdplbctl/client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xdplb::ctl {
namespace {

// Answers are bounded by what the agent has to say; this only stops a runaway peer.
constexpr std::size_t kMaxAnswerBytes = 64 * 1024 * 1024;

std::string error_text(int error) {
  return std::strerror(error);
}

}  // namespace

AgentClient::AgentClient(const std::filesystem::path& socket, std::chrono::milliseconds timeout)
    : socket_(socket), timeout_(timeout), fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  if (!fd_) throw std::runtime_error("socket(AF_UNIX): " + error_text(errno));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket.native().size() >= sizeof(address.sun_path))
    throw std::runtime_error("control socket path " + socket.native() + " is too long");
  std::memcpy(address.sun_path, socket.c_str(), socket.native().size());
  if (::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) return;
  const int error = errno;
  if (error == ENOENT || error == ECONNREFUSED)
    throw AgentNotRunning("xdplbd is not running: nobody listens on " + socket.native() + " (" +
                          error_text(error) + ")");
  if (error == EACCES || error == EPERM)
    throw std::runtime_error("permission denied on " + socket.native() +
                             ": the control socket is for root only");
  throw std::runtime_error("cannot connect to " + socket.native() + ": " + error_text(error));
}

void AgentClient::send_line(const std::string& line) {
  std::string_view rest = line;
  while (!rest.empty()) {
    const auto n = ::send(fd_.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      // The agent answers a refusal (too many connections, not root, ...) with one line and closes
      // before reading us; its reason is in our receive queue and says more than "Broken pipe".
      throw_parting_answer();
      throw std::runtime_error("cannot send to " + socket_.native() + ": " + error_text(error));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

void AgentClient::throw_parting_answer() {
  char buffer[4096];
  while (pending_.find('\n') == std::string::npos && pending_.size() < sizeof(buffer) * 16) {
    const auto n = ::recv(fd_.get(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending_.append(buffer, static_cast<std::size_t>(n));
  }
  const auto newline = pending_.find('\n');
  if (newline == std::string::npos) return;
  const auto answer = nlohmann::json::parse(pending_.substr(0, newline), nullptr, false);
  if (!answer.is_object()) return;
  const auto ok = answer.find("ok");
  if (ok == answer.end() || !ok->is_boolean() || ok->get<bool>()) return;
  const auto error = answer.find("error");
  if (error == answer.end() || !error->is_string()) return;
  throw AgentRefused(error->get<std::string>(), answer.value("details", nlohmann::json()));
}

std::string AgentClient::read_line() {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  while (true) {
    if (const auto newline = pending_.find('\n'); newline != std::string::npos) {
      std::string line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return line;
    }
    if (pending_.size() > kMaxAnswerBytes)
      throw std::runtime_error("the agent's answer is larger than 64 MiB");
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw std::runtime_error("no answer from xdplbd within " + std::to_string(timeout_.count() / 1000) +
                               " s");
    pollfd ready{fd_.get(), POLLIN, 0};
    const int polled = ::poll(&ready, 1, static_cast<int>(left.count()));
    if (polled < 0 && errno != EINTR) throw std::runtime_error("poll: " + error_text(errno));
    if (polled <= 0) continue;
    char buffer[65536];
    const auto n = ::recv(fd_.get(), buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("connection to xdplbd failed: " + error_text(errno));
    if (n == 0) throw std::runtime_error("xdplbd closed the connection without answering");
    pending_.append(buffer, static_cast<std::size_t>(n));
  }
}

nlohmann::json AgentClient::call(const nlohmann::json& request) {
  send_line(request.dump() + "\n");
  const auto line = read_line();
  nlohmann::json answer;
  try {
    answer = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error&) {
    throw std::runtime_error("xdplbd answered something that is not JSON");
  }
  if (!answer.is_object() || !answer.contains("ok") || !answer["ok"].is_boolean())
    throw std::runtime_error("xdplbd answered without an \"ok\" field");
  if (!answer["ok"].get<bool>()) {
    const auto error = answer.find("error");
    throw AgentRefused(
        error != answer.end() && error->is_string() ? error->get<std::string>() : "unspecified error",
        answer.value("details", nlohmann::json()));
  }
  if (!answer.contains("result")) throw std::runtime_error("xdplbd answered ok without a \"result\"");
  return answer["result"];
}

}  // namespace xdplb::ctl
