// Plain parameter and result types shared by every checker, the scheduler and the healthy set.
// The agent maps the configuration model onto these; check/ never needs the config library.
#pragma once

#include <asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace xdplb::check {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Where a checker connects: the real server, or connect_ip/connect_port when configured, from
// bindto/bind_port when configured.
struct CheckTarget {
  asio::ip::address address;
  std::uint16_t port = 0;
  std::optional<asio::ip::address> bindto;
  std::uint16_t bind_port = 0;

  // "198.18.0.5:80" or "[fd00::5]:80"
  std::string describe() const;
  bool operator==(const CheckTarget&) const = default;
};

// keepalived's per-checker timing rules (see CheckHealth for how they combine).
struct SchedulingParams {
  Clock::duration delay_loop = 60s;          // between rounds
  Clock::duration connect_timeout = 5s;      // per network phase of one check
  unsigned retry = 1;                        // failed checks tolerated before "down" (nb_get_retry)
  Clock::duration delay_before_retry = 1s;   // wait before re-checking after a tolerated failure
  std::optional<Clock::duration> warmup;     // first check at random in [0, warmup); unset = delay_loop
  unsigned rise = 1;                         // consecutive successes to come back up
  bool alpha = false;                        // start down and wait for a success
  bool operator==(const SchedulingParams&) const = default;
};

// What one run of one checker found.
struct CheckOutcome {
  bool healthy = false;
  std::string reason;                 // why it failed, or what succeeded ("HTTP 200 from ...")
  std::optional<unsigned> weight;     // MISC_CHECK misc_dynamic: the weight the script asked for
  Clock::duration latency{};          // start of the check to its verdict
};

}  // namespace xdplb::check
