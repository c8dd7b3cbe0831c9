#include "xdplbd/log_target.h"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/sinks/systemd_sink.h>

namespace xdplb::xdplbd {

namespace {

constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

bool stderr_is_the_journal_stream() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return false;
  unsigned long long device = 0, inode = 0;
  char rest = 0;
  if (std::sscanf(stream, "%llu:%llu%c", &device, &inode, &rest) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == device && st.st_ino == inode;
}

}  // namespace

LogTarget choose_log_target(bool log_console) {
  if (!log_console) return LogTarget::syslog;
  struct stat st {};
  if (stderr_is_the_journal_stream() && ::stat(kJournalSocket, &st) == 0 && S_ISSOCK(st.st_mode))
    return LogTarget::journal;
  return LogTarget::console;
}

const char* to_string(LogTarget target) {
  switch (target) {
    case LogTarget::journal: return "the journal";
    case LogTarget::console: return "stderr";
    case LogTarget::syslog: return "syslog";
  }
  return "?";
}

std::shared_ptr<spdlog::logger> make_logger(LogTarget target, const LogSettings& settings) {
  std::vector<spdlog::sink_ptr> sinks;
  switch (target) {
    case LogTarget::journal:
      // SYSLOG_IDENTIFIER=xdplbd and PRIORITY from the level; the journal adds time and pid itself.
      sinks.push_back(std::make_shared<spdlog::sinks::systemd_sink_mt>("xdplbd"));
      break;
    case LogTarget::console:
      sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
      break;
    case LogTarget::syslog:
      if (!settings.no_syslog) {
        const int facility = settings.local_facility ? LOG_LOCAL0 + (*settings.local_facility << 3) : LOG_DAEMON;
        sinks.push_back(std::make_shared<spdlog::sinks::syslog_sink_mt>("xdplbd", LOG_PID, facility, false));
      }
      break;
  }
  // keepalived's -g: also to a file, appended to, as each line is written.
  if (!settings.file.empty()) {
    auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(settings.file, false);
    sinks.push_back(std::move(file));
  }
  auto logger = std::make_shared<spdlog::logger>("xdplbd", sinks.begin(), sinks.end());
  if (!settings.file.empty()) logger->flush_on(spdlog::level::trace);
  return logger;
}

}  // namespace xdplb::xdplbd
