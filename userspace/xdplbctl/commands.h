// One function per xdplbctl command: ask the agent, print text or JSON, return the exit status.
// Errors are thrown (client.h, format.h) and turned into messages and exit codes by main().
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace xdplb::ctl {

struct Invocation {
  std::string instance = "xdplb";
  std::filesystem::path socket;  // the agent's control socket
  bool json = false;             // machine-readable output
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

int run_status(const Invocation& invocation);
int run_list(const Invocation& invocation);
// Falls back to the pinned maps' verdict counters when no agent runs.
int run_stats(const Invocation& invocation, bool rate);
int run_reload(const Invocation& invocation);
// Exit status 1 when the live maps differ from what the agent intends.
int run_verify(const Invocation& invocation);
// With `wait` (drain only), asks again every second until the real server has no active flows left
// in those VIPs (exit 0) or `wait` has passed (exit 1).
int run_drain(const Invocation& invocation, const std::string& backend, const std::optional<std::string>& vip,
              bool drain, std::optional<std::chrono::seconds> wait = std::nullopt);
struct ConnsFilter {
  std::optional<std::string> vip;
  std::optional<std::string> backend;
  std::uint64_t limit = 1000;  // 0: every entry
};
int run_conns(const Invocation& invocation, const ConnsFilter& filter);

}  // namespace xdplb::ctl
