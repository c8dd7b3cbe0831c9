#include "xdplbd/signals.h"

#include <signal.h>
#include <string.h>

namespace xdplb::xdplbd {

int json_signal() { return SIGRTMIN + 2; }
int stats_clear_signal() { return SIGRTMAX - 1; }

std::vector<SignalRole> caught_signals() {
  std::vector<SignalRole> roles = {
      {SIGTERM, SignalAction::stop},
      {SIGINT, SignalAction::stop},
      {SIGHUP, SignalAction::reload},
      {SIGUSR1, SignalAction::state_dump},
      {SIGUSR2, SignalAction::stats_dump},
      // Default action "terminate", and nobody sends them to a daemon meaning "carry on": stop, but
      // cleanly. SIGXCPU warns that the hard CPU limit's SIGKILL is near: better stop while we can.
      {SIGALRM, SignalAction::stop},
      {SIGVTALRM, SignalAction::stop},
      {SIGPROF, SignalAction::stop},
      {SIGIO, SignalAction::stop},  // also SIGPOLL
      {SIGPWR, SignalAction::stop},
      {SIGSTKFLT, SignalAction::stop},
      {SIGXCPU, SignalAction::stop},
      // A write beyond RLIMIT_FSIZE: ignored, the write fails with EFBIG and reports itself.
      {SIGXFSZ, SignalAction::ignore},
  };
  // keepalived's real-time signals move between versions and builds ("may change depending on the
  // kernel" says its man page). One meant for another keepalived version must not cost a failover,
  // so the unassigned ones are ignored with a warning rather than stopping the agent.
  for (int number = SIGRTMIN; number <= SIGRTMAX; ++number) {
    const SignalAction action = number == json_signal()          ? SignalAction::json_dump
                                : number == stats_clear_signal() ? SignalAction::stats_clear
                                                                 : SignalAction::ignore;
    roles.push_back({number, action});
  }
  return roles;
}

std::optional<int> signal_for_function(std::string_view function) {
  if (function == "STOP") return SIGTERM;
  if (function == "RELOAD") return SIGHUP;
  if (function == "DATA") return SIGUSR1;
  if (function == "STATS") return SIGUSR2;
  if (function == "STATS_CLEAR") return stats_clear_signal();
  if (function == "JSON") return json_signal();
  return std::nullopt;
}

std::string signal_name(int number) {
  if (number >= SIGRTMIN && number <= SIGRTMAX) {
    const int from_min = number - SIGRTMIN;
    const int from_max = SIGRTMAX - number;
    // As `kill -l` names them: counted from the nearer end.
    if (from_min == 0) return "SIGRTMIN";
    if (from_max == 0) return "SIGRTMAX";
    return from_min <= from_max ? "SIGRTMIN+" + std::to_string(from_min) : "SIGRTMAX-" + std::to_string(from_max);
  }
  if (const char* abbreviation = ::sigabbrev_np(number)) return std::string("SIG") + abbreviation;
  return "signal " + std::to_string(number);
}

}  // namespace xdplb::xdplbd
