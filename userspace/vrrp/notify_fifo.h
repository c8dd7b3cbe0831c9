// keepalived's notify FIFO: one line per VRRP transition, in the order they happen, for a reader
// that must not miss or reorder them (scripts run in parallel; FIFO lines do not):
//   INSTANCE "VI_1" MASTER 100
//   GROUP "G1" BACKUP 0
#pragma once

#include <string>

#include "common/notify_fifo.h"
#include "vrrp/fsm.h"
#include "vrrp/notifier.h"

namespace xdplb::vrrp {

// The line for `subject` `name` entering `state` (with its newline).
std::string notify_fifo_line(NotifySubject subject, const std::string& name, State state, int priority);

using xdplb::NotifyFifo;

}  // namespace xdplb::vrrp
