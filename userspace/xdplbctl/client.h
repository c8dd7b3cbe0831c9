// xdplbctl's side of the control socket: connect, send one JSON line, read one JSON line.
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "common/unique_fd.h"

namespace xdplb::ctl {

// Nobody listens on the socket (no file, or a stale one): the agent is not running.
class AgentNotRunning : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The agent answered {"ok":false,...}; what() is its error, details() its optional details.
class AgentRefused : public std::runtime_error {
 public:
  AgentRefused(const std::string& error, nlohmann::json details)
      : std::runtime_error(error), details_(std::move(details)) {}
  const nlohmann::json& details() const { return details_; }

 private:
  nlohmann::json details_;
};

class AgentClient {
 public:
  // Connects; throws AgentNotRunning, or std::runtime_error for anything else (permissions, ...).
  explicit AgentClient(const std::filesystem::path& socket,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Sends the request and returns the "result" of a successful answer. Throws AgentRefused for
  // {"ok":false}, std::runtime_error for a broken connection, a timeout or an answer that is not
  // the protocol's.
  nlohmann::json call(const nlohmann::json& request);

 private:
  void send_line(const std::string& line);
  // After a failed send: throws AgentRefused if the agent left an error line before closing.
  void throw_parting_answer();
  std::string read_line();

  std::filesystem::path socket_;
  std::chrono::milliseconds timeout_;
  UniqueFd fd_;
  std::string pending_;
};

}  // namespace xdplb::ctl
