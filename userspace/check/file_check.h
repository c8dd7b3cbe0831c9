// FILE_CHECK: the real server follows a track_file's value (keepalived 2.2.7's rules). With weight
// 0 a non-zero value is down (reverse: a zero value is); otherwise value x weight (negated by
// reverse), kept to -65535..65534, is added to the real server's weight, and -65535 is down. The
// file is watched with inotify (common/track_file.h): a check completes at once the first time,
// then only when the verdict changes, so the scheduler (delay_loop 0, retry 0) follows the file as
// soon as it changes, without polling.
#pragma once

#include <asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "check/checker.h"

namespace xdplb {
class TrackFileWatch;
}

namespace xdplb::check {

struct FileCheckParams {
  std::string track_file;  // the track_file block's name, for logs
  std::string path;
  int weight = 1;
  bool reverse = false;
  unsigned server_weight = 1;  // the real server's configured weight
  bool operator==(const FileCheckParams&) const = default;
};

// What a value in the file means for the real server.
CheckOutcome file_check_verdict(const FileCheckParams& params, int value);

class FileCheck final : public Checker {
 public:
  FileCheck(asio::io_context& io, FileCheckParams params);
  ~FileCheck() override;
  void start(Clock::duration connect_timeout, Completion done) override;
  std::string describe() const override;

 private:
  void on_value(int value);
  void report(Completion done, CheckOutcome outcome);

  asio::io_context& io_;
  FileCheckParams params_;
  std::unique_ptr<TrackFileWatch> watch_;
  std::optional<CheckOutcome> reported_;  // the verdict the scheduler last heard
  Completion pending_;                     // a check waiting for the verdict to change
};

}  // namespace xdplb::check
