// keepalived's notify scripts for VRRP transitions: notify_master / notify_backup / notify_fault /
// notify_stop run as written, then the generic `notify` with four arguments appended:
//   INSTANCE|GROUP  name  MASTER|BACKUP|FAULT|STOP  priority
// Each runs asynchronously with a timeout (common/process.h) so a hanging script never delays
// the next election.
#pragma once

#include <asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include "vrrp/fsm.h"

namespace xdplb {
class NotifyFifo;  // common/notify_fifo.h
}  // namespace xdplb

namespace xdplb::vrrp {

struct NotifyRunAs {
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  bool operator==(const NotifyRunAs&) const = default;
};

struct NotifyCommands {
  std::string master, backup, fault, stop, any;  // `any` is keepalived's `notify`
  // Who runs each one: keepalived lets every notify line name its own user. Unset: the Notifier's.
  std::optional<NotifyRunAs> master_as, backup_as, fault_as, stop_as, any_as;

  bool operator==(const NotifyCommands&) const = default;
};

enum class NotifySubject : uint8_t { instance, group };

struct NotifyCall {
  std::string which;  // "notify_master", ..., "notify": for the log
  std::vector<std::string> argv;
  std::optional<NotifyRunAs> run_as;  // unset: the Notifier's
};

// The commands to run, in order, for `subject` `name` entering `state`. Throws CommandLineError
// (common/process.h) for a command that cannot be split into words.
std::vector<NotifyCall> notify_calls(const NotifyCommands& commands, NotifySubject subject, const std::string& name,
                                     State state, int priority);

class Notifier {
 public:
  // `fifos` (not owned, may be empty) receive one line per notification, in order.
  Notifier(asio::io_context& io, NotifyRunAs run_as, std::chrono::milliseconds timeout,
           std::vector<xdplb::NotifyFifo*> fifos = {});
  void notify(const NotifyCommands& commands, NotifySubject subject, const std::string& name, State state,
              int priority);

 private:
  asio::io_context& io_;
  NotifyRunAs run_as_;
  std::chrono::milliseconds timeout_;
  std::vector<xdplb::NotifyFifo*> fifos_;
};

}  // namespace xdplb::vrrp
