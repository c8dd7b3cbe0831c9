// keepalived's notify FIFO: one line per VRRP transition, in the order they happen, for a reader
// that must not miss or reorder them (scripts run in parallel; FIFO lines do not):
//   INSTANCE "VI_1" MASTER 100
//   GROUP "G1" BACKUP 0
#pragma once

#include <string>

#include "common/unique_fd.h"
#include "vrrp/fsm.h"
#include "vrrp/notifier.h"

namespace xdplb::vrrp {

// The line for `subject` `name` entering `state` (with its newline).
std::string notify_fifo_line(NotifySubject subject, const std::string& name, State state, int priority);

class NotifyFifo {
 public:
  // Creates the FIFO (mode 0600) when missing and opens it without ever blocking: read-write, so that
  // it opens and stays writable while no reader is attached. Throws std::system_error.
  explicit NotifyFifo(std::string path);

  // Writes one whole line (atomic: shorter than PIPE_BUF); a full pipe (a reader that stopped reading)
  // drops the line with a warning instead of stalling the agent.
  void write_line(const std::string& line);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  UniqueFd fd_;
};

}  // namespace xdplb::vrrp
