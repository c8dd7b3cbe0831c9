// Where xdplbd's log lines go. keepalived's rule: syslog unless -l (--log-console), then stderr. Under
// systemd with -l, stderr is a stream into the journal that gives every line the same priority; there
// the lines go to the journal directly instead, each with its level's priority, so that
// `journalctl -p warning -u xdplbd` shows the warnings and errors only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <spdlog/logger.h>

namespace xdplb::xdplbd {

enum class LogTarget { journal, console, syslog };

// `journal` when stderr is the stream systemd names in $JOURNAL_STREAM ("DEVICE:INODE", see
// systemd.exec(5)) and the journal's socket is there; `console` otherwise with -l; else `syslog`.
LogTarget choose_log_target(bool log_console);
const char* to_string(LogTarget target);

// keepalived's logging flags besides -l: -S (syslog facility LOCAL0-7 instead of DAEMON), -g FILE
// (also to FILE), -G (not to syslog).
struct LogSettings {
  std::optional<int> local_facility;  // 0-7
  std::string file;                   // empty: none
  bool no_syslog = false;
};

// The logger for `target` with `settings`' extras; under -G without -l and -g it has no sink at all.
std::shared_ptr<spdlog::logger> make_logger(LogTarget target, const LogSettings& settings = {});

}  // namespace xdplb::xdplbd
