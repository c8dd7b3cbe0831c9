// One agent per instance: an exclusive lock on /run/xdplb/<instance>.lock, taken before anything
// else (pins, socket, VIPs, pid file). A second xdplbd of the same instance refuses at once, whatever
// pid file it was given, instead of taking over the first one's pins.
#pragma once

#include <filesystem>
#include <string>

#include "common/unique_fd.h"

namespace xdplb::xdplbd {

class InstanceLock {
 public:
  // Throws std::runtime_error naming the instance when another agent holds it, or naming the file
  // when it cannot be opened. The file stays after the agent (removing it would let a newcomer lock a
  // file a third one can no longer see).
  InstanceLock(const std::filesystem::path& directory, const std::string& instance);

 private:
  UniqueFd fd_;
};

}  // namespace xdplb::xdplbd
