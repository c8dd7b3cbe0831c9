#include "control/dumps.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "agent/agent.h"
#include "contract/answers_json.h"

namespace xdplb::control {

namespace {

std::string indented(const nlohmann::json& value) {
  return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string header(const agent::Agent& agent, const char* what) {
  return "xdplbd " XDPLB_VERSION " instance " + agent.instance() + " " + what + "\n";
}

}  // namespace

void replace_file(const std::filesystem::path& path, const std::string& text) {
  const std::string temporary = path.native() + ".tmp" + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + path.native() + ": " + std::strerror(errno));
  std::size_t written = 0;
  while (written < text.size()) {
    const auto n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      throw std::runtime_error("cannot write " + path.native() + ": " + std::strerror(error));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    throw std::runtime_error("cannot write " + path.native() + ": " + std::strerror(error));
  }
}

void write_state_dump(const agent::Agent& agent, const std::filesystem::path& path) {
  replace_file(path, header(agent, "state dump") + indented(contract::encode(agent.status())) + "\n" +
                         indented(contract::encode(agent.list())) + "\n");
  spdlog::info("state dump written to {}", path.native());
}

void write_stats_dump(const agent::Agent& agent, const std::filesystem::path& path) {
  replace_file(path, header(agent, "stats dump") + indented(contract::encode(agent.stats())) + "\n");
  spdlog::info("stats dump written to {}", path.native());
}

void write_json_dump(const agent::Agent& agent, const std::filesystem::path& path) {
  const auto snapshot = agent.snapshot(agent::Agent::FlowCounting::count, agent::Agent::Counting::since_clear);
  const nlohmann::json dump = {
      {"instance", agent.instance()},
      {"version", XDPLB_VERSION},
      {"written_at", contract::to_rfc3339(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()))},
      {"status", contract::encode(snapshot.status)},
      {"list", contract::encode(snapshot.list)},
      {"stats", contract::encode(snapshot.stats)}};
  replace_file(path, indented(dump) + "\n");
  spdlog::info("JSON dump written to {}", path.native());
}

}  // namespace xdplb::control
