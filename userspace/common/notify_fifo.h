// A notify FIFO writer (keepalived's notify_fifo and friends): the FIFO is created when missing and
// written one whole line at a time without ever blocking the event loop. What the lines say is the
// writer's business (vrrp/notify_fifo.h, agent/notify_fifos.h).
#pragma once

#include <string>

#include "common/unique_fd.h"

namespace xdplb {

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

}  // namespace xdplb
