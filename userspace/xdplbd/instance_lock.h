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
  // when it cannot be opened. A lock won on a file that was removed meanwhile is taken again on the
  // file the name holds now, so that removing it at the end is safe.
  InstanceLock(const std::filesystem::path& directory, const std::string& instance);
  // Removes the file, then lets the lock go.
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
};

}  // namespace xdplb::xdplbd
