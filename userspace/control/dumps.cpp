#include "control/dumps.h"

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "agent/agent.h"
#include "common/atomic_file.h"
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

void write_state_dump(const agent::Agent& agent, const std::filesystem::path& path) {
  replace_file_atomically(path, header(agent, "state dump") + indented(contract::encode(agent.status())) + "\n" +
                         indented(contract::encode(agent.list())) + "\n");
  spdlog::info("state dump written to {}", path.native());
}

void write_stats_dump(const agent::Agent& agent, const std::filesystem::path& path) {
  replace_file_atomically(path, header(agent, "stats dump") + indented(contract::encode(agent.stats())) + "\n");
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
  replace_file_atomically(path, indented(dump) + "\n");
  spdlog::info("JSON dump written to {}", path.native());
}

}  // namespace xdplb::control
