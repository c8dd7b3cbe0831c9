// Ctrl-C for benchmarks: SIGINT/SIGTERM/SIGHUP only note the signal; the benchmark checks between
// steps and unwinds, so every Dataplane it made unpins its maps on the way out.
#pragma once

#include <signal.h>

#include <array>
#include <csignal>
#include <stdexcept>
#include <string>

namespace xdplb::bench {

inline volatile std::sig_atomic_t stop_signal = 0;

extern "C" inline void note_stop_signal(int signal_number) { stop_signal = signal_number; }

class StopSignals {
 public:
  StopSignals() {
    struct sigaction action {};
    action.sa_handler = note_stop_signal;
    sigemptyset(&action.sa_mask);
    for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &action, &previous_[i]);
  }
  ~StopSignals() {
    for (std::size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &previous_[i], nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  static constexpr std::array<int, 3> kSignals{SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> previous_{};
};

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted by signal " + std::to_string(stop_signal)) {}
};

inline void throw_if_interrupted() {
  if (stop_signal != 0) throw Interrupted();
}

}  // namespace xdplb::bench
