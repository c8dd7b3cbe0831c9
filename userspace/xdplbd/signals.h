// Which signals xdplbd catches and what each one means. keepalived's operator signals keep
// keepalived's meaning (and, for the real-time ones, keepalived 2.2.7's numbers, so that
// `kill -s $(keepalived --signum=JSON) PID` works on xdplbd too); every other signal whose default
// action would end the process without removing its VIPs, program, pins and socket either stops the
// agent as SIGTERM does or is logged and ignored. Faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS,
// SIGTRAP, SIGABRT) and SIGQUIT (the operator's request for a core dump) keep their default.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xdplb::xdplbd {

enum class SignalAction {
  stop,         // as SIGTERM: resign VRRP, remove the VIPs, detach, unpin, remove the socket and files
  reload,       // SIGHUP
  state_dump,   // SIGUSR1: /run/xdplb/INSTANCE.data
  stats_dump,   // SIGUSR2: /run/xdplb/INSTANCE.stats
  stats_clear,  // keepalived's STATS_CLEAR: the stats dump, then the counters it shows restart at 0
  json_dump,    // keepalived's JSON: /run/xdplb/INSTANCE.json
  ignore,       // logged with a warning, nothing else
};

struct SignalRole {
  int number;
  SignalAction action;
};

// keepalived 2.2.7: SIGRTMIN+2 (36) and SIGRTMAX-1 (63) on Linux with glibc.
int json_signal();
int stats_clear_signal();

// Every signal xdplbd catches, each once. SIGPIPE is not among them: it is ignored outright (a
// write to a vanished reader fails with EPIPE where it happens).
std::vector<SignalRole> caught_signals();

// keepalived's --signum: the number of the signal for one of its signal functions (STOP, RELOAD,
// DATA, STATS, STATS_CLEAR, JSON), as this agent handles them; nothing for another word.
std::optional<int> signal_for_function(std::string_view function);

// "SIGTERM", "SIGRTMIN+2", "SIGRTMAX-1", or "signal N" for a number with no name.
std::string signal_name(int number);

}  // namespace xdplb::xdplbd
